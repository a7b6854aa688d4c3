"""Compute-device selection for the engine: list, resolve (with a user notice on fallback), describe, release.

Choices are plain strings: "auto" (first CUDA GPU, else CPU), "cpu", "cuda" or "cuda:N". A CUDA choice that
cannot be used (no CUDA build, no GPU, driver error, index out of range) falls back to "cpu" with a notice;
it never raises, so a saved setting from another machine still works.
"""

from __future__ import annotations

import functools
import gc
import logging
import os

import torch

log = logging.getLogger(__name__)

_cpu_configured = False

_CUDA_HALF = {True: torch.float16, "fp16": torch.float16, "bf16": torch.bfloat16}


@functools.cache
def cpu_bf16_supported() -> bool:
    """True when oneDNN has native bf16 kernels on this CPU (AVX512-BF16 or AMX).

    There bf16 weights make the CPU synthesizer about twice as fast as float32 (docs/benchmarks.md, "Speed")
    at ~48 dB SNR of float32; elsewhere bf16 is emulated and slower than float32.
    """
    try:
        return bool(torch.backends.mkldnn.is_available() and torch.ops.mkldnn._is_mkldnn_bf16_supported())
    except (AttributeError, RuntimeError):
        return False


def compute_dtype(device: str, half: bool | str = False) -> torch.dtype:
    """The weight dtype for a resolved `device` when the user asked for `half` precision (or not).

    half False: float32 (reference parity). On CUDA: True/"fp16" -> float16, "bf16" -> bfloat16. On the CPU:
    bfloat16 where oneDNN has native bf16 kernels (about 2x faster, ~48 dB SNR of float32), else float32,
    because emulated bf16 is slower than float32.
    """
    if not half:
        return torch.float32
    if device.startswith("cuda"):
        return _CUDA_HALF.get(half, torch.float16)
    return torch.bfloat16 if cpu_bf16_supported() else torch.float32


def configure_cpu(threads: int | None = None) -> int:
    """Flush denormals to zero and pick the intra-op thread count; returns the thread count used.

    Default: the CPUs this process may use (affinity), capped at 8, leaving one free above 4 CPUs;
    AUTOVOICE_THREADS overrides it.
    """
    global _cpu_configured
    torch.set_flush_denormal(True)
    if threads is None:
        env = os.environ.get("AUTOVOICE_THREADS", "")
        if env.isdigit() and int(env) > 0:
            threads = int(env)
        else:
            try:
                available = len(os.sched_getaffinity(0))
            except (AttributeError, OSError):
                available = os.cpu_count() or 1
            threads = min(8, available - 1 if available > 4 else available)
    threads = max(1, threads)
    if not _cpu_configured or torch.get_num_threads() != threads:
        torch.set_num_threads(threads)
    _cpu_configured = True
    return threads


def _cuda_count() -> int:
    try:
        return torch.cuda.device_count() if torch.cuda.is_available() else 0
    except Exception as exc:  # a broken driver raises from inside torch
        log.warning("CUDA is not usable: %s", exc)
        return 0


def describe_device(device: str) -> str:
    """Human-readable name: "CPU", "NVIDIA H100 80GB HBM3 (79 GB)", or the string itself if unknown."""
    if device == "auto":
        return "Auto (GPU if available)"
    if device == "cpu":
        return "CPU"
    if device.startswith("cuda"):
        index = _cuda_index(device)
        if index is not None and index < _cuda_count():
            try:
                props = torch.cuda.get_device_properties(index)
                return f"{props.name} ({props.total_memory / 1e9:.0f} GB)"
            except Exception as exc:
                log.warning("cannot query %s: %s", device, exc)
    return device


def list_compute_devices() -> list[tuple[str, str]]:
    """[(choice, label)]: "auto", "cpu", then every usable CUDA device."""
    devices = [("auto", describe_device("auto")), ("cpu", "CPU")]
    for i in range(_cuda_count()):
        devices.append((f"cuda:{i}", describe_device(f"cuda:{i}")))
    return devices


def resolve_device(choice: str) -> tuple[str, str | None]:
    """The torch device string to use for a choice, and a notice for the user when falling back to CPU."""
    choice = (choice or "auto").strip().lower()
    if choice == "cpu":
        return "cpu", None
    count = _cuda_count()
    if choice == "auto":
        return ("cuda:0", None) if count else ("cpu", None)
    if choice.startswith("cuda"):
        index = _cuda_index(choice)
        if index is None:
            return "cpu", f"unknown device '{choice}'; using the CPU"
        if count == 0:
            return "cpu", f"{choice} was requested but no usable CUDA GPU was found; using the CPU"
        if index >= count:
            return "cpu", f"{choice} was requested but only {count} CUDA GPU(s) exist; using the CPU"
        try:
            torch.zeros(1, device=f"cuda:{index}")
        except Exception as exc:
            return "cpu", f"{choice} cannot be used ({exc}); using the CPU"
        return f"cuda:{index}", None
    return "cpu", f"unknown device '{choice}'; using the CPU"


def release_memory() -> None:
    """Return cached GPU memory to the driver after a model is released (no-op on CPU).

    cuBLAS keeps a workspace per stream (about 33 MB on an H200) that outlives every model; it is dropped too
    (PyTorch recreates it on the next matrix product).
    """
    gc.collect()
    if _cuda_count() and torch.cuda.is_initialized():
        torch.cuda.synchronize()
        clear_workspaces = getattr(torch._C, "_cuda_clearCublasWorkspaces", None)
        if clear_workspaces is not None:
            clear_workspaces()
        torch.cuda.empty_cache()


def _cuda_index(device: str) -> int | None:
    if device == "cuda":
        return 0
    _, _, rest = device.partition(":")
    return int(rest) if rest.isdigit() else None
