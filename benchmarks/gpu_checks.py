"""GPU verification (issues 3, 7, 8): CUDA == CPU, half-precision SNR, windowed == whole, memory curve, OOM.

    python -m benchmarks.gpu_checks --model DIR --inputs-dir DIR --out checks.jsonl [--only NAME ...]

Checks (each writes one JSON record and prints one line):
* cuda_vs_cpu: SovitsModel.synthesize and ContentEncoder.encode on CPU and CUDA with every torch random draw
  returning zero (as the fidelity check does): max |diff|, relative L2; TF32 convolutions on (default)
  and off.
* fast_vs_plain: engine.accel.FastSovits (one window, tiled decoder) vs SovitsModel.synthesize, zero RNG.
* half_snr: fp16 and bf16 vs fp32 with the same seed, synthesizer alone (zero RNG) and whole conversion.
* memory_curve: CUDA max allocated and RSS for inputs of 10 s .. 600 s, FastSovits vs the whole-file call.
* oom: torch.cuda.set_per_process_memory_fraction limits the card; run_with_oom_fallback must retry with
  smaller chunks, then fall back to the CPU, and still produce the full output.
* release: GPU memory after SovitsModel.release() / ContentEncoder.release() / release_fcpe().
"""

from __future__ import annotations

import argparse
import contextlib
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from benchmarks.bench_common import peak_rss_mb, write_result

KIND = "vec768l12"


@contextlib.contextmanager
def zero_rng() -> Iterator[None]:
    """Every torch random draw returns zeros (rand/randn/randn_like/rand_like, with or without generator)."""
    import torch

    saved = {name: getattr(torch, name) for name in ("rand", "randn", "randn_like", "rand_like")}

    def zeros(*size, generator=None, **kw):  # noqa: ANN001, ANN002, ANN003, ANN202
        if len(size) == 1 and isinstance(size[0], (tuple, list, torch.Size)):
            size = tuple(size[0])
        return torch.zeros(tuple(size), device=kw.get("device"), dtype=kw.get("dtype") or torch.float32)

    torch.rand = zeros
    torch.randn = zeros
    torch.randn_like = lambda t, **kw: torch.zeros_like(t, **kw)
    torch.rand_like = lambda t, **kw: torch.zeros_like(t, **kw)
    try:
        yield
    finally:
        for name, fn in saved.items():
            setattr(torch, name, fn)


def snr_db(ref: np.ndarray, test: np.ndarray) -> float:
    ref = np.asarray(ref, np.float64)
    err = ref - np.asarray(test, np.float64)
    return float(10 * np.log10(np.sum(ref**2) / max(np.sum(err**2), 1e-30)))


def diff_stats(ref: np.ndarray, test: np.ndarray) -> dict:
    ref = np.asarray(ref, np.float64)
    test = np.asarray(test, np.float64)
    return {
        "max_abs": float(np.max(np.abs(ref - test))),
        "rel_l2": float(np.linalg.norm(ref - test) / max(np.linalg.norm(ref), 1e-30)),
        "snr_db": snr_db(ref, test),
        "ref_peak": float(np.max(np.abs(ref))),
    }


def _inputs(model, encoder, seconds: float, wav_path: Path):  # noqa: ANN001, ANN202
    """Real features of a test input: (audio at model rate, wav16, units (S, T), f0, uv)."""
    from autovoice_desktop.audio.io import load_audio, resample
    from autovoice_desktop.engine.pitch import compute_f0

    audio = load_audio(wav_path, target_rate=model.sample_rate).samples[: int(seconds * model.sample_rate)]
    wav16 = resample(audio, model.sample_rate, 16000)
    n = len(audio) // model.hop_length
    f0, uv = compute_f0(audio, model.sample_rate, model.hop_length, n, "dio")
    units = encoder.encode(wav16)
    idx = np.floor(np.arange(n) * units.shape[1] / n).astype(np.int64)
    return audio, wav16, units[:, idx], f0, uv


