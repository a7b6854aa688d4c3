"""`pip install .` gives a working install: the wheel holds every module, every resource and model file
(mapped into the package, where core.paths looks for them), and the two commands."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def wheel_names(tmp_path_factory: pytest.TempPathFactory) -> set[str]:
    """Names in the wheel built from a copy of the project (the shared checkout gets no build/ litter)."""
    source = tmp_path_factory.mktemp("source")
    ignore = shutil.ignore_patterns("__pycache__", "*.egg-info", "build", "dist")
    for name in ("autovoice_desktop", "resources", "models"):
        shutil.copytree(ROOT / name, source / name, ignore=ignore)
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, source / name)
    out = tmp_path_factory.mktemp("wheel")
    command = [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation", str(source)]
    result = subprocess.run([*command, "-w", str(out)], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    wheels = list(out.glob("autovoice_desktop-*.whl"))
    assert len(wheels) == 1
    with zipfile.ZipFile(wheels[0]) as archive:
        names = set(archive.namelist())
        entry_points = next(n for n in names if n.endswith(".dist-info/entry_points.txt"))
        names.add("ENTRY_POINTS:" + archive.read(entry_points).decode())
    return names


def test_wheel_has_every_module_and_both_commands(wheel_names: set[str]) -> None:
    for source in sorted((ROOT / "autovoice_desktop").rglob("*.py")):
        name = source.relative_to(ROOT).as_posix()
        assert name in wheel_names, f"{name} is missing from the wheel"
    entry_points = next(n for n in wheel_names if n.startswith("ENTRY_POINTS:"))
    assert "autovoice = autovoice_desktop.app.cli:main" in entry_points
    assert "autovoice-gui = autovoice_desktop.app.gui_main:main" in entry_points


def test_wheel_has_every_resource_and_model_file(wheel_names: set[str]) -> None:
    for top in ("resources", "models"):
        for path in sorted((ROOT / top).rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                name = f"autovoice_desktop/{path.relative_to(ROOT).as_posix()}"
                assert name in wheel_names, f"{name} is missing from the wheel"
