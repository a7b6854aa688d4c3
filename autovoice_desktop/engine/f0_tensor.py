"""F0 post-processing as tensor operations, on the CPU or on the GPU without a host wait.

The one implementation of the lineages' gap fills (`fill_gaps`) and of FCPE's frames put on a model's frame
grid (`on_model_grid`). engine/pitch.py calls them on CPU tensors made from its numpy arrays; a live stream
calls them on the F0 device, so a block's FCPE F0 goes from FCPE to the synthesizer without a round trip
through the host (engine/sovits/stream.py). Everything is computed in float64 in the same order of operations
as the reference's numpy code (np.interp for 4.1, the frame loop of 4.0 and so-vits-svc-fork), so the
results equal it to the bit: tests/engine/test_pitch.py compares them with both.
Shapes: T frames of the model's grid, F FCPE frames (10 ms).
"""

from __future__ import annotations

import torch

F0_MIN = 50.0  # Hz: the reference's F0 range; FCPE frames outside it are unvoiced
F0_MAX = 1100.0


def _neighbours(voiced: torch.Tensor, index: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """voiced (T,) bool, index = arange(T) -> (index of the last voiced frame before each frame, -1 if none;
    index of the first voiced frame at or after it, T if none), both int64 (T,)."""
    n = voiced.numel()
    at_or_before = torch.where(voiced, index, -1).cummax(0).values
    before = torch.cat((at_or_before.new_full((1,), -1), at_or_before[:-1]))
    after = torch.where(voiced, index, n).flip(0).cummin(0).values.flip(0)
    return before, after


def fill_gaps(
    raw: torch.Tensor, lineage: str = "4.1", frame_times: tuple[int, int] | None = None
) -> tuple[torch.Tensor, torch.Tensor]:
    """raw F0 (T,) (Hz, 0 = unvoiced) -> (F0 with the gaps filled, uv = raw > 0), both float32 (T,).

    lineage "4.1": linear between the voiced neighbours, edges held (np.interp; a track with one voiced
    frame holds it, where 4.1's own code returns the first frame's value). With frame_times = (hop, sr) it is
    the np.interp of 4.1's dio, harvest and pm predictors, over times with the voiced frames' times rounded to
    float32 (`_interp_41_times`; filled values move by up to ~5e-4 Hz, voiced ones too).
    "4.0": the frame loop of 4.0 and so-vits-svc-fork: a gap after a voiced frame ramps
    data[p] + (data[j] - data[p]) / (j - p - 1) * (k - p) and so reaches the next voiced value data[j] one
    frame early; a leading gap holds data[j]; from the first gap whose next voiced frame is the last frame
    (or that has none) to the end, the last voiced value before it is held (0 if none), the last frame
    included.
    """
    data = raw.to(torch.float64).reshape(-1)
    n = data.numel()
    voiced = data > 0
    uv = voiced.to(torch.float32)
    if n == 0:
        return data.to(torch.float32), uv
    if lineage != "4.0" and frame_times is not None and int(voiced.sum()) > 1:
        return _interp_41_times(data, voiced, *frame_times).to(torch.float32), uv
    index = torch.arange(n, device=data.device)
    before, after = _neighbours(voiced, index)
    has_before = before >= 0
    at_before = torch.where(has_before, data[before.clamp(min=0)], 0.0)
    at_after = data[after.clamp(max=n - 1)]
    if lineage == "4.0":
        ramp = at_before + (at_after - at_before) / (after - before - 1) * (index - before)
        gap = torch.where(has_before, ramp, at_after)
        tail = (~voiced & (after >= n - 1)).to(torch.int8).cummax(0).values.bool()
        filled = torch.where(tail, at_before, torch.where(voiced, data, gap))
    else:
        slope = (at_after - at_before) / (after - before)
        gap = torch.where(after >= n, at_before, slope * (index - before) + at_before)
        gap = torch.where(has_before, gap, at_after)
        filled = torch.where(voiced, data, torch.where(has_before | (after < n), gap, 0.0))
    return filled.to(torch.float32), uv


def _interp_41_times(data: torch.Tensor, voiced: torch.Tensor, hop: int, sr: int) -> torch.Tensor:
    """4.1's `interpolate_f0` (dio, harvest, pm), float64 (T,): np.interp(arange(T) * hop / sr, float32(hop /
    sr) * float32(voiced index), voiced values, left=first, right=last), its branches in numpy's order."""
    n = data.numel()
    index = torch.nonzero(voiced).reshape(-1)  # waits for the device: the host F0 methods' path only
    fp = data[index]
    x = torch.arange(n, dtype=torch.float64, device=data.device) * hop / sr
    step = torch.tensor(hop / sr, dtype=torch.float32, device=data.device)
    xp = (step * index.to(torch.float32)).to(torch.float64)
    m = xp.numel()
    j = torch.searchsorted(xp, x, right=True) - 1  # the last voiced time <= x
    jc = j.clamp(0, m - 2)
    between = (fp[jc + 1] - fp[jc]) / (xp[jc + 1] - xp[jc]) * (x - xp[jc]) + fp[jc]
    at = fp[j.clamp(0, m - 1)]
    inner = torch.where((j == m - 1) | (xp[j.clamp(0, m - 1)] == x), at, between)
    return torch.where(x < xp[0], fp[0], torch.where(x > xp[-1], fp[-1], inner))


def on_model_grid(
    f0: torch.Tensor, n_frames: int, hop: int, sr: int, f0_rate: int, f0_hop: int
) -> torch.Tensor:
    """F0 frames f0 (F,) (FCPE's: f0_hop samples at f0_rate) -> raw F0 (T = n_frames,) float64 on the model's
    grid t_i = i * hop / sr: each model frame takes the nearest F0 frame; F0 outside F0_MIN..F0_MAX is 0."""
    values = f0.reshape(-1).to(torch.float64)
    values = torch.where((values < F0_MIN) | (values > F0_MAX), 0.0, values)
    times = torch.arange(n_frames, dtype=torch.float64, device=values.device) * hop / sr
    nearest = torch.round(times * f0_rate / f0_hop).to(torch.int64).clamp(0, values.numel() - 1)
    return values[nearest]