def check_cuda_vs_cpu(args: argparse.Namespace) -> None:
    import torch

    from autovoice_desktop.engine.content import load_content_encoder
    from autovoice_desktop.engine.sovits import SovitsModel

    cpu = SovitsModel.load(args.model / "G_0.pth", device="cpu")
    gpu = SovitsModel.load(args.model / "G_0.pth", device="cuda")
    enc_cpu = load_content_encoder(args.model / "contentvec", KIND, device="cpu")
    enc_gpu = load_content_encoder(args.model / "contentvec", KIND, device="cuda")
    audio, wav16, units, f0, uv = _inputs(cpu, enc_cpu, 10, args.inputs_dir / "in_10s.wav")
    rec = {"check": "cuda_vs_cpu", "seconds": 10}
    rec["content"] = diff_stats(enc_cpu.encode(wav16), enc_gpu.encode(wav16))
    previous = torch.backends.cudnn.allow_tf32
    with zero_rng():
        ref = cpu.synthesize(units, f0, uv, "bench", 0.4, True)
        for tf32 in (True, False):
            torch.backends.cudnn.allow_tf32 = tf32
            rec[f"synth_tf32_{'on' if tf32 else 'off'}"] = diff_stats(
                ref, gpu.synthesize(units, f0, uv, "bench", 0.4, True)
            )
        torch.backends.cudnn.allow_tf32 = previous
    _emit(args, rec)


def check_fast_vs_plain(args: argparse.Namespace) -> None:
    from autovoice_desktop.engine.accel import FastSettings, FastSovits
    from autovoice_desktop.engine.content import load_content_encoder
    from autovoice_desktop.engine.sovits import SovitsModel

    model = SovitsModel.load(args.model / "G_0.pth", device="cuda")
    enc = load_content_encoder(args.model / "contentvec", KIND, device="cuda")
    audio, wav16, units, f0, uv = _inputs(model, enc, 20, args.inputs_dir / "in_60s.wav")
    rec = {"check": "fast_vs_plain", "seconds": 20}
    with zero_rng():
        ref = model.synthesize(units, f0, uv, "bench", 0.4, True)
        one = FastSovits(model, enc, FastSettings(window_s=60, dec_tile_s=2.0, max_batch_samples=2**20))
        rec["one_window_tiled_decoder"] = diff_stats(ref, one.synthesize(wav16, f0, uv, "bench", 0.4, True))
        win = FastSovits(model, enc, FastSettings(window_s=6, context_s=1.0, dec_tile_s=2.0))
        rec["windows_6s"] = diff_stats(ref, win.synthesize(wav16, f0, uv, "bench", 0.4, True))
    _emit(args, rec)


def check_half_snr(args: argparse.Namespace) -> None:
    import torch

    from autovoice_desktop.engine.accel import FastSovits
    from autovoice_desktop.engine.content import load_content_encoder
    from autovoice_desktop.engine.sovits import SovitsModel

    rec = {"check": "half_snr", "seconds": 10}
    base = SovitsModel.load(args.model / "G_0.pth", device="cuda")
    enc = load_content_encoder(args.model / "contentvec", KIND, device="cuda")
    audio, wav16, units, f0, uv = _inputs(base, enc, 10, args.inputs_dir / "in_10s.wav")
    with zero_rng():
        ref_synth = base.synthesize(units, f0, uv, "bench", 0.4, True)
    ref_e2e = FastSovits(base, enc).synthesize(wav16, f0, uv, "bench", 0.4, True, seed=7)
    ref_units = enc.encode(wav16)
    for name in ("fp16", "bf16"):
        model = SovitsModel.load(args.model / "G_0.pth", device="cuda", half=name)
        enc_h = load_content_encoder(args.model / "contentvec", KIND, device="cuda").to("cuda", half=True)
        if name == "bf16":
            enc_h.model.to(torch.bfloat16)
            enc_h.dtype = torch.bfloat16
        with zero_rng():
            rec[f"{name}_synth"] = diff_stats(ref_synth, model.synthesize(units, f0, uv, "bench", 0.4, True))
        rec[f"{name}_content"] = diff_stats(ref_units, enc_h.encode(wav16))
        out = FastSovits(model, enc_h).synthesize(wav16, f0, uv, "bench", 0.4, True, seed=7)
        rec[f"{name}_e2e"] = diff_stats(ref_e2e, out)
        model.release()
        enc_h.release()
    _emit(args, rec)


