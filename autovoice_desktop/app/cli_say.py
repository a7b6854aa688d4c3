"""`autovoice say`: text -> offline TTS (Piper, optional extra) -> a voice -> a wav/flac file.

    autovoice say "Hello there. How are you?" --voice "Male → Female" -o hello.wav
    autovoice say --text-file lines.txt --voice Deeper -o out/      # one file per non-empty line
    autovoice say --list                                             # installed TTS voices

The conversion options are those of `convert` (copied from its parser, so they can never drift apart). The
text is split at sentence boundaries and each piece is converted and written as soon as it is spoken, so
memory stays flat for long texts; the output appears atomically when the text is done.
"""

from __future__ import annotations

import argparse
import copy
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from autovoice_desktop.core.errors import AutoVoiceError, ConversionCancelled

#: options of `convert` that `say` does not take over (it has its own input and output)
_NOT_COPIED = {"help", "inputs", "output", "debug", "f0_curve"}
_AUDIO_SUFFIXES = (".wav", ".flac")


def _rate(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"rate must be a number, not {text!r}") from None
    if not 0.5 <= value <= 2.0:
        raise argparse.ArgumentTypeError(f"rate must be between 0.5 and 2, not {value:g}")
    return value


def register(
    subparsers: argparse._SubParsersAction,
    params_from_args: Callable[[argparse.Namespace, Any], Any],
    stop_signals_cancel: Callable[[threading.Event], Any],
) -> None:
    """Add `say` to the CLI parser (after `convert`, whose conversion options it shares).

    params_from_args(args, voice_info) -> ConversionParams and stop_signals_cancel(cancel_event) (a context
    manager) are `convert`'s own, passed in so that this module does not import `app.cli` (no cycle)."""
    say = subparsers.add_parser(
        "say",
        help="speak text with a voice (offline text to speech; optional extra)",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    say.add_argument("text", nargs="?", help="the text to speak (quote it)")
    say.add_argument("--text-file", type=Path, metavar="PATH", help="UTF-8 text file: one utterance per line")
    say.add_argument("-o", "--output", type=Path, help="output file (.wav/.flac), or a folder")
    say.add_argument("--tts-voice", metavar="NAME", help="TTS voice (see --list); default: the first")
    say.add_argument("--rate", type=_rate, default=1.0, help="speaking speed, 0.5…2 (default 1)")
    say.add_argument("--list", action="store_true", help="list the installed TTS voices and exit")
    say.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help="show tracebacks")
    convert = subparsers.choices["convert"]
    groups = {}
    for group in convert._mutually_exclusive_groups:
        twin = say.add_mutually_exclusive_group()
        groups.update({id(action): twin for action in group._group_actions})
    for action in convert._actions:
        if action.dest not in _NOT_COPIED:
            copied = copy.copy(action)
            copied.required = False  # --voice is checked in run_say (--list needs none)
            groups.get(id(action), say)._add_action(copied)
    say.set_defaults(func=run_say, say_params=params_from_args, say_cancels=stop_signals_cancel)


def _usage(message: str) -> int:
    print(f"autovoice say: error: {message}", file=sys.stderr)
    return 2


def _list_voices() -> int:
    from autovoice_desktop.engine.tts.piper_engine import (
        INSTALL_HINT,
        engine_available,
        list_tts_voices,
        tts_voices_dir,
    )

    voices = list_tts_voices()
    if not voices:
        engine = engine_available()
        what = "No text-to-speech voice is installed" if engine else "Text to speech is not installed"
        print(f"{what}: {INSTALL_HINT}")
        return 0
    print("Text-to-speech voices (Piper):")
    for v in voices:
        print(f"  {v.name}  [{v.language}, {v.sample_rate} Hz]  from {v.source}")
    print(f"More voices: put <name>.onnx + <name>.onnx.json in {tts_voices_dir()}")
    return 0


def _utterances(args: argparse.Namespace) -> list[tuple[int, str]]:
    """(line number, text) for --text-file (non-empty lines), or [(0, TEXT)]."""
    from autovoice_desktop.engine.tts.text import MAX_TEXT_CHARS, TextError

    if args.text_file is None:
        return [(0, args.text)]
    path: Path = args.text_file
    try:
        if path.stat().st_size > 4 * MAX_TEXT_CHARS:
            raise TextError(f"{path}: the file is too large for text", "split it into several files")
        content = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise TextError(f"{path}: no such text file", "check the path") from None
    except UnicodeDecodeError:
        raise TextError(f"{path}: is not UTF-8 text", "save it as UTF-8") from None
    except OSError as exc:
        raise TextError(f"{path}: cannot read it ({exc.strerror or exc})", "check the path") from None
    lines = [(n, line) for n, line in enumerate(content.splitlines(), 1) if line.strip()]
    if not lines:
        raise TextError(f"{path}: has no text", "write one utterance per line")
    return lines


