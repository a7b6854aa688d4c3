"""Compute-device choice: listing, CPU fallback with a notice, descriptions, CPU set-up."""

from __future__ import annotations

from unittest import mock

import torch

from autovoice_desktop.engine import device


def test_list_starts_with_auto_and_cpu() -> None:
    choices = device.list_compute_devices()
    assert choices[:2] == [("auto", "Auto (GPU if available)"), ("cpu", "CPU")]
    assert all(key.startswith("cuda:") for key, _ in choices[2:])


def test_cpu_and_auto_without_gpu() -> None:
    with mock.patch("torch.cuda.is_available", return_value=False):
        assert device.resolve_device("cpu") == ("cpu", None)
        assert device.resolve_device("auto") == ("cpu", None)
        assert device.resolve_device("") == ("cpu", None)
        for choice in ("cuda", "cuda:0", "CUDA:1"):
            resolved, notice = device.resolve_device(choice)
            assert resolved == "cpu" and notice and "no usable CUDA GPU" in notice
        assert device.list_compute_devices() == [("auto", "Auto (GPU if available)"), ("cpu", "CPU")]


def test_unknown_choice_falls_back_with_notice() -> None:
    resolved, notice = device.resolve_device("tpu:3")
    assert resolved == "cpu" and "unknown device 'tpu:3'" in (notice or "")


def test_broken_or_missing_gpu_falls_back() -> None:
    with (
        mock.patch("torch.cuda.is_available", return_value=True),
        mock.patch("torch.cuda.device_count", return_value=1),
    ):
        assert device.resolve_device("auto") == ("cuda:0", None)
        resolved, notice = device.resolve_device("cuda:2")
        assert resolved == "cpu" and "only 1 CUDA GPU" in (notice or "")
        with mock.patch("torch.zeros", side_effect=RuntimeError("CUDA error: no kernel image")):
            resolved, notice = device.resolve_device("cuda:0")
        assert resolved == "cpu" and "no kernel image" in (notice or "")
    with mock.patch("torch.cuda.is_available", side_effect=RuntimeError("driver too old")):
        resolved, notice = device.resolve_device("cuda")
        assert resolved == "cpu" and "no usable CUDA GPU" in (notice or "")


def test_describe_device() -> None:
    assert device.describe_device("cpu") == "CPU"
    assert device.describe_device("auto").startswith("Auto")
    with mock.patch("torch.cuda.is_available", return_value=False):
        assert device.describe_device("cuda:0") == "cuda:0"


def test_configure_cpu_sets_threads_and_flush(monkeypatch: object) -> None:
    before = torch.get_num_threads()
    try:
        assert device.configure_cpu(1) == 1 and torch.get_num_threads() == 1
        assert device.configure_cpu() >= 1
    finally:
        torch.set_num_threads(before)
    device.release_memory()


def _fresh_bf16_choice() -> None:
    device.cpu_bf16_faster.cache_clear()


def test_cpu_half_is_bf16_only_where_bf16_measured_faster(monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.delenv("AUTOVOICE_CPU_BF16", raising=False)
    monkeypatch.setattr(device, "cpu_bf16_supported", lambda: True)
    try:
        for speedup, expected in ((2.0, torch.bfloat16), (1.0, torch.float32), (0.8, torch.float32)):
            _fresh_bf16_choice()
            monkeypatch.setattr(device, "_bf16_speedup", lambda s=speedup: s)
            assert device.compute_dtype("cpu", True) == expected, speedup
            assert device.compute_dtype("cpu", False) == torch.float32  # half off: always float32
        _fresh_bf16_choice()
        monkeypatch.setattr(device, "cpu_bf16_supported", lambda: False)  # emulated bf16: never measured
        monkeypatch.setattr(device, "_bf16_speedup", mock.Mock(side_effect=AssertionError("measured")))
        assert device.compute_dtype("cpu", True) == torch.float32
    finally:
        _fresh_bf16_choice()


def test_cpu_bf16_choice_can_be_forced(monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.setattr(device, "_bf16_speedup", mock.Mock(side_effect=AssertionError("measured")))
    try:
        for value, expected in (("1", torch.bfloat16), ("0", torch.float32)):
            _fresh_bf16_choice()
            monkeypatch.setenv("AUTOVOICE_CPU_BF16", value)
            assert device.compute_dtype("cpu", True) == expected
    finally:
        _fresh_bf16_choice()


def test_bf16_speedup_is_measured_on_real_convolutions() -> None:
    speedup = device._bf16_speedup(rounds=1)
    assert 0.01 < speedup < 100.0  # a real ratio of two timings, whatever this CPU's bf16 support


def test_host_copy_gives_the_values_on_the_host() -> None:
    """host_copy (the pipeline's device-to-host step): a CPU tensor comes back as its own values. The CUDA
    path (pinned staging buffer) is checked on the device machine by benchmarks/graph_check.py."""
    import numpy as np
    import torch

    from autovoice_desktop.engine.device import host_copy

    values = torch.linspace(-1.0, 1.0, 1001)
    assert np.array_equal(host_copy(values), values.numpy())
    with torch.inference_mode():
        made = values * 2
    assert np.array_equal(host_copy(made), values.numpy() * 2)


def test_host_copy_without_page_locked_memory_falls_back_to_a_plain_copy(monkeypatch) -> None:  # noqa: ANN001
    """From a GPU tensor (faked: a CPU tensor that reports device cuda), when no pinned buffer can be had,
    host_copy still returns the values, through a plain copy, and keeps no buffer."""
    import numpy as np
    import torch

    from autovoice_desktop.engine import device

    class FromGpu:
        device = torch.device("cuda")

        def __init__(self, values: torch.Tensor) -> None:
            self.values = values

        def detach(self) -> torch.Tensor:
            return self.values

    real_empty = torch.empty

    def no_pinned(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        if kwargs.get("pin_memory"):
            raise RuntimeError("CUDA error: out of memory (cudaHostAlloc)")
        return real_empty(*args, **kwargs)

    monkeypatch.setattr(torch, "empty", no_pinned)
    monkeypatch.setattr(device._staging, "buffer", None, raising=False)
    values = torch.linspace(-1.0, 1.0, 257)
    assert np.array_equal(device.host_copy(FromGpu(values)), values.numpy())
    assert device._staging.buffer is None


def test_same_device_reads_a_bare_cuda_as_the_current_device(monkeypatch) -> None:  # noqa: ANN001
    """The F0 device may be named "cuda" while the content input sits on "cuda:0" (shared_fcpe_input)."""
    monkeypatch.setattr(torch.cuda, "current_device", lambda: 1)
    cuda0, cuda1 = torch.device("cuda", 0), torch.device("cuda", 1)
    assert device.same_device(cuda1, "cuda") and device.same_device(cuda1, "cuda:1")
    assert not device.same_device(cuda0, "cuda") and not device.same_device(cuda0, "cuda:1")
    assert device.same_device(torch.device("cuda"), "cuda:1") and device.same_device(cuda0, cuda0)
    cpu = torch.device("cpu")
    assert device.same_device(cpu, "cpu") and not device.same_device(cpu, "cuda")
    assert not device.same_device(cuda0, "cpu")
