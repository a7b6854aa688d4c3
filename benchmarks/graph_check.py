"""CUDA graphs for file spans and live windows: the same audio as eager runs, and what they buy (GPU only).

    python -m benchmarks.graph_check --model /tmp/avbench/model --input /tmp/avbench/in_10s.wav \
        [--input ...] [--rounds 2] [--repeat 5] [--out FILE.jsonl]

Per input, through the public voice API (`SovitsVoice.convert`, app defaults on CUDA: FCPE, fp16, auto-predict
F0 on as in benchmarks.speed, fixed seed):
1. equality: conversions 1-3 of the same file run eagerly (a first sighting), capture, replay; then a
   conversion with another transpose (a replay with new inputs) against the same conversion with
   AUTOVOICE_CUDA_GRAPHS=0. Reported as max |delta| against the eager output.
2. speed: read -> convert -> write (`Engine.convert_file`, as benchmarks.speed times it), median of --repeat
   after the warm-up conversions, for graphs on/off x decoder layout (1-D, or channels-last
   `nsf_hifigan.PLANAR_DEVICES` on CUDA), the configurations interleaved over --rounds rounds.
Once: a live window (0.5 s, the stream's `SpanPass`) captured against eager with the same draws, and its
kernels and cost either way; the decoder's two layouts on the same input; FCPE (`FcpePass`) eager and
captured against torchfcpe's `infer`, and their cost, for 0.5 and 10 s.
`--census` instead: the CUDA kernels each model stage launches (count, GPU time, the operators behind them)
for a 0.5 s live window (first input, plus the captured window's kernels and its two graphs timed apart) and
for whole eager file conversions (the other inputs), with auto-predict F0 off as the app's default.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import statistics
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from benchmarks.bench_autovoice import Engine
from benchmarks.bench_common import machine_info


@contextlib.contextmanager
def _setting(graphs: bool, planar: bool) -> Iterator[None]:
    from autovoice_desktop.engine.sovits import nsf_hifigan

    old_env, old_planar = os.environ.get("AUTOVOICE_CUDA_GRAPHS"), nsf_hifigan.PLANAR_DEVICES
    os.environ["AUTOVOICE_CUDA_GRAPHS"] = "1" if graphs else "0"
    nsf_hifigan.PLANAR_DEVICES = ("cpu", "cuda") if planar else ("cpu",)
    try:
        yield
    finally:
        nsf_hifigan.PLANAR_DEVICES = old_planar
        if old_env is None:
            os.environ.pop("AUTOVOICE_CUDA_GRAPHS", None)
        else:
            os.environ["AUTOVOICE_CUDA_GRAPHS"] = old_env


def _delta(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.max(np.abs(a - b))) if a.shape == b.shape else float("inf")


@dataclass
class LiveWindow:
    """A 0.5 s live window's inputs (16 kHz audio, a flat 180 Hz F0, all voiced) and its synthesizer."""

    synth: Any  # WindowedSynth, exact lengths (no buckets) as the stream runs it
    frames: int
    wav16: np.ndarray
    f0: np.ndarray
    uv: np.ndarray

    def span_pass(self, predict_f0: bool = False) -> Any:
        """A fresh SpanPass for this window (eager until captured), speaker "bench"."""
        from autovoice_desktop.engine.sovits.span_pass import SpanPass, SpanShape

        shape = SpanShape(self.frames, self.wav16.size, 0.4, predict_f0=predict_f0, use_volume=False)
        span = SpanPass(self.synth, shape)
        span.set_speaker(self.synth.speaker("bench"))
        return span

    def __call__(self, span: Any, generator: torch.Generator | None = None) -> torch.Tensor:
        """One call of `span` on this window's inputs -> audio (N,) on the device."""
        return span(self.wav16, self.f0, self.uv, None, generator)


