"""F0 (pitch) for the So-VITS-SVC pipeline: dio and harvest (pyworld), fcpe (torchfcpe, CPU or CUDA).

Reference semantics (sovits-reference.md §1.1, §10.7):
* F0 is computed on the model-rate waveform with hop = hop_length and exactly T = N // hop frames.
* Range 50-1100 Hz. uv = 1 where the raw f0 > 0, taken before interpolation.
* Unvoiced gaps are filled by linear interpolation between voiced neighbours, edges held at the nearest voiced
  value; all zeros if nothing is voiced. Transpose (f0 * 2^(k/12)) is applied after interpolation.
  The two lineages fill gaps differently (`interpolate_f0`): 4.1's F0 predictors use np.interp (dio and
  harvest over float32 frame times, as 4.1's numpy computes them); 4.0 and
  so-vits-svc-fork use a frame loop whose ramp reaches the next voiced value one frame early and which holds
  the last voiced value when the next voiced frame is the very last one. A model gets its own lineage's fill.
* dio/harvest can run over frame-aligned segments in parallel (`world_f0_segmented`, the WORLD workers);
  `segmented=True` does so only past EXACT_UP_TO_S seconds: a shorter input gets the reference's single pass.
  Segments change about one frame in 3000 by 0.1 Hz, and one such frame shifts the phase of the sine source
  for the rest of the signal (measured against the fork's `Svc.infer`: docs/benchmarks.md).
* 4.0 lineage (the fork's `compute_f0`): the audio is first divided by its 0.999 quantile of |x| in float32.
* dio/harvest as the fork: f0_floor 50, f0_ceil 1100, frame_period 1000*hop/sr, StoneMask refinement, rounded
  to 0.1 Hz (but 4.1's harvest, which does not round), then linearly resized to T frames with unvoiced frames
  treated as gaps (NaN -> 0).
* fcpe: audio resampled to 16 kHz (the content input's sinc, on the F0 device: `_fcpe_input`), 10 ms
  frames, confidence threshold 0.05 (4.1's); each model frame then takes the nearest 10 ms frame. That and
  the gap fill run as tensor operations on FCPE's device (engine/f0_tensor.py), so a live block's F0 never
  waits for the host (`fcpe_f0_on_device`); `compute_f0` copies the result to the host once.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np

from autovoice_desktop.core.errors import AudioContentError
from autovoice_desktop.engine.f0_tensor import F0_MAX, F0_MIN, fill_gaps, on_model_grid

EXACT_UP_TO_S = 20.0  # segmented dio/harvest only for longer inputs (see the module docstring)
F0_METHODS = ("dio", "harvest", "fcpe")
FCPE_THRESHOLD = 0.05


def interpolate_f0(
    f0: np.ndarray, lineage: str = "4.1", frame_times: tuple[int, int] | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """(T,) raw f0 (0 = unvoiced) -> (f0 with gaps filled and edges held, uv), both float32 (T,).

    lineage "4.1": np.interp over the voiced frames (4.1's F0Predictor.interpolate_f0); frame_times = (hop,
    sr): over times as 4.1's dio/harvest/pm predictors take them (voiced frames' times in float32).
    Deliberate difference: a track with a single voiced frame holds that frame's value (4.1 returns f0[0],
    the first frame's value, everywhere). lineage "4.0": the frame loop of 4.0's and the fork's
    `interpolate_f0`. Both are `f0_tensor.fill_gaps` (the same code a live stream runs on the GPU), equal to
    the references to the bit.
    """
    import torch

    raw = torch.from_numpy(np.asarray(f0, dtype=np.float64).reshape(-1))
    filled, uv = fill_gaps(raw, lineage, frame_times)
    return filled.numpy(), uv.numpy()


def semitone_ratio(semitones: float) -> float:
    """The F0 factor of a transposition, 2^(semitones/12), rounded to float32 as `transpose_f0` uses it."""
    return float(np.float32(2.0 ** (semitones / 12.0)))


def transpose_f0(f0: np.ndarray, semitones: float) -> np.ndarray:
    """Multiply by 2^(semitones/12) in float32 (apply after interpolation); a float32 tensor times
    `semitone_ratio` gives the same values on any device."""
    return (np.asarray(f0, dtype=np.float32) * np.float32(semitone_ratio(semitones))).astype(np.float32)


def _resize_f0(f0: np.ndarray, n_frames: int) -> np.ndarray:
    """Linear resize to n_frames, unvoiced (0) frames treated as gaps, as the fork's `resize_f0`."""
    if n_frames <= 0:
        return np.zeros(0, np.float64)
    src = np.where(f0 < 0.001, np.nan, f0)
    if src.size == 0:
        return np.zeros(n_frames, np.float64)
    positions = np.arange(n_frames) * src.size / n_frames
    return np.nan_to_num(np.interp(positions, np.arange(src.size), src))


