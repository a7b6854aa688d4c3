"""Time so-vits-svc-fork 4.2.30 (the reference) on the benchmark voice, through its own file-conversion code.

Run where the fork is importable (a separate venv, or PYTHONPATH=.bench/site on the GPU machine; it is never a
dependency of AutoVoice):
    python -m benchmarks.bench_fork --model DIR --input IN.wav --device cpu --f0 dio --repeat 3 --out r.jsonl
Only the content-encoder loader is replaced (the fork downloads ContentVec from a hub, which is not reachable
here): it loads the same random ContentVec folder AutoVoice uses. Everything timed is the fork's own code:
`librosa.load` + `Svc.infer_silence` with the `svc infer` CLI defaults (dio, auto-predict F0 on, -20 dB
relative, 0.5 s pad, 0.5 s chunk, 40 s max chunk, noise 0.4) + `soundfile.write`.
Stage times come from synchronised wrappers around the fork's F0, content and synthesizer calls.
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

    def load(device, final_proj: bool = True):  # noqa: ANN001, ANN202 - mirrors the fork's signature
        cls = utils.HubertModelWithFinalProj if final_proj else HubertModel  # legacy 256-d configs
        model = cls.from_pretrained(contentvec_dir)
        return model.to(device).eval()

    utils.get_hubert_model = load
    core.utils.get_hubert_model = load


class _StageTimers:
    """Wraps the fork's compute_f0 / get_content / net_g.infer with synchronised timers."""

    def __init__(self, svc, device: str) -> None:  # noqa: ANN001
        import so_vits_svc_fork.f0 as f0mod
        import so_vits_svc_fork.inference.core as core
        import torch

        self.totals = {"f0": 0.0, "content": 0.0, "synth": 0.0}
        cuda = device.startswith("cuda")

        def sync() -> None:
            if cuda:
                torch.cuda.synchronize()

        def wrap(fn, key):  # noqa: ANN001, ANN202
            def inner(*a, **k):  # noqa: ANN002, ANN003, ANN202
                sync()
                t = time.perf_counter()
                out = fn(*a, **k)
                sync()
                self.totals[key] += time.perf_counter() - t
                return out

            return inner

        f0mod.compute_f0 = wrap(f0mod.compute_f0, "f0")
        core.so_vits_svc_fork.f0.compute_f0 = f0mod.compute_f0
        core.utils.get_content = wrap(core.utils.get_content, "content")
        svc.net_g.infer = wrap(svc.net_g.infer, "synth")

    def reset(self) -> None:
        for key in self.totals:
            self.totals[key] = 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, required=True, help="folder: G_0.pth, config.json, contentvec/")
    parser.add_argument("--input", type=Path, action="append", required=True, help="repeatable")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--f0", default="dio")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--long-repeat", type=int, default=1, help="repeats for inputs of 300 s or more")
    parser.add_argument("--half", action="store_true")
    parser.add_argument("--no-auto-predict-f0", action="store_true")
    parser.add_argument("--tag", default="")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()

    import librosa
    import torch

    _patch_content_loader(args.model / "contentvec")
    from so_vits_svc_fork.inference.core import Svc

    cuda = args.device.startswith("cuda")
    t0 = time.perf_counter()
    svc = Svc(
        net_g_path=str(args.model / "G_0.pth"),
        config_path=str(args.model / "config.json"),
        device=args.device,
        half=args.half,
    )
    load_s = time.perf_counter() - t0
    timers = _StageTimers(svc, args.device)
    out_path = Path("/tmp") / f"fork_bench_out_{args.device.replace(':', '')}.wav"

    def run(path: Path) -> tuple[float, dict]:
        times = {}
        t = time.perf_counter()
        audio, _ = librosa.load(path, sr=svc.target_sample)
        times["load"] = time.perf_counter() - t
        timers.reset()
        t1 = time.perf_counter()
        out = svc.infer_silence(
            audio,
            speaker="bench",
            transpose=0,
            auto_predict_f0=not args.no_auto_predict_f0,
            f0_method=args.f0,
            noise_scale=0.4,
            db_thresh=-20,
            pad_seconds=0.5,
            chunk_seconds=0.5,
            max_chunk_seconds=40,
        )
        if cuda:
            torch.cuda.synchronize()
        times["convert"] = time.perf_counter() - t1
        t2 = time.perf_counter()
        sf.write(out_path, out, svc.target_sample)
        times["write"] = time.perf_counter() - t2
        times.update(timers.totals)
        times["e2e"] = time.perf_counter() - t
        times["output_s"] = len(out) / svc.target_sample
        return times["e2e"], times

    warm = sorted(args.input, key=lambda p: sf.info(p).duration)[0]
    run(warm)  # warm-up (cuDNN/numba/oneDNN first calls), as the reference speed study did
    for path in args.input:
        if cuda:
            torch.cuda.reset_peak_memory_stats()
        runs = []
        repeat = args.repeat if sf.info(path).duration < 300 else min(args.repeat, args.long_repeat)
        for _ in range(repeat):
            with CpuLoadProbe() as probe:
                _, times = run(path)
            times["cpu_busy"] = probe.busy_fraction
            runs.append(times)
        best = min(runs, key=lambda r: r["e2e"])
        record = {
            "engine": "fork",
            "engine_name": "so-vits-svc-fork 4.2.30",
            "tag": args.tag,
            "device": args.device,
            "f0": args.f0,
            "precision": "fp16" if args.half else "fp32",
            "auto_predict_f0": not args.no_auto_predict_f0,
            "input": str(path),
            "input_s": sf.info(path).duration,
            "model_load_s": load_s,
            "runs": runs,
            "e2e_best_s": best["e2e"],
            "e2e_median_s": float(np.median([r["e2e"] for r in runs])),
            "convert_best_s": min(r["convert"] for r in runs),
            "stages_best": best,
            "peak_rss_mb": peak_rss_mb(),
            "machine": machine_info(),
        }
        if cuda:
            record["cuda_peak_alloc_mb"] = torch.cuda.max_memory_allocated() / 2**20
        write_result(args.out, record)
        print(
            f"fork {args.device} {args.f0} {record['input_s']:.0f}s: e2e best {record['e2e_best_s']:.3f} s "
            f"(f0 {best['f0']:.3f}, content {best['content']:.3f}, synth {best['synth']:.3f}) "
            f"busy {best['cpu_busy']:.2f}",
            flush=True,
        )


if __name__ == "__main__":
    main()
