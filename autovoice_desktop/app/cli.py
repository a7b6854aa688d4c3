"""The `autovoice` command line: convert, voices, info, import (+ devices, record, self-test from siblings).

Exit codes are those of core/errors.py: 0 success, 1 internal error, 2 bad command line, 3 input audio,
4 output, 5 voice, 6 device, 130 cancelled. Errors are one line on stderr; the traceback goes to the log file
(and to stderr with --debug). Sub-command handlers take the parsed arguments and return the exit code
(`args.func(args) -> int`).
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import math
import re
import signal
import sys
import threading
from collections.abc import Iterator, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from autovoice_desktop.app import (
    cli_audio,
    cli_live,
    cli_pitch,
    cli_say,
    cli_selftest,
    cli_weights,
    logging_setup,
)
from autovoice_desktop.app.cli_progress import BatchProgress
from autovoice_desktop.app.cli_types import MAX_SEED, nonempty_path, ranged_float, ranged_int
from autovoice_desktop.audio.output_check import check_output_folder
from autovoice_desktop.core.errors import (
    AutoVoiceError,
    ConversionCancelled,
    OutputError,
    OutputExistsError,
)
from autovoice_desktop.core.naming import output_name
from autovoice_desktop.core.text import one_line, printable
from autovoice_desktop.core.types import F0_METHODS, ConversionParams, VoiceInfo

log = logging.getLogger(__name__)


def _version() -> str:
    from importlib import metadata

    try:
        return metadata.version("autovoice-desktop")
    except metadata.PackageNotFoundError:
        return "unknown"


OUTPUT_FORMATS = ("wav", "flac")
_DEVICE_PATTERN = re.compile(r"^(auto|cpu|cuda(:\d+)?)$")


def _formant(text: str) -> float:
    """Semitones (-12…12), or a frequency ratio written with an x ("1.15x", 0.5x…2x)."""
    if text.lower().endswith("x"):
        try:
            ratio = float(text[:-1])
        except ValueError:
            raise argparse.ArgumentTypeError(f"formant ratio must look like 1.15x, not {text!r}") from None
        if not 0.5 <= ratio <= 2.0:
            raise argparse.ArgumentTypeError(f"formant ratio must be between 0.5x and 2x, not {text}")
        return 12.0 * math.log2(ratio)
    return ranged_float(-12, 12, "formant")(text)


def _device(text: str) -> str:
    if not _DEVICE_PATTERN.match(text):
        raise argparse.ArgumentTypeError(f"device must be auto, cpu, cuda or cuda:N, not {text!r}")
    return text


def build_parser() -> argparse.ArgumentParser:
    """The full parser, with the sibling modules' sub-commands registered."""
    debug = argparse.ArgumentParser(add_help=False)
    debug.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help="show tracebacks")
    parser = argparse.ArgumentParser(
        prog="autovoice",
        description="AutoVoice Desktop: convert voices in audio files (built-in and So-VITS-SVC voices).",
        epilog="Exit codes: 0 ok, 1 internal error, 2 usage, 3 input audio, 4 output, 5 voice, 6 device, "
        "130 cancelled. See docs/cli.md.",
    )
    parser.add_argument("--version", action="version", version=f"autovoice {_version()}")
    parser.add_argument("--debug", action="store_true", help="print tracebacks and debug messages")
    parser.add_argument("--self-test", action="store_true", help="same as the self-test sub-command")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    convert = sub.add_parser("convert", parents=[debug], help="convert audio files with a voice")
    convert.add_argument(
        "inputs", nargs="+", type=nonempty_path, metavar="INPUT", help="audio files (wav, flac, ogg, mp3…)"
    )
    convert.add_argument(
        "-o", "--output", required=True, type=nonempty_path, help="output file, or folder for many inputs"
    )
    convert.add_argument("--voice", required=True, help='voice name, id or slug, e.g. "Male → Female"')
    convert.add_argument("--speaker", help="speaker of a multi-speaker So-VITS-SVC voice")
    convert.add_argument("--transpose", type=ranged_float(-24, 24, "transpose"), help="semitones, -24…24")
    convert.add_argument(
        "--formant", type=_formant, help="formant shift: semitones -12…12, or a ratio like 1.15x (built-ins)"
    )
    convert.add_argument("--f0-method", choices=F0_METHODS, help="pitch estimator (default: the voice's)")
    convert.add_argument("--device", type=_device, default="auto", help="auto, cpu, cuda or cuda:N")
    precision = convert.add_mutually_exclusive_group()
    precision.add_argument(
        "--half",
        dest="half",
        action="store_const",
        const=True,
        help="half precision (the default): float16 on CUDA, bfloat16 on a CPU where it is measured faster",
    )
    precision.add_argument(
        "--fp32",
        dest="half",
        action="store_const",
        const=False,
        help="full float32 precision: the reference's exact numbers, slower",
    )
    convert.add_argument(
        "--seed", type=ranged_int(0, MAX_SEED, "seed"), help="random seed 0…2^64-1 (So-VITS-SVC voices)"
    )
    convert.add_argument(
        "--format", choices=OUTPUT_FORMATS, help="output format (default: from -o, else wav)"
    )
    convert.add_argument("--overwrite", action="store_true", help="replace existing output files")
    cli_pitch.add_curve_option(convert)
    convert.set_defaults(func=run_convert)

    voices = sub.add_parser("voices", parents=[debug], help="list the available voices")
    voices.set_defaults(func=run_voices)

    info = sub.add_parser("info", parents=[debug], help="show what the loader sees in audio files")
    info.add_argument("files", nargs="+", type=nonempty_path, metavar="FILE")
    info.set_defaults(func=run_info)

    imp = sub.add_parser("import", parents=[debug], help="import a So-VITS-SVC voice (folder or zip)")
    imp.add_argument("path", type=nonempty_path, metavar="PATH")
    imp.add_argument("--overwrite", action="store_true", help="replace an installed voice of the same name")
    imp.set_defaults(func=run_import)

    cli_audio.register(sub)
    cli_selftest.register(sub)
    cli_weights.register(sub)
    cli_say.register(sub, _params, _ctrl_c_cancels)
    cli_live.register(sub, ranged_float, _formant)
    cli_pitch.register(sub)
    return parser