def _live_window(engine: Engine, audio: np.ndarray, start_s: float = 0.0) -> LiveWindow:
    from autovoice_desktop.engine.sovits.content_input import to_content_rate
    from autovoice_desktop.engine.sovits.windowed import WindowedSynth, WindowSettings

    synth = WindowedSynth(engine.model, engine.encoder, WindowSettings(length_buckets=False))
    frames, start = int(0.5 * engine.sr) // engine.hop, int(start_s * engine.sr)
    wav16 = to_content_rate(audio[start : start + frames * engine.hop], engine.sr)
    return LiveWindow(synth, frames, wav16, np.full(frames, 180.0, np.float32), np.ones(frames, np.float32))


def _host_copy_exact(sr: int) -> bool:
    """engine.device.host_copy (pinned staging buffer) against `.cpu()`: a 60 s span, then a shorter one
    through the same buffer."""
    from autovoice_desktop.engine.device import host_copy

    long, short = torch.randn(60 * sr, device="cuda"), torch.randn(1000, device="cuda")
    first = host_copy(long).copy()
    second = host_copy(short)
    return bool(np.array_equal(first, long.cpu().numpy()) and np.array_equal(second, short.cpu().numpy()))


def equality(engine: Engine, audio: np.ndarray) -> dict[str, Any]:
    """Eager, capture and replay of one file, and a replay with another transpose against eager."""
    from autovoice_desktop.core.types import ConversionParams

    engine.voice = None  # a fresh voice: nothing seen yet
    outs = [engine._voice_convert(audio) for _ in range(3)]
    passes = engine.voice._passes
    params = ConversionParams(
        f0_method="fcpe", speaker="bench", auto_predict_f0=True, device="cuda", half=True, seed=1234,
        transpose=3,
    )  # fmt: skip
    replayed = engine.voice.convert(audio, engine.sr, params).audio
    with _setting(graphs=False, planar=False):
        eager = engine.voice.convert(audio, engine.sr, params).audio
    return {
        "host_copy_exact": _host_copy_exact(engine.sr),
        "graphs_kept": len(passes),
        "capture_vs_eager": _delta(outs[1], outs[0]),
        "replay_vs_eager": _delta(outs[2], outs[0]),
        "replay_transpose3_vs_eager": _delta(replayed, eager),
        "peak": float(np.max(np.abs(outs[0]))),
    }


def speed(engine: Engine, path: Path, rounds: int, repeat: int, out_dir: Path) -> dict[str, float]:
    """Median read -> convert -> write per configuration (graphs x decoder layout), interleaved rounds."""
    configs = [(g, p) for g in (True, False) for p in (False, True)]
    times: dict[str, list[float]] = {f"graphs={g} planar={p}": [] for g, p in configs}
    for _ in range(rounds):
        for graphs, planar in configs:
            with _setting(graphs, planar):
                engine.voice = None  # graphs captured under the other layout must not replay here
                for _ in range(3):  # eager, capture, first replay
                    engine.convert_file(path, out_dir / "graph_check.wav")
                for _ in range(repeat):
                    t, _out = engine.convert_file(path, out_dir / "graph_check.wav")
                    times[f"graphs={graphs} planar={planar}"].append(t["e2e"])
    return {k: round(statistics.median(v) * 1000, 2) for k, v in times.items()} | {
        f"{k} best": round(min(v) * 1000, 2) for k, v in times.items()
    }


def window_and_layout(engine: Engine, audio: np.ndarray) -> dict[str, float]:
    """A 0.5 s live window captured vs eager (same draws); the decoder's layouts on the same input."""
    from autovoice_desktop.engine.sovits.windowed import SynthNoise

    window = _live_window(engine, audio, start_s=1.0)
    synth = window.synth
    outs = []
    for capture in (False, True):
        span = window.span_pass(predict_f0=True)
        if capture:
            assert span.capture(), "the window pass could not be captured"
        outs.append(window(span, torch.Generator("cuda").manual_seed(7)).cpu().numpy())
    decoded = []
    with torch.inference_mode():
        z = torch.randn(1, engine.model.net.cfg.inter_channels, 860, device="cuda").half()
        noise = SynthNoise.empty(engine.model, 860).draw(torch.Generator("cuda").manual_seed(1))
        har = synth.source(torch.full((860,), 200.0, device="cuda"), noise)
        g = synth.speaker("bench")
        for planar in (False, True):
            with _setting(graphs=True, planar=planar):
                decoded.append(synth.decode(z, har, g).cpu().numpy())
    return {
        "window_graph_vs_eager": _delta(outs[1], outs[0]),
        "window_peak": float(np.max(np.abs(outs[0]))),
        "decoder_planar_vs_1d": _delta(decoded[1], decoded[0]),
        "decoder_peak": float(np.max(np.abs(decoded[0]))),
    }