def _world_pass(x: np.ndarray, sr: int, period: float, method: str) -> np.ndarray:
    """One pyworld dio/harvest + StoneMask pass over float64 audio -> raw F0 at `period` ms."""
    import pyworld

    if method == "dio":
        f0, t = pyworld.dio(x, sr, f0_floor=F0_MIN, f0_ceil=F0_MAX, frame_period=period)
    else:
        f0, t = pyworld.harvest(x, sr, f0_floor=F0_MIN, f0_ceil=F0_MAX, frame_period=period)
    return pyworld.stonemask(x, f0, t, sr)


def world_f0_segmented(
    audio: np.ndarray,
    sr: int,
    hop: int,
    method: str = "dio",
    workers: int | None = None,
    segment_s: float | None = None,
    margin_s: float = 0.25,
    tick: Callable[[float], None] | None = None,
) -> np.ndarray:
    """WORLD raw F0 frames (before resizing) over frame-aligned segments run on a thread pool.

    pyworld releases the GIL, and dio's cost grows faster than linearly with length, so 1-2 s segments are
    several times faster even on one core. Each segment carries `margin_s` of audio on each side and keeps
    only its core frames. segment_s None: one equal share per worker (1-2 s); a single segment is exactly
    the single pass. Not bit-identical to one pass (measured on tests/data, 0.25-1 s margins): raw frames
    differ by ~1e-11 Hz, and after the 0.1 Hz rounding 2 of 455 frames of one recording differ by 0.1 Hz;
    voicing never differed (tests/engine/test_pitch_segments.py).
    `tick(fraction done)` is called after every round of `workers` segments (a few seconds of audio), in the
    calling thread; an exception it raises (ConversionCancelled) stops the analysis within that round.
    """
    x = np.ascontiguousarray(audio, dtype=np.float64)
    period = 1000.0 * hop / sr
    total = int(len(x) / sr * 1000.0 / period) + 1  # GetSamplesForDIO / Harvest
    workers = workers or (os.cpu_count() or 1)
    if segment_s is None:
        segment_s = min(2.0, max(1.0, len(x) / sr / workers))
    seg = max(1, int(segment_s * sr / hop))
    if seg >= total:
        return _world_pass(x, sr, period, method)
    margin = int(margin_s * sr / hop) + 1
    starts = list(range(0, total, seg))

    def one(start: int) -> np.ndarray:
        lo, hi = max(0, start - margin), min(total, start + seg + margin)
        count = min(seg, total - start)
        piece = np.ascontiguousarray(x[lo * hop : hi * hop])
        out = np.zeros(count)
        if piece.size >= hop * 2:
            core = _world_pass(piece, sr, period, method)[start - lo : start - lo + count]
            out[: core.size] = core
        return out

    workers = max(1, min(len(starts), workers))
    parts: list[np.ndarray] = []
    with ThreadPoolExecutor(workers) as pool:
        for first in range(0, len(starts), workers):  # rounds: progress and cancel every few seconds
            chunk = starts[first : first + workers]
            parts.extend(pool.map(one, chunk) if len(chunk) > 1 else map(one, chunk))
            if tick is not None:
                tick(len(parts) / len(starts))
    return np.concatenate(parts)


