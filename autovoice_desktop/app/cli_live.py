"""`autovoice live`: microphone -> voice -> speakers (or a virtual microphone), until Ctrl+C or --seconds.

    autovoice live --voice VOICE [--input DEVICE] [--output DEVICE] [--transpose ST] [--formant ST]
                   [--block-ms MS] [--seconds S] [--record PATH] [--stats-json PATH]

DEVICE is what `autovoice record --device` accepts (an index or part of a name, or a PulseAudio source/sink
name). Exit codes: 0 after Ctrl+C or --seconds, 6 when a device fails or disappears (the message says which),
4/5 for a bad --record path or voice. `--stats-json` writes
{"blocks", "dropouts", "latency_ms", "compute_ms": {"median", "p99", "max"}} when the session ends.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from autovoice_desktop.core.errors import AudioDeviceError, AutoVoiceError, OutputError

STATUS_INTERVAL_S = 1.0


def register(subparsers: argparse._SubParsersAction, ranged_float, formant) -> None:  # noqa: ANN001
    """Add `live` (ranged_float / formant: cli.py's argument types, so the ranges match `convert`)."""
    live = subparsers.add_parser(
        "live",
        help="live voice changer: microphone -> voice -> speakers",
        description="Convert the microphone live with a voice and play it on an output device. Runs until "
        "Ctrl+C or for --seconds. See docs/live.md.",
    )
    live.add_argument("--voice", required=True, help="voice name, id or slug")
    live.add_argument("--input", default=None, help="input device: index or (part of) its name")
    live.add_argument("--output", default=None, help="output device: index or (part of) its name")
    live.add_argument("--transpose", type=ranged_float(-24, 24, "transpose"), help="semitones, -24…24")
    live.add_argument("--formant", type=formant, help="formant shift in semitones (built-in voices)")
    live.add_argument(
        "--block-ms", type=ranged_float(5, 1000, "block-ms"), help="fixed block length (default: automatic)"
    )
    live.add_argument("--seconds", type=float, default=None, help="stop after this many seconds")
    live.add_argument("--record", type=Path, default=None, help="also write the converted stream to a .wav")
    live.add_argument("--stats-json", type=Path, default=None, help="write block/dropout/latency stats here")
    live.add_argument(
        "--virtual-mic",
        action="store_true",
        help='play into an "AutoVoice Microphone" that other programs can record from (Linux: '
        "PulseAudio/PipeWire; removed when live stops); replaces --output",
    )
    live.set_defaults(func=run_live)


def _status(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def _fail(exc: AutoVoiceError) -> int:
    print(f"error: {exc.user_message()}", file=sys.stderr)
    return exc.exit_code


def write_stats(path: Path, stats: dict[str, object]) -> None:
    """Write the stats JSON atomically (temporary file + rename)."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w") as stream:
            json.dump(stats, stream, indent=2)
        os.replace(temporary, path)
    except OSError as exc:
        Path(temporary).unlink(missing_ok=True)
        raise OutputError(f"{path}: cannot write the stats ({exc})", "choose another path") from exc


def run_live(args: argparse.Namespace, sd: object | None = None) -> int:
    """`autovoice live`: run a live session; returns the exit code."""
    from autovoice_desktop.app.live_session import LiveSession, check_record_target
    from autovoice_desktop.engine.voices import find_voice, load_voice

    seconds = args.seconds
    microphone = None
    try:
        if seconds is not None and seconds <= 0:
            raise OutputError(f"--seconds must be positive, not {seconds}", "give a duration in seconds")
        if args.stats_json is not None and not args.stats_json.parent.is_dir():
            raise OutputError(f"{args.stats_json.parent}: folder does not exist", "create it first")
        if args.record is not None:
            check_record_target(args.record)
        info = find_voice(args.voice)
        overrides = {}
        if args.transpose is not None:
            overrides["transpose"] = args.transpose
        if args.formant is not None:
            overrides["formant_shift"] = args.formant
        params = replace(info.defaults, **overrides)
        voice = load_voice(info)
        output = args.output
        if getattr(args, "virtual_mic", False):
            from autovoice_desktop.audio.virtual_mic import VirtualMicrophone

            microphone = VirtualMicrophone()
            microphone.create()
            output = microphone.output_name
        session = LiveSession(
            voice,
            params,
            input_device=args.input,
            output_device=output,
            block_ms=args.block_ms,
            record=args.record,
            sd=sd,
        )
        session.start()
    except AutoVoiceError as exc:
        if microphone is not None:
            microphone.remove()
        return _fail(exc)
    duplex = session.duplex
    _status(
        f"Live: '{duplex.input_device.name}' -> {info.name} -> '{duplex.output_device.name}' "  # type: ignore[union-attr]
        f"({'until Ctrl+C' if seconds is None else f'{seconds:g} s'})"
    )
    if microphone is not None:
        _status('Other programs can now record from "AutoVoice Microphone".')
    problem = _loop(session, seconds)
    recorded = session.stop()
    if microphone is not None:
        microphone.remove()
    assert session.processor is not None
    stats = session.processor.stats.snapshot()
    _status(stop_line(stats, session.processor.stats.dropout_causes))
    if recorded is not None:
        _status(f"recorded {recorded}")
    try:
        if args.stats_json is not None:
            write_stats(args.stats_json, stats)
    except AutoVoiceError as exc:
        return _fail(exc)
    if problem:
        return _fail(AudioDeviceError(problem, "check the devices and start again"))
    return 0


def stop_line(stats: dict, causes: dict[str, int]) -> str:
    """The last status line: blocks, dropouts with their causes where any were counted, latency."""
    why = ", ".join(f"{name.replace('_', ' ')} {count}" for name, count in causes.items() if count)
    return (
        f"stopped: {stats['blocks']} blocks, {stats['dropouts']} dropouts{f' ({why})' if why else ''}, "
        f"latency about {stats['latency_ms']} ms"
    )


def _loop(session: object, seconds: float | None) -> str | None:
    """Wait for the time limit, Ctrl+C or a problem; print a status line now and then."""
    started = time.monotonic()
    next_status = started + STATUS_INTERVAL_S
    try:
        while seconds is None or time.monotonic() - started < seconds:
            problem = session.check()  # type: ignore[attr-defined]
            if problem:
                return problem
            now = time.monotonic()
            if now >= next_status and sys.stderr.isatty():
                stats = session.processor.stats  # type: ignore[attr-defined]
                _status(
                    f"  blocks {stats.blocks}, dropouts {stats.dropouts}, latency {stats.latency_ms:.0f} ms"
                )
                next_status = now + STATUS_INTERVAL_S
            time.sleep(0.05)
    except KeyboardInterrupt:
        _status("stopped by Ctrl+C")
    return None