def _median_ms(fn, calls: int = 50) -> float:  # noqa: ANN001
    for _ in range(5):
        fn()
    times = []
    for _ in range(calls):
        torch.cuda.synchronize()
        t = time.perf_counter()
        fn()
        torch.cuda.synchronize()
        times.append(time.perf_counter() - t)
    return round(statistics.median(times) * 1000, 3)


def _kernels(fn) -> tuple[int, float]:  # noqa: ANN001
    """(CUDA kernels launched, their summed time in ms) for one call of fn."""
    from torch.profiler import ProfilerActivity, profile

    fn()
    torch.cuda.synchronize()
    with profile(activities=[ProfilerActivity.CUDA]) as prof:
        fn()
        torch.cuda.synchronize()
    kernels = [e for e in prof.events() if e.device_type == torch.autograd.DeviceType.CUDA]
    return len(kernels), round(sum(e.time_range.elapsed_us() for e in kernels) / 1000, 3)


def fcpe_and_window_cost(engine: Engine, audio: np.ndarray) -> dict[str, Any]:
    """FCPE's pass eager vs captured vs torchfcpe's infer; a live window's pass, eager vs graph."""
    from autovoice_desktop.engine.fcpe_pass import FcpePass
    from autovoice_desktop.engine.fcpe_support import fcpe_model
    from autovoice_desktop.engine.pitch import FCPE_THRESHOLD, _fcpe_input

    row: dict[str, Any] = {}
    model = fcpe_model("cuda")
    for seconds in (0.5, 10.0):
        wav = _fcpe_input(audio[: int(seconds * engine.sr)], engine.sr, "cuda")
        with torch.inference_mode():
            ref = model.infer(wav, 16000, "local_argmax", threshold=FCPE_THRESHOLD).reshape(-1)
        eager = FcpePass(model, wav.shape[1], FCPE_THRESHOLD)
        graph = FcpePass(model, wav.shape[1], FCPE_THRESHOLD)
        captured = graph.capture()
        flat = wav[0, :, 0]
        row[f"fcpe_{seconds}s"] = {
            "captured": captured,
            "eager_vs_infer": float((eager(flat) - ref).abs().max()),
            "graph_vs_infer": float((graph(flat) - ref).abs().max()),
            "infer_ms": _median_ms(lambda w=wav: model.infer(w, 16000, threshold=FCPE_THRESHOLD)),
            "eager_ms": _median_ms(lambda p=eager, w=flat: p(w)),
            "graph_ms": _median_ms(lambda p=graph, w=flat: p(w)),
        }
    window = _live_window(engine, audio)
    for predict in (False, True):
        eager, graph = window.span_pass(predict), window.span_pass(predict)
        graph.capture()
        count, kernel_ms = _kernels(lambda p=eager: window(p))
        row[f"window_predict={predict}"] = {
            "kernels": count,
            "kernel_ms": kernel_ms,
            "eager_ms": _median_ms(lambda p=eager: window(p)),
            "graph_ms": _median_ms(lambda p=graph: window(p)),
        }
    return row


