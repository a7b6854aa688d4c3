"""The 16 kHz content input is FCPE's input too (pipeline.shared_fcpe_input): same F0."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import soundfile as sf
import torch

from autovoice_desktop.engine import pitch
from autovoice_desktop.engine.sovits.content_input import content_input_on
from autovoice_desktop.engine.sovits.pipeline import PipelineOptions, shared_fcpe_input

CLIP = Path(__file__).resolve().parents[1] / "data" / "speech_en_f_librispeech-1995-1837-0001.wav"
SR, HOP = 44100, 512


def _clip() -> np.ndarray:
    import soxr

    audio, rate = sf.read(CLIP, dtype="float32")
    return soxr.resample(audio[: rate * 3], rate, SR).astype(np.float32)


def test_the_content_input_is_fcpes_input() -> None:
    """The premise: content_input_on and FCPE's own input are the same 16 kHz samples."""
    audio = _clip()
    content = np.asarray(content_input_on(audio, SR, torch.device("cpu")))
    fcpe = pitch._fcpe_input(audio, SR, "cpu")[0, :, 0].numpy()
    assert content.shape == fcpe.shape
    assert np.array_equal(content, fcpe)


def test_fcpe_given_the_shared_input_finds_the_same_f0() -> None:
    audio = _clip()
    n_frames = audio.size // HOP
    own = pitch.raw_f0(audio, SR, HOP, n_frames, "fcpe", "cpu")
    given = torch.from_numpy(np.asarray(content_input_on(audio, SR, torch.device("cpu"))))
    shared = pitch.raw_f0(audio, SR, HOP, n_frames, "fcpe", "cpu", fcpe_input=given)
    assert np.array_equal(own, shared)
    assert (own > 0).mean() > 0.3  # speech: mostly voiced frames, so the comparison means something


def test_shared_only_for_fcpe_with_the_input_on_the_f0_device() -> None:
    on_cpu = torch.zeros(16000)
    fcpe = PipelineOptions(f0_method="fcpe", f0_device="cpu")
    assert shared_fcpe_input(on_cpu, fcpe) is on_cpu
    assert shared_fcpe_input(on_cpu, PipelineOptions(f0_method="dio")) is None
    assert shared_fcpe_input(on_cpu.numpy(), fcpe) is None  # host arrays: FCPE makes its own
    assert shared_fcpe_input(on_cpu, PipelineOptions(f0_method="fcpe", f0_device="meta")) is None
