"""Pitch accuracy and speed of the built-in WORLD voice against Praat's "Change Gender" and librosa.

For every real recording in tests/data and every transpose k in {−5, +4, +12}, each method shifts the pitch by
k semitones; independent estimators (Praat autocorrelation, and pYIN with --pyin) measure how closely the
output's F0 follows the input's F0 × 2^(k/12) (benchmarks/f0_metrics.py). Speed is the real-time factor
(processing time / audio duration, single process).

    .venv/bin/python -m benchmarks.pitch_accuracy [--pyin] [--json benchmarks/results/pitch_accuracy.json]

Prints a Markdown table (the one in docs/benchmarks.md, "Built-in voice pitch accuracy").
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from autovoice_desktop.audio.io import load_audio
from autovoice_desktop.core.types import ConversionParams, VoiceInfo
from autovoice_desktop.engine.world_voice import WorldVoice
from benchmarks.f0_metrics import praat_f0, shift_error

ROOT = Path(__file__).resolve().parents[1]
RECORDINGS = {
    "speech m": ROOT / "tests/data/speech_en_m_librispeech-3436-172162-0000.wav",
    "speech f": ROOT / "tests/data/speech_en_f_librispeech-1995-1837-0001.wav",
    "singing m": ROOT / "tests/data/singing_en_m_vocadito-10.wav",
}
SEMITONES = (-5, 4, 12)

Shifter = Callable[[np.ndarray, int, float], np.ndarray]


def world_voice(samples: np.ndarray, rate: int, semitones: float) -> np.ndarray:
    """AutoVoice's built-in voice ("Pitch & Formant" with a transpose)."""
    voice = WorldVoice(VoiceInfo(voice_id="builtin/pitch-formant", name="Pitch & Formant", kind="builtin"))
    return voice.convert(samples, rate, ConversionParams(transpose=semitones)).audio


def praat_change_gender(samples: np.ndarray, rate: int, semitones: float) -> np.ndarray:
    """Praat's PSOLA "Change Gender": new pitch median = old median × 2^(k/12), formants and range kept."""
    import parselmouth
    from parselmouth.praat import call

    sound = parselmouth.Sound(samples.astype(np.float64), sampling_frequency=rate)
    f0 = praat_f0(samples, rate)
    median = float(np.median(f0[f0 > 0]))
    changed = call(sound, "Change gender", 60, 700, 1.0, median * 2 ** (semitones / 12), 1.0, 1.0)
    return np.asarray(changed.values[0], dtype=np.float32)


def librosa_pitch_shift(samples: np.ndarray, rate: int, semitones: float) -> np.ndarray:
    """librosa.effects.pitch_shift (phase vocoder + soxr resampling; formants move with the pitch)."""
    import librosa

    return librosa.effects.pitch_shift(samples, sr=rate, n_steps=semitones)


METHODS: dict[str, Shifter] = {
    "AutoVoice built-in (WORLD)": world_voice,
    'Praat "Change Gender"': praat_change_gender,
    "librosa pitch_shift": librosa_pitch_shift,
}


def run(estimators: tuple[str, ...]) -> list[dict]:
    """One row per method, recording and transpose: RMSE per estimator, median |error|, RTF."""
    rows = []
    for label, path in RECORDINGS.items():
        loaded = load_audio(path)
        duration = loaded.info.duration
        for method, shift in METHODS.items():
            shift(loaded.samples[: loaded.sample_rate], loaded.sample_rate, 1.0)  # warm-up (imports, JIT)
            for semitones in SEMITONES:
                started = time.perf_counter()
                out = shift(loaded.samples, loaded.sample_rate, semitones)
                seconds = time.perf_counter() - started
                row = {
                    "recording": label,
                    "method": method,
                    "semitones": semitones,
                    "rtf": seconds / duration,
                }
                for estimator in estimators:
                    error = shift_error(loaded.samples, out, loaded.sample_rate, semitones, estimator)
                    row[f"{estimator}_rmse"] = error.rmse_cents
                    row[f"{estimator}_median"] = error.median_abs_cents
                    row[f"{estimator}_frames"] = error.frames
                rows.append(row)
                print(json.dumps(row), flush=True)
    return rows


def markdown(rows: list[dict], estimators: tuple[str, ...]) -> str:
    """Table: one line per method and transpose, RMSE (cents) per recording and estimator, mean RTF."""
    labels = list(RECORDINGS)
    header = ["method", "k"] + [f"{label} ({e})" for e in estimators for label in labels] + ["RTF (mean)"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for method in METHODS:
        for semitones in SEMITONES:
            picked = [r for r in rows if r["method"] == method and r["semitones"] == semitones]
            by_label = {r["recording"]: r for r in picked}
            cells = [method, f"{semitones:+d}"]
            cells += [f"{by_label[label][f'{e}_rmse']:.1f}" for e in estimators for label in labels]
            cells.append(f"{np.mean([r['rtf'] for r in picked]):.3f}")
            lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--pyin", action="store_true", help="also measure with librosa's pYIN (slower)")
    parser.add_argument("--json", type=Path, help="write the raw rows here")
    args = parser.parse_args()
    estimators = ("praat", "pyin") if args.pyin else ("praat",)
    rows = run(estimators)
    print(f"\nMachine: {platform.processor() or platform.machine()}, {platform.python_version()}\n")
    print(markdown(rows, estimators))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(rows, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
