"""What the content encoder sees, as the references prepare it: model-rate audio -> 16 kHz, units -> frames.

* 16 kHz (`to_content_rate`): torchaudio's `Resample` with its defaults, a Hann-windowed sinc of 6 zero
  crossings, roll-off 0.99 (`sinc_resample` computes the same kernel; torchaudio is not a dependency). Both
  references do this at inference: so-vits-svc-fork (4.0 voices) and the original 4.1-Stable (4.1 voices;
  `librosa.resample` until its commit 861df63 of 2023-07, torchaudio since). soxr instead of the sinc
  changed the units by 1-5 % RMS and cost 20-60 dB of SNR against the references' `Svc.infer`
  (docs/benchmarks.md). The same sinc brings 4.1 inputs at other rates to the model rate (`pipeline.
  to_model_rate`), as 4.1's `Svc.infer` does.
* Units -> frames (`stretch_units`): the fork's `repeat_expand_2d` for 4.0 (nearest interpolation, whose
  index is floor(i * scale) in float32 with scale = float32(T_c) / L); 4.1's `data.unit_interpolate_mode`
  ("nearest" in 4.1's config template, "left" when the key is missing).
"""

from __future__ import annotations

import functools
import math

import numpy as np
import torch

CONTENT_RATE = 16000
SINC_ZEROS = 6  # torchaudio Resample: lowpass_filter_width
SINC_ROLLOFF = 0.99
_CHUNK_FRAMES = 4096  # output blocks of `new` samples per conv1d call (bounds the im2col memory)


@functools.lru_cache(maxsize=8)
def _sinc_kernel(orig: int, new: int) -> tuple[torch.Tensor, int]:
    """(new, 1, 2*width + orig) float32 polyphase kernel for orig -> new (coprime rates), and width.

    Tap j of phase p sits at time u = (j - width)/orig - p/new input periods; its value is
    sinc(pi*b*u) * cos(pi*b*u / (2*zeros))^2 * b/orig with b = min(orig, new) * rolloff, b*u clamped to
    +-zeros. Arithmetic as torchaudio's: p/new in float32, the rest in float64, cast to float32 at the end.
    Cached: building it costs ~4 ms, the convolution of a live block ~0.1 ms (callers never modify it).
    """
    base = min(orig, new) * SINC_ROLLOFF
    width = math.ceil(SINC_ZEROS * orig / base)
    taps = torch.arange(-width, width + orig, dtype=torch.float64) / orig
    phases = (torch.arange(0, -new, -1) / new).to(torch.float32)  # float32, as torchaudio's default dtype
    u = phases[:, None, None].double() + taps[None, None, :]
    bu = (u * base).clamp(-SINC_ZEROS, SINC_ZEROS)
    window = torch.cos(bu * math.pi / SINC_ZEROS / 2) ** 2
    arg = bu * math.pi
    sinc = torch.where(arg == 0, torch.ones_like(arg), torch.sin(arg) / arg)
    return (sinc * (window * (base / orig))).to(torch.float32), width


@functools.lru_cache(maxsize=8)
def _device_kernel(orig: int, new: int, device: str) -> torch.Tensor:
    """`_sinc_kernel` copied once to `device` (a live stream resamples every block)."""
    return _sinc_kernel(orig, new)[0].to(device)


def sinc_resample(audio: np.ndarray, sr: int, target: int = CONTENT_RATE) -> np.ndarray:
    """Mono float32 (N,) at sr -> (ceil(N * target / sr),) float32 with the Hann-windowed sinc above.

    Zero-padded at both ends; computed in blocks of output samples (each block is the same convolution).
    """
    x = torch.from_numpy(np.ascontiguousarray(audio, dtype=np.float32))
    if sr == target:
        return x.numpy().copy()
    return sinc_resample_tensor(x, sr, target).numpy()


