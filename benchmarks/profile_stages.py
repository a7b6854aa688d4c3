"""Where a file conversion's time goes: the app path's stages one by one, synchronised, plus variants.

    python -m benchmarks.profile_stages --model /tmp/avbench/model --input IN.wav [--input ...] \
        [--device cuda] [--precision fp32|fp16|bf16] [--repeat 5] [--trace OUT.txt]

Per input: read (`load_audio`), the checks and silence slicing, F0 (FCPE: its 16 kHz soxr resample,
torchfcpe's `infer`, the whole `analyse`), the content encoder's 16 kHz input (CPU and device), ContentVec,
the prior encoder/flow, the harmonic source, the decoder (as is, channels-last, cuDNN autotuned), placing the
pieces, the atomic write (as is and without fsync), and the whole `SovitsVoice.convert` and read -> convert ->
write under variants (ContentVec's positional convolution by cuDNN or as matrix products).
Each figure is the median of `--repeat` synchronised runs after a warm-up. The stages run one after the
other here; in `convert` F0 runs on a worker thread beside the content encoder. `--trace` writes a
torch.profiler table of one conversion (CUDA kernels by total time) per input.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch

from benchmarks.bench_autovoice import Engine


def _timer(device: str, repeat: int):  # noqa: ANN202
    cuda = device.startswith("cuda")

    def run(fn) -> tuple[float, Any]:  # noqa: ANN001
        fn()  # warm-up
        times, out = [], None
        for _ in range(repeat):
            if cuda:
                torch.cuda.synchronize()
            t = time.perf_counter()
            out = fn()
            if cuda:
                torch.cuda.synchronize()
            times.append(time.perf_counter() - t)
        return statistics.median(times) * 1000.0, out

    return run


def profile_input(
    eng: Engine, path: Path, args: argparse.Namespace, rows: list[tuple[str, str, float]]
) -> None:
    import soxr

    from autovoice_desktop.audio.io import load_audio, save_audio
    from autovoice_desktop.engine.fcpe_support import FCPE_RATE, fcpe_model
    from autovoice_desktop.engine.sovits.content_input import (
        sinc_resample,
        sinc_resample_tensor,
        to_content_rate,
    )
    from autovoice_desktop.engine.sovits.pipeline import PipelineOptions, analyse, to_model_rate
    from autovoice_desktop.engine.sovits.slicing import (
        place_piece,
        plan_pieces,
        speech_intervals,
        speech_spans,
    )
    from autovoice_desktop.engine.sovits.windowed import SynthNoise, WindowedSynth

    timed = _timer(args.device, args.repeat)
    name = path.stem
    model, encoder = eng.model, eng.encoder
    sr, hop, dev = eng.sr, eng.hop, eng.model.device

    def add(stage: str, ms: float) -> None:
        rows.append((name, stage, ms))
        print(f"{name:>8} {stage:<44} {ms:9.2f} ms", flush=True)

    out_dir = Path(args.scratch)
    out_dir.mkdir(parents=True, exist_ok=True)
    ms, loaded = timed(lambda: load_audio(path, target_rate=sr))
    add("read (load_audio)", ms)
    audio = loaded.samples
    add("to_model_rate (checks)", timed(lambda: to_model_rate(audio, sr, sr, model.config.style))[0])
    ms, intervals = timed(lambda: speech_intervals(audio, sr))
    add("speech_intervals", ms)
    pieces = plan_pieces(intervals, audio.size, hop, int(40 * sr), int(0.1 * sr))
    opts = PipelineOptions(speaker="bench", f0_method=eng.args.f0, auto_predict_f0=True, seed=1234,
                           f0_device=dev if eng.args.f0 == "fcpe" else "cpu")  # fmt: skip
    if eng.args.f0 == "fcpe":
        ms, x16 = timed(lambda: soxr.resample(audio, sr, FCPE_RATE, quality="HQ").astype(np.float32))
        add("fcpe: 16 kHz soxr (CPU)", ms)
        fcpe = fcpe_model(dev)

        def infer() -> torch.Tensor:
            with torch.inference_mode():
                wav = torch.from_numpy(x16).to(dev)[None, :, None]
                return fcpe.infer(wav, sr=FCPE_RATE, decoder_mode="local_argmax", threshold=0.05)

        ms, f_soxr = timed(infer)
        add("fcpe: torchfcpe infer (incl. H2D)", ms)
        x16_dev = sinc_resample_tensor(torch.from_numpy(audio).to(dev), sr)

        def infer_dev() -> torch.Tensor:
            with torch.inference_mode():
                return fcpe.infer(
                    x16_dev[None, :, None], sr=FCPE_RATE, decoder_mode="local_argmax", threshold=0.05
                )

        ms, f_sinc = timed(infer_dev)
        add("fcpe: infer on the device sinc 16 kHz", ms)
        a, b = f_soxr.reshape(-1).float().cpu().numpy(), f_sinc.reshape(-1).float().cpu().numpy()
        m = min(a.size, b.size)
        a, b = a[:m], b[:m]
        both = (a > 0) & (b > 0)
        cents = 1200 * np.abs(np.log2(a[both] / b[both])) if both.any() else np.zeros(1)
        print(
            f"{name:>8} fcpe soxr vs sinc input: voicing differs in {np.mean((a > 0) != (b > 0)):.4f} of "
            f"{m} frames; voiced |diff| median {np.median(cents):.2f} cents, "
            f"p99 {np.percentile(cents, 99):.1f}"
        )
    ms, found = timed(lambda: analyse(model, audio, opts))
    add(f"analyse ({eng.args.f0}, whole F0 stage)", ms)
    ms, wav16 = timed(lambda: to_content_rate(audio, sr))
    add("to_content_rate (CPU)", ms)
    if dev != "cpu":

        def gpu16() -> torch.Tensor:
            return sinc_resample_tensor(torch.from_numpy(audio).to(dev), sr)

        ms, w16 = timed(gpu16)
        add("sinc resample on device (incl. H2D)", ms)
        ref = sinc_resample(audio, sr)
        diff = float(np.max(np.abs(w16.cpu().numpy() - ref)))
        print(f"{name:>8} device sinc vs CPU sinc: max |diff| {diff:.3e} (peak {np.max(np.abs(ref)):.3f})")
        add("H2D copy of the model-rate audio", timed(lambda: torch.from_numpy(audio).to(dev))[0])

    synth = WindowedSynth(model, encoder, None)
    n_frames = audio.size // hop
    spans = speech_spans(pieces, n_frames, hop, int(round(sr / hop)), int(synth.settings.span_s * sr / hop))
    add(f"spans: {len(spans)}, frames {sum(s.hi - s.lo for s in spans)} of {n_frames}", 0.0)
    g = synth.speaker("bench")
    span = spans[0]
    lo, hi = span.lo, span.hi
    end16 = wav16.size if hi == n_frames else round(hi * synth.hop_16k)
    seg16 = wav16[round(lo * synth.hop_16k) : end16]
    ms, units = timed(lambda: synth.content(seg16, hi - lo))
    add("content (ContentVec, span 0)", ms)
    net = model.net
    f0_t = torch.as_tensor(found.target[lo:hi]).to(dev)
    uv_t = torch.as_tensor(found.target_uv[lo:hi]).to(dev)

    def latent() -> tuple[torch.Tensor, torch.Tensor]:
        gen = torch.Generator(device=dev).manual_seed(1)
        with torch.inference_mode():
            ((batch, u),) = units[:1]
            w = batch[0]
            rows = slice(w.start, w.start + w.length)
            return net.latent(u[:1], f0_t[None, rows], uv_t[None, rows], g, 0.4, True, None, generator=gen)

    ms, (z, f0w) = timed(latent)
    add(f"latent (prior+flow+f0 pred, 1 window of {len(units)} batches)", ms)
    gen = torch.Generator(device=dev).manual_seed(1)
    with torch.inference_mode():
        noise = SynthNoise.empty(synth.model, f0w.shape[1]).draw(gen)
        ms, har = timed(lambda: synth.source(f0w[0], noise))
        add("harmonic source", ms)
        add("decode (as is)", timed(lambda: synth.decode(z, har, g))[0])
        if dev != "cpu":
            torch.backends.cudnn.benchmark = True
            add("decode as is + cudnn.benchmark", timed(lambda: synth.decode(z, har, g))[0])
            torch.backends.cudnn.benchmark = False

        def render() -> np.ndarray:
            f0_t = torch.as_tensor(found.target[lo:hi], device=dev)
            uv_t = torch.as_tensor(found.target_uv[lo:hi], device=dev)
            audio_t, _ = synth.render_tensors(
                units, f0_t, uv_t, g, noise_scale=0.4, predict_f0=True, generator=gen
            )
            return audio_t.cpu().numpy()

        ms, wav = timed(render)
        add("render (span 0: latent+source+decode+D2H)", ms)
    out = np.zeros(audio.size, np.float32)
    wav_full = np.pad(wav, (0, max(0, audio.size - lo * hop - wav.size)))

    def place() -> None:
        for k in span.pieces:
            p = pieces[k]
            place_piece(out, wav_full[p.start - lo * hop : p.end - lo * hop], pieces, k, sr)

    add("place_piece (span 0)", timed(place)[0])
    target = out_dir / f"prof_{name}.wav"
    add("write: save_audio (atomic, fsync)", timed(lambda: save_audio(target, out, sr, overwrite=True))[0])
    real_fsync = os.fsync
    os.fsync = lambda fd: None  # type: ignore[assignment]
    try:
        add("write: save_audio without fsync", timed(lambda: save_audio(target, out, sr, overwrite=True))[0])
    finally:
        os.fsync = real_fsync
    _variants(eng, path, audio, timed, add, out_dir)
    if args.trace and dev != "cpu":
        from torch.profiler import ProfilerActivity, profile

        with profile(activities=[ProfilerActivity.CPU, ProfilerActivity.CUDA], record_shapes=True) as prof:
            eng._voice_convert(audio)
            torch.cuda.synchronize()
        try:
            table = prof.key_averages().table(sort_by="self_device_time_total", row_limit=45)
            table += "\n" + prof.key_averages(group_by_input_shape=True).table(
                sort_by="device_time_total", row_limit=30
            )
        except Exception as exc:  # noqa: BLE001 - a profiler API difference must not lose the timings
            table = f"(no table: {exc})"
        with open(args.trace, "a") as fh:
            fh.write(f"\n==== {name} ====\n{table}\n")
        try:
            kernel_us = sum(getattr(e, "self_device_time_total", 0.0) for e in prof.key_averages())
            add("trace: sum of GPU self time (one convert)", kernel_us / 1000.0)
        except Exception as exc:  # noqa: BLE001
            print("trace sum failed:", exc)


def _variants(eng: Engine, path: Path, audio: np.ndarray, timed, add, out_dir: Path) -> None:  # noqa: ANN001
    """The whole conversion and read -> convert -> write with each speed change switched on in turn.

    Switches: ContentVec's positional convolution by cuDNN or as matrix products (engine/conv_gemm.py), the
    harmonic source's float64 running sums as row scans or in blocks (nsf_hifigan.SCAN_DEVICES). (FCPE's
    16 kHz input by soxr and a channels-last CUDA decoder were switches here too; measured at ff4ca92, since
    removed: docs/benchmarks.md.)
    """
    from autovoice_desktop.engine import conv_gemm
    from autovoice_desktop.engine.sovits import nsf_hifigan

    def switch(gemm: bool, scan: bool) -> None:
        conv_gemm.GEMM_DEVICES = ("cuda",) if gemm else ()
        nsf_hifigan.SCAN_DEVICES = ("cuda",) if scan else ()

    variants = [("as committed", (True, True))]
    if eng.model.device.startswith("cuda"):
        variants = [
            ("cuDNN pos conv, row scans", (False, False)),
            ("pos conv as GEMM", (True, False)),
            ("+ blocked scans (as committed)", (True, True)),
        ]
    first: np.ndarray | None = None
    for r in (1, 2):  # twice, interleaved: the spread between rounds is the noise
        for label, flags in variants:
            switch(*flags)
            ms, wav = timed(lambda: eng._voice_convert(audio))
            add(f"convert: {label} #{r}", ms)
            first = wav if first is None else first
            noise = float(np.sum((wav.astype(np.float64) - first) ** 2))
            snr = 10 * np.log10(float(np.sum(first.astype(np.float64) ** 2)) / max(noise, 1e-30))
            print(f"{path.stem:>8} {label}: output vs the first variant's, SNR {snr:.1f} dB")
            e2e = timed(lambda: eng.convert_file(path, out_dir / f"e2e_{path.stem}.wav"))[0]
            add(f"e2e: {label} #{r}", e2e)
    switch(True, True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, required=True)
    parser.add_argument("--input", type=Path, action="append", required=True)
    parser.add_argument("--device", default="cuda")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--scratch", default="/tmp/avbench/prof")
    parser.add_argument("--trace", default="")
    parser.add_argument(
        "--precision", choices=("fp32", "fp16", "bf16"), default=None,
        help="default: fp16 on CUDA, fp32 on the CPU; bf16 is the app's CPU half precision where faster",
    )  # fmt: skip
    args = parser.parse_args()
    eng = Engine.for_voice(args.model, args.device, precision=args.precision)
    rows: list[tuple[str, str, float]] = []
    for path in args.input:
        profile_input(eng, path, args, rows)
    names = list(dict.fromkeys(r[0] for r in rows))
    stages = list(dict.fromkeys(r[1] for r in rows))
    table = {(r[0], r[1]): r[2] for r in rows}
    print("\n| stage | " + " | ".join(names) + " |")
    print("|---|" + "---|" * len(names))
    for stage in stages:
        print(
            f"| {stage} | " + " | ".join(f"{table.get((n, stage), float('nan')):.2f}" for n in names) + " |"
        )


if __name__ == "__main__":
    main()
