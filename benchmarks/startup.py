"""Start-up time: process start to a visible window, as the app logs it ("window shown N ms").

    python -m benchmarks.startup --runs 5

Each run starts `python -m autovoice_desktop.app.gui_main --quit-after 1500` offscreen with a fresh
AUTOVOICE_HOME (first launch: no settings, no caches of ours), reads the figure from its log and prints the
first, the best and the median run. The README's start-up claim comes from here, on a quiet machine.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHOWN = re.compile(r"window shown (\d+) ms after process start")
BUILT = re.compile(r"plots built (\d+) ms after process start")


def one_launch() -> tuple[int, int | None]:
    """Milliseconds from process start to the window shown and to its plots built, for one fresh launch."""
    with tempfile.TemporaryDirectory(prefix="autovoice-startup-") as home:
        env = dict(os.environ, AUTOVOICE_HOME=home, QT_QPA_PLATFORM="offscreen")
        subprocess.run(
            [sys.executable, "-m", "autovoice_desktop.app.gui_main", "--quit-after", "1500"],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
            timeout=300,
        )
        log = (Path(home) / "logs" / "autovoice.log").read_text()
        match, built = SHOWN.search(log), BUILT.search(log)
        if match is None:
            raise RuntimeError("the app did not log its start-up time")
        return int(match.group(1)), int(built.group(1)) if built else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    launches = [one_launch() for _ in range(args.runs)]
    times = [shown for shown, _ in launches]
    built = [b for _, b in launches if b is not None]
    if built:
        print(f"plots built (ms, after the window is shown): median {statistics.median(built):.0f}")
    print(
        f"window shown (ms): first {times[0]}, best {min(times)}, median {statistics.median(times):.0f} "
        f"over {len(times)} launches; load average {os.getloadavg()[0]:.1f}"
    )


if __name__ == "__main__":
    main()