def _world_f0(
    audio: np.ndarray, sr: int, hop: int, n_frames: int, method: str, segmented: bool,
    tick: Callable[[float], None] | None = None, rounded: bool = True,
) -> np.ndarray:  # fmt: skip
    if segmented and len(audio) > EXACT_UP_TO_S * sr:
        raw = world_f0_segmented(audio, sr, hop, method, tick=tick)
    else:
        raw = _world_pass(np.ascontiguousarray(audio, dtype=np.float64), sr, 1000.0 * hop / sr, method)
    return _resize_f0(np.round(raw, 1) if rounded else raw, n_frames)


def _fcpe_input(audio: np.ndarray, sr: int, device: str) -> Any:
    """Mono audio at sr -> a (1, N16, 1) float32 tensor at FCPE's 16 kHz on `device`.

    The Hann-windowed sinc of the 4.0 content input (`sinc_resample_tensor`), computed on `device`: 1.3 ms for
    60 s on an H200 against 14-16 ms for the soxr HQ it replaced, which ran on the host and held up the whole
    conversion (docs/benchmarks.md). Against soxr HQ the F0 moved by a median of 0.15-0.24 cents (p99 2.8-3.7)
    and the voicing of 5 of 6001 frames changed (FCPE, 10 and 60 s of speech and singing).
    """
    import torch

    from autovoice_desktop.engine.fcpe_support import FCPE_RATE
    from autovoice_desktop.engine.sovits.content_input import sinc_resample_tensor

    wav = torch.from_numpy(np.ascontiguousarray(audio, dtype=np.float32)).to(device)
    if sr != FCPE_RATE:
        wav = sinc_resample_tensor(wav, sr, FCPE_RATE)
    return wav[None, :, None]


def fcpe_on_grid(
    audio: np.ndarray, sr: int, hop: int, n_frames: int, device: str, wav16: Any | None = None
) -> Any:
    """FCPE's raw F0 of audio (N,) at sr on the grid t_i = i*hop/sr: a float64 tensor (n_frames,) on `device`,
    0 where unvoiced; no host wait (a live block's F0 stays on the GPU). wav16: see `raw_f0`'s fcpe_input."""
    import torch

    from autovoice_desktop.engine.fcpe_pass import fcpe_f0
    from autovoice_desktop.engine.fcpe_support import FCPE_HOP, FCPE_RATE, fcpe_model

    model = fcpe_model(device)
    with torch.inference_mode():
        wav = _fcpe_input(audio, sr, device)[0, :, 0] if wav16 is None else wav16.reshape(-1)
        if wav.shape[0] < FCPE_HOP:
            return torch.zeros(n_frames, dtype=torch.float64, device=wav.device)
        f0 = fcpe_f0(model, wav, FCPE_THRESHOLD)  # torchfcpe's infer, local argmax, graph-ready
        return on_model_grid(f0, n_frames, hop, sr, FCPE_RATE, FCPE_HOP)


def _check_audio(audio: np.ndarray, method: str) -> np.ndarray:
    """audio as an array; ValueError / AudioContentError for an unknown method, not mono, NaN or Inf."""
    if method not in F0_METHODS:
        raise ValueError(f"unknown F0 method {method!r}; use one of {', '.join(F0_METHODS)}")
    audio = np.asarray(audio)
    if audio.ndim != 1:
        raise ValueError(f"audio must be mono (N,), got shape {audio.shape}")
    if not np.all(np.isfinite(audio)):
        raise AudioContentError("the audio contains NaN or infinite samples")
    return audio