@contextlib.contextmanager
def _ranges(engine: Engine) -> Iterator[list[str]]:
    """Name the model's stages as profiler ranges (wrapping their methods on the instances)."""
    from autovoice_desktop.engine.fcpe_support import fcpe_model

    net = engine.model.net
    stages = [
        ("contentvec", engine.encoder, "encode_batch"), ("fcpe", fcpe_model("cuda").model, "forward"),
        ("prior encoder", net.enc_p, "forward"), ("flow", net.flow, "reverse"),
        ("source", net.dec.m_source, "forward"), ("decoder", net.dec, "decode"),
    ]  # fmt: skip
    if hasattr(net, "f0_decoder"):
        stages.append(("f0 predictor", net.f0_decoder, "forward"))
    for name, owner, attr in stages:
        real = getattr(owner, attr)

        def ranged(*a, _real=real, _name=name, **kw):  # noqa: ANN002, ANN003, ANN202
            with torch.profiler.record_function(_name):
                return _real(*a, **kw)

        setattr(owner, attr, ranged)
    try:
        yield [name for name, _, _ in stages]
    finally:
        for _name, owner, attr in stages:
            delattr(owner, attr)


def _stage_kernels(prof, names: list[str]) -> dict[str, dict[str, Any]]:  # noqa: ANN001
    """CUDA kernels of a profile per model stage (the named range that launched them): count, GPU ms and the
    operators that launched most of them."""
    stages: dict[str, dict[str, Any]] = {}
    for event in prof.events():
        if not event.kernels:
            continue
        stage, parent = "other", event
        while parent is not None:
            if parent.name in names:
                stage = parent.name
                break
            parent = parent.cpu_parent
        entry = stages.setdefault(stage, {"kernels": 0, "gpu_ms": 0.0, "ops": {}})
        for kernel in event.kernels:
            entry["kernels"] += 1
            entry["gpu_ms"] += kernel.duration / 1000
        entry["ops"][event.name] = entry["ops"].get(event.name, 0) + len(event.kernels)
    for entry in stages.values():
        entry["gpu_ms"] = round(entry["gpu_ms"], 3)
        entry["ops"] = dict(sorted(entry["ops"].items(), key=lambda kv: -kv[1])[:10])
    return stages


def _profiled(job) -> Any:  # noqa: ANN001
    from torch.profiler import ProfilerActivity, profile

    job()
    torch.cuda.synchronize()
    with profile(activities=[ProfilerActivity.CPU, ProfilerActivity.CUDA]) as prof:
        job()
        torch.cuda.synchronize()
    return prof


def census(engine: Engine, audio: np.ndarray, live: bool) -> dict[str, Any]:
    """Kernels per model stage of one eager pass (graphs off, auto-predict F0 off as the app's default): a
    0.5 s live window (`live`) or the whole file; for the window also the captured pass's kernels (each
    graph node as the profiler sees it) and its two graphs timed apart."""
    from autovoice_desktop.engine.sovits.windowed import WindowedSynth

    row: dict[str, Any] = {}
    if not live:
        engine.args.auto_predict_f0 = False
        with _setting(graphs=False, planar=True), _ranges(engine) as names:
            row["file_census"] = _stage_kernels(_profiled(lambda: engine._voice_convert(audio)), names)
            row["file_eager_ms"] = _median_ms(lambda: engine._voice_convert(audio), calls=5)
        engine.args.auto_predict_f0 = True
        return row
    window = _live_window(engine, audio)
    eager, graph = window.span_pass(), window.span_pass()
    with _setting(graphs=False, planar=True), _ranges(engine) as names:
        row["window_census"] = _stage_kernels(_profiled(lambda: window(eager)), names)
    beside = window(eager, torch.Generator("cuda").manual_seed(5)).cpu().numpy()
    real = WindowedSynth._source_beside
    WindowedSynth._source_beside = lambda self, f0, noise: self.source(f0, noise)  # type: ignore[method-assign]
    try:
        inline = window(eager, torch.Generator("cuda").manual_seed(5)).cpu().numpy()
    finally:
        WindowedSynth._source_beside = real  # type: ignore[method-assign]
    row["source_beside_vs_inline"] = _delta(beside, inline)
    graph.capture()
    replay = _profiled(lambda: window(graph))
    kernels = [e for e in replay.events() if e.device_type == torch.autograd.DeviceType.CUDA]
    by_name: dict[str, float] = {}
    for kernel in kernels:
        by_name[kernel.name[:60]] = by_name.get(kernel.name[:60], 0.0) + kernel.time_range.elapsed_us() / 1000
    starts = sorted((k.time_range.start, k.time_range.end) for k in kernels)
    row["graph_kernels"] = len(kernels)
    row["graph_kernel_ms"] = round(sum(by_name.values()), 3)
    row["graph_span_ms"] = round((starts[-1][1] - starts[0][0]) / 1000, 3) if starts else None
    row["graph_top"] = {k: round(v, 3) for k, v in sorted(by_name.items(), key=lambda kv: -kv[1])[:12]}
    row["graph_content_ms"] = _median_ms(lambda: graph.start(window.wav16), calls=100)
    row["graph_render_ms"] = _median_ms(lambda: graph.finish(window.f0, window.uv, None, None), calls=100)
    row["graph_both_ms"] = _median_ms(lambda: window(graph), calls=100)
    return row


