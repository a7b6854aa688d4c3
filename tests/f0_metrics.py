"""Pitch accuracy of a pitch shift, measured with estimators independent of WORLD (Praat, pYIN, CREPE).

The same estimator runs on the input and on the output, with the same settings, hop and frame times (only
the output's ceiling moves with the shift where the estimator has one), so frames line up by their centre
times. The error of a frame is 1200·log2(f_out / (f_in · 2^(k/12))) cents; the score is the RMSE over frames
both estimates call voiced.

Estimators (ESTIMATORS):

- ``praat``: Praat autocorrelation, floor 60 Hz, ceiling 700 Hz (× shift), voicing threshold 0.6, 10 ms;
- ``praat-default``: Praat's defaults (floor 75 Hz, ceiling 600 Hz × shift, threshold 0.45), 10 ms;
- ``pyin``: librosa pYIN at 16 kHz, 60–700 Hz (× shift), frame 1024, 10 ms;
- ``pyin-default``: librosa pYIN as most scripts call it: audio at 22.05 kHz, fmin C2, fmax C7, frame 2048,
  hop 512 (23 ms);
- ``pyin-50-1100``: pYIN at 16 kHz, 50–1100 Hz, frame 1024, 10 ms;
- ``crepe`` / ``crepe-tiny``: torchcrepe (full / tiny model), 50–1100 Hz, 10 ms, voiced where the
  periodicity (3-frame median) is at least CREPE_VOICING. torchcrepe is optional (measurement only): it
  imports torchaudio at import time, which this project does not need, so a stub module stands in for it.
"""

from __future__ import annotations

import sys
import types
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

PITCH_FLOOR_HZ = 60.0
PITCH_CEILING_HZ = 700.0
TIME_STEP_S = 0.01
#: Praat's default voicing threshold is 0.45; frames this weakly periodic are where estimators disagree
PRAAT_VOICING_THRESHOLD = 0.6
#: torchcrepe's README suggests 0.21 for speech; 0.5 keeps only clearly periodic frames
CREPE_VOICING = 0.21


@dataclass(frozen=True)
class PitchError:
    """RMSE and median |error| over frames voiced in both; gross: share of them off by > 50 cents."""

    rmse_cents: float
    median_abs_cents: float
    gross: float
    frames: int


def _praat(
    samples: np.ndarray, sample_rate: int, floor: float, ceiling: float, threshold: float
) -> np.ndarray:
    import parselmouth

    sound = parselmouth.Sound(np.asarray(samples, dtype=np.float64), sampling_frequency=sample_rate)
    pitch = sound.to_pitch_ac(
        time_step=TIME_STEP_S, pitch_floor=floor, pitch_ceiling=ceiling, voicing_threshold=threshold
    )
    return np.nan_to_num(pitch.selected_array["frequency"])


def praat_f0(samples: np.ndarray, sample_rate: int, scale: float = 1.0) -> np.ndarray:
    """(T,) F0 in Hz (0 = unvoiced) every 10 ms by Praat's autocorrelation; ceiling scaled by `scale`.

    The floor stays fixed: Praat's window (3 periods of the floor) and frame times depend on it.
    """
    ceiling = PITCH_CEILING_HZ * max(scale, 1.0)
    return _praat(samples, sample_rate, PITCH_FLOOR_HZ, ceiling, PRAAT_VOICING_THRESHOLD)


def praat_default_f0(samples: np.ndarray, sample_rate: int, scale: float = 1.0) -> np.ndarray:
    """(T,) F0 by Praat's "To Pitch" defaults (75–600 Hz, threshold 0.45), ceiling scaled by `scale`."""
    return _praat(samples, sample_rate, 75.0, 600.0 * max(scale, 1.0), 0.45)


def _pyin(
    samples: np.ndarray, sample_rate: int, rate: int, fmin: float, fmax: float, frame: int, hop: int
) -> np.ndarray:
    import librosa

    audio = np.asarray(samples, dtype=np.float32)
    if sample_rate != rate:
        audio = librosa.resample(audio, orig_sr=sample_rate, target_sr=rate)
    f0, _, _ = librosa.pyin(audio, fmin=fmin, fmax=fmax, sr=rate, frame_length=frame, hop_length=hop)
    return np.nan_to_num(f0)


def pyin_f0(samples: np.ndarray, sample_rate: int, scale: float = 1.0) -> np.ndarray:
    """(T,) F0 in Hz (0 = unvoiced) every 10 ms by librosa's pYIN at 16 kHz; ceiling scaled by `scale`."""
    ceiling = PITCH_CEILING_HZ * max(scale, 1.0)
    return _pyin(samples, sample_rate, 16000, PITCH_FLOOR_HZ, ceiling, 1024, 160)


def pyin_default_f0(samples: np.ndarray, sample_rate: int, scale: float = 1.0) -> np.ndarray:
    """(T,) F0 by pYIN as usually called: 22.05 kHz, C2–C7, frame 2048, hop 512 (scale unused)."""
    import librosa

    fmin, fmax = float(librosa.note_to_hz("C2")), float(librosa.note_to_hz("C7"))
    return _pyin(samples, sample_rate, 22050, fmin, fmax, 2048, 512)


