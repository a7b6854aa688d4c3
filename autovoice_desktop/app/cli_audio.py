"""CLI commands for audio devices: `autovoice devices` and `autovoice record`.

`autovoice record -o take.wav [--seconds N] [--device NAME] [--rate R] [--channels C] [--overwrite]` records
from an input device (the system default unless --device names one) at the device's rate (or --rate) into a
crash-safe take in the recordings folder, then writes it to the output file (wav: 16-bit PCM, flac: 16-bit).
Without --seconds it records until Ctrl+C. If the device fails mid-way, what was recorded is still written
and the exit code is 6. Status lines go to stderr; `Recording…` is printed once audio actually flows.

Handlers return the exit code; errors are printed as `error: <message> (<hint>)` (see core/errors.py).
Also runnable alone: `python -m autovoice_desktop.app.cli_audio record -o take.wav --seconds 5`.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

from autovoice_desktop.app.cli_types import nonempty_path, ranged_float, ranged_int
from autovoice_desktop.core.errors import AudioDeviceError, AutoVoiceError, OutputError, OutputExistsError
from autovoice_desktop.core.text import printable

FIRST_BLOCK_TIMEOUT = 15.0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add `devices` and `record` to the CLI parser (handlers: `args.func(args) -> int`)."""
    devices = subparsers.add_parser(
        "devices",
        help="list audio input and output devices",
        description="List the audio devices PortAudio sees, with their index, host API, channels and rate.",
    )
    devices.add_argument("--json", action="store_true", help="print the list as JSON")
    devices.set_defaults(func=run_devices)

    record = subparsers.add_parser(
        "record",
        help="record a take from the microphone into a WAV/FLAC file",
        description=(
            "Record from an input device into a file. The take is stored at the device's sample rate and "
            "streamed to the recordings folder while recording, so a crash keeps it. Without --seconds, "
            "recording goes on until Ctrl+C."
        ),
    )
    record.add_argument(
        "-o", "--output", required=True, type=nonempty_path, help="output file (.wav or .flac)"
    )
    record.add_argument(
        "--seconds", type=ranged_float(0.01, 86400, "seconds"), help="stop after this many seconds"
    )
    record.add_argument("--device", default=None, help="input device: index or (part of) its name")
    record.add_argument(
        "--rate", type=ranged_int(1000, 768000, "rate"), help="sample rate in Hz (default: the device's)"
    )
    record.add_argument(
        "--channels", type=ranged_int(1, 64, "channels"), default=1, help="channels to record (default: 1)"
    )
    record.add_argument("--overwrite", action="store_true", help="replace the output file if it exists")
    record.set_defaults(func=run_record)


def _fail(exc: AutoVoiceError) -> int:
    print(f"error: {exc.user_message()}", file=sys.stderr)
    return exc.exit_code


def run_devices(args: argparse.Namespace, sd: Any | None = None) -> int:
    """`autovoice devices`: print every device; exit 6 if audio devices cannot be used at all."""
    from autovoice_desktop.audio.devices import describe, list_devices

    try:
        devices = list_devices(sd)
    except AutoVoiceError as exc:
        return _fail(exc)
    if getattr(args, "json", False):
        print(json.dumps([dev.__dict__ for dev in devices], indent=2))
        return 0
    if not devices:
        print("no audio devices found (is a sound server running? is the microphone connected?)")
        return 0
    for title, has in (("Input devices", "max_input_channels"), ("Output devices", "max_output_channels")):
        print(f"{title}:")
        listed = [dev for dev in devices if getattr(dev, has) > 0]
        for dev in listed:
            print(f"  {printable(describe(dev))}")
        if not listed:
            print("  (none)")
    if sd is None and any(dev.name == "pulse" for dev in devices):
        from autovoice_desktop.audio.devices import pulse_endpoints

        for title, kind in (("PulseAudio sources", "input"), ("PulseAudio sinks", "output")):
            endpoints = pulse_endpoints(kind)
            if endpoints:
                print(f"{title} (also usable as --device NAME, through 'pulse'):")
                for name, description in endpoints:
                    print(f"  {printable(name)}  ({printable(description)})")
    return 0


