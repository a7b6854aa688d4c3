"""A/B on a shared CPU: the fork and AutoVoice alternate in ONE process, round after round, on the same input.

    PYTHONPATH=. /tmp/forkbench-venv/bin/python -m benchmarks.cpu_ab --model /tmp/avbench/model \
        --input /tmp/avbench/in_10s.wav --rounds 3 --variants app half fp32 --out results.jsonl

When other work loads the machine, separate runs minutes apart see different loads; alternating conversions
within one process exposes both engines to the same load, so the per-round ratio is meaningful even when the
absolute times are not. Both use torch's default threads (the fork's setting). The fork runs
`Svc.infer_silence` with the `svc infer` CLI defaults. AutoVoice variants:
  app   the product's own path: `SovitsVoice.convert` with default ConversionParams on the CPU (half
        precision by default = bf16 where native), resampling and all;
  half  `engine.accel.convert_whole` with the model and encoder loaded with half=True (the product's rule);
  fp32  `engine.accel.convert_whole` in float32 (reference parity);
  bf16  bf16 forced by hand, even where the CPU would emulate it.
Audio I/O is excluded for all.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import soundfile as sf

from benchmarks.bench_common import CpuLoadProbe, machine_info, peak_rss_mb, write_result


def _snr(ref: np.ndarray, test: np.ndarray) -> float:
    ref, test = np.asarray(ref, np.float64), np.asarray(test, np.float64)
    return float(10 * np.log10(np.sum(ref**2) / max(np.sum((ref - test) ** 2), 1e-30)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, required=True)
    parser.add_argument("--input", type=Path, required=True)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--variants", nargs="*", default=["app", "half", "fp32"])
    parser.add_argument("--f0", default="dio")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()

    import torch

    from autovoice_desktop.core.types import ConversionParams, VoiceInfo
    from autovoice_desktop.engine.accel import convert_whole
    from autovoice_desktop.engine.content import load_content_encoder
    from autovoice_desktop.engine.device import configure_cpu
    from autovoice_desktop.engine.sovits import SovitsModel
    from autovoice_desktop.engine.sovits.pipeline import PipelineOptions
    from autovoice_desktop.engine.sovits.voice import SovitsVoice
    from benchmarks.bench_fork import _patch_content_loader

    threads = torch.get_num_threads()
    _patch_content_loader(args.model / "contentvec")
    from so_vits_svc_fork.inference.core import Svc

    svc = Svc(
        net_g_path=str(args.model / "G_0.pth"), config_path=str(args.model / "config.json"), device="cpu"
    )
    audio, rate = sf.read(args.input, dtype="float32")
    base_model = SovitsModel.load(args.model / "G_0.pth", device="cpu")
    base_enc = load_content_encoder(args.model / "contentvec", "vec768l12", device="cpu")
    configure_cpu(threads)  # same thread count as the fork; flush denormals
    engines = {}
    for variant in args.variants:
        model, enc = base_model, base_enc
        if variant == "half":
            model = SovitsModel.load(args.model / "G_0.pth", device="cpu", half=True)
            enc = load_content_encoder(args.model / "contentvec", "vec768l12", device="cpu").to(
                "cpu", half=True
            )
        if variant == "bf16":
            model = SovitsModel.load(args.model / "G_0.pth", device="cpu")
            enc = load_content_encoder(args.model / "contentvec", "vec768l12", device="cpu")
            model.net.to(torch.bfloat16)
            model._dtype = torch.bfloat16
            enc.model.to(torch.bfloat16)
            enc.dtype = torch.bfloat16
        engines[variant] = (model, enc)
    opts = PipelineOptions(speaker="bench", f0_method=args.f0, auto_predict_f0=True, db_thresh=-20)

    def fork() -> np.ndarray:
        return svc.infer_silence(
            audio, speaker="bench", auto_predict_f0=True, f0_method=args.f0, db_thresh=-20
        )

    app_voice = SovitsVoice(
        VoiceInfo(voice_id="sovits/bench", name="bench", kind="sovits", speakers=("bench",)),
        args.model / "G_0.pth",
        args.model / "config.json",
        device="cpu",
        encoder_path=args.model / "contentvec",
    )
    app_params = ConversionParams(device="cpu", f0_method=args.f0, auto_predict_f0=True)

    def ours(variant: str) -> np.ndarray:
        if variant == "app":
            return app_voice.convert(audio, rate, app_params).audio
        model, enc = engines[variant]
        return convert_whole(model, enc, audio, rate, opts).audio

    runs: list[tuple[str, object]] = [("fork", fork)] + [(v, lambda v=v: ours(v)) for v in args.variants]
    for _name, fn in runs:  # warm-up
        fn()
    table: dict[str, list[dict]] = {name: [] for name, _ in runs}
    outputs: dict[str, np.ndarray] = {}
    for r in range(args.rounds):
        for name, fn in runs:
            with CpuLoadProbe() as probe:
                t = time.perf_counter()
                outputs[name] = np.asarray(fn())
                secs = time.perf_counter() - t
            table[name].append({"s": secs, "busy": probe.busy_fraction})
            print(f"round {r} {name}: {secs:.2f} s (busy {probe.busy_fraction:.2f})", flush=True)
    record = {
        "check": "cpu_ab",
        "input_s": len(audio) / rate,
        "threads": threads,
        "runs": table,
        "ratios_per_round": {
            v: [f["s"] / o["s"] for f, o in zip(table["fork"], table[v], strict=True)] for v in args.variants
        },
        "snr_vs_fp32_db": {
            # "app" slices at the app's -40 dB (the others at the fork's -20 dB): not a precision comparison
            v: _snr(outputs["fp32"], outputs[v])
            for v in args.variants
            if v not in ("fp32", "app") and "fp32" in outputs
        },
        "peak_rss_mb": peak_rss_mb(),
        "machine": machine_info(),
    }
    write_result(args.out, record)
    print("SNR vs fp32 (same seed):", record["snr_vs_fp32_db"])
    for v in args.variants:
        ratios = record["ratios_per_round"][v]
        shown = ", ".join(f"{x:.2f}" for x in ratios)
        print(f"{v}: fork/ours per round [{shown}], median {np.median(ratios):.2f}")


if __name__ == "__main__":
    main()