def command_names() -> set[str]:
    """The sub-command names (`convert`, `voices`, …), for `python -m autovoice_desktop` routing."""
    parser = build_parser()
    for action in parser._actions:  # argparse keeps sub-parsers only here
        if isinstance(action, argparse._SubParsersAction):
            return set(action.choices)
    return set()


# --- convert ---------------------------------------------------------------------------------------------
def _params(args: argparse.Namespace, info: VoiceInfo) -> ConversionParams:
    """The voice's defaults with the options the user gave on top."""
    overrides: dict[str, object] = {"device": args.device}
    if args.half is not None:
        overrides["half"] = args.half
    for option, field in (
        ("transpose", "transpose"),
        ("formant", "formant_shift"),
        ("f0_method", "f0_method"),
        ("speaker", "speaker"),
        ("seed", "seed"),
    ):
        value = getattr(args, option)
        if value is not None:
            overrides[field] = value
    return replace(info.defaults, **overrides)


def plan_outputs(inputs: Sequence[Path], output: Path, fmt: str | None, slug: str) -> list[Path]:
    """One output path per input: -o itself for one input and a file name, else <stem>.<slug>.<fmt> in -o."""
    is_file_target = (
        len(inputs) == 1
        and not output.is_dir()
        and output.suffix.lower() in {f".{f}" for f in OUTPUT_FORMATS}
    )
    if is_file_target:
        if fmt and output.suffix.lower() != f".{fmt}":
            raise argparse.ArgumentTypeError(f"--format {fmt} does not match the output name {output.name}")
        return [output]
    if output.exists() and not output.is_dir():
        raise argparse.ArgumentTypeError(f"{output} is a file; give a folder for {len(inputs)} inputs")
    if len(inputs) == 1 and output.suffix and not output.is_dir():
        raise argparse.ArgumentTypeError(f"cannot write {output.suffix} files; use .wav or .flac")
    return [output / output_name(path, slug, fmt or "wav") for path in inputs]


#: Signals handled like Ctrl+C: a terminal closed (SIGHUP) or `kill`/a service manager (SIGTERM).
_STOP_SIGNALS = tuple(
    getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name)
)


@contextlib.contextmanager
def _handlers(handler: Any, signals: tuple[int, ...]) -> Iterator[None]:
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {sig: signal.signal(sig, handler) for sig in signals}
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt  # unwinds with every `finally` run: temporary files and folders are removed


