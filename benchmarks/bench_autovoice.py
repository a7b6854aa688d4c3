"""Time AutoVoice's So-VITS-SVC engine on the benchmark voice: end to end and per stage, CPU or CUDA.

    python -m benchmarks.bench_autovoice --model DIR --input IN.wav [--input ...] --device cpu|cuda \
        --f0 dio|harvest|fcpe --precision fp32|fp16|bf16 --repeat 3 --out results.jsonl

Stages (synchronised timers): load (read + resample to the model rate and to 16 kHz), f0, content
(ContentVec), synth (prior encoder, flow, NSF-HiFi-GAN), write (atomic save). The models are loaded once and
cached, as the app does; one warm-up conversion precedes the timed ones (as for the fork).
Modes:
* `voice` (default): engine.sovits.voice.SovitsVoice.convert, the public API and the app's path.
* `pipe`: engine.sovits.pipeline.convert with the models pre-loaded and `--window-s`, `--dec-tile-s`,
  `--max-batch-samples` overriding the window settings (the same one conversion path).
Records: e2e best/median, stage split of the best run, peak RSS, CUDA max allocated, cpu busy fraction.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import numpy as np
import soundfile as sf

import autovoice_desktop  # noqa: F401 - first, as in the app: it picks OpenMP's wait policy before torch loads
from benchmarks.bench_common import CpuLoadProbe, machine_info, peak_rss_mb, write_result

KIND = "vec768l12"


def _precision_label(precision: str, device: str) -> str:
    """The asked precision, and the dtype it runs in where the app's rule gives another (a CPU half that is
    float32 because bf16 is not faster there: engine.device.compute_dtype)."""
    import torch

    from autovoice_desktop.engine.device import compute_dtype

    runs = compute_dtype(str(device), {"fp32": False, "fp16": "fp16", "bf16": "bf16"}[precision])
    short = {torch.float32: "fp32", torch.float16: "fp16", torch.bfloat16: "bf16"}[runs]
    return precision if short == precision else f"{precision} (runs {short})"


class Engine:
    """Models loaded once (cached), plus the conversion in the chosen mode."""

    def __init__(self, args: argparse.Namespace) -> None:
        import torch

        from autovoice_desktop.engine.content import load_content_encoder
        from autovoice_desktop.engine.sovits import SovitsModel

        self.args = args
        self.cuda = args.device.startswith("cuda")
        if self.cuda and args.cudnn_benchmark:
            torch.backends.cudnn.benchmark = True
        if self.cuda:
            # TF32 convolutions (cuDNN's default) cost fp32 parity: 49 dB SNR vs the CPU instead of 104 dB.
            torch.backends.cudnn.allow_tf32 = bool(args.tf32)
        if not self.cuda:
            from autovoice_desktop.engine.device import configure_cpu

            if args.threads < 0:  # load-aware: fewer OpenMP threads when other work holds the CPUs
                from autovoice_desktop.engine.device import load_aware_threads

                configure_cpu(load_aware_threads())
            else:
                configure_cpu(args.threads or None)
        half = {"fp32": False, "fp16": "fp16", "bf16": "bf16"}[args.precision]
        t = time.perf_counter()
        # half: fp16/bf16 on CUDA; on the CPU bf16 where measured faster (compute_dtype, the app's rule)
        self.model = SovitsModel.load(args.model / "G_0.pth", device=args.device, half=half)
        self.encoder = load_content_encoder(args.model / "contentvec", KIND, device=args.device)
        if args.precision != "fp32":
            self.encoder.to(args.device, half=True)
            if self.cuda and args.precision == "bf16":
                self.encoder.model.to(torch.bfloat16)
                self.encoder.dtype = torch.bfloat16
        self.load_s = time.perf_counter() - t
        self.sr = self.model.sample_rate
        self.hop = self.model.hop_length
        self.voice = None
        self.settings = None
        if args.mode == "pipe":
            from dataclasses import replace

            from autovoice_desktop.engine.sovits.windowed import WindowSettings

            settings = WindowSettings.for_device(self.model.device)
            overrides = {
                "window_s": args.window_s,
                "dec_tile_s": args.dec_tile_s,
                "max_batch_samples": args.max_batch_samples,
            }
            self.settings = replace(settings, **{k: v for k, v in overrides.items() if v})

    @classmethod
    def for_voice(
        cls,
        model: Path,
        device: str = "cuda",
        *,
        auto_predict_f0: bool = True,
        f0: str | None = None,
        precision: str | None = None,
    ) -> Engine:
        """The app path (`SovitsVoice.convert`) with the benchmark voice: FCPE fp16 on CUDA, dio fp32 on the
        CPU unless given; TF32 off, seed 1234 (the other benchmark tools' engine)."""
        cuda = device.startswith("cuda")
        return cls(
            argparse.Namespace(
                model=model, device=device, f0=f0 or ("fcpe" if cuda else "dio"),
                precision=precision or ("fp16" if cuda else "fp32"), mode="voice", threads=0, window_s=0.0,
                dec_tile_s=0.0, max_batch_samples=0, cudnn_benchmark=False, tf32=False,
                auto_predict_f0=auto_predict_f0, seed=1234,
            )
        )  # fmt: skip

    def convert_file(self, path: Path, out_path: Path) -> tuple[dict, np.ndarray]:
        import torch

        from autovoice_desktop.audio.io import load_audio, save_audio

        times: dict[str, float] = {}
        t0 = time.perf_counter()
        loaded = load_audio(path, target_rate=self.sr)
        audio = loaded.samples
        times["load"] = time.perf_counter() - t0
        t1 = time.perf_counter()
        if self.args.mode == "pipe":
            from autovoice_desktop.engine.sovits.pipeline import PipelineOptions, convert

            opts = PipelineOptions(
                speaker="bench",
                f0_method=self.args.f0,
                auto_predict_f0=self.args.auto_predict_f0,
                seed=self.args.seed,
                f0_device=self.model.device if self.args.f0 == "fcpe" else "cpu",
            )
            out = convert(
                self.model, self.encoder, audio, self.sr, opts, device=self.model.device,
                settings=self.settings,
            ).audio  # fmt: skip
        else:
            out = self._voice_convert(audio)
        if self.cuda:
            torch.cuda.synchronize()
        times["convert"] = time.perf_counter() - t1
        t2 = time.perf_counter()
        save_audio(out_path, out, self.sr, overwrite=True)
        times["write"] = time.perf_counter() - t2
        times["e2e"] = time.perf_counter() - t0
        times["output_s"] = len(out) / self.sr
        return times, out

    def _voice_convert(self, audio: np.ndarray) -> np.ndarray:
        from autovoice_desktop.core.types import ConversionParams

        if self.voice is None:
            from autovoice_desktop.core.types import VoiceInfo
            from autovoice_desktop.engine.sovits.voice import SovitsVoice

            folder = str(self.args.model)
            info = VoiceInfo("sovits/bench", "bench", "sovits", speakers=("bench",), path=folder)
            self.voice = SovitsVoice(
                info,
                self.args.model / "G_0.pth",
                self.args.model / "config.json",
                device=self.args.device,
                model=self.model,
                encoder_path=self.args.model / "contentvec",
            )
        params = ConversionParams(
            f0_method=self.args.f0,
            speaker="bench",
            auto_predict_f0=self.args.auto_predict_f0,
            device=self.args.device,
            half=self.args.precision != "fp32",
            seed=self.args.seed,
        )
        return self.voice.convert(audio, self.sr, params).audio


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, required=True, help="folder: G_0.pth, config.json, contentvec/")
    parser.add_argument("--input", type=Path, action="append", required=True, help="repeatable")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--f0", default="dio", choices=("dio", "harvest", "fcpe"))
    parser.add_argument("--precision", default="fp32", choices=("fp32", "fp16", "bf16"))
    parser.add_argument("--mode", default="voice", choices=("voice", "pipe"))
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--long-repeat", type=int, default=1, help="repeats for inputs of 300 s or more")
    parser.add_argument("--threads", type=int, default=0, help="CPU threads (0: default, -1: load-aware)")
    parser.add_argument("--window-s", type=float, default=0.0)
    parser.add_argument("--dec-tile-s", type=float, default=0.0)
    parser.add_argument("--max-batch-samples", type=int, default=0)
    parser.add_argument("--cudnn-benchmark", action="store_true")
    parser.add_argument("--tf32", action="store_true", help="allow TF32 convolutions (off: fp32 parity)")
    parser.add_argument("--auto-predict-f0", action=argparse.BooleanOptionalAction, default=True)
    parser.add_argument("--seed", type=int, default=1234)
    parser.add_argument("--save-output", type=Path, default=None, help="folder for the converted audio")
    parser.add_argument("--tag", default="")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()

    import torch

    engine = Engine(args)
    cuda = engine.cuda
    out_dir = args.save_output or Path("/tmp")
    warm = sorted(args.input, key=lambda p: sf.info(p).duration)[0]
    engine.convert_file(warm, out_dir / "av_bench_warm.wav")
    for path in args.input:
        if cuda:
            torch.cuda.synchronize()
            torch.cuda.reset_peak_memory_stats()
        runs = []
        repeat = args.repeat if sf.info(path).duration < 300 else min(args.repeat, args.long_repeat)
        for _ in range(repeat):
            with CpuLoadProbe() as probe:
                times, _ = engine.convert_file(path, out_dir / f"av_{path.stem}_{args.precision}.wav")
            times["cpu_busy"] = probe.busy_fraction
            runs.append(times)
        best = min(runs, key=lambda r: r["e2e"])
        record = {
            "engine": "autovoice",
            "tag": args.tag,
            "mode": args.mode,
            "device": engine.model.device,
            "f0": args.f0,
            "precision": _precision_label(args.precision, engine.model.device),
            "auto_predict_f0": args.auto_predict_f0,
            "threads": torch.get_num_threads(),
            "tf32": bool(args.tf32),
            "cudnn_benchmark": bool(args.cudnn_benchmark),
            "input": str(path),
            "input_s": sf.info(path).duration,
            "model_load_s": engine.load_s,
            "runs": runs,
            "e2e_best_s": best["e2e"],
            "e2e_median_s": float(np.median([r["e2e"] for r in runs])),
            "convert_best_s": min(r["convert"] for r in runs),
            "stages_best": best,
            "peak_rss_mb": peak_rss_mb(),
            "machine": machine_info(),
            "env_threads": os.environ.get("AUTOVOICE_THREADS", ""),
        }
        if cuda:
            record["cuda_peak_alloc_mb"] = torch.cuda.max_memory_allocated() / 2**20
        write_result(args.out, record)
        split = ", ".join(
            f"{k} {best[k]:.3f}" for k in ("load", "f0", "content", "synth", "write") if k in best
        )
        print(
            f"autovoice {args.mode} {engine.model.device} {args.f0} {args.precision} "
            f"{record['input_s']:.0f}s: "
            f"e2e best {best['e2e']:.3f} s ({split}) busy {best['cpu_busy']:.2f}",
            flush=True,
        )


if __name__ == "__main__":
    main()
