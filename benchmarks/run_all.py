"""`make bench`: the speed comparison on this machine (CPU, and CUDA when a GPU is present).

    python -m benchmarks.run_all [--quick]

The fork runs from the interpreter in $FORK_PYTHON, else /tmp/forkbench-venv or /tmp/forkvenv (a venv with
so-vits-svc-fork 4.2.30 and torch==2.13.0; see docs/benchmarks.md "Speed"); without one, only AutoVoice is
timed and the table has no ratios. `--quick` times the 10 s input only. Results: benchmarks/results/local-*.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def fork_python() -> str | None:
    candidates = [
        os.environ.get("FORK_PYTHON", ""),
        "/tmp/forkbench-venv/bin/python",
        "/tmp/forkvenv/bin/python",
    ]
    for candidate in candidates:
        if candidate and Path(candidate).exists():
            probe = subprocess.run(
                [candidate, "-c", "import so_vits_svc_fork.inference.core"], capture_output=True, cwd=ROOT
            )
            if probe.returncode == 0:
                return candidate
    return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    import torch

    fork = fork_python()
    if fork is None:
        print("so-vits-svc-fork not found (set FORK_PYTHON): timing AutoVoice only", flush=True)
    devices = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])
    rc = 0
    for device in devices:
        cmd = [sys.executable, "-m", "benchmarks.run_speed", "--device", device]
        cmd += ["--out-dir", str(ROOT / "benchmarks" / "results" / f"local-{device}")]
        if args.quick:
            cmd += ["--seconds", "10", "--repeat", "2"]
        cmd += ["--fork-python", fork] if fork else ["--no-fork"]
        rc |= subprocess.call(cmd, cwd=ROOT)
    sys.exit(rc)


if __name__ == "__main__":
    main()