@contextlib.contextmanager
def _stop_signals_interrupt() -> Iterator[None]:
    """SIGTERM and SIGHUP stop any command the way Ctrl+C does (KeyboardInterrupt: clean-up, exit 130)."""
    with _handlers(_interrupt, tuple(s for s in _STOP_SIGNALS if s != signal.SIGINT)):
        yield


@contextlib.contextmanager
def _ctrl_c_cancels(cancel: threading.Event) -> Iterator[None]:
    """While converting, the first Ctrl+C (or SIGTERM / SIGHUP) asks the conversion to stop at its next
    chunk (a clean exit 130); a second one stops at once (KeyboardInterrupt: the `.part` file is removed).
    Cooperative, so no library is interrupted mid-call. A signal that arrives while a file is being written
    lets that file finish (it appears whole, atomically), then the batch stops with exit 130."""

    def on_signal(signum: int, frame: object) -> None:
        if cancel.is_set():
            raise KeyboardInterrupt
        cancel.set()  # the conversion stops within one chunk and reports "error: cancelled"

    with _handlers(on_signal, _STOP_SIGNALS):
        yield


def _convert_one(  # noqa: PLR0913
    voice: Any,
    params: ConversionParams,
    source: Path,
    target: Path,
    progress: BatchProgress,
    protected: list[Path],
    overwrite: bool,
    cancel: threading.Event,
) -> None:
    from autovoice_desktop.audio.io import load_audio, save_audio

    loaded = load_audio(source)
    if cancel.is_set():
        raise ConversionCancelled()
    result = voice.convert(
        loaded.samples, loaded.sample_rate, params, progress=progress.update, cancel=cancel
    )
    progress.update(1.0, "saving")
    save_audio(target, result.audio, result.sample_rate, overwrite=overwrite, protected=protected)


def _exists(path: Path) -> bool:
    """Path.exists that says False instead of raising when a folder on the way is not accessible."""
    try:
        return path.exists()
    except OSError:
        return False


def run_convert(args: argparse.Namespace) -> int:
    """`autovoice convert`: every input in turn; failures are reported and the batch goes on."""
    from autovoice_desktop.engine.voices import find_voice, load_voice, voice_slug

    info = find_voice(args.voice)
    try:
        targets = plan_outputs(args.inputs, args.output, args.format, voice_slug(info))
    except argparse.ArgumentTypeError as exc:
        print(f"autovoice convert: error: {printable(exc)}", file=sys.stderr)
        return 2
    except PermissionError as exc:  # -o names a folder that cannot be opened
        raise OutputError(
            f"{printable(args.output)}: the output folder cannot be opened (permission denied)",
            "check the permissions of the output folder and the folders above it, or choose another",
        ) from exc
    for folder in {target.parent: target for target in targets}.values():
        check_output_folder(folder)  # before a long conversion, not after it (exit 4 with the reason)
    params = cli_pitch.with_curve(_params(args, info), args)
    voice = load_voice(info, device=args.device)
    protected = [path for path in args.inputs if _exists(path)]
    progress = BatchProgress(len(args.inputs))
    failures: list[AutoVoiceError] = []
    planned: set[Path] = set()
    cancel = threading.Event()
    with _ctrl_c_cancels(cancel):
        for index, (source, target) in enumerate(zip(args.inputs, targets, strict=True)):
            progress.start_file(index, source.name)
            try:
                if target.resolve() in planned:
                    raise OutputExistsError(f"{target}: another input in this batch writes the same file")
                planned.add(target.resolve())
                _convert_one(voice, params, source, target, progress, protected, args.overwrite, cancel)
                progress.end_file()
                print(f"wrote {printable(target)}", file=sys.stderr)
                if cancel.is_set():  # the signal came while this file was being finished: it is kept
                    raise ConversionCancelled()
            except ConversionCancelled:
                raise
            except AutoVoiceError as exc:
                progress.end_file()
                log.info("convert %s failed", source, exc_info=True)
                named = str(source) in exc.message or str(target) in exc.message
                where = "" if named else f"{printable(source)}: "
                print(f"error: {where}{exc.user_message()}", file=sys.stderr)
                failures.append(exc)
    if len(args.inputs) > 1:
        done = len(args.inputs) - len(failures)
        print(f"converted {done} of {len(args.inputs)} files; {len(failures)} failed", file=sys.stderr)
    return failures[0].exit_code if failures else 0


