"""What a new input length costs: a conversion at a length never seen before against the same length again.

    python -m benchmarks.new_length --device cpu  [--sovits DIR] [--lengths 8] [--profile]
    python -m benchmarks.new_length --device cuda [--sovits DIR] [--lengths 8] [--profile]

A user's file, a TTS piece or a pitch-editor span usually has a length the process has not converted before;
cuDNN and oneDNN prepare kernels per input shape. Through the public API (`SovitsVoice.convert`, app defaults,
the random-weight bench voice unless --sovits) this converts speech cut to `--lengths` new lengths
(`--base-s` + k * 0.0371 s), each straight followed by the same length again, once with the window and tile
lengths rounded up to a few buckets (`WindowSettings.length_buckets`, the app's default) and once without,
alternating. It prints a line per conversion as it goes, then the medians as a Markdown row, and with
--profile the top operators (self CPU time) of a new-length conversion in each mode and of a repeated one.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.bench_common import MODEL_RATE, machine_info, make_input


def _voice(device: str, folder: Path | None) -> tuple[Any, Any]:
    from autovoice_desktop.core.types import ConversionParams, VoiceInfo
    from autovoice_desktop.engine.sovits.voice import SovitsVoice

    if folder is None:
        from benchmarks.make_bench_model import make_bench_model

        folder = make_bench_model(Path("/tmp/avbench/model"))
    info = VoiceInfo("sovits/bench", "bench", "sovits", speakers=("bench",), path=str(folder))
    voice = SovitsVoice(
        info, folder / "G_0.pth", folder / "config.json", device=device, encoder_path=folder / "contentvec"
    )
    return voice, ConversionParams(speaker="bench", device=device)


_APP_SETTINGS: Any = None  # WindowSettings.for_device as the app has it, kept by the first set_buckets


def set_buckets(on: bool) -> None:
    """The app's settings with the window and tile length buckets on (the app) or off (benchmark only)."""
    global _APP_SETTINGS
    from autovoice_desktop.engine.sovits import windowed

    if _APP_SETTINGS is None:
        _APP_SETTINGS = windowed.WindowSettings.__dict__["for_device"].__func__
    original = _APP_SETTINGS

    def for_device(cls: type, device: str) -> Any:
        return replace(original(cls, device), length_buckets=on)

    windowed.WindowSettings.for_device = classmethod(for_device)  # type: ignore[method-assign]


def _timed(voice: Any, audio: np.ndarray, params: Any, sync: Any) -> float:
    start = time.perf_counter()
    voice.convert(audio, MODEL_RATE, params)
    sync()
    return time.perf_counter() - start


def _profile(voice: Any, audio: np.ndarray, params: Any, label: str) -> None:
    import torch
    from torch.profiler import ProfilerActivity, profile

    start = time.perf_counter()
    with profile(activities=[ProfilerActivity.CPU]) as prof:
        voice.convert(audio, MODEL_RATE, params)
        if torch.cuda.is_available():
            torch.cuda.synchronize()
    wall = time.perf_counter() - start
    print(f"# profile, {label} ({wall * 1000:.0f} ms under the profiler): top operators by self CPU time")
    print(prof.key_averages().table(sort_by="self_cpu_time_total", row_limit=14), flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--sovits", type=Path, help="So-VITS-SVC folder: G_0.pth, config.json, contentvec/")
    parser.add_argument("--lengths", type=int, default=8, help="new lengths per mode")
    parser.add_argument("--base-s", type=float, default=1.5, help="shortest length, seconds")
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args(argv)

    import soundfile as sf
    import torch

    speech_path = make_input(12.0, Path("/tmp/avbench/new_length_speech.wav"))
    speech, _ = sf.read(speech_path, dtype="float32")
    voice, params = _voice(args.device, args.sovits)
    cuda = args.device.startswith("cuda")
    sync = torch.cuda.synchronize if cuda else (lambda: None)
    print(f"# {machine_info()}", flush=True)
    _timed(voice, speech[: int(3.0 * MODEL_RATE)], params, sync)  # loads the models, first kernels
    rows: dict[str, dict[str, list[float]]] = {m: {"new": [], "again": []} for m in ("buckets", "exact")}
    step = 0.0371
    for k in range(args.lengths):
        for j, mode in enumerate(("buckets", "exact") if k % 2 == 0 else ("exact", "buckets")):
            set_buckets(mode == "buckets")
            seconds = args.base_s + (2 * k + j) * step
            clip = speech[: int(seconds * MODEL_RATE)]
            new = _timed(voice, clip, params, sync)
            again = _timed(voice, clip, params, sync)
            rows[mode]["new"].append(new)
            rows[mode]["again"].append(again)
            print(
                f"{mode:8s} {seconds:6.3f} s: new {new * 1000:7.1f} ms, again {again * 1000:7.1f} ms",
                flush=True,
            )
    print("| device | mode | new length, median (ms) | same length again, median (ms) | new / again |")
    print("|---|---|---|---|---|")
    for mode, r in rows.items():
        new, again = statistics.median(r["new"]), statistics.median(r["again"])
        print(f"| {args.device} | {mode} | {new * 1000:.1f} | {again * 1000:.1f} | {new / again:.2f} |")
    if args.profile:
        for i, mode in enumerate(("buckets", "exact")):
            set_buckets(mode == "buckets")
            seconds = args.base_s + (2 * args.lengths + i) * step + 0.011
            clip = speech[: int(seconds * MODEL_RATE)]
            _profile(voice, clip, params, f"{mode}, a new length ({seconds:.3f} s)")
        _profile(voice, clip, params, f"exact, the same length again ({seconds:.3f} s)")
    set_buckets(True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
