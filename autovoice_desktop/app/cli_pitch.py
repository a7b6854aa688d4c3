"""`autovoice pitch` (export the target F0 as CSV) and `convert --f0-curve` (convert with an edited curve).

`autovoice pitch INPUT [--voice V] [--transpose ST] [--f0-method M] [--speaker S] [--device D] -o curve.csv`
writes `time_s,f0_hz`, one row per analysis frame of that voice (0 = unvoiced): the target F0 a conversion
with those settings would use. Edit it and give it back with `autovoice convert … --f0-curve curve.csv`;
the curve then replaces the estimated F0 moved by --transpose (formant and the other settings still apply).
A malformed curve is refused with one line naming the line, exit code 2 (engine/f0_csv.py).
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path

from autovoice_desktop.core.types import F0_METHODS, ConversionParams

DEFAULT_VOICE = "Pitch & Formant"


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add `pitch` to the CLI parser (handler: `args.func(args) -> int`)."""
    parser = subparsers.add_parser(
        "pitch",
        help="write the target pitch curve of a recording as CSV (time_s,f0_hz) for editing",
        description=__doc__,
    )
    parser.add_argument("input", type=Path, metavar="INPUT", help="audio file (wav, flac, ogg, mp3…)")
    parser.add_argument("-o", "--output", required=True, type=Path, help="CSV file to write")
    parser.add_argument(
        "--voice", default=DEFAULT_VOICE, help=f'voice name, id or slug (default "{DEFAULT_VOICE}")'
    )
    parser.add_argument("--speaker", help="speaker of a multi-speaker So-VITS-SVC voice")
    parser.add_argument("--transpose", type=_transpose, help="semitones, -24…24")
    parser.add_argument("--f0-method", choices=F0_METHODS, help="pitch estimator (default: the voice's)")
    parser.add_argument("--device", default="auto", help="auto, cpu, cuda or cuda:N")
    parser.add_argument("--overwrite", action="store_true", help="replace the CSV if it exists")
    parser.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help="show tracebacks")
    parser.set_defaults(func=run_pitch)


def _transpose(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"transpose must be a number, not {text!r}") from None
    if not -24 <= value <= 24:
        raise argparse.ArgumentTypeError(f"transpose must be between -24 and 24, not {value:g}")
    return value


def add_curve_option(convert: argparse.ArgumentParser) -> None:
    """`convert --f0-curve CSV`."""
    convert.add_argument(
        "--f0-curve",
        type=Path,
        metavar="CSV",
        help="target pitch curve (time_s,f0_hz, from `autovoice pitch`); replaces what --transpose gives",
    )


def with_curve(params: ConversionParams, args: argparse.Namespace) -> ConversionParams:
    """params with the --f0-curve file read in (CurveFileError, exit 2, if it is malformed)."""
    path = getattr(args, "f0_curve", None)
    if path is None:
        return params
    from autovoice_desktop.engine.f0_csv import CurveFileError, read_curve

    if len(getattr(args, "inputs", ())) > 1:
        raise CurveFileError("--f0-curve belongs to one recording", "convert one input at a time with it")
    return replace(params, f0_curve=read_curve(path))


def run_pitch(args: argparse.Namespace) -> int:
    """`autovoice pitch`: analyse INPUT with the voice and write the target F0 curve."""
    from autovoice_desktop.audio.io import load_audio
    from autovoice_desktop.engine.f0_csv import curve_from_arrays, write_curve
    from autovoice_desktop.engine.voices import find_voice, load_voice

    info = find_voice(args.voice)
    overrides: dict[str, object] = {"device": args.device}
    for option, field in (("transpose", "transpose"), ("f0_method", "f0_method"), ("speaker", "speaker")):
        if getattr(args, option) is not None:
            overrides[field] = getattr(args, option)
    params = replace(info.defaults, **overrides)
    loaded = load_audio(args.input)
    voice = load_voice(info, device=args.device)
    track = voice.analyse_pitch(loaded.samples, loaded.sample_rate, params)
    path = write_curve(args.output, curve_from_arrays(track.times, track.target_f0), overwrite=args.overwrite)
    voiced = int((track.target_f0 > 0).sum())
    print(f"wrote {path} ({len(track.times)} frames, {voiced} voiced)", file=sys.stderr)
    return 0