def raw_f0(
    audio: np.ndarray,
    sr: int,
    hop: int,
    n_frames: int,
    method: str = "dio",
    device: str = "cpu",
    segmented: bool = False,
    tick: Callable[[float], None] | None = None,
    fcpe_input: Any | None = None,
    rounded: bool = True,
) -> np.ndarray:
    """(N,) mono audio -> raw f0 (n_frames,) float64 in Hz on the grid t_i = i*hop/sr, 0 where unvoiced.

    segmented: dio/harvest over parallel segments when the audio is longer than EXACT_UP_TO_S
    (`world_f0_segmented`: several times faster, within 0.1 Hz of one pass); False: one pass.
    tick: see `world_f0_segmented` (segmented dio/harvest only).
    fcpe_input: FCPE's input when the caller has it already: this audio through `_fcpe_input` (the sinc to
    16 kHz), a tensor (N16,) on `device` (the content input is the same signal); None: made here.
    rounded: dio/harvest frames rounded to 0.1 Hz before the resize, as the fork (both) and 4.1 (dio only).
    """
    audio = _check_audio(audio, method)
    if n_frames <= 0:
        return np.zeros(0)
    if method == "fcpe":
        return fcpe_on_grid(audio, sr, hop, n_frames, device, fcpe_input).cpu().numpy()
    return _world_f0(audio, sr, hop, n_frames, method, segmented, tick, rounded)


def fcpe_f0_on_device(
    audio: np.ndarray,
    sr: int,
    hop: int,
    n_frames: int,
    device: str,
    lineage: str = "4.1",
    fcpe_input: Any | None = None,
) -> tuple[Any, Any]:
    """`compute_f0` with FCPE, left on `device`: (f0 gaps filled, uv) float32 tensors (n_frames,), no host
    wait (the live stream's path; `compute_f0` copies the same tensors to the host)."""
    import torch

    audio = _check_audio(audio, "fcpe")
    if n_frames <= 0:
        return fill_gaps(torch.zeros(0, dtype=torch.float64, device=device), lineage)
    return fill_gaps(fcpe_on_grid(audio, sr, hop, n_frames, device, fcpe_input), lineage)


def compute_f0(
    audio: np.ndarray,
    sr: int,
    hop: int,
    n_frames: int | None = None,
    method: str = "dio",
    device: str = "cpu",
    lineage: str = "4.1",
    segmented: bool = False,
    tick: Callable[[float], None] | None = None,
    fcpe_input: Any | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Reference F0 for the synthesizer.

    audio: (N,) mono at the model rate sr; hop: the model's hop_length; n_frames: T (default N // hop);
    lineage: the model's ("4.0" or "4.1"; see `interpolate_f0`; 4.0 runs dio/harvest on the audio divided
    by its 0.999 quantile of |x|, as the fork); segmented, fcpe_input: see `raw_f0`.
    Returns (f0, uv), float32 (T,): f0 interpolated over unvoiced gaps (edges held), uv = raw f0 > 0.
    """
    import torch

    n = len(audio) // hop if n_frames is None else int(n_frames)
    if method == "fcpe":
        both = torch.stack(fcpe_f0_on_device(audio, sr, hop, n, device, lineage, fcpe_input)).cpu().numpy()
        return both[0], both[1]
    if lineage == "4.0" and method in ("dio", "harvest"):
        audio = _fork_normalised(audio)
    times = (hop, sr) if lineage != "4.0" and method in ("dio", "harvest") else None  # 4.1's float32 times
    rounded = lineage == "4.0" or method != "harvest"  # 4.1's harvest predictor does not round
    raw = raw_f0(audio, sr, hop, n, method, device, segmented, tick, fcpe_input, rounded)
    return interpolate_f0(raw, lineage, times)


def _fork_normalised(audio: np.ndarray) -> np.ndarray:
    """float32 audio divided by its 0.999 quantile of |x| with the fork's numpy operations (as given if 0)."""
    x = np.array(audio, dtype=np.float32)
    if x.size == 0 or not np.all(np.isfinite(x)):
        return x  # raw_f0 reports non-finite audio
    scale = np.quantile(np.abs(x), 0.999)
    if scale > 0:
        x /= scale
    return x


def estimate_f0(
    audio: np.ndarray, sr: int, method: str = "dio", hop_seconds: float = 0.01, device: str = "cpu"
) -> tuple[np.ndarray, np.ndarray]:
    """F0 for plots: (times (T,) s, f0 (T,) Hz with 0 = unvoiced), float32, frames every hop_seconds."""
    hop = max(1, int(round(sr * hop_seconds)))
    n = len(audio) // hop
    f0 = raw_f0(audio, sr, hop, n, method, device).astype(np.float32)
    return (np.arange(n) * hop / sr).astype(np.float32), f0
