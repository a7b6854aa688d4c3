"""CUDA check of what the app does by default: precision, cancel, the idle/unload release of GPU memory.

    python -m benchmarks.gpu_app_check --model /tmp/avbench/model --input /tmp/avbench/in_60s.wav --out r.json

1. `SovitsVoice.convert` with default ConversionParams on CUDA (half precision by default = fp16) against
   `half=False` (fp32): weight dtypes, best-of-3 wall time, SNR of the default against fp32.
2. A conversion cancelled at ~30 %: ConversionCancelled, and CUDA memory allocated afterwards against before.
3. EngineBridge with an installed voice on CUDA: `release_gpu()` (the idle release) and what stays reserved.
4. `SovitsVoice.convert` under a CUDA memory cap (out of memory on purpose): the fallback's notices, where it
   finished, and a full-length finite output.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import threading
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import soundfile as sf
import torch

from autovoice_desktop.core.errors import ConversionCancelled
from autovoice_desktop.core.types import ConversionParams, VoiceInfo
from autovoice_desktop.engine.sovits.voice import SovitsVoice


def _snr(ref: np.ndarray, test: np.ndarray) -> float:
    ref, test = np.asarray(ref, np.float64), np.asarray(test, np.float64)
    return float(10 * np.log10(np.sum(ref**2) / max(np.sum((ref - test) ** 2), 1e-30)))


def _best_of(n: int, fn: object) -> tuple[float, np.ndarray]:
    best, out = float("inf"), None
    for _ in range(n):
        torch.cuda.synchronize()
        t = time.perf_counter()
        out = fn()  # type: ignore[operator]
        torch.cuda.synchronize()
        best = min(best, time.perf_counter() - t)
    return best, out


def _bench_voice(model_dir: Path) -> SovitsVoice:
    """The benchmark voice (make_bench_model's folder) as the app would load it, on CUDA."""
    return SovitsVoice(
        VoiceInfo(voice_id="sovits/bench", name="bench", kind="sovits", speakers=("bench",)),
        model_dir / "G_0.pth",
        model_dir / "config.json",
        device="cuda",
        encoder_path=model_dir / "contentvec",
    )


def precision_and_cancel(model_dir: Path, input_path: Path) -> dict:
    """Parts 1 and 2, on the benchmark voice (default 44.1 kHz size, ContentVec 768)."""
    voice = _bench_voice(model_dir)
    audio, rate = sf.read(input_path, dtype="float32")
    default = ConversionParams(device="cuda", f0_method="dio", auto_predict_f0=True, seed=1)
    fp32 = replace(default, half=False)
    report: dict = {"input_s": len(audio) / rate, "default_half": default.half}
    voice.convert(audio, rate, default)  # warm-up, loads in the default precision
    report["default_dtype"] = str(voice._model.dtype)  # not voice.model(): that would move it to fp32
    t_default, out_default = _best_of(3, lambda: voice.convert(audio, rate, default).audio)
    voice.convert(audio, rate, fp32)
    report["fp32_dtype"] = str(voice._model.dtype)
    t_fp32, out_fp32 = _best_of(3, lambda: voice.convert(audio, rate, fp32).audio)
    report.update(default_s=t_default, fp32_s=t_fp32, snr_default_vs_fp32_db=_snr(out_fp32, out_default))

    voice.convert(audio, rate, default)
    torch.cuda.synchronize()
    before = torch.cuda.memory_allocated()
    torch.cuda.reset_peak_memory_stats()
    cancel = threading.Event()
    fractions: list[float] = []

    def progress(fraction: float, stage: str) -> None:
        fractions.append(fraction)
        if fraction >= 0.3:
            cancel.set()

    try:
        voice.convert(audio, rate, default, progress=progress, cancel=cancel)
        report["cancel"] = "not cancelled"
    except ConversionCancelled:
        report["cancel"] = "ConversionCancelled"
    torch.cuda.synchronize()
    report.update(
        cancel_at_fraction=max(fractions or [0.0]),
        allocated_before_mb=before / 2**20,
        allocated_after_cancel_mb=torch.cuda.memory_allocated() / 2**20,
        peak_during_mb=torch.cuda.max_memory_allocated() / 2**20,
    )
    voice.release()
    report["allocated_after_release_mb"] = torch.cuda.memory_allocated() / 2**20
    return report


def bridge_release(tmp: Path) -> dict:
    """Part 3: the app's EngineBridge with an installed (tiny) voice on CUDA."""
    os.environ["AUTOVOICE_HOME"] = str(tmp / "home")
    from autovoice_desktop.core import paths
    from autovoice_desktop.engine.voices import import_voice
    from autovoice_desktop.workers import engine_bridge
    from tests.engine.content_helpers import save_content_vec_best, tiny_reference
    from tests.engine.sovits_helpers import write_voice

    os.environ["AUTOVOICE_CONTENT_ENCODER"] = str(
        save_content_vec_best(tmp / "cvb", *tiny_reference(seed=4, proj_dim=256))
    )
    info = import_voice(write_voice(tmp / "src" / "v", vol_embedding=True), voices_dir=paths.voices_dir())
    bridge = engine_bridge.EngineBridge()
    audio = (0.3 * np.sin(2 * np.pi * 220 * np.arange(48000) / 48000)).astype(np.float32)
    voice = bridge.voice(info.voice_id, "cuda")
    result = voice.convert(audio, 48000, ConversionParams(speaker="bob", device="cuda"))
    report = {
        "bridge_voice_device": result.device,
        "held_before": engine_bridge._cuda_memory_held(),
        "reserved_before_mb": torch.cuda.memory_reserved() / 2**20,
        "allocated_before_mb": torch.cuda.memory_allocated() / 2**20,
    }
    report["release_gpu_returned"] = bridge.release_gpu()
    report.update(
        reserved_after_mb=torch.cuda.memory_reserved() / 2**20,
        allocated_after_mb=torch.cuda.memory_allocated() / 2**20,
        second_release_gpu_returned=bridge.release_gpu(),
    )
    return report


def oom_fallback(model_dir: Path, input_path: Path, cap_gb: float) -> dict:
    """Part 4: the app's conversion with the process capped at `cap_gb` of GPU memory."""
    voice = _bench_voice(model_dir)
    audio, rate = sf.read(input_path, dtype="float32")
    torch.cuda.empty_cache()
    total = torch.cuda.get_device_properties(0).total_memory
    torch.cuda.set_per_process_memory_fraction(cap_gb * 2**30 / total)
    stages: list[str] = []
    try:
        t = time.perf_counter()
        result = voice.convert(
            audio,
            rate,
            ConversionParams(device="cuda", f0_method="dio"),
            progress=lambda f, s: stages.append(s),
        )
        seconds = time.perf_counter() - t
    finally:
        torch.cuda.set_per_process_memory_fraction(1.0)
    expected = round(len(audio) * result.sample_rate / rate)
    return {
        "cap_gb": cap_gb,
        "finished_on": result.device,
        "seconds": seconds,
        "output_samples": len(result.audio),
        "expected_samples": expected,
        "finite": bool(np.isfinite(result.audio).all()),
        "notices": [s for s in dict.fromkeys(stages) if "memory" in s.lower() or "cpu" in s.lower()],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, required=True)
    parser.add_argument("--input", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--oom-cap-gb", type=float, nargs="*", default=[0.9, 0.3])
    args = parser.parse_args()
    report = {"gpu": torch.cuda.get_device_name(0), "torch": torch.__version__}
    report["precision_and_cancel"] = precision_and_cancel(args.model, args.input)
    report["bridge_release"] = bridge_release(Path(tempfile.mkdtemp()))
    report["oom_fallback"] = [oom_fallback(args.model, args.input, cap) for cap in args.oom_cap_gb]
    text = json.dumps(report, indent=2)
    print(text)
    args.out.write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