def window_sizes(engine: Engine, path: Path, out_dir: Path, repeat: int) -> dict[str, Any]:
    """read -> convert -> write of one file with other front window lengths (graphs on), and the output's SNR
    against the default 30 s windows."""
    from dataclasses import replace

    from autovoice_desktop.engine.sovits import voice as sovits_voice
    from autovoice_desktop.engine.sovits.windowed import WindowSettings

    real, kept = WindowSettings.for_device, vars(WindowSettings)["for_device"]
    row: dict[str, Any] = {}
    ref = None
    for window_s in (30.0, 15.0, 10.0, 6.0):
        sovits_voice.WindowSettings.for_device = classmethod(  # type: ignore[method-assign]
            lambda cls, device, w=window_s: replace(real(device), window_s=w)
        )
        try:
            engine.voice = None
            outs = [engine.convert_file(path, out_dir / "graph_check.wav") for _ in range(3 + repeat)]
        finally:
            sovits_voice.WindowSettings.for_device = kept  # type: ignore[method-assign]
        out = outs[-1][1]
        ref = out if ref is None else ref
        noise = float(np.sum((out - ref) ** 2))
        snr = float("inf") if noise == 0 else 10 * np.log10(float(np.sum(ref**2)) / noise)
        row[f"window {window_s:.0f} s"] = {
            "e2e_ms": round(statistics.median(t["e2e"] for t, _ in outs[3:]) * 1000, 2),
            "snr_db_vs_30s": round(snr, 1),
        }
    return row


def main() -> None:
    raw = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=raw)
    parser.add_argument("--model", type=Path, default=Path("/tmp/avbench/model"))
    parser.add_argument("--input", type=Path, action="append", required=True)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--profile", action="store_true", help="also front window lengths for each file")
    parser.add_argument(
        "--census", action="store_true", help="kernels per stage only: a live window (first input), files"
    )
    parser.add_argument("--out", type=Path, default=Path("/tmp/avbench/results/graph_check.jsonl"))
    args = parser.parse_args()
    from autovoice_desktop.audio.io import load_audio

    args.out.parent.mkdir(parents=True, exist_ok=True)
    engine = Engine.for_voice(args.model)
    rows: list[dict[str, Any]] = []
    for path in args.input:
        audio = load_audio(path, target_rate=engine.sr).samples
        if args.census:
            row = {"input": path.name, **census(engine, audio, live=path == args.input[0])}
            print(json.dumps(row), flush=True)
            rows.append(row)
            continue
        row = {"input": path.name, **equality(engine, audio)}
        if path == args.input[0]:
            row |= window_and_layout(engine, audio)
            row |= fcpe_and_window_cost(engine, audio)
        if args.profile:
            row["window_sizes"] = window_sizes(engine, path, args.out.parent, args.repeat)
        t = time.perf_counter()
        row |= speed(engine, path, args.rounds, args.repeat, args.out.parent)
        row["speed_wall_s"] = round(time.perf_counter() - t, 1)
        print(json.dumps(row), flush=True)
        rows.append(row)
    with args.out.open("a") as handle:
        for row in rows:
            handle.write(json.dumps({"machine": machine_info(), **row}) + "\n")


if __name__ == "__main__":
    main()
