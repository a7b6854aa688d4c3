"""Time the pitch editor's re-render of 1 s spans never rendered before, in a 30 s input (built-in voice).

    nice -n 19 python -m benchmarks.span_render_speed [--seconds 30] [--repeats 3] [--profile]

The input is tests/data's sung recording tiled to --seconds. One full conversion first (as in the window,
where a span is edited only after converting), then each repeat edits a different 1 s span (+2 semitones)
and times `render_span` on it: the situation of a freehand stroke or an undo outside the selection. Then
the output pitch curve's update after the last one: the whole output measured, or only its changed part.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import soundfile as sf

from autovoice_desktop.core.types import ConversionParams, VoiceInfo
from autovoice_desktop.engine.f0_csv import curve_from_arrays
from autovoice_desktop.engine.pitch import estimate_f0
from autovoice_desktop.engine.span_render import SplicedOutput, render_span, splice_output_f0
from autovoice_desktop.engine.world_voice import WorldVoice
from autovoice_desktop.workers.engine_bridge import OUTPUT_F0_HOP_S

SONG = Path(__file__).resolve().parents[1] / "tests" / "data" / "singing_en_m_vocadito-10.wav"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--profile", action="store_true", help="print the top functions of the last repeat")
    args = parser.parse_args()
    song, rate = sf.read(SONG, dtype="float32")
    audio = np.resize(song, int(args.seconds * rate)).astype(np.float32)
    voice = WorldVoice(VoiceInfo("builtin/pitch-formant", "Pitch & Formant", "builtin"))
    params = ConversionParams()
    started = time.perf_counter()
    full = voice.convert(audio, rate, params)
    print(f"full conversion of {args.seconds:g} s: {time.perf_counter() - started:.2f} s")
    track = full.pitch
    for repeat in range(args.repeats):
        start = 3.3 + 7.1 * repeat  # a span never rendered before
        inside = (track.times >= start) & (track.times < start + 1.0)
        edited = np.where(inside, track.target_f0 * 2 ** (2 / 12), track.target_f0)
        curved = replace(params, f0_curve=curve_from_arrays(track.times, edited))
        profiler = cProfile.Profile() if args.profile and repeat == args.repeats - 1 else None
        began = time.perf_counter()
        if profiler:
            profiler.enable()
        out = render_span(voice, audio, rate, curved, full.audio, rate, start, start + 1.0)
        if profiler:
            profiler.disable()
        print(
            f"span {start:.1f}-{start + 1:.1f} s: {time.perf_counter() - began:.3f} s "
            f"({out.seconds:.2f} s of input converted; load average {os.getloadavg()[0]:.1f})"
        )
        if profiler:
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(14)
    _time_output_f0(full.audio, out, rate)


def _time_output_f0(previous: np.ndarray, out: SplicedOutput, rate: int) -> None:
    """The window's output pitch curve after a re-render: the whole output measured vs only its change."""

    def estimate(audio: np.ndarray, sample_rate: int) -> tuple[np.ndarray, np.ndarray]:
        return estimate_f0(audio, sample_rate, method="dio", hop_seconds=OUTPUT_F0_HOP_S)

    known = estimate(previous, rate)
    began = time.perf_counter()
    estimate(out.audio, rate)
    whole = time.perf_counter() - began
    began = time.perf_counter()
    splice_output_f0(estimate, out.audio, rate, known, out.changed, round(rate * OUTPUT_F0_HOP_S))
    print(
        f"output F0 after the last re-render: whole output {whole:.3f} s, "
        f"changed part only {time.perf_counter() - began:.3f} s"
    )


if __name__ == "__main__":
    main()
