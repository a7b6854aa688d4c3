"""F0 (pitch) for the So-VITS-SVC pipeline: dio and harvest (pyworld), fcpe (torchfcpe, CPU or CUDA).

Reference semantics (sovits-reference.md §1.1, §10.7):
* F0 is computed on the model-rate waveform with hop = hop_length and exactly T = N // hop frames.
* Range 50-1100 Hz. uv = 1 where the raw f0 > 0, taken before interpolation.
* Unvoiced gaps are filled by linear interpolation between voiced neighbours, edges held at the nearest voiced
  value; all zeros if nothing is voiced. Transpose (f0 * 2^(k/12)) is applied after interpolation.
* dio/harvest as the fork: f0_floor 50, f0_ceil 1100, frame_period 1000*hop/sr, StoneMask refinement, rounded
  to 0.1 Hz, then linearly resized to T frames with unvoiced frames treated as gaps (NaN -> 0).
* fcpe: audio resampled to 16 kHz (soxr), 10 ms frames, confidence threshold 0.05 (4.1's); each model
  frame then takes the nearest 10 ms frame.
"""

from __future__ import annotations

import numpy as np

from autovoice_desktop.core.errors import AudioContentError

F0_MIN = 50.0
F0_MAX = 1100.0
F0_METHODS = ("dio", "harvest", "fcpe")
FCPE_THRESHOLD = 0.05


def interpolate_f0(f0: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(T,) raw f0 (0 = unvoiced) -> (f0 with gaps filled and edges held, uv), both float32 (T,)."""
    f0 = np.asarray(f0, dtype=np.float64)
    uv = (f0 > 0).astype(np.float32)
    voiced = np.flatnonzero(uv)
    if voiced.size == 0:
        return np.zeros_like(f0, dtype=np.float32), uv
    filled = np.interp(np.arange(f0.size), voiced, f0[voiced])  # np.interp holds the edge values
    return filled.astype(np.float32), uv


def transpose_f0(f0: np.ndarray, semitones: float) -> np.ndarray:
    """Multiply by 2^(semitones/12) (apply after interpolation)."""
    return (np.asarray(f0, dtype=np.float32) * np.float32(2.0 ** (semitones / 12.0))).astype(np.float32)


def _resize_f0(f0: np.ndarray, n_frames: int) -> np.ndarray:
    """Linear resize to n_frames, unvoiced (0) frames treated as gaps, as the fork's `resize_f0`."""
    if n_frames <= 0:
        return np.zeros(0, np.float64)
    src = np.where(f0 < 0.001, np.nan, f0)
    if src.size == 0:
        return np.zeros(n_frames, np.float64)
    positions = np.arange(n_frames) * src.size / n_frames
    return np.nan_to_num(np.interp(positions, np.arange(src.size), src))


def _world_f0(audio: np.ndarray, sr: int, hop: int, n_frames: int, method: str) -> np.ndarray:
    import pyworld

    x = np.ascontiguousarray(audio, dtype=np.float64)
    period = 1000.0 * hop / sr
    if method == "dio":
        f0, t = pyworld.dio(x, sr, f0_floor=F0_MIN, f0_ceil=F0_MAX, frame_period=period)
    else:
        f0, t = pyworld.harvest(x, sr, f0_floor=F0_MIN, f0_ceil=F0_MAX, frame_period=period)
    f0 = pyworld.stonemask(x, f0, t, sr)
    return _resize_f0(np.round(f0, 1), n_frames)


def _fcpe_f0(audio: np.ndarray, sr: int, hop: int, n_frames: int, device: str) -> np.ndarray:
    import torch

    from autovoice_desktop.engine.fcpe_support import FCPE_HOP, FCPE_RATE, fcpe_model

    model = fcpe_model(device)
    x = np.asarray(audio, dtype=np.float32)
    if sr != FCPE_RATE:
        import soxr

        x = soxr.resample(x, sr, FCPE_RATE, quality="HQ").astype(np.float32)
    if x.size < FCPE_HOP:
        return np.zeros(n_frames)
    with torch.inference_mode():
        wav = torch.from_numpy(x).to(device)[None, :, None]
        f0 = model.infer(wav, sr=FCPE_RATE, decoder_mode="local_argmax", threshold=FCPE_THRESHOLD)
    f0 = f0.reshape(-1).float().cpu().numpy().astype(np.float64)
    f0[(f0 < F0_MIN) | (f0 > F0_MAX)] = 0.0
    times = np.arange(n_frames) * hop / sr
    idx = np.clip(np.rint(times * FCPE_RATE / FCPE_HOP).astype(np.int64), 0, f0.size - 1)
    return f0[idx]


def raw_f0(
    audio: np.ndarray, sr: int, hop: int, n_frames: int, method: str = "dio", device: str = "cpu"
) -> np.ndarray:
    """(N,) mono audio -> raw f0 (n_frames,) float64 in Hz on the grid t_i = i*hop/sr, 0 where unvoiced."""
    if method not in F0_METHODS:
        raise ValueError(f"unknown F0 method {method!r}; use one of {', '.join(F0_METHODS)}")
    audio = np.asarray(audio)
    if audio.ndim != 1:
        raise ValueError(f"audio must be mono (N,), got shape {audio.shape}")
    if not np.all(np.isfinite(audio)):
        raise AudioContentError("the audio contains NaN or infinite samples")
    if n_frames <= 0:
        return np.zeros(0)
    if method == "fcpe":
        return _fcpe_f0(audio, sr, hop, n_frames, device)
    return _world_f0(audio, sr, hop, n_frames, method)


def compute_f0(
    audio: np.ndarray,
    sr: int,
    hop: int,
    n_frames: int | None = None,
    method: str = "dio",
    device: str = "cpu",
) -> tuple[np.ndarray, np.ndarray]:
    """Reference F0 for the synthesizer.

    audio: (N,) mono at the model rate sr; hop: the model's hop_length; n_frames: T (default N // hop).
    Returns (f0, uv), float32 (T,): f0 interpolated over unvoiced gaps (edges held), uv = raw f0 > 0.
    """
    n = len(audio) // hop if n_frames is None else int(n_frames)
    return interpolate_f0(raw_f0(audio, sr, hop, n, method, device))


def estimate_f0(
    audio: np.ndarray, sr: int, method: str = "dio", hop_seconds: float = 0.01, device: str = "cpu"
) -> tuple[np.ndarray, np.ndarray]:
    """F0 for plots: (times (T,) s, f0 (T,) Hz with 0 = unvoiced), float32, frames every hop_seconds."""
    hop = max(1, int(round(sr * hop_seconds)))
    n = len(audio) // hop
    f0 = raw_f0(audio, sr, hop, n, method, device).astype(np.float32)
    return (np.arange(n) * hop / sr).astype(np.float32), f0
