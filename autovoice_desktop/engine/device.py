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
import threading
import time
from collections.abc import Callable
from typing import Any, Protocol, TypeVar

import numpy as np
import torch

from autovoice_desktop.core.cpus import default_threads, others_load, usable_cores

log = logging.getLogger(__name__)

_cpu_configured = False

_CUDA_HALF = {True: torch.float16, "fp16": torch.float16, "bf16": torch.bfloat16}


#: bf16 weights are used on the CPU only where a bf16 convolution measured at least this much faster than
#: float32: bf16 costs ~48 dB SNR of float32, so it has to buy real speed
BF16_MIN_SPEEDUP = 1.2


@functools.cache
def cpu_bf16_supported() -> bool:
    """True when oneDNN has native bf16 kernels on this CPU (AVX512-BF16 or AMX); else bf16 is emulated."""
    try:
        return bool(torch.backends.mkldnn.is_available() and torch.ops.mkldnn._is_mkldnn_bf16_supported())
    except (AttributeError, RuntimeError):
        return False


@functools.cache
def cpu_bf16_faster() -> bool:
    """True when bf16 runs the decoder's kind of convolution at least BF16_MIN_SPEEDUP x faster than float32
    on this CPU (measured once per process, ~0.1 s). AUTOVOICE_CPU_BF16=1 or 0 decides instead.

    Native bf16 kernels are not enough: on a 2-core AMD EPYC with AVX512-BF16 the CPU synthesizer ran about
    twice as fast in bf16, on a 2-core Intel Xeon with AVX512-BF16 but no AMX bf16 was 0.8-1.0x float32
    (docs/benchmarks.md, "2-core CPU").
    """
    forced = os.environ.get("AUTOVOICE_CPU_BF16", "").strip()
    if forced in ("0", "1"):
        return forced == "1"
    if not cpu_bf16_supported():
        return False
    speedup = _bf16_speedup()
    log.info("CPU bf16 convolution speed-up over float32: %.2fx", speedup)
    return speedup >= BF16_MIN_SPEEDUP


def _bf16_speedup(rounds: int = 4) -> float:
    """float32 time / bf16 time of one (1, 128, 1, 8192) channels-last convolution, kernel 7 (a decoder
    layer's shape); the dtypes alternate, so both see the same load, and the best round of each counts."""
    import torch.nn.functional as F  # noqa: N812 - the usual name

    x32 = torch.randn(1, 128, 1, 8192 + 6).contiguous(memory_format=torch.channels_last)
    w32 = torch.randn(128, 128, 1, 7) * 0.05
    best = {torch.float32: float("inf"), torch.bfloat16: float("inf")}
    inputs = {dtype: (x32.to(dtype), w32.to(dtype)) for dtype in best}
    with torch.inference_mode():
        for x, w in inputs.values():
            F.conv2d(x, w)  # kernel choice and weight reorder happen on the first call
        for _ in range(rounds):
            for dtype, (x, w) in inputs.items():
                started = time.perf_counter()
                F.conv2d(x, w)
                best[dtype] = min(best[dtype], time.perf_counter() - started)
    return best[torch.float32] / max(best[torch.bfloat16], 1e-9)


def compute_dtype(device: str, half: bool | str = False) -> torch.dtype:
    """The weight dtype for a resolved `device` when the user asked for `half` precision (or not).

    half False: float32 (reference parity). On CUDA: True/"fp16" -> float16, "bf16" -> bfloat16. On the CPU:
    bfloat16 where it is measured clearly faster than float32 (`cpu_bf16_faster`; ~48 dB SNR of float32),
    else float32: half precision on a CPU is only a speed option, never a quality loss for nothing.
    """
    if not half:
        return torch.float32
    if device.startswith("cuda"):
        return _CUDA_HALF.get(half, torch.float16)
    return torch.bfloat16 if cpu_bf16_faster() else torch.float32


def configure_cpu(threads: int | None = None) -> int:
    """Flush denormals to zero and pick the intra-op thread count; returns the thread count used.

    Default: the CPUs this process may use (affinity), capped at 8, leaving one free above 4 CPUs;
    AUTOVOICE_THREADS overrides it.
    """
    global _cpu_configured
    torch.set_flush_denormal(True)
    if threads is None:
        env = os.environ.get("AUTOVOICE_THREADS", "")
        threads = int(env) if env.isdigit() and int(env) > 0 else default_threads()
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


def same_device(where: torch.device, name: str | torch.device) -> bool:
    """Whether a tensor on `where` is on the device `name` ("cuda" without an index: the current CUDA device,
    as torch places a tensor made there)."""
    wanted = torch.device(name)
    if wanted.type != where.type:
        return False
    if wanted.type == "cuda" and (wanted.index is None) != (where.index is None):
        current = torch.cuda.current_device()
        return (current if wanted.index is None else wanted.index) == (
            current if where.index is None else where.index
        )
    return wanted == where


