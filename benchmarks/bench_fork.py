"""Time so-vits-svc-fork 4.2.30 (the reference) on the benchmark voice: file conversion with its own code paths.

Run where the fork is importable (a separate venv; it is never a dependency of AutoVoice):
    python -m benchmarks.bench_fork --model DIR --input IN.wav --device cpu --f0 dio --repeat 3 --out results.jsonl
Only the content-encoder loader is replaced (the fork downloads ContentVec from a hub, which is not reachable here): it
loads the same random ContentVec folder AutoVoice uses. Everything timed is the fork's own `Svc.infer_silence`.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import soundfile as sf

from benchmarks.bench_common import CpuLoadProbe, machine_info, peak_rss_mb, write_result


def _patch_content_loader(contentvec_dir: Path) -> None:
    import so_vits_svc_fork.inference.core as core
    import so_vits_svc_fork.utils as utils
    from transformers import HubertModel

    def load(device, final_proj: bool = True):  # noqa: ANN001 - mirrors the fork's signature
        model = HubertModel.from_pretrained(contentvec_dir)
        return model.to(device).eval()

    utils.get_hubert_model = load
    core.utils.get_hubert_model = load


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", type=Path, required=True, help="folder with G_0.pth, config.json, contentvec/")
    parser.add_argument("--input", type=Path, required=True)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--f0", default="dio")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--half", action="store_true")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()

    import torch

    _patch_content_loader(args.model / "contentvec")
    from so_vits_svc_fork.inference.core import Svc

    t0 = time.perf_counter()
    svc = Svc(
        net_g_path=str(args.model / "G_0.pth"),
        config_path=str(args.model / "config.json"),
        device=args.device,
        half=args.half,
    )
    load_s = time.perf_counter() - t0
    audio, rate = sf.read(args.input, dtype="float32")
    assert rate == svc.target_sample, "benchmark inputs are written at the model rate"

    def run() -> np.ndarray:
        out = svc.infer_silence(audio, speaker="bench", transpose=0, f0_method=args.f0, noise_scale=0.4)
        if args.device.startswith("cuda"):
            torch.cuda.synchronize()
        return out

    run_time = []
    run()  # warm-up (also the first cuDNN/numba compilations), as the reference speed study did
    if args.device.startswith("cuda"):
        torch.cuda.reset_peak_memory_stats()
    for _ in range(args.repeat):
        with CpuLoadProbe() as probe:
            t = time.perf_counter()
            out = run()
            run_time.append(time.perf_counter() - t)
    record = {
        "engine": "so-vits-svc-fork 4.2.30",
        "device": args.device,
        "f0": args.f0,
        "half": args.half,
        "input_s": len(audio) / rate,
        "output_s": len(out) / rate,
        "load_s": load_s,
        "times_s": run_time,
        "best_s": min(run_time),
        "median_s": float(np.median(run_time)),
        "peak_rss_mb": peak_rss_mb(),
        "cpu_busy_last_run": probe.busy_fraction,
        "machine": machine_info(),
    }
    if args.device.startswith("cuda"):
        record["cuda_peak_alloc_mb"] = torch.cuda.max_memory_allocated() / 2**20
    write_result(args.out, record)
    print(record)


if __name__ == "__main__":
    main()