def check_memory_curve(args: argparse.Namespace) -> None:
    import torch

    from autovoice_desktop.audio.io import load_audio, resample
    from autovoice_desktop.engine.accel import FastSovits
    from autovoice_desktop.engine.content import load_content_encoder
    from autovoice_desktop.engine.sovits import SovitsModel

    model = SovitsModel.load(args.model / "G_0.pth", device="cuda", half=args.half or False)
    enc = load_content_encoder(args.model / "contentvec", KIND, device="cuda").to(
        "cuda", half=bool(args.half)
    )
    fast = FastSovits(model, enc)
    full = load_audio(args.inputs_dir / "in_600s.wav", target_rate=model.sample_rate).samples
    weights = torch.cuda.memory_allocated() / 2**20
    rec = {"check": "memory_curve", "precision": args.half or "fp32", "weights_mb": weights, "points": []}
    for seconds in (10, 30, 60, 120, 300, 600):
        audio = full[: seconds * model.sample_rate]
        wav16 = resample(audio, model.sample_rate, 16000)
        n = len(audio) // model.hop_length
        f0 = np.full(n, 180.0, np.float32)
        uv = np.ones(n, np.float32)
        point = {"seconds": seconds}
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()
        t = time.perf_counter()
        fast.synthesize(wav16, f0, uv, "bench", 0.4, True, seed=1)
        torch.cuda.synchronize()
        point["fast_s"] = time.perf_counter() - t
        point["fast_peak_mb"] = torch.cuda.max_memory_allocated() / 2**20
        if seconds <= 120:  # the whole-file call grows with the input (attention is T x T)
            idx = np.floor(np.arange(n) * ((len(wav16) - 400) // 320 + 1) / n).astype(np.int64)
            torch.cuda.reset_peak_memory_stats()
            try:
                t = time.perf_counter()
                units = enc.encode(wav16)
                model.synthesize(units[:, idx], f0, uv, "bench", 0.4, True)
                torch.cuda.synchronize()
                point["plain_s"] = time.perf_counter() - t
                point["plain_peak_mb"] = torch.cuda.max_memory_allocated() / 2**20
            except Exception as exc:  # noqa: BLE001 - record it
                point["plain_error"] = str(exc).splitlines()[0][:200]
                torch.cuda.empty_cache()
        point["rss_mb"] = peak_rss_mb()
        rec["points"].append(point)
        print(point, flush=True)
    _emit(args, rec)


def check_oom(args: argparse.Namespace) -> None:
    import torch

    from autovoice_desktop.audio.io import load_audio, resample
    from autovoice_desktop.engine.accel import FastSettings, FastSovits, run_with_oom_fallback
    from autovoice_desktop.engine.content import load_content_encoder
    from autovoice_desktop.engine.sovits import SovitsModel

    total = torch.cuda.get_device_properties(0).total_memory
    audio = load_audio(args.inputs_dir / "in_60s.wav", target_rate=44100).samples
    wav16 = resample(audio, 44100, 16000)
    n = len(audio) // 512
    f0 = np.full(n, 180.0, np.float32)
    uv = np.ones(n, np.float32)
    for limit_gb in args.oom_limits_gb:
        torch.cuda.empty_cache()
        model = SovitsModel.load(args.model / "G_0.pth", device="cuda")
        enc = load_content_encoder(args.model / "contentvec", KIND, device="cuda")
        torch.cuda.set_per_process_memory_fraction(min(1.0, limit_gb * 2**30 / total), 0)
        notices: list[str] = []

        def attempt(device: str, settings: FastSettings, model=model, enc=enc) -> np.ndarray:  # noqa: ANN001
            return FastSovits(model, enc, settings).synthesize(wav16, f0, uv, "bench", 0.4, True, seed=1)

        def to_cpu(model=model, enc=enc) -> None:  # noqa: ANN001
            model.to("cpu")
            enc.to("cpu")

        t = time.perf_counter()
        rec = {"check": "oom", "limit_gb": limit_gb, "weights_mb": torch.cuda.memory_allocated() / 2**20}
        try:
            out, used, settings = run_with_oom_fallback(
                attempt,
                "cuda:0",
                FastSettings(window_s=60, dec_tile_s=60, max_batch_samples=2**24),
                to_cpu=to_cpu,
                notice=notices.append,
            )
            rec.update(
                device_used=used,
                window_s=settings.window_s,
                max_batch_samples=settings.max_batch_samples,
                output_complete=bool(len(out) == n * 512 and np.all(np.isfinite(out))),
            )
        except Exception as exc:  # noqa: BLE001 - record it
            rec["error"] = f"{type(exc).__name__}: {str(exc).splitlines()[0][:200]}"
        rec["seconds"] = time.perf_counter() - t
        rec["notices"] = notices
        torch.cuda.set_per_process_memory_fraction(1.0, 0)
        model.release()
        enc.release()
        _emit(args, rec)


def check_release(args: argparse.Namespace) -> None:
    import torch

    from autovoice_desktop.engine.content import load_content_encoder
    from autovoice_desktop.engine.sovits import SovitsModel

    torch.cuda.empty_cache()
    base = torch.cuda.memory_allocated()
    model = SovitsModel.load(args.model / "G_0.pth", device="cuda")
    enc = load_content_encoder(args.model / "contentvec", KIND, device="cuda")
    enc.encode(np.zeros(16000, np.float32))
    loaded = torch.cuda.memory_allocated()
    model.release()
    enc.release()
    rec = {
        "check": "release",
        "allocated_loaded_mb": (loaded - base) / 2**20,
        "allocated_after_mb": (torch.cuda.memory_allocated() - base) / 2**20,
        "reserved_after_mb": torch.cuda.memory_reserved() / 2**20,
    }
    _emit(args, rec)


def _emit(args: argparse.Namespace, rec: dict) -> None:
    write_result(args.out, rec)
    print(rec, flush=True)


CHECKS = {
    "cuda_vs_cpu": check_cuda_vs_cpu,
    "fast_vs_plain": check_fast_vs_plain,
    "half_snr": check_half_snr,
    "memory_curve": check_memory_curve,
    "oom": check_oom,
    "release": check_release,
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, required=True)
    parser.add_argument("--inputs-dir", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--only", nargs="*", default=list(CHECKS))
    parser.add_argument("--half", default="", help="precision for the memory curve: '', fp16, bf16")
    parser.add_argument("--oom-limits-gb", type=float, nargs="*", default=[1.2, 0.75])
    parser.add_argument("--tf32", choices=("on", "off"), default="on", help="cuDNN TF32 for all checks")
    args = parser.parse_args()
    import torch

    torch.backends.cudnn.allow_tf32 = args.tf32 == "on"
    for name in args.only:
        t = time.perf_counter()
        try:
            CHECKS[name](args)
        except Exception as exc:  # noqa: BLE001 - one failing check must not hide the others
            import traceback

            traceback.print_exc()
            _emit(args, {"check": name, "error": f"{type(exc).__name__}: {exc}"[:400]})
        print(f"[{name}] {time.perf_counter() - t:.1f} s", flush=True)


if __name__ == "__main__":
    main()
