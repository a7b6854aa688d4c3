"""`python -m autovoice_desktop` sends CLI commands to the CLI and everything else to the window."""

from __future__ import annotations

import subprocess
import sys

from autovoice_desktop.__main__ import wants_cli


def test_routing() -> None:
    assert wants_cli(["convert", "a.wav", "--voice", "Robot", "-o", "out"])
    assert wants_cli(["--version"]) and wants_cli(["--self-test"]) and wants_cli(["devices"])
    assert not wants_cli([]) and not wants_cli(["song.wav"]) and not wants_cli(["--quit-after", "100"])


def test_version_runs_the_cli() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "autovoice_desktop", "--version"], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("autovoice ")
