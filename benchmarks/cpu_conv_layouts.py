"""CPU convolution layouts and dtypes for the NSF-HiFi-GAN decoder's layer shapes, in GFLOP/s.

    python -m benchmarks.cpu_conv_layouts [--threads 2]

For each (channels, kernel, dilation, length) of a 44.1 kHz default-size decoder layer: `conv1d` (B, C, N),
a height-1 `conv2d` in channels-last (B, C, 1, N) as the engine runs it (nsf_hifigan.apply_conv), the same
in bf16, and the convolution as a sum of per-tap matrix products. Shows which layout is fastest on this CPU
and whether bf16 pays here (engine.device.cpu_bf16_faster makes that choice in the app).
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

import torch
import torch.nn.functional as F  # noqa: N812 - the usual name

SHAPES = ((256, 3, 1, 22050), (256, 7, 3, 22050), (256, 11, 5, 22050), (128, 7, 1, 88200), (32, 7, 1, 352800))


def _seconds(run: Callable[[], object], repeat: int = 5) -> float:
    with torch.inference_mode():
        for _ in range(2):
            run()
        started = time.perf_counter()
        for _ in range(repeat):
            run()
        return (time.perf_counter() - started) / repeat


def measure(channels: int, kernel: int, dilation: int, length: int) -> dict[str, float]:
    """GFLOP/s of each variant for one layer shape (batch 1, `length` output samples)."""
    flops = 2.0 * channels * channels * kernel * length
    x = torch.randn(1, channels, length + (kernel - 1) * dilation)
    w = torch.randn(channels, channels, kernel) * 0.05
    planar = x.unsqueeze(2).contiguous(memory_format=torch.channels_last)
    taps = [w[:, :, j].contiguous() for j in range(kernel)]
    rows = x[0]

    def per_tap() -> torch.Tensor:
        out = torch.mm(taps[0], rows[:, :length])
        for j in range(1, kernel):
            out.addmm_(taps[j], rows[:, j * dilation : j * dilation + length])
        return out

    w2 = w.unsqueeze(2)
    planar16, w16 = planar.to(torch.bfloat16), w2.to(torch.bfloat16)
    variants = {
        "conv1d fp32": lambda: F.conv1d(x, w, dilation=dilation),
        "conv2d channels-last fp32 (engine)": lambda: F.conv2d(planar, w2, dilation=(1, dilation)),
        "conv2d channels-last bf16": lambda: F.conv2d(planar16, w16, dilation=(1, dilation)),
        "per-tap matrix products fp32": per_tap,
    }
    return {name: flops / _seconds(run) / 1e9 for name, run in variants.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    for shape in SHAPES:
        result = measure(*shape)
        cells = ", ".join(f"{name} {value:.0f}" for name, value in result.items())
        print(f"C{shape[0]} k{shape[1]} d{shape[2]} N{shape[3]}: {cells} GFLOP/s", flush=True)


if __name__ == "__main__":
    main()
