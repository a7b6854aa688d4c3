"""SIGTERM / SIGHUP close the window like its close button (issue 14), in a real `autovoice-gui` process.

The window runs offscreen with its own AUTOVOICE_HOME and `--theme light` (a setting that exists only in
memory until the window closes). Once the log says the window is shown, the signal is sent: the process must
exit 0 with no traceback, log the signal, save the settings (the theme reaches settings.toml) and leave no
`.part` file. Without the handler the process dies of the signal (exit -15 / -1) and saves nothing.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _env(home: Path) -> dict[str, str]:
    env = dict(os.environ, AUTOVOICE_HOME=str(home), QT_QPA_PLATFORM="offscreen")
    env.pop("PYTHONPATH", None)  # cwd=ROOT: `python -m` imports this checkout
    return env


def _wait_for(path: Path, text: str, proc: subprocess.Popen[bytes], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.is_file() and text in path.read_text(errors="replace"):
            return
        if proc.poll() is not None:
            raise AssertionError(f"the window exited early ({proc.returncode})")
        time.sleep(0.2)
    raise AssertionError(f"{text!r} not logged within {timeout} s")


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP], ids=["SIGTERM", "SIGHUP"])
def test_stop_signal_closes_the_window_like_its_close_button(tmp_path: Path, signum: signal.Signals) -> None:
    home = tmp_path / "home"
    log = home / "logs" / "autovoice.log"
    settings = home / "config" / "settings.toml"
    with open(tmp_path / "stderr.txt", "wb") as err:
        proc = subprocess.Popen(
            [sys.executable, "-m", "autovoice_desktop.app.gui_main", "--theme", "light"],
            cwd=ROOT, env=_env(home), stdout=subprocess.DEVNULL, stderr=err,
        )  # fmt: skip
        try:
            _wait_for(log, "window shown", proc, timeout=120)
            assert not settings.exists()  # nothing saved yet: the save below is the close's
            proc.send_signal(signum)
            code = proc.wait(timeout=120)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    stderr = (tmp_path / "stderr.txt").read_text(errors="replace")
    assert code == 0, stderr
    assert "Traceback" not in stderr, stderr
    text = log.read_text(errors="replace")
    assert f"{signum.name} received: closing the window" in text, text
    assert 'theme = "light"' in settings.read_text()
    assert [p for p in home.rglob("*") if p.name.endswith(".part")] == []
