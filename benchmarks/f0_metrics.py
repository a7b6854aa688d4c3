"""Pitch accuracy of a pitch shift, measured with estimators independent of WORLD (Praat, pYIN).

The same estimator runs on the input and on the output, with the same analysis window and frame times (only
the output's ceiling moves with the shift), so frames line up. The error of a frame is
1200·log2(f_out / (f_in · 2^(k/12))) cents; the score is the RMSE over frames both estimates call voiced.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

PITCH_FLOOR_HZ = 60.0
PITCH_CEILING_HZ = 700.0
TIME_STEP_S = 0.01
#: Praat's default voicing threshold is 0.45; frames this weakly periodic are where estimators disagree
PRAAT_VOICING_THRESHOLD = 0.6


@dataclass(frozen=True)
class PitchError:
    """RMSE and median |error| over frames voiced in both; gross: share of them off by > 50 cents."""

    rmse_cents: float
    median_abs_cents: float
    gross: float
    frames: int


def praat_f0(samples: np.ndarray, sample_rate: int, scale: float = 1.0) -> np.ndarray:
    """(T,) F0 in Hz (0 = unvoiced) every 10 ms by Praat's autocorrelation; ceiling scaled by `scale`.

    The floor stays fixed: Praat's window (3 periods of the floor) and frame times depend on it.
    """
    import parselmouth

    sound = parselmouth.Sound(np.asarray(samples, dtype=np.float64), sampling_frequency=sample_rate)
    pitch = sound.to_pitch_ac(
        time_step=TIME_STEP_S,
        pitch_floor=PITCH_FLOOR_HZ,
        pitch_ceiling=PITCH_CEILING_HZ * max(scale, 1.0),
        voicing_threshold=PRAAT_VOICING_THRESHOLD,
    )
    return np.nan_to_num(pitch.selected_array["frequency"])


def pyin_f0(samples: np.ndarray, sample_rate: int, scale: float = 1.0) -> np.ndarray:
    """(T,) F0 in Hz (0 = unvoiced) every 10 ms by librosa's pYIN at 16 kHz; ceiling scaled by `scale`."""
    import librosa

    audio = librosa.resample(np.asarray(samples, dtype=np.float32), orig_sr=sample_rate, target_sr=16000)
    f0, _, _ = librosa.pyin(
        audio,
        fmin=PITCH_FLOOR_HZ,
        fmax=PITCH_CEILING_HZ * max(scale, 1.0),
        sr=16000,
        frame_length=1024,
        hop_length=int(16000 * TIME_STEP_S),
    )
    return np.nan_to_num(f0)


ESTIMATORS = {"praat": praat_f0, "pyin": pyin_f0}


def shift_error(
    source: np.ndarray, output: np.ndarray, sample_rate: int, semitones: float, estimator: str = "praat"
) -> PitchError:
    """How closely output's F0 follows source's F0 × 2^(semitones/12) (both (N,) at sample_rate)."""
    estimate = ESTIMATORS[estimator]
    ratio = 2.0 ** (semitones / 12.0)
    f_in = estimate(source, sample_rate)
    f_out = estimate(output, sample_rate, ratio)
    frames = min(len(f_in), len(f_out))
    f_in, f_out = f_in[:frames], f_out[:frames]
    both = (f_in > 0) & (f_out > 0)
    if not both.any():
        return PitchError(float("inf"), float("inf"), 1.0, 0)
    cents = 1200.0 * np.log2(f_out[both] / (f_in[both] * ratio))
    return PitchError(
        rmse_cents=float(np.sqrt(np.mean(cents**2))),
        median_abs_cents=float(np.median(np.abs(cents))),
        gross=float(np.mean(np.abs(cents) > 50)),
        frames=int(both.sum()),
    )
