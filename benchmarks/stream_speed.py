"""Live-path speed: per-block cost of the streaming entry point, and the live engine at real time.

    python -m benchmarks.stream_speed blocks --voice sovits --device cuda [--f0 fcpe] [--precision fp16]
    python -m benchmarks.stream_speed blocks --voice builtin                 # 20 ms blocks, CPU
    python -m benchmarks.stream_speed live --voice sovits --device cuda --block-ms 40 --seconds 60
    python -m benchmarks.stream_speed fork-realtime --device cuda   # needs so-vits-svc-fork

`blocks`: `Voice.open_stream(params, context_samples=...)` then `VoiceStream.convert(block, block)` on real
speech (tests/data tiled), one call per block, timed on the host around the call (the call returns a numpy
array, so the GPU work is finished when it returns). Warm-up calls are not counted.
`live`: the live engine (`engine.live.LiveProcessor`, the code `autovoice live` and the window run) fed by a
clock thread that plays the input in at real time in 5 ms device periods and takes the output out at the same
pace (no sound card on a GPU server); reports the engine's own statistics (blocks, dropouts, compute,
latency).
`fork-realtime`: so-vits-svc-fork 4.2.30's `RealtimeVC.process` (v1) with its GUI's GPU preset, called block
by block as its sounddevice callback calls it, on the same input and voice.
The voice is the benchmark voice of benchmarks/make_bench_model.py (default 44.1 kHz size, random weights).
Results: one JSON line per run appended to --out, and a printed summary line.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import soundfile as sf

from benchmarks.bench_common import MODEL_RATE, machine_info, make_input

WORK = Path("/tmp/avbench")


def _speech(seconds: float, rate: int) -> np.ndarray:
    """Real speech and singing (tests/data, tiled) at `rate`, mono float32."""
    import soxr

    path = make_input(seconds, WORK / f"stream_in_{int(seconds)}s.wav")
    audio, sr = sf.read(path, dtype="float32")
    return audio if sr == rate else soxr.resample(audio, sr, rate).astype(np.float32)


def _sovits_voice(device: str):  # noqa: ANN202 - engine.sovits.voice.SovitsVoice
    from autovoice_desktop.core.types import VoiceInfo
    from autovoice_desktop.engine.sovits.voice import SovitsVoice
    from benchmarks.make_bench_model import make_bench_model

    folder = make_bench_model(WORK / "model")
    info = VoiceInfo("sovits/bench", "bench", "sovits", speakers=("bench",), path=str(folder))
    return SovitsVoice(
        info, folder / "G_0.pth", folder / "config.json", device=device, encoder_path=folder / "contentvec"
    )


def _voice_and_params(args: argparse.Namespace):  # noqa: ANN202
    from autovoice_desktop.core.types import ConversionParams

    if args.voice == "builtin":
        from autovoice_desktop.engine.voices import load_voice

        voice = load_voice(args.builtin_name)
        return voice, ConversionParams(transpose=args.transpose, device="cpu")
    voice = _sovits_voice(args.device)
    params = ConversionParams(
        f0_method=args.f0,
        speaker="bench",
        transpose=args.transpose,
        device=args.device,
        half=args.precision != "fp32",
    )
    return voice, params


def _percentiles(ms: list[float]) -> dict[str, float]:
    arr = np.asarray(ms)
    return {
        "median": float(np.median(arr)),
        "p90": float(np.percentile(arr, 90)),
        "p99": float(np.percentile(arr, 99)),
        "max": float(arr.max()),
        "n": int(arr.size),
    }


def run_blocks(args: argparse.Namespace) -> dict:
    """Per-call time of VoiceStream.convert for fixed blocks with left context."""
    voice, params = _voice_and_params(args)
    t = time.perf_counter()
    probe = voice.open_stream(params, context_samples=0)
    rate = probe.sample_rate
    stream = voice.open_stream(params, context_samples=round(args.context_ms * rate / 1000))
    open_s = time.perf_counter() - t
    block = round(args.block_ms * rate / 1000)
    audio = _speech(max(30.0, (args.calls + args.warmup) * args.block_ms / 1000 + 1), rate)
    times = []
    for k in range(args.warmup + args.calls):
        piece = audio[(k * block) % (len(audio) - block) :][:block]
        started = time.perf_counter()
        out = stream.convert(piece, block)
        elapsed = 1000.0 * (time.perf_counter() - started)
        if k >= args.warmup:
            times.append(elapsed)
        if not np.isfinite(out).all():
            raise SystemExit("non-finite output")
    return {
        "what": "blocks",
        "voice": args.voice,
        "device": args.device,
        "f0": params.f0_method,
        "precision": args.precision if args.voice == "sovits" else "fp64 (WORLD)",
        "rate": rate,
        "block_ms": args.block_ms,
        "context_ms": round(1000 * stream.context_samples / rate, 1),
        "open_s": open_s,
        "call_ms": _percentiles(times),
    }


def _clock_io(signal: np.ndarray, rate: int):  # noqa: ANN202 - tests.engine.live_fakes.ClockIO
    """The device side without a sound card: the tests' clock thread (input in and output out at real time in
    5 ms periods, an underrun when the output queue holds too little), reporting 10 ms of device buffers."""
    from tests.engine.live_fakes import ClockIO

    io = ClockIO(signal, rate, period=0.005)
    io.device_latency_s = 0.010  # two 5 ms periods, as a duplex device with 5 ms buffers would add
    return io


def run_live(args: argparse.Namespace) -> dict:
    """The live engine at real time for `seconds` of speech (48 kHz device side)."""
    from autovoice_desktop.app.live_session import CONTEXT_S, WARMUP_BLOCK_MS, warm_up
    from autovoice_desktop.engine.live.processor import LiveProcessor
    from autovoice_desktop.engine.live.tuning import start_block_ms

    voice, params = _voice_and_params(args)
    rate = voice.info.sample_rate or MODEL_RATE
    stream = voice.open_stream(params, context_samples=round(CONTEXT_S * rate))
    io = _clock_io(_speech(args.seconds, 48000), 48000)
    fixed = args.block_ms if args.block_ms > 0 else None  # 0: the automatic block size, as the app starts
    start_ms = start_block_ms(warm_up(stream), WARMUP_BLOCK_MS)
    processor = LiveProcessor(io, stream, block_ms=fixed, start_block_ms=start_ms)
    processor.start()
    io.start()
    while not io.done:
        time.sleep(0.1)
    processor.stop()
    io.stop()
    stats = processor.stats.snapshot()
    return {
        "what": "live",
        "voice": args.voice,
        "device": args.device,
        "f0": params.f0_method,
        "precision": args.precision,
        "block_ms": args.block_ms or "auto",
        "final_block_ms": processor.block_ms,
        "context_ms": round(1000 * stream.context_samples / stream.sample_rate, 1),
        "seconds": args.seconds,
        "stats": stats,
        "error": processor.error,
    }


def run_fork_realtime(args: argparse.Namespace) -> dict:
    """so-vits-svc-fork's RealtimeVC (v1) with its GUI GPU preset, one process() call per block."""
    from benchmarks.bench_fork import _patch_content_loader
    from benchmarks.make_bench_model import make_bench_model

    folder = make_bench_model(WORK / "model")
    _patch_content_loader(folder / "contentvec")
    from so_vits_svc_fork.inference.core import RealtimeVC, Svc

    svc = Svc(net_g_path=str(folder / "G_0.pth"), config_path=str(folder / "config.json"), device=args.device)
    sr = svc.target_sample
    rt = RealtimeVC(
        svc_model=svc,
        crossfade_len=int(0.05 * sr),
        additional_infer_before_len=int(0.15 * sr),
        additional_infer_after_len=int(0.1 * sr),
    )
    kwargs = dict(speaker="bench", transpose=0, auto_predict_f0=False, noise_scale=0.4, f0_method="dio")
    svc.infer(audio=np.zeros(sr, dtype=np.float32), **kwargs)  # the fork's own 1 s warm-up
    block = int(args.fork_block_s * sr)
    audio = _speech(args.seconds, sr)
    times = []
    for k in range(len(audio) // block):
        started = time.perf_counter()
        piece = audio[k * block : (k + 1) * block]
        rt.process(piece, db_thresh=-35, pad_seconds=0.1, chunk_seconds=0.5, **kwargs)
        times.append(1000.0 * (time.perf_counter() - started))
    calls = _percentiles(times[3:])
    over = int(np.sum(np.asarray(times[3:]) > 1000 * args.fork_block_s))
    return {
        "what": "fork-realtime",
        "device": args.device,
        "f0": "dio",
        "precision": "fp32",
        "block_ms": 1000 * args.fork_block_s,
        "preset": "GUI 'Default VC (GPU, GTX 1060)': v1, crossfade 0.05 s, before 0.15 s, after 0.1 s",
        "call_ms": calls,
        "blocks_over_budget": over,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", choices=("blocks", "live", "fork-realtime"))
    parser.add_argument("--voice", default="sovits", choices=("sovits", "builtin"))
    parser.add_argument("--builtin-name", default="builtin/pitch-formant")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--f0", default="fcpe")
    parser.add_argument("--precision", default="fp16", choices=("fp32", "fp16", "bf16"))
    parser.add_argument("--transpose", type=float, default=0.0)
    parser.add_argument("--block-ms", type=float, default=100.0, help="live: 0 = automatic")
    parser.add_argument("--context-ms", type=float, default=400.0)
    parser.add_argument("--calls", type=int, default=500)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--fork-block-s", type=float, default=0.35)
    parser.add_argument("--out", type=Path, default=WORK / "results" / "stream.jsonl")
    args = parser.parse_args()

    run = {"blocks": run_blocks, "live": run_live, "fork-realtime": run_fork_realtime}[args.what]
    record = run(args)
    record["machine"] = machine_info()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with args.out.open("a") as fh:
        fh.write(json.dumps(record) + "\n")
    summary = {k: v for k, v in record.items() if k != "machine"}
    print("RESULT", json.dumps(summary), flush=True)


if __name__ == "__main__":
    main()