# --- voices, info, import ----------------------------------------------------------------------------------
def _describe_params(params: ConversionParams) -> str:
    parts = [f"transpose {params.transpose:+g}", f"formant {params.formant_shift:+g}"]
    if params.pitch_mode != "follow":
        parts.append(f"pitch {params.pitch_mode}")
    if params.breathiness != 1.0:
        parts.append(f"breathiness {params.breathiness:g}")
    if params.target_median_f0:
        parts.append(f"median pitch {params.target_median_f0:g} Hz")
    if params.f0_method:
        parts.append(f"f0 {params.f0_method}")
    return ", ".join(parts)


def run_voices(args: argparse.Namespace) -> int:
    """`autovoice voices`: built-in voices, then imported ones, with their parameters."""
    from autovoice_desktop.core import paths
    from autovoice_desktop.engine.voices import list_voices, voice_slug

    voices = list_voices()
    for kind, title in (("builtin", "Built-in voices"), (None, "Imported voices")):
        group = [v for v in voices if (v.kind == "builtin") == (kind == "builtin")]
        print(f"{title}:")
        if not group:
            print("  (none yet: autovoice import PATH)")
        for v in group:
            print(f"  {printable(v.name)}  [{printable(voice_slug(v))}]  {printable(v.voice_id)}")
            if v.description:
                print(f"      {printable(v.description)}")
            print(f"      {_describe_params(v.defaults)}")
            if v.speakers:  # names from config.json: shown escaped, one line
                print(f"      speakers: {', '.join(printable(s, 80) for s in v.speakers)}")
            for key, value in v.details.items():
                if v.kind != "builtin":
                    print(f"      {printable(key)}: {printable(value)}")
    print(f"Voices folder: {printable(paths.voices_dir())}")
    return 0


def run_info(args: argparse.Namespace) -> int:
    """`autovoice info FILE...`: what the loader sees; the first failure's code if any fails."""
    from autovoice_desktop.audio.io import probe

    code = 0
    for path in args.files:
        try:
            info = probe(path)
        except AutoVoiceError as exc:
            print(f"error: {exc.user_message()}", file=sys.stderr)
            code = code or exc.exit_code
            continue
        print(
            f"{printable(info.path)}: {info.format} {info.subtype}, {info.sample_rate} Hz, "
            f"{info.channels} channel(s), "
            f"{info.frames} frames, {info.duration:.3f} s"
        )
    return code


def run_import(args: argparse.Namespace) -> int:
    """`autovoice import PATH`: copy a So-VITS-SVC voice into the voices folder."""
    from autovoice_desktop.engine.voices import import_voice

    info = import_voice(args.path, overwrite=args.overwrite)
    print(f"imported {printable(repr(info.name))} as {printable(info.voice_id)}")
    return 0


# --- entry point -----------------------------------------------------------------------------------------
def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the exit code (the console script exits with it)."""
    arguments = list(sys.argv[1:] if argv is None else argv)
    if "--self-test" in arguments:
        arguments = ["self-test"] + [a for a in arguments if a != "--self-test"]
    parser = build_parser()
    try:
        args = parser.parse_args(arguments)
    except SystemExit as exc:  # argparse: --help/--version (0) or a usage error (2)
        return int(exc.code or 0)
    debug = bool(getattr(args, "debug", False))
    log_path = logging_setup.configure(debug=debug)
    if getattr(args, "func", None) is None:
        parser.print_help(sys.stderr)
        return 2
    log.debug("autovoice %s: %s", _version(), printable(arguments, 2000))
    try:
        with _stop_signals_interrupt():
            return int(args.func(args))
    except AutoVoiceError as exc:
        log.info("command failed", exc_info=True)
        if debug:
            import traceback

            traceback.print_exc()
        print(f"error: {exc.user_message()}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("error: cancelled", file=sys.stderr)
        return ConversionCancelled.exit_code
    except BrokenPipeError:  # `autovoice voices | head`: the reader left; nothing is wrong
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except Exception as exc:  # a bug: one line for the user, the trace in the log
        log.exception("internal error", extra={logging_setup.FILE_ONLY: True})  # the line below says it
        if debug:
            import traceback

            traceback.print_exc()
        where = f" (details in {log_path})" if log_path else ""
        print(one_line(f"error: internal error: {type(exc).__name__}: {exc}{where}"), file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
