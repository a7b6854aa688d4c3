"""One command: so-vits-svc-fork vs AutoVoice, side by side on the same machine, inputs and voice.

    python -m benchmarks.speed --device cpu [--fork-python PATH]     # the 2-core CI-like machine
    python -m benchmarks.speed --device cuda [--fork-python PATH]    # a CUDA machine

Steps: build the benchmark voice (random weights, default 44.1 kHz architecture) and the inputs (10/60/600 s,
tiled from tests/data), then run each engine in its own subprocess: the fork first, AutoVoice in each
configuration, and (on the CPU) the fork again, because a shared machine's load drifts. Writes
`<out-dir>/speed.jsonl` and `<out-dir>/speed.md` (the tables docs/benchmarks.md quotes).
The fork needs its own interpreter (`--fork-python`, a venv with so-vits-svc-fork 4.2.30) or PYTHONPATH with
the fork's pure-Python package; it is never an AutoVoice dependency. Without `--fork-python` only AutoVoice
is timed. AutoVoice configs run `SovitsVoice.convert` (mode "voice", the public API) unless a config names
the mode "pipe" (`pipeline.convert` with the models pre-loaded). The fork's 600 s run is skipped on the
CPU by default: on 2 cores it takes ~8 minutes per run.
`--busy-cores N` keeps N other processes burning one core each for the whole run (both engines see the
same load): the "one core busy elsewhere" condition of the CPU targets.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from benchmarks.bench_common import MODEL_RATE, machine_info, make_input

ROOT = Path(__file__).resolve().parents[1]
OPTION_FLAGS = {
    "tf32": "--tf32",
    "cudnnbench": "--cudnn-benchmark",
    "t1": "--threads=1",
    "t2": "--threads=2",
    "tauto": "--threads=-1",
    # the app's default; the fork's CLI default (and configs without it) predict F0
    "noauto": "--no-auto-predict-f0",
}


def _run(cmd: list[str], log: Path) -> int:
    print("$", " ".join(cmd), flush=True)
    t = time.perf_counter()
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    with log.open("a") as fh:
        proc = subprocess.run(
            cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        fh.write(proc.stdout)
    for line in proc.stdout.splitlines():
        if line.startswith(("fork ", "autovoice ")) or "Error" in line:
            print("   ", line, flush=True)
    print(f"    rc {proc.returncode} in {time.perf_counter() - t:.0f} s", flush=True)
    return proc.returncode


@contextlib.contextmanager
def busy_cores(count: int) -> Iterator[None]:
    """`count` processes that each keep one core busy (a plain Python loop) while the block runs. Each stops
    by itself when this process dies (a killed benchmark left its loops running, and the next run measured
    two busy cores)."""
    loop = "import os\nparent = os.getppid()\nwhile os.getppid() == parent: pass"
    burners = [subprocess.Popen([sys.executable, "-c", loop]) for _ in range(count)]
    try:
        yield
    finally:
        for burner in burners:
            burner.kill()
            burner.wait(timeout=10)


def _fmt(x: float | None, digits: int = 3) -> str:
    return "–" if x is None else f"{x:.{digits}f}"


def write_markdown(records: list[dict], path: Path, device: str) -> str:
    """Tables: end to end with ratios against the fork (same device, input, F0 class), and the stage split."""
    speed = [r for r in records if "e2e_best_s" in r]
    forks: dict[tuple, list[float]] = {}
    for r in speed:
        if r["engine"] == "fork":
            forks.setdefault((r["f0"], round(r["input_s"])), []).append(r["e2e_best_s"])
    lines = [
        f"Device: {device}. Machine: {json.dumps(records[0].get('machine', {})) if records else ''}",
        "",
        "| engine | F0 | precision | input | e2e best (s) | median (s) | RTF | × fork (dio) | load | convert "
        "| F0 | content | synth | write | peak RSS (MB) | CUDA peak (MB) | CPU busy |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in speed:
        secs = round(r["input_s"])
        base = forks.get(("dio", secs))
        ratio = None
        if base and r["engine"] != "fork":
            ratio = min(base) / r["e2e_best_s"]
        st = r.get("stages_best", {})
        name = r["engine"] + (f" ({r['tag']})" if r.get("tag") else "")
        lines.append(
            f"| {name} | {r['f0']} | {r['precision']} | {secs} s | {_fmt(r['e2e_best_s'])} | "
            f"{_fmt(r['e2e_median_s'])} | {_fmt(r['e2e_best_s'] / r['input_s'], 4)} | "
            f"{_fmt(ratio, 1) if ratio else '–'} | {_fmt(st.get('load'))} | {_fmt(st.get('convert'))} | "
            f"{_fmt(st.get('f0'))} | "
            f"{_fmt(st.get('content'))} | {_fmt(st.get('synth'))} | {_fmt(st.get('write'))} | "
            f"{r.get('peak_rss_mb', 0):.0f} | {_fmt(r.get('cuda_peak_alloc_mb'), 0)} | "
            f"{_fmt(st.get('cpu_busy'), 2)} |"
        )
    text = "\n".join(lines) + "\n"
    path.write_text(text)
    return text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/avbench"))
    parser.add_argument("--out-dir", type=Path, default=Path("/tmp/avbench/results"), help="outside the repo")
    parser.add_argument("--seconds", type=int, nargs="*", default=[10, 60, 600])
    parser.add_argument("--fork-seconds", type=int, nargs="*", default=None)
    parser.add_argument(
        "--configs",
        nargs="*",
        default=None,
        help="AutoVoice runs as f0:precision[:mode[:opt+opt]][@s,s], opts: tf32 cudnnbench t1 t2 tauto "
        "noauto "
        "(cuda default: dio:fp32 dio:fp16 fcpe:fp32 fcpe:fp16; "
        "cpu: dio:fp32 dio:bf16)",
    )
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--long-repeat", type=int, default=1, help="repeats for inputs >= 300 s")
    parser.add_argument("--fork-repeat", type=int, default=0, help="default: --repeat")
    parser.add_argument("--python", default=sys.executable, help="interpreter for AutoVoice")
    parser.add_argument(
        "--fork-python",
        default=None,
        help="interpreter that can import so-vits-svc-fork (none: AutoVoice only)",
    )
    parser.add_argument("--no-baseline-rerun", action="store_true")
    parser.add_argument(
        "--fork-no-auto-predict-f0",
        action="store_true",
        help="the fork without auto-predict F0 too (to compare with `noauto` configs, the app's default)",
    )
    parser.add_argument("--busy-cores", type=int, default=0, help="cores kept busy by other processes")
    parser.add_argument("--extra", nargs="*", default=[], help="extra args for bench_autovoice")
    args = parser.parse_args()

    cuda = args.device.startswith("cuda")
    configs = args.configs or (
        ["dio:fp32", "dio:fp16", "fcpe:fp32", "fcpe:fp16"] if cuda else ["dio:fp32", "dio:bf16"]
    )
    fork_seconds = (
        args.fork_seconds
        if args.fork_seconds is not None
        else (args.seconds if cuda else [s for s in args.seconds if s <= 60])
    )
    args.out_dir.mkdir(parents=True, exist_ok=True)
    results = args.out_dir / "speed.jsonl"
    log = args.out_dir / "speed.log"
    model = args.workdir / "model"
    if not (model / "G_0.pth").exists():
        # Built by the fork's own SynthesizerTrn where importable, so both engines load the same file.
        _run([args.fork_python or args.python, "-m", "benchmarks.make_bench_model", "--out", str(model)], log)
    inputs = {}
    for s in sorted(set(args.seconds) | set(fork_seconds)):
        path = args.workdir / f"in_{s}s.wav"
        if not path.exists():
            make_input(s, path)
        inputs[s] = path
    print(f"inputs at {MODEL_RATE} Hz: {', '.join(str(p) for p in inputs.values())}", flush=True)

    def fork(tag: str) -> None:
        if args.fork_python is None or not fork_seconds:
            return
        cmd = [
            args.fork_python,
            "-m",
            "benchmarks.bench_fork",
            "--model",
            str(model),
            "--device",
            args.device,
        ]
        cmd += ["--f0", "dio", "--repeat", str(args.fork_repeat or args.repeat), "--out", str(results)]
        cmd += ["--tag", tag, "--long-repeat", str(args.long_repeat)]
        cmd += ["--no-auto-predict-f0"] * args.fork_no_auto_predict_f0
        for s in fork_seconds:
            cmd += ["--input", str(inputs[s])]
        _run(cmd, log)

    with busy_cores(args.busy_cores):
        _run_engines(args, configs, fork, inputs, model, results, log)
    records = [json.loads(line) for line in results.read_text().splitlines() if line.strip()]
    device = machine_info().get("gpu", "CPU") if cuda else "CPU"
    if args.busy_cores:
        device += f", {args.busy_cores} core(s) kept busy by other processes"
    print(write_markdown(records, args.out_dir / "speed.md", device))


def _run_engines(args, configs, fork, inputs, model, results, log) -> None:  # noqa: ANN001
    """The fork, each AutoVoice configuration, and on the CPU the fork again."""
    fork("")
    for config in configs:
        config, _, only = config.partition("@")
        f0, precision, *rest = config.split(":")
        mode = rest[0] if rest else "voice"
        opts = [o for o in (rest[1].split("+") if len(rest) > 1 else []) if o]
        flags = [OPTION_FLAGS[o] for o in opts]
        tag = "+".join([mode] * (mode != "voice") + opts)
        seconds = [int(s) for s in only.split(",")] if only else args.seconds
        cmd = [
            args.python,
            "-m",
            "benchmarks.bench_autovoice",
            "--model",
            str(model),
            "--device",
            args.device,
        ]
        cmd += ["--f0", f0, "--precision", precision, "--mode", mode, *flags]
        cmd += ["--repeat", str(args.repeat), "--long-repeat", str(args.long_repeat)]
        cmd += ["--out", str(results), "--tag", tag, *args.extra]
        for s in seconds:
            cmd += ["--input", str(inputs[s])]
        _run(cmd, log)
    if not args.device.startswith("cuda") and not args.no_baseline_rerun:
        fork("baseline rerun")


if __name__ == "__main__":
    main()