def _targets(args: argparse.Namespace, numbers: list[int], slug: str) -> list[Path]:
    """The output path of each utterance (numbered files in a folder for --text-file)."""
    from autovoice_desktop.engine.voices import slugify

    output: Path = args.output
    fmt = args.format or "wav"
    if args.text_file is None and output.suffix.lower() in _AUDIO_SUFFIXES and not output.is_dir():
        if args.format and output.suffix.lower() != f".{args.format}":
            raise argparse.ArgumentTypeError(f"--format {args.format} does not match {output.name}")
        return [output]
    if output.suffix and not output.is_dir():
        wanted = "a folder for --text-file" if args.text_file else "a .wav or .flac name, or a folder"
        raise argparse.ArgumentTypeError(f"cannot write {output}: give {wanted}")
    if args.text_file is None:
        stem = slugify(" ".join(args.text.split()[:6]))[:40].strip("-") or "speech"
        return [output / f"{stem}.{slug}.{fmt}"]
    width = max(3, len(str(max(numbers))))
    return [output / f"{args.text_file.stem}-{n:0{width}d}.{slug}.{fmt}" for n in numbers]


def _say_one(
    tts: Any,
    voice: Any,
    params: Any,
    text: str,
    target: Path,
    args: argparse.Namespace,
    cancel: threading.Event,
) -> str:
    """Speak, convert and write one utterance; returns a one-line summary."""
    from autovoice_desktop.audio.stream_writer import StreamWriter
    from autovoice_desktop.engine.tts.say import speak
    from autovoice_desktop.engine.tts.text import check_text, split_text

    pieces = split_text(check_text(text))
    start = time.perf_counter()
    first = speech = 0.0
    writer: StreamWriter | None = None
    try:
        for piece in speak(tts, pieces, voice=voice, params=params, rate=args.rate, cancel=cancel):
            if writer is None:
                first = time.perf_counter() - start
                writer = StreamWriter(
                    target,
                    piece.sample_rate,
                    overwrite=args.overwrite,
                    protected=[args.text_file] if args.text_file else [],
                )
            writer.write(piece.audio)
            speech += len(piece.audio) / piece.sample_rate
        if writer is None:
            from autovoice_desktop.engine.tts.text import TextError

            raise TextError("nothing to say: the TTS voice made no sound for this text", "use other words")
        writer.commit()
    finally:
        if writer is not None:
            writer.__exit__(None, None, None)
    total = time.perf_counter() - start
    return (
        f"wrote {target} ({speech:.1f} s of speech in {len(pieces)} piece(s); first audio after "
        f"{first:.2f} s; {speech / max(total, 1e-9):.1f}x real time)"
    )


def run_say(args: argparse.Namespace) -> int:
    """`autovoice say`: each utterance in turn; failures are reported and a --text-file batch goes on."""
    if args.list:
        return _list_voices()
    if (args.text is None) == (args.text_file is None):
        return _usage("give the text to speak, or --text-file PATH (not both)")
    if args.output is None or args.voice is None:
        return _usage("--voice and -o/--output are required")
    from autovoice_desktop.engine.tts.piper_engine import PiperTts, find_tts_voice
    from autovoice_desktop.engine.tts.say import tts_params
    from autovoice_desktop.engine.tts.text import check_text
    from autovoice_desktop.engine.voices import find_voice, load_voice, voice_slug

    if args.text is not None:
        check_text(args.text)  # before anything is loaded
    tts_info = find_tts_voice(args.tts_voice)  # a missing engine is reported before the voice is loaded
    info = find_voice(args.voice)
    utterances = _utterances(args)
    try:
        targets = _targets(args, [n for n, _ in utterances], voice_slug(info))
    except argparse.ArgumentTypeError as exc:
        return _usage(str(exc))
    tts = PiperTts(tts_info, device=args.device)
    voice = load_voice(info, device=args.device)
    params = tts_params(info.kind, args.say_params(args, info), f0_method_chosen=args.f0_method is not None)
    cancel = threading.Event()
    failures: list[AutoVoiceError] = []
    with args.say_cancels(cancel):
        for (number, text), target in zip(utterances, targets, strict=True):
            try:
                print(_say_one(tts, voice, params, text, target, args, cancel), file=sys.stderr)
            except ConversionCancelled:
                raise
            except AutoVoiceError as exc:
                if args.text_file is None:
                    raise
                print(f"error: line {number}: {exc.user_message()}", file=sys.stderr)
                failures.append(exc)
    if len(utterances) > 1 or args.text_file is not None:
        done = len(utterances) - len(failures)
        print(f"spoke {done} of {len(utterances)} lines; {len(failures)} failed", file=sys.stderr)
    return failures[0].exit_code if failures else 0