def _check_output(path: Path, overwrite: bool) -> None:
    if path.suffix.lower() not in (".wav", ".flac"):
        raise OutputError(f"{path}: cannot write '{path.suffix or 'no suffix'}' files", "use .wav or .flac")
    if path.is_dir():
        raise OutputError(f"{path}: is a folder", "give a file name ending in .wav or .flac")
    if path.exists() and not overwrite:
        raise OutputExistsError(f"{path}: already exists", "use --overwrite or choose another name")
    if not path.parent.exists():
        raise OutputError(f"{path.parent}: folder does not exist", "create it or choose another output path")


def _status(text: str, end: str = "\n") -> None:
    print(text, file=sys.stderr, end=end, flush=True)


def run_record(args: argparse.Namespace, sd: Any | None = None) -> int:
    """`autovoice record`: record a take and write it to args.output. Returns the exit code."""
    from autovoice_desktop.audio.recorder import Recorder

    output: Path = args.output
    seconds = getattr(args, "seconds", None)
    try:
        if seconds is not None and seconds <= 0:
            raise OutputError(f"--seconds must be positive, not {seconds}")
        _check_output(output, bool(getattr(args, "overwrite", False)))
        recorder = Recorder(
            getattr(args, "device", None),
            getattr(args, "rate", None),
            getattr(args, "channels", 1) or 1,
            sd=sd,
            max_seconds=seconds,
        )
        recorder.start()
    except AutoVoiceError as exc:
        return _fail(exc)
    problem = _record_loop(recorder, seconds)
    result = recorder.stop()
    problem = problem or result.error
    for note in result.warnings:
        _status(f"warning: {note}")
    if result.path is None:
        return _fail(AudioDeviceError(problem or "nothing was recorded", "check the input device"))
    try:
        _save_take(result.path, output, bool(getattr(args, "overwrite", False)))
    except AutoVoiceError as exc:
        _status(f"the take is kept in {result.path}")
        return _fail(exc)
    _status(f"saved {output} ({result.duration:.2f} s, {result.sample_rate} Hz, {result.channels} ch)")
    if problem:
        return _fail(
            AudioDeviceError(problem, f"the {result.duration:.2f} s recorded were saved to {output}")
        )
    return 0


def _record_loop(recorder: Any, seconds: float | None) -> str | None:
    """Wait until the limit, Ctrl+C or a device problem. Returns the problem's text, if any."""
    dev = recorder.device
    try:
        if not recorder.wait_first_block(FIRST_BLOCK_TIMEOUT):
            return recorder.check() or f"'{dev.name}' delivered no audio within {FIRST_BLOCK_TIMEOUT:.0f} s"
        limit = f"{seconds:g} s" if seconds else "until Ctrl+C"
        _status(
            f"Recording from '{dev.name}' at {recorder.sample_rate} Hz, {recorder.channels} ch ({limit})…"
        )
        interactive = sys.stderr.isatty()
        while not recorder.limit_reached:
            problem = recorder.check()
            if problem:
                return problem
            if interactive:
                _status(f"\r  {recorder.elapsed_seconds:6.1f} s", end="")
            time.sleep(0.05)
    except KeyboardInterrupt:
        _status("\nstopped")
    finally:
        if sys.stderr.isatty():
            _status("")
    return None


def _save_take(take: Path, output: Path, overwrite: bool) -> None:
    """Write the take to `output` (atomic; 16-bit) and drop the cached take."""
    import soundfile as sf

    from autovoice_desktop.audio.io import save_audio

    data, rate = sf.read(str(take), dtype="float32")
    save_audio(output, data, rate, overwrite=overwrite)
    take.unlink(missing_ok=True)


def main(argv: list[str] | None = None) -> int:
    """Stand-alone entry point with just these commands."""
    parser = argparse.ArgumentParser(prog="autovoice", description="AutoVoice audio device commands")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
