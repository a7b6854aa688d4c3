"""The layering rules of DESIGN.md, checked by import-linter, and ruff cleanliness."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _tool(name: str) -> str:
    exe = Path(sys.executable).with_name(name)
    found = str(exe) if exe.exists() else shutil.which(name)
    assert found, f"{name} is not installed in the test environment"
    return found


def test_import_contracts_hold() -> None:
    result = subprocess.run([_tool("lint-imports")], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "broken" not in result.stdout.lower().replace("0 broken", "")


def test_ruff_is_clean() -> None:
    result = subprocess.run(
        [_tool("ruff"), "check", "autovoice_desktop", "tests", "benchmarks"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_no_test_imports_the_benchmarks() -> None:
    """benchmarks/ is a tool, not a library: a test that imports it breaks when a benchmark is removed."""
    import re

    pattern = re.compile(r"^\s*(from|import)\s+benchmarks\b", re.MULTILINE)
    tests = (ROOT / "tests").rglob("*.py")
    offenders = [str(p.relative_to(ROOT)) for p in tests if pattern.search(p.read_text())]
    assert offenders == []
