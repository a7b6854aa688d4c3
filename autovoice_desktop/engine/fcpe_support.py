"""Import torchfcpe without making torchaudio a requirement.

torchfcpe 0.0.4 does `from torchaudio.transforms import Resample` at import time, and uses it only when the
audio it gets is not at its own 16 kHz rate. AutoVoice always resamples to 16 kHz itself
(engine.pitch._fcpe_input) before calling FCPE, so Resample is never constructed. When torchaudio is absent
(or its C extension cannot load, as with the CUDA-only wheel beside CPU torch), a tiny stand-in
`torchaudio.transforms` module is put in `sys.modules` only for the duration of `import torchfcpe`, then
removed again, so no other library ever sees a fake torchaudio. If torchfcpe would ever try to resample, the
stand-in raises a clear error instead.

torchfcpe itself is installed with `pip install --no-deps torchfcpe` (plus einops and local-attention); its
weights ship inside the wheel (`torchfcpe/assets/fcpe_c_v001.pt`).
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.machinery
import io
import sys
import threading
import types
from typing import Any

from autovoice_desktop.core.errors import WeightsMissingError

FCPE_RATE = 16000
FCPE_HOP = 160
INSTALL_HINT = "install it with: pip install --no-deps torchfcpe && pip install einops local-attention"

_lock = threading.Lock()
_models: dict[str, Any] = {}


class _ResampleStandIn:
    """Raises if constructed: AutoVoice never asks torchfcpe to resample."""

    def __init__(self, orig_freq: int = 0, new_freq: int = 0, **_: Any) -> None:
        raise RuntimeError(
            f"torchfcpe tried to resample {orig_freq} Hz -> {new_freq} Hz; "
            "AutoVoice feeds it 16 kHz audio only"
        )


def _torchaudio_usable() -> bool:
    try:
        importlib.import_module("torchaudio.transforms")
    except (ImportError, OSError):
        for name in [n for n in sys.modules if n == "torchaudio" or n.startswith("torchaudio.")]:
            sys.modules.pop(name, None)
        return False
    return True


def import_torchfcpe() -> types.ModuleType:
    """Import torchfcpe, with the torchaudio stand-in when needed. WeightsMissingError if not installed."""
    if "torchfcpe" in sys.modules:
        return sys.modules["torchfcpe"]
    if importlib.util.find_spec("torchfcpe") is None:
        raise WeightsMissingError("the FCPE pitch tracker (torchfcpe) is not installed", INSTALL_HINT)
    if _torchaudio_usable():
        return importlib.import_module("torchfcpe")
    pkg = types.ModuleType("torchaudio")
    pkg.__spec__ = importlib.machinery.ModuleSpec("torchaudio", None, is_package=True)
    pkg.__path__ = []
    transforms = types.ModuleType("torchaudio.transforms")
    transforms.__spec__ = importlib.machinery.ModuleSpec("torchaudio.transforms", None)
    transforms.Resample = _ResampleStandIn  # type: ignore[attr-defined]
    pkg.transforms = transforms  # type: ignore[attr-defined]
    sys.modules["torchaudio"], sys.modules["torchaudio.transforms"] = pkg, transforms
    try:
        return importlib.import_module("torchfcpe")
    except ImportError as exc:
        raise WeightsMissingError(f"torchfcpe cannot be imported: {exc}", INSTALL_HINT) from exc
    finally:
        sys.modules.pop("torchaudio.transforms", None)
        sys.modules.pop("torchaudio", None)


def fcpe_model(device: str = "cpu") -> Any:
    """The bundled FCPE model on `device`, loaded once per device and cached."""
    with _lock:
        if device not in _models:
            torchfcpe = import_torchfcpe()
            with contextlib.redirect_stdout(io.StringIO()):  # torchfcpe prints [INFO]/[WARN] lines
                _models[device] = torchfcpe.spawn_bundled_infer_model(device=device)
        return _models[device]


def release_fcpe() -> None:
    """Drop cached FCPE models and their CUDA graphs (frees GPU memory)."""
    from autovoice_desktop.engine.fcpe_pass import release_fcpe_graphs

    with _lock:
        release_fcpe_graphs()
        _models.clear()
