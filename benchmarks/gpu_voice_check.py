"""CUDA check of SovitsVoice through the library (import, load on CUDA, fp32/fp16, release, reload).

python benchmarks/gpu_voice_check.py      (from the repository root, on the GPU machine)
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from autovoice_desktop.core.types import ConversionParams  # noqa: E402
from autovoice_desktop.engine.sovits.library import import_voice, load_installed  # noqa: E402
from tests.engine.content_helpers import save_content_vec_best, tiny_reference  # noqa: E402
from tests.engine.sovits_helpers import write_voice  # noqa: E402


def main() -> None:
    tmp = Path(tempfile.mkdtemp())
    os.environ["AUTOVOICE_HOME"] = str(tmp / "home")
    info = import_voice(write_voice(tmp / "src" / "v", vol_embedding=True), tmp / "voices")
    os.environ["AUTOVOICE_CONTENT_ENCODER"] = str(
        save_content_vec_best(tmp / "cvb", *tiny_reference(seed=4, proj_dim=256))
    )
    voice = load_installed(info, device="cuda")
    audio = (0.3 * np.sin(2 * np.pi * 220 * np.arange(48000) / 48000)).astype(np.float32)
    outs = {}
    for dev, half, f0m in [
        ("cpu", False, "dio"),
        ("cuda", False, "dio"),
        ("cuda", True, "dio"),
        ("cuda", False, None),
    ]:
        params = ConversionParams(speaker="bob", seed=5, device=dev, half=half, f0_method=f0m)
        result = voice.convert(audio, 48000, params)
        outs[(dev, half, f0m)] = result.audio
        print(
            dev,
            half,
            f0m,
            result.device,
            result.audio.shape,
            float(np.abs(result.audio).max()),
            voice.model().dtype,
        )
    a, b, c = outs[("cpu", False, "dio")], outs[("cuda", False, "dio")], outs[("cuda", True, "dio")]
    print("cpu vs cuda fp32 max abs diff", float(np.abs(a - b).max()), "peak", float(np.abs(a).max()))
    print("cuda fp16 vs fp32 SNR dB", 10 * np.log10(np.sum(b**2) / np.sum((b - c) ** 2)))
    voice.release()
    print("after release, CUDA memory allocated:", torch.cuda.memory_allocated())
    for line in cuda_leftovers()[:15]:
        print("  left on GPU:", line)
    torch._C._cuda_clearCublasWorkspaces()
    print("after clearing cuBLAS workspaces:", torch.cuda.memory_allocated())
    again = voice.convert(
        audio, 48000, ConversionParams(speaker="bob", seed=5, device="cuda", half=False, f0_method="dio")
    )
    print("reloaded after release gives the same output:", bool(np.array_equal(again.audio, b)))


def cuda_leftovers() -> list[str]:
    """Describe tensors still on the GPU (for the release check)."""
    import gc

    found = []
    for obj in gc.get_objects():
        try:
            if isinstance(obj, torch.Tensor) and obj.is_cuda:
                owners = [type(r).__name__ for r in gc.get_referrers(obj)][:3]
                found.append(f"{tuple(obj.shape)} {obj.dtype} referrers={owners}")
        except Exception:  # noqa: BLE001, S112 - objects that fail isinstance
            continue
    return found


if __name__ == "__main__":
    main()
