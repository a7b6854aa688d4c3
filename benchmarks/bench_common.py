"""Shared pieces of the speed benchmarks: the benchmark voice, the inputs, timing and memory probes.

The benchmark voice has the So-VITS-SVC default 44.1 kHz architecture with ContentVec 768 (the values of
so-vits-svc-fork's `so-vits-svc-4.0v1` template, as listed in shared/reference/sovits-reference.md §2.1)
and random weights: speed does not depend on the weight values. Both engines load the very same files.
"""

from __future__ import annotations

import json
import os
import resource
import threading
import time
from pathlib import Path

import numpy as np
import soundfile as sf

ROOT = Path(__file__).resolve().parents[1]
TEST_DATA = ROOT / "tests" / "data"
MODEL_RATE = 44100

BENCH_CONFIG = {
    "train": {"segment_size": 10240, "seed": 1234, "batch_size": 16, "learning_rate": 1e-4},
    "data": {
        "sampling_rate": MODEL_RATE,
        "hop_length": 512,
        "filter_length": 2048,
        "win_length": 2048,
        "n_mel_channels": 80,
        "mel_fmin": 0.0,
        "mel_fmax": 22050,
        "max_wav_value": 32768.0,
        "contentvec_final_proj": False,
    },
    "model": {
        "inter_channels": 192,
        "hidden_channels": 192,
        "filter_channels": 768,
        "n_heads": 2,
        "n_layers": 6,
        "kernel_size": 3,
        "p_dropout": 0.1,
        "resblock": "1",
        "resblock_kernel_sizes": [3, 7, 11],
        "resblock_dilation_sizes": [[1, 3, 5], [1, 3, 5], [1, 3, 5]],
        "upsample_rates": [8, 8, 2, 2, 2],
        "upsample_initial_channel": 512,
        "upsample_kernel_sizes": [16, 16, 4, 4, 4],
        "n_layers_q": 3,
        "use_spectral_norm": False,
        "gin_channels": 256,
        "ssl_dim": 768,
        "n_speakers": 200,
        "type_": "hifi-gan",
    },
    "spk": {"bench": 0},
}


def make_input(seconds: float, out_path: Path) -> Path:
    """Tile the three real test recordings (resampled to 44.1 kHz) into `seconds` of speech and singing."""
    import soxr

    pieces = []
    for name in sorted(TEST_DATA.glob("*.wav")):
        audio, rate = sf.read(name, dtype="float32", always_2d=True)
        mono = audio.mean(axis=1)
        pieces.append(soxr.resample(mono, rate, MODEL_RATE).astype(np.float32))
        pieces.append(np.zeros(MODEL_RATE // 2, dtype=np.float32))
    loop = np.concatenate(pieces)
    total = int(seconds * MODEL_RATE)
    reps = int(np.ceil(total / len(loop)))
    audio = np.tile(loop, reps)[:total]
    out_path.parent.mkdir(parents=True, exist_ok=True)
    sf.write(out_path, audio, MODEL_RATE, subtype="PCM_16")
    return out_path


def make_contentvec(folder: Path, seed: int = 1234) -> Path:
    """A random ContentVec in the HubertModel layout ("content-vec-best"), saved with save_pretrained."""
    import torch
    from transformers import HubertConfig, HubertModel

    if (folder / "config.json").exists():
        return folder
    torch.manual_seed(seed)
    model = HubertModel(HubertConfig(classifier_proj_size=256))
    model.save_pretrained(folder)
    return folder


def peak_rss_mb() -> float:
    """Peak resident set size of this process, MiB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class CpuLoadProbe:
    """Samples /proc/stat around a run: how busy the machine was (foreign load shows up here)."""

    def __init__(self) -> None:
        self._stop = threading.Event()

    @staticmethod
    def _read() -> tuple[int, int]:
        fields = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
        idle = fields[3] + fields[4]
        return sum(fields), idle

    def __enter__(self) -> CpuLoadProbe:
        self.start = self._read()
        self.t0 = time.perf_counter()
        return self

    def __exit__(self, *exc: object) -> None:
        total, idle = self._read()
        dt_total = total - self.start[0]
        self.busy_fraction = 1 - (idle - self.start[1]) / dt_total if dt_total else 0.0


def write_result(path: Path, record: dict) -> None:
    """Append one JSON record (one line) to the results file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as fh:
        fh.write(json.dumps(record) + "\n")


def machine_info() -> dict:
    """CPU model, core count, torch version and GPU name."""
    import platform

    import torch

    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    info = {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "torch": torch.__version__,
        "python": platform.python_version(),
        "torch_threads": torch.get_num_threads(),
    }
    if torch.cuda.is_available():
        info["gpu"] = torch.cuda.get_device_name(0)
    return info
