"""Run the public entry points (CLI in-process and as a real process) and check what the user sees."""

from __future__ import annotations

import logging
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
#: A built-in voice that needs no download (README quick start).
BUILTIN_VOICE = "Deeper"
#: stderr lines that are not messages: the progress bar ("1/1 name [###---] 30% stage ...") and "wrote X".
_PROGRESS = re.compile(r"^\d+/\d+ .*\[[#-]*\]|^wrote |^converted \d+ of \d+ files")


@dataclass(frozen=True)
class CliResult:
    """Exit status and the text the user saw."""

    code: int
    out: str
    err: str

    @property
    def error_lines(self) -> list[str]:
        """stderr lines that are not progress bars, not "wrote ..." and not "warning: ..." lines."""
        lines = [line.strip("\r") for line in re.split(r"[\r\n]", self.err)]
        return [
            line
            for line in lines
            if line.strip() and not _PROGRESS.match(line) and not line.startswith("warning:")
        ]


def run_cli(argv: list[str], capsys: pytest.CaptureFixture[str]) -> CliResult:
    """`autovoice_desktop.app.cli.main(argv)` in this process; SystemExit is turned into its code."""
    from autovoice_desktop.app.cli import main

    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    capsys.readouterr()
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse exits for usage errors
        code = exc.code if isinstance(exc.code, int) else 1
    finally:  # main() installs log handlers on capsys' stream: remove them before that stream closes
        for handler in [h for h in root.handlers if h not in handlers]:
            root.removeHandler(handler)
            handler.close()
        root.setLevel(level)
    captured = capsys.readouterr()
    return CliResult(int(code or 0), captured.out, captured.err)


def cli_env(home: Path) -> dict[str, str]:
    """Environment for a CLI subprocess: private AUTOVOICE_HOME, offline, offscreen, UTF-8."""
    env = dict(os.environ)
    env.update(
        AUTOVOICE_HOME=str(home),
        HF_HUB_OFFLINE="1",
        TRANSFORMERS_OFFLINE="1",
        QT_QPA_PLATFORM="offscreen",
        PYTHONIOENCODING="utf-8",
    )
    return env


def run_cli_process(argv: list[str], home: Path, timeout: float = 120) -> CliResult:
    """`python -m autovoice_desktop ARGV` as a real process (what a user's shell runs)."""
    proc = subprocess.run(
        [sys.executable, "-m", "autovoice_desktop", *argv],
        cwd=ROOT,
        env=cli_env(home),
        capture_output=True,
        text=True,
        encoding="utf-8",
        errors="replace",
        timeout=timeout,
    )
    return CliResult(proc.returncode, proc.stdout, proc.stderr)


def assert_clean_failure(result: CliResult, code: int, says: str = "") -> None:
    """A failure the way the issue wants it: the documented code, one `error:` line, no traceback.

    Progress bars and `warning:` lines may surround it; any other text (a library's own chatter on stderr,
    a second error line) fails the check.
    """
    text = result.out + result.err
    assert "Traceback" not in text, text
    assert result.code == code, f"exit code {result.code}, expected {code}: {text}"
    assert len(result.error_lines) == 1, f"expected one error line on stderr, got: {result.err!r}"
    line = result.error_lines[0]
    assert line.startswith("error:"), line
    assert says.lower() in line.lower(), f"{says!r} not in {line!r}"


def leftovers(folder: Path) -> list[Path]:
    """Every file under `folder` (an output folder must stay empty after a failure)."""
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []
