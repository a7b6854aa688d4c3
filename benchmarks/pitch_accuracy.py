"""Pitch accuracy and speed of the built-in WORLD voice against Praat's "Change Gender" and librosa.

For every real recording in tests/data and every transpose k in {−5, +4, +12}, each method shifts the pitch by
k semitones; estimators independent of WORLD (tests/f0_metrics.py: Praat, pYIN, CREPE, in several
settings) measure how closely the output's F0 follows the input's F0 × 2^(k/12): the same estimator and
settings on input and output, frames matched by their centre times, RMSE in cents over frames both call
voiced. "clear" repeats the RMSE over the input frames whose pitch is well defined: a second estimator
(pYIN for Praat, Praat for the others) agrees with it within 50 cents on the input. Speed is the real-time
factor (processing time / audio duration, single process).

    .venv/bin/python -m benchmarks.pitch_accuracy [--estimators praat,pyin,crepe] [--methods world]
        [--json /tmp/avbench/pitch_accuracy.json]

CREPE needs torchcrepe (measurement only, not a project dependency: pip install --no-deps torchcrepe
resampy). Prints a Markdown table (the one in docs/benchmarks.md, "Built-in voice pitch accuracy").
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
from tests.f0_metrics import ESTIMATORS, clear_frames, compare, frame_times, praat_f0

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
    out = np.asarray(changed.values[0], dtype=np.float32)
    return np.pad(out, (0, max(0, len(samples) - len(out))))[: len(samples)]


def librosa_pitch_shift(samples: np.ndarray, rate: int, semitones: float) -> np.ndarray:
    """librosa.effects.pitch_shift (phase vocoder + soxr resampling; formants move with the pitch)."""
    import librosa

    return librosa.effects.pitch_shift(samples, sr=rate, n_steps=semitones)


METHODS: dict[str, tuple[str, Shifter]] = {
    "world": ("AutoVoice built-in (WORLD)", world_voice),
    "praat": ('Praat "Change Gender"', praat_change_gender),
    "librosa": ("librosa pitch_shift", librosa_pitch_shift),
}


def _referee(estimator: str) -> str:
    return "pyin" if estimator.startswith("praat") else "praat"


def run(estimators: tuple[str, ...], methods: tuple[str, ...], semitones: tuple[int, ...]) -> list[dict]:
    """One row per method, recording and transpose: RMSE (all and clear frames) per estimator, RTF."""
    rows = []
    for label, path in RECORDINGS.items():
        loaded = load_audio(path)
        rate, duration = loaded.sample_rate, loaded.info.duration
        inputs: dict[str, np.ndarray] = {}
        for name in set(estimators) | {_referee(e) for e in estimators}:
            inputs[name] = ESTIMATORS[name](loaded.samples, rate, 1.0)
        masks = {}
        for name in estimators:
            referee = _referee(name)
            times = frame_times(name, len(inputs[name]), duration)
            referee_times = frame_times(referee, len(inputs[referee]), duration)
            masks[name] = clear_frames(inputs[name], times, inputs[referee], referee_times)
        for method in methods:
            title, shift = METHODS[method]
            shift(loaded.samples[:rate], rate, 1.0)  # warm-up (imports, JIT)
            for k in semitones:
                started = time.perf_counter()
                out = shift(loaded.samples, rate, k)
                seconds = time.perf_counter() - started
                row = {"recording": label, "method": title, "semitones": k, "rtf": seconds / duration}
                for name in estimators:
                    f_out = ESTIMATORS[name](out, rate, 2.0 ** (k / 12.0))
                    error = compare(inputs[name], f_out, k)
                    clear = compare(inputs[name], f_out, k, masks[name])
                    row[f"{name}_rmse"] = error.rmse_cents
                    row[f"{name}_gross"] = error.gross
                    row[f"{name}_frames"] = error.frames
                    row[f"{name}_clear_rmse"] = clear.rmse_cents
                rows.append(row)
                print(json.dumps(row), flush=True)
    return rows


def markdown(rows: list[dict], estimators: tuple[str, ...]) -> str:
    """Table: one line per method, transpose and estimator; RMSE (clear frames in brackets) per recording."""
    labels = list(RECORDINGS)
    header = ["method", "k", "estimator"] + labels + ["RTF (mean)"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for _, (title, _) in METHODS.items():
        for k in SEMITONES:
            picked = [r for r in rows if r["method"] == title and r["semitones"] == k]
            if not picked:
                continue
            by_label = {r["recording"]: r for r in picked}
            for name in estimators:
                cells = [title, f"{k:+d}", name]
                for label in labels:
                    row = by_label.get(label)
                    cells.append(
                        f"{row[f'{name}_rmse']:.1f} ({row[f'{name}_clear_rmse']:.1f})" if row else "–"
                    )
                cells.append(f"{np.mean([r['rtf'] for r in picked]):.3f}")
                lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--estimators",
        default="praat,pyin",
        help=f"comma-separated, from {', '.join(ESTIMATORS)} (default praat,pyin)",
    )
    parser.add_argument("--pyin", action="store_true", help="(kept for old scripts) same as the default")
    parser.add_argument("--methods", default="world,praat,librosa", help="comma-separated subset")
    parser.add_argument("--json", type=Path, help="write the raw rows here")
    args = parser.parse_args()
    estimators = tuple(e for e in args.estimators.split(",") if e)
    methods = tuple(m for m in args.methods.split(",") if m)
    for name in estimators:
        if name not in ESTIMATORS:
            parser.error(f"unknown estimator {name!r}")
    rows = run(estimators, methods, SEMITONES)
    print(f"\nMachine: {platform.processor() or platform.machine()}, {platform.python_version()}\n")
    print(markdown(rows, estimators))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(rows, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
