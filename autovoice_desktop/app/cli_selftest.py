"""`autovoice self-test` (also `autovoice --self-test` and `AutoVoice --self-test` in the frozen build).

Checks the installation without opening a window (see app/selftest.py for what is checked), prints a JSON
report on stdout and exits 0 when every check passed, 1 otherwise (the failed checks are named on stderr).
"""

from __future__ import annotations

import argparse

from autovoice_desktop.core.types import DEVICE_CHOICES


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `self-test` sub-command to the CLI parser (its handler is `args.func(args) -> int`)."""
    parser = subparsers.add_parser(
        "self-test",
        help="check the installation: load every built-in voice, convert a sample, print a JSON report",
        description=(
            "Load every built-in voice, convert the bundled sample with each and check the result (finite, "
            "right length, pitch moved as asked); check FCPE and the content encoder; print device and "
            "versions as JSON. Exit 0 if all checks pass, 1 otherwise. Opens no window."
        ),
    )
    parser.add_argument(
        "--device",
        default="auto",
        help=f"compute device: {', '.join(DEVICE_CHOICES)} or cuda:N (default: auto)",
    )
    parser.add_argument(
        "--voice",
        action="append",
        dest="voices",
        metavar="VOICE",
        help="check only this built-in voice (id or name; repeatable)",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Handler of `autovoice self-test`: the process exit code."""
    from autovoice_desktop.app.selftest import main

    return main(device=getattr(args, "device", "auto"), voices=getattr(args, "voices", None))
