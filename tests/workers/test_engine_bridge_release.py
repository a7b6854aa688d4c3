"""EngineBridge.release / release_gpu: what the Unload action and the idle release do to the cached voice."""

from __future__ import annotations

from unittest import mock

from autovoice_desktop.workers import engine_bridge
from autovoice_desktop.workers.engine_bridge import EngineBridge


class _Voice:
    def __init__(self) -> None:
        self.released = 0

    def release(self) -> None:
        self.released += 1


def _bridge_with_voice() -> tuple[EngineBridge, _Voice]:
    bridge, voice = EngineBridge(), _Voice()
    bridge._voice, bridge._voice_key = voice, ("sovits/x", "auto")
    return bridge, voice


def test_idle_release_keeps_a_voice_that_holds_no_gpu_memory() -> None:
    bridge, voice = _bridge_with_voice()
    with mock.patch.object(engine_bridge, "_cuda_memory_held", return_value=False):
        assert bridge.release_gpu() is False
    assert voice.released == 0 and bridge._voice is voice  # CPU voice: reloading would only cost time


def test_idle_release_frees_a_voice_on_the_gpu_and_unload_frees_any() -> None:
    bridge, voice = _bridge_with_voice()
    with mock.patch.object(engine_bridge, "_cuda_memory_held", return_value=True):
        assert bridge.release_gpu() is True
    assert voice.released == 1 and bridge._voice is None
    assert bridge.release() is False  # nothing loaded any more
    bridge, voice = _bridge_with_voice()
    assert bridge.release() is True and voice.released == 1


def test_cuda_memory_check_never_initialises_cuda() -> None:
    import torch

    with (
        mock.patch.object(torch.cuda, "is_available", return_value=True),
        mock.patch.object(torch.cuda, "is_initialized", return_value=False),
        mock.patch.object(torch.cuda, "memory_reserved", side_effect=AssertionError("initialised CUDA")),
    ):
        assert engine_bridge._cuda_memory_held() is False
    with (
        mock.patch.object(torch.cuda, "is_available", return_value=True),
        mock.patch.object(torch.cuda, "is_initialized", return_value=True),
        mock.patch.object(torch.cuda, "device_count", return_value=1),
        mock.patch.object(torch.cuda, "memory_reserved", return_value=2 << 20),
    ):
        assert engine_bridge._cuda_memory_held() is True
