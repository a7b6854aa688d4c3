"""Compute faults with a So-VITS-SVC voice, end to end through the CLI and the scripting API.

The voice is the corpus' tiny random-weight model; the content encoder is a tiny random ContentVec saved in
the real content-vec-best layout and registered as the user's own download (no network). "No CUDA" and "a CUDA
error at start" are simulated on the CPU machine by patching what torch reports; the GPU machine's real
CUDA rows (out-of-memory fallback, memory released after cancel) are measured there (docs/reliability.md).
"""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pytest
import torch

from autovoice_desktop.core.errors import ConversionCancelled
from autovoice_desktop.core.types import ConversionParams
from autovoice_desktop.engine import device as device_module
from autovoice_desktop.engine.download import register_local_weights
from autovoice_desktop.engine.voices import import_voice, load_voice
from tests.engine.content_helpers import save_content_vec_best, tiny_reference
from tests.reliability.corpus import tone, write_wav
from tests.reliability.helpers import assert_clean_failure, run_cli
from tests.reliability.model_corpus import good_voice, tiny_config, write_config


@pytest.fixture
def sovits_voice(tmp_path: Path) -> str:
    """Import the tiny voice and register a tiny 256-dim content encoder; returns the voice id."""
    model, proj = tiny_reference(proj_dim=256)
    register_local_weights(save_content_vec_best(tmp_path / "content-vec-best", model, proj))
    return import_voice(good_voice(tmp_path / "src", "tiny")).voice_id


def _convert(tmp_path: Path, voice: str, *extra: str) -> list[str]:
    source = write_wav(tmp_path / "in.wav", tone(1.0))
    return ["convert", str(source), "--voice", voice, "-o", str(tmp_path / "out" / "o.wav"), *extra]


def test_sovits_conversion_works_on_cpu(
    sovits_voice: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Baseline for the rows below: the tiny voice converts through the CLI on the CPU."""
    result = run_cli(_convert(tmp_path, sovits_voice, "--device", "cpu"), capsys)
    assert result.code == 0, result.err
    assert (tmp_path / "out" / "o.wav").is_file()


def test_no_cuda_falls_back_to_cpu_with_a_notice(
    sovits_voice: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """--device cuda on a machine without CUDA: converted on the CPU, and the user is told so."""
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    result = run_cli(_convert(tmp_path, sovits_voice, "--device", "cuda"), capsys)
    assert result.code == 0, result.err
    assert "using the CPU" in result.err
    assert (tmp_path / "out" / "o.wav").is_file()


def test_cuda_error_at_start_falls_back_to_cpu_with_a_notice(
    sovits_voice: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """CUDA reports a GPU but the first allocation fails (driver error): CPU, with the error in the notice."""
    monkeypatch.setattr(device_module, "_cuda_count", lambda: 1)
    real_zeros = torch.zeros

    def zeros(*args: object, **kwargs: object) -> torch.Tensor:
        if str(kwargs.get("device", "")).startswith("cuda"):
            raise RuntimeError("CUDA error: initialization error")
        return real_zeros(*args, **kwargs)  # type: ignore[call-overload]

    monkeypatch.setattr(torch, "zeros", zeros)
    result = run_cli(_convert(tmp_path, sovits_voice, "--device", "cuda:0"), capsys)
    assert result.code == 0, result.err
    assert "initialization error" in result.err and "using the CPU" in result.err


def test_encoder_dim_mismatch_is_caught_before_any_audio_work(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A 768-dim (vec768l12) voice with the 32-dim tiny encoder's layer 12: exit 5 naming ssl_dim."""
    model, proj = tiny_reference(proj_dim=256)
    register_local_weights(save_content_vec_best(tmp_path / "content-vec-best", model, proj))
    config = tiny_config()
    config["model"].update(ssl_dim=768, speech_encoder="vec768l12")
    from tests.reliability.model_corpus import save_reference_checkpoint, tiny_state_dict

    voice = tmp_path / "src" / "wide"
    voice.mkdir(parents=True)
    write_config(voice, config)
    save_reference_checkpoint(voice / "G_10.pth", tiny_state_dict(config))
    voice_id = import_voice(voice).voice_id
    result = run_cli(_convert(tmp_path, voice_id, "--device", "cpu"), capsys)
    assert_clean_failure(result, 5, "ssl_dim")
    assert not (tmp_path / "out" / "o.wav").exists()


@pytest.mark.parametrize("stage", ["Pitch", "Content", "Synthesis"])
def test_cancel_in_any_stage_leaves_the_voice_usable(sovits_voice: str, stage: str) -> None:
    """Cancel when a stage begins; the same loaded voice then converts again, and again after release()."""
    voice = load_voice(sovits_voice, device="cpu")
    audio = tone(1.0)
    cancel = threading.Event()
    stages: list[str] = []

    def progress(_fraction: float, name: str) -> None:
        stages.append(name)
        if name == stage:
            cancel.set()

    with pytest.raises(ConversionCancelled):
        voice.convert(audio, 16000, ConversionParams(device="cpu"), progress=progress, cancel=cancel)
    assert stage in stages
    result = voice.convert(audio, 16000, ConversionParams(device="cpu"))
    assert np.isfinite(result.audio).all() and abs(result.duration - 1.0) < 0.05
    voice.release()
    again = voice.convert(audio, 16000, ConversionParams(device="cpu"))
    assert len(again.audio) == len(result.audio)


def test_cuda_oom_fallback_logic_simulated() -> None:
    """Simulated CUDA OOM (no GPU here): smaller chunks first, then the CPU, each step with a notice.

    The real run with a limited memory fraction is H7's GPU check (benchmarks/gpu_checks.py, "oom").
    """
    from autovoice_desktop.engine.device import run_with_oom_fallback
    from autovoice_desktop.engine.sovits.windowed import WindowSettings

    tried: list[tuple[str, int]] = []
    notices: list[str] = []
    moved = []

    def attempt(device: str, settings: WindowSettings) -> str:
        tried.append((device, settings.max_batch_samples))
        if device.startswith("cuda"):
            raise torch.cuda.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB")
        return "converted"

    result, used, _settings = run_with_oom_fallback(
        attempt, "cuda:0", WindowSettings.for_device("cuda:0"), WindowSettings.for_device("cpu"),
        to_cpu=lambda: moved.append(True), notice=notices.append,
    )  # fmt: skip
    assert (result, used) == ("converted", "cpu")
    cuda_sizes = [size for device, size in tried if device.startswith("cuda")]
    assert len(cuda_sizes) >= 2 and cuda_sizes == sorted(cuda_sizes, reverse=True)
    assert moved == [True]
    assert any("smaller chunks" in n for n in notices) and "on the CPU" in notices[-1]


def test_non_oom_errors_are_not_swallowed_by_the_fallback() -> None:
    """Only out-of-memory triggers the fallback; any other CUDA error reaches the user unchanged."""
    from autovoice_desktop.engine.device import run_with_oom_fallback
    from autovoice_desktop.engine.sovits.windowed import WindowSettings

    def attempt(device: str, settings: WindowSettings) -> str:
        raise RuntimeError("CUDA error: an illegal memory access was encountered")

    with pytest.raises(RuntimeError, match="illegal memory access"):
        run_with_oom_fallback(attempt, "cuda:0", WindowSettings(), WindowSettings.for_device("cpu"))
