"""Where a file conversion's wall time goes on CUDA: host time per pipeline step and the GPU's idle gaps.

    python -m benchmarks.timeline --input IN.wav [--input ...] [--predict-f0] [--repeat 5] [--out OUT.json] \
        [--trace-dir DIR]

Runs `SovitsVoice.convert` (the public API, FCPE, fp16; app default: F0 not predicted) with the pipeline's
steps wrapped by timers (module functions of engine/sovits/pipeline.py, `host_copy` (a span's audio back to
the host) among them, `SpanPass.start`/`finish`, and `Tensor.cpu` (FCPE's F0 back to the host)).
Two measurements per input, after a warm-up:
* host: each step's host time (median of `--repeat` unprofiled runs; no synchronisation is added, so a step
  that waits for the GPU shows the wait);
* profile: one run under torch.profiler. GPU busy = the union of its kernels' intervals; every GPU idle gap
  is charged to the innermost step the host was in when the gap began. That says which host work leaves the
  GPU waiting, the part of the wall time that kernels do not explain.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import statistics
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import soundfile as sf
import torch

from benchmarks.bench_autovoice import Engine

PIPELINE_STEPS = (
    "to_model_rate", "speech_intervals", "plan_pieces", "analyse", "content_input_on", "speech_spans",
    "place_piece", "speech_mask", "host_copy",
)  # fmt: skip


class Steps:
    """Timers around the pipeline's steps: host intervals (label, start, end) in perf_counter seconds."""

    def __init__(self) -> None:
        self.intervals: list[tuple[str, float, float]] = []
        self.profiled = False

    def wrap(self, label: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            ctx = torch.profiler.record_function(label) if self.profiled else contextlib.nullcontext()
            t = time.perf_counter()
            with ctx:
                try:
                    return fn(*args, **kwargs)
                finally:
                    self.intervals.append((label, t, time.perf_counter()))

        return timed

    @contextlib.contextmanager
    def installed(self) -> Iterator[None]:
        from autovoice_desktop.engine.sovits import pipeline
        from autovoice_desktop.engine.sovits.span_pass import SpanPass

        saved: list[tuple[Any, str, Any]] = []

        def patch(owner: Any, name: str, label: str) -> None:
            real = getattr(owner, name)
            saved.append((owner, name, real))
            setattr(owner, name, self.wrap(label, real))

        for name in PIPELINE_STEPS:
            patch(pipeline, name, name)
        patch(SpanPass, "start", "span.start (content)")
        patch(SpanPass, "finish", "span.finish (latent, source, decoder)")
        patch(torch.Tensor, "cpu", "tensor.cpu (device to host)")
        try:
            yield
        finally:
            for owner, name, real in reversed(saved):
                setattr(owner, name, real)

    def totals_ms(self) -> dict[str, float]:
        out: dict[str, float] = defaultdict(float)
        for label, a, b in self.intervals:
            out[label] += (b - a) * 1000.0
        return dict(out)


def _union_ms(spans: list[tuple[float, float]]) -> float:
    total, end = 0.0, float("-inf")
    for a, b in sorted(spans):
        if b > end:
            total += b - max(a, end)
            end = b
    return total / 1000.0


def _device_work(prof: Any, labels: set[str]) -> list[Any]:
    """The profiled run's kernels, copies and memsets: its CUDA events without our step labels (the profiler
    mirrors each record_function range on the GPU timeline, which is not GPU work)."""
    return [
        e
        for e in prof.events()
        if e.device_type == torch.autograd.DeviceType.CUDA
        and e.name not in labels
        and e.time_range.end > e.time_range.start
    ]


def _gaps(prof: Any, steps: list[tuple[str, float, float]], min_us: float = 20.0) -> dict[str, Any]:
    """GPU busy and idle time inside the profiled conversion; idle gaps charged to the host step."""
    labels = {s[0] for s in steps} | {"convert"}
    kernels = sorted((e.time_range.start, e.time_range.end) for e in _device_work(prof, labels))
    ranges = [
        (e.name, e.time_range.start, e.time_range.end)
        for e in prof.events()
        if e.device_type == torch.autograd.DeviceType.CPU and e.name in labels
    ]
    whole = [r for r in ranges if r[0] == "convert"]
    if not kernels or not whole:
        return {}
    lo, hi = whole[0][1], whole[0][2]
    idle: dict[str, float] = defaultdict(float)
    count: dict[str, int] = defaultdict(int)
    edges = [(lo, lo)] + [k for k in kernels if lo <= k[0] <= hi] + [(hi, hi)]
    end = lo
    for a, b in edges:
        if a - end >= min_us:
            inner = [r for r in ranges if r[0] != "convert" and r[1] <= end <= r[2]]
            label = min(inner, key=lambda r: r[2] - r[1])[0] if inner else "(no step)"
            idle[label] += (a - end) / 1000.0
            count[label] += 1
        end = max(end, b)
    return {
        "wall_ms": (hi - lo) / 1000.0,
        "gpu_busy_ms": _union_ms([k for k in kernels if lo <= k[0] <= hi]),
        "kernels": sum(1 for k in kernels if lo <= k[0] <= hi),
        "idle_ms_by_step": {k: round(v, 3) for k, v in sorted(idle.items(), key=lambda kv: -kv[1])},
        "idle_gaps_by_step": dict(count),
    }


def _top_kernels(prof: Any, labels: set[str], count: int = 30) -> list[dict[str, Any]]:
    """The GPU kernels and copies with the most device time in the profiled run."""
    totals: dict[str, list[float]] = defaultdict(lambda: [0, 0.0])
    for e in _device_work(prof, labels):
        totals[e.name[:90]][0] += 1
        totals[e.name[:90]][1] += (e.time_range.end - e.time_range.start) / 1000.0
    ranked = sorted(totals.items(), key=lambda kv: -kv[1][1])[:count]
    return [{"kernel": k, "calls": int(n), "ms": round(ms, 3)} for k, (n, ms) in ranked]


def measure(engine: Engine, path: Path, repeat: int, trace: Path | None = None) -> dict[str, Any]:
    audio, sr = sf.read(path, dtype="float32")
    steps = Steps()

    sync = torch.cuda.synchronize if engine.cuda else (lambda: None)

    def once() -> float:
        sync()
        t = time.perf_counter()
        with torch.profiler.record_function("convert") if steps.profiled else contextlib.nullcontext():
            engine._voice_convert(audio)
        sync()
        return (time.perf_counter() - t) * 1000.0

    with steps.installed():
        once()
        once()
        walls, hosts = [], []
        for _ in range(repeat):
            steps.intervals.clear()
            walls.append(once())
            hosts.append(steps.totals_ms())
        host = {k: round(statistics.median(h.get(k, 0.0) for h in hosts), 3) for k in hosts[0]}
        steps.profiled = True
        steps.intervals.clear()
        activities = [torch.profiler.ProfilerActivity.CPU, torch.profiler.ProfilerActivity.CUDA]
        with torch.profiler.profile(activities=activities) as prof:
            profiled_wall = once()
        gaps = _gaps(prof, steps.intervals)
        if trace is not None:
            trace.parent.mkdir(parents=True, exist_ok=True)
            prof.export_chrome_trace(str(trace))
    return {
        "input": str(path),
        "seconds": len(audio) / sr,
        "wall_ms": [round(w, 2) for w in walls],
        "wall_median_ms": round(statistics.median(walls), 2),
        "host_ms_by_step": host,
        "profiled_wall_ms": round(profiled_wall, 2),
        "profile": gaps,
        "top_kernels": _top_kernels(prof, {s[0] for s in steps.intervals} | {"convert"}),
    }


def main() -> None:
    raw = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=raw)
    parser.add_argument("--model", type=Path, default=Path("/tmp/avbench/model"))
    parser.add_argument("--input", type=Path, action="append", required=True)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--predict-f0", action="store_true", help="auto-predict F0 (the fork's CLI default)")
    parser.add_argument("--device", default="cuda", help="cpu only checks this tool (no GPU gaps)")
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--trace-dir", type=Path, default=None, help="chrome traces of the profiled runs")
    args = parser.parse_args()
    engine = Engine.for_voice(args.model, args.device, f0="fcpe", precision="fp16",
                              auto_predict_f0=args.predict_f0)  # fmt: skip
    results = [
        measure(engine, path, args.repeat, args.trace_dir and args.trace_dir / f"{path.stem}.json")
        for path in args.input
    ]
    text = json.dumps(results, indent=1)
    for r in results:
        print(f"{r['seconds']:.0f} s: wall {r['wall_median_ms']} ms, profiled {r['profiled_wall_ms']} ms, "
              f"GPU busy {r['profile'].get('gpu_busy_ms', 0):.1f} ms")  # fmt: skip
    if args.out is not None:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text)


if __name__ == "__main__":
    main()