def pyin_wide_f0(samples: np.ndarray, sample_rate: int, scale: float = 1.0) -> np.ndarray:
    """(T,) F0 by pYIN at 16 kHz over 50–1100 Hz, 10 ms (scale unused)."""
    return _pyin(samples, sample_rate, 16000, 50.0, 1100.0, 1024, 160)


def _import_torchcrepe() -> types.ModuleType:
    if "torchaudio" not in sys.modules:
        try:
            import torchaudio  # noqa: F401
        except Exception:  # noqa: BLE001 - CUDA-only wheels fail in many ways; CREPE only needs torch
            sys.modules["torchaudio"] = types.ModuleType("torchaudio")
    import torchcrepe

    return torchcrepe


def _crepe(samples: np.ndarray, sample_rate: int, model: str) -> np.ndarray:
    import librosa
    import torch

    torchcrepe = _import_torchcrepe()
    audio = np.asarray(samples, dtype=np.float32)
    if sample_rate != 16000:
        audio = librosa.resample(audio, orig_sr=sample_rate, target_sr=16000)
    device = "cuda" if torch.cuda.is_available() else "cpu"
    with torch.inference_mode():
        f0, periodicity = torchcrepe.predict(
            torch.from_numpy(audio)[None],
            16000,
            160,
            50.0,
            1100.0,
            model,
            return_periodicity=True,
            batch_size=1024,
            device=device,
        )
        periodicity = torchcrepe.filter.median(periodicity, 3)
    f0, periodicity = f0[0].cpu().numpy(), periodicity[0].cpu().numpy()
    return np.where(periodicity >= CREPE_VOICING, f0, 0.0)


def crepe_f0(samples: np.ndarray, sample_rate: int, scale: float = 1.0) -> np.ndarray:
    """(T,) F0 every 10 ms by CREPE (torchcrepe, full model), 50–1100 Hz (scale unused)."""
    return _crepe(samples, sample_rate, "full")


def crepe_tiny_f0(samples: np.ndarray, sample_rate: int, scale: float = 1.0) -> np.ndarray:
    """(T,) F0 every 10 ms by CREPE's tiny model (faster, for quick checks)."""
    return _crepe(samples, sample_rate, "tiny")


Estimator = Callable[[np.ndarray, int, float], np.ndarray]
ESTIMATORS: dict[str, Estimator] = {
    "praat": praat_f0,
    "praat-default": praat_default_f0,
    "pyin": pyin_f0,
    "pyin-default": pyin_default_f0,
    "pyin-50-1100": pyin_wide_f0,
    "crepe": crepe_f0,
    "crepe-tiny": crepe_tiny_f0,
}


def frame_times(estimator: str, frames: int, duration: float) -> np.ndarray:
    """(frames,) centre times in seconds of an estimator's frames for a sound of `duration` seconds."""
    if estimator.startswith("praat"):  # Praat centres its frames in the sound
        first = (duration - (frames - 1) * TIME_STEP_S) / 2.0
        return first + np.arange(frames) * TIME_STEP_S
    hop = 512 / 22050 if estimator == "pyin-default" else TIME_STEP_S
    return np.arange(frames) * hop  # librosa and torchcrepe centre frame i on sample i·hop


def clear_frames(
    f_in: np.ndarray, times: np.ndarray, referee: np.ndarray, referee_times: np.ndarray, cents: float = 50.0
) -> np.ndarray:
    """(T,) bool: input frames whose pitch a second estimator (nearest frame by centre time) calls voiced too,
    within `cents`: the frames where the input's pitch is well defined."""
    nearest = np.clip(np.searchsorted(referee_times, times), 1, len(referee_times) - 1)
    left_closer = (times - referee_times[nearest - 1]) < (referee_times[nearest] - times)
    other = referee[nearest - left_closer.astype(int)]
    ok = (f_in > 0) & (other > 0)
    agree = np.zeros(len(f_in), dtype=bool)
    agree[ok] = np.abs(1200.0 * np.log2(f_in[ok] / other[ok])) < cents
    return agree


def compare(
    f_in: np.ndarray, f_out: np.ndarray, semitones: float, mask: np.ndarray | None = None
) -> PitchError:
    """Error of output track f_out against input track f_in × 2^(semitones/12), frame by frame (only where
    `mask` is true, if given)."""
    ratio = 2.0 ** (semitones / 12.0)
    frames = min(len(f_in), len(f_out))
    f_in, f_out = f_in[:frames], f_out[:frames]
    both = (f_in > 0) & (f_out > 0)
    if mask is not None:
        both &= mask[:frames]
    if not both.any():
        return PitchError(float("inf"), float("inf"), 1.0, 0)
    cents = 1200.0 * np.log2(f_out[both] / (f_in[both] * ratio))
    return PitchError(
        rmse_cents=float(np.sqrt(np.mean(cents**2))),
        median_abs_cents=float(np.median(np.abs(cents))),
        gross=float(np.mean(np.abs(cents) > 50)),
        frames=int(both.sum()),
    )


def shift_error(
    source: np.ndarray, output: np.ndarray, sample_rate: int, semitones: float, estimator: str = "praat"
) -> PitchError:
    """How closely output's F0 follows source's F0 × 2^(semitones/12) (both (N,) at sample_rate)."""
    estimate = ESTIMATORS[estimator]
    ratio = 2.0 ** (semitones / 12.0)
    return compare(estimate(source, sample_rate, 1.0), estimate(output, sample_rate, ratio), semitones)