def sinc_resample_tensor(x: torch.Tensor, sr: int, target: int = CONTENT_RATE) -> torch.Tensor:
    """`sinc_resample` on a float32 tensor (N,) on any device; the result stays on that device.

    On the CPU each block is a strided convolution; elsewhere (CUDA) a float32 matrix product of the
    strided input frames with the polyphase kernel, which never uses TF32 (torch's default for matmul, unlike
    cuDNN convolutions) and costs well under a millisecond for a minute of audio.
    """
    x = x.reshape(-1).float()
    if sr == target:
        return x.clone()
    g = math.gcd(int(sr), int(target))
    orig, new = int(sr) // g, int(target) // g
    kernel, width = _sinc_kernel(orig, new)
    n = x.numel()
    padded = torch.nn.functional.pad(x, (width, width + orig))
    taps = kernel.shape[2]
    frames = (padded.numel() - taps) // orig + 1
    with torch.inference_mode():
        if x.device.type == "cpu":
            parts = []
            for lo in range(0, frames, _CHUNK_FRAMES):
                hi = min(frames, lo + _CHUNK_FRAMES)
                seg = padded[lo * orig : (hi - 1) * orig + taps]
                y = torch.nn.functional.conv1d(seg[None, None], kernel, stride=orig)  # (1, new, hi - lo)
                parts.append(y[0].transpose(0, 1).reshape(-1))
            out = torch.cat(parts)
        else:
            out = _frames_times_kernel(padded, _device_kernel(orig, new, str(x.device)), orig, frames)
        return out[: math.ceil(new * n / orig)]


def _frames_times_kernel(padded: torch.Tensor, kernel: torch.Tensor, orig: int, frames: int) -> torch.Tensor:
    """The polyphase convolution as matrix products: (frames, taps) strided input frames @ (taps, new)."""
    taps = kernel.shape[2]
    phases = kernel[:, 0, :].transpose(0, 1)  # (taps, new)
    step = _CHUNK_FRAMES * 4
    parts = []
    for lo in range(0, frames, step):
        hi = min(frames, lo + step)
        seg = padded[lo * orig : (hi - 1) * orig + taps].unfold(0, taps, orig)  # (hi - lo, taps)
        parts.append((seg @ phases).reshape(-1))
    return torch.cat(parts)


def to_content_rate(audio: np.ndarray, sr: int) -> np.ndarray:
    """Model-rate mono audio (N,) -> (ceil(N * 16000 / sr),) float32 for the content encoder (module doc)."""
    return sinc_resample(audio, sr, CONTENT_RATE)


def content_input_on(audio: np.ndarray, sr: int, device: torch.device | str) -> np.ndarray | torch.Tensor:
    """`to_content_rate`, computed on `device`: on CUDA a tensor there (~1 ms for a minute of audio against
    ~5 ms on 16 host cores, same kernel, float32 matrix products: max |diff| 2.4e-7), else the host array."""
    if torch.device(device).type == "cuda":
        return sinc_resample_tensor(torch.from_numpy(np.ascontiguousarray(audio, np.float32)).to(device), sr)
    return to_content_rate(audio, sr)


def stretch_units(units: torch.Tensor, length: int, mapping: str) -> torch.Tensor:
    """Content frames (B, S, U) -> (B, S, length) model frames, mapped as the model's reference maps them.

    mapping (`SovitsConfig.unit_mapping`):
    * "fork" (4.0 lineage): so-vits-svc-fork's `repeat_expand_2d`: the first `length` units when there are
      at least that many, else nearest interpolation;
    * "left" (4.1's default for configs without `data.unit_interpolate_mode`): 4.1's `repeat_expand_2d_left`
      (`left_index`);
    * another `data.unit_interpolate_mode` ("nearest", 4.1's config template, or "linear", "area",
      "nearest-exact"): `torch.nn.functional.interpolate` with that mode, as 4.1's `repeat_expand_2d_other`.
    """
    count = units.shape[-1]
    if mapping == "fork":
        if length <= count:
            return units[..., :length]
        mapping = "nearest"
    if mapping == "left":
        return units[..., left_index(length, count, units.device)]
    return torch.nn.functional.interpolate(units, size=length, mode=mapping)


def left_index(length: int, units: int, device: torch.device | str = "cpu") -> torch.Tensor:
    """Unit index (length,) of 4.1's "left" mapping. Its loop moves to the next unit at frame i when
    i >= t[k + 1], t = float32(arange(units + 1) * length / units), one unit per frame at most: with at
    least as many frames as units that is the count of t[1:] <= i (floor(i * units / length) but for
    float32 rounding), with fewer it is i."""
    frames = torch.arange(length, device=device)
    if length < units or units == 0:
        return frames
    bounds = (torch.arange(units + 1, device=device) * length / units)[1:]  # float32, as the reference
    return torch.searchsorted(bounds, frames.to(bounds.dtype), right=True).clamp_(max=units - 1)