def _cuda_index(device: str) -> int | None:
    if device == "cuda":
        return 0
    _, _, rest = device.partition(":")
    return int(rest) if rest.isdigit() else None


# ---- CUDA out of memory -----------------------------------------------------------------------------------
def is_cuda_oom(exc: BaseException) -> bool:
    """True for torch.cuda.OutOfMemoryError and the RuntimeErrors cuDNN/cuBLAS raise when out of memory."""
    oom_type = getattr(torch.cuda, "OutOfMemoryError", None)
    if oom_type is not None and isinstance(exc, oom_type):
        return True
    text = str(exc)
    return isinstance(exc, RuntimeError) and ("out of memory" in text or "CUDNN_STATUS_ALLOC_FAILED" in text)


class Shrinkable(Protocol):
    """Work settings that can be made smaller after an out-of-memory error."""

    def smaller(self) -> Any:
        """Settings that need less memory, or None at the floor."""
        ...

    def describe(self) -> str:
        """A few words for the user ("8 s windows, 65536 samples per call")."""
        ...


S = TypeVar("S", bound=Shrinkable)


def run_with_oom_fallback(
    attempt: Callable[[str, S], Any],
    device: str,
    settings: S,
    cpu_settings: S,
    *,
    to_cpu: Callable[[], None] | None = None,
    notice: Callable[[str], None] | None = None,
) -> tuple[Any, str, S]:
    """Run `attempt(device, settings)`; on CUDA OOM retry with `settings.smaller()`, then on the CPU.

    Returns (result, device used, settings used). `to_cpu` moves the models to the CPU before the CPU try;
    `notice` receives one user-facing sentence per fallback. Errors other than OOM propagate unchanged.
    """
    current = settings
    while True:
        try:
            return attempt(device, current), device, current
        except Exception as exc:
            if not device.startswith("cuda") or not is_cuda_oom(exc):
                raise
            _free_cuda()
            smaller = current.smaller()
            if smaller is None:
                break
            msg = f"the GPU ran out of memory; retrying with smaller chunks ({smaller.describe()})"
            log.warning(msg)
            if notice:
                notice(msg)
            current = smaller
    msg = "the GPU ran out of memory even with small chunks; converting on the CPU instead"
    log.warning(msg)
    if notice:
        notice(msg)
    if to_cpu:
        to_cpu()
    _free_cuda()
    return attempt("cpu", cpu_settings), "cpu", cpu_settings


def _free_cuda() -> None:
    gc.collect()
    if torch.cuda.is_available():
        torch.cuda.empty_cache()


# ---- CPU threads ------------------------------------------------------------------------------------------
def load_aware_threads(max_threads: int | None = None) -> int:
    """Intra-op threads for this conversion: the usable CPUs minus the load other processes put on them.

    OpenMP threads that wait at a barrier for a descheduled sibling make a conversion many times slower on a
    busy machine (measured on 2 cores with other work: 1 thread 2.4-2.8 s, 2 threads 8-18 s for the same
    2 s of audio). The load is sampled from /proc/stat over 0.15 s without this process's own CPU time (so
    our own previous conversion does not count), cached for 5 s.
    """
    available = usable_cores()
    wanted = max(1, min(max_threads or available, available))
    load = others_load()
    if load is None:
        return wanted
    free = available - int(round(load))
    return max(1, min(wanted, free))


# ---- device to host -----------------------------------------------------------------------------------
_staging = threading.local()  # per thread: a pinned host buffer that grows to the longest copy seen


def host_copy(values: torch.Tensor) -> np.ndarray:
    """A float32 tensor (N,) as a numpy array on the host.

    From CUDA the copy goes through a pinned staging buffer of this thread (a 60 s span: 4.2 ms from the
    device to pageable memory on an H200 host), and the array returned is a view of that buffer: **valid
    until this thread's next host_copy** (copy it to keep it). From the CPU: the tensor's own memory.
    """
    if values.device.type != "cuda":
        return values.detach().numpy()
    flat = values.detach().reshape(-1)
    buffer: torch.Tensor | None = getattr(_staging, "buffer", None)
    if buffer is None or buffer.numel() < flat.numel() or buffer.dtype != flat.dtype:
        try:
            buffer = torch.empty(max(flat.numel(), 1), dtype=flat.dtype, pin_memory=True)
        except RuntimeError:  # no page-locked memory to be had: the plain (slower) copy
            return flat.cpu().numpy()
        _staging.buffer = buffer
    view = buffer[: flat.numel()]
    view.copy_(flat, non_blocking=True)
    torch.cuda.current_stream(values.device).synchronize()
    return view.numpy()
