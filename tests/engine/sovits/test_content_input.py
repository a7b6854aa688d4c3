"""What the content encoder is given: each lineage's resampler to 16 kHz and unit-to-frame stretch."""

from __future__ import annotations

import numpy as np
import pytest
import soxr
import torch

from autovoice_desktop.engine.sovits.content_input import sinc_resample, to_content_rate, unit_index


@pytest.mark.parametrize(("sr", "n"), [(44100, 44100), (44100, 1331), (48000, 24007), (32000, 999)])
def test_sinc_resample_length_and_a_clean_tone(sr: int, n: int) -> None:
    t = np.arange(n) / sr
    out = sinc_resample((0.5 * np.sin(2 * np.pi * 440 * t)).astype(np.float32), sr)
    assert out.dtype == np.float32 and out.size == int(np.ceil(n * 16000 / sr))
    t16 = np.arange(out.size) / 16000
    inner = slice(40, out.size - 40)  # away from the zero padding at the ends
    err = out[inner] - 0.5 * np.sin(2 * np.pi * 440 * t16[inner])
    assert np.sqrt(np.mean(err**2)) < 1e-3 * 0.5


def test_sinc_resample_removes_what_16k_cannot_hold() -> None:
    t = np.arange(44100) / 44100
    out = sinc_resample((0.5 * np.sin(2 * np.pi * 12000 * t)).astype(np.float32), 44100)
    assert np.max(np.abs(out[40:-40])) < 1e-3


def test_blocks_equal_one_convolution(monkeypatch: pytest.MonkeyPatch) -> None:
    import autovoice_desktop.engine.sovits.content_input as ci

    x = np.random.default_rng(1).standard_normal(30000).astype(np.float32)
    whole = sinc_resample(x, 44100)
    monkeypatch.setattr(ci, "_CHUNK_FRAMES", 7)
    np.testing.assert_allclose(sinc_resample(x, 44100), whole, atol=1e-6)


def test_each_lineage_has_its_resampler() -> None:
    x = np.random.default_rng(2).standard_normal(8000).astype(np.float32)
    b = to_content_rate(x, 44100, "4.1")  # soxr HQ (2902 samples) padded to the ceil length, as librosa
    np.testing.assert_array_equal(b, np.append(soxr.resample(x, 44100, 16000, "HQ"), np.float32(0)))
    a = to_content_rate(x, 44100, "4.0")
    np.testing.assert_array_equal(a, sinc_resample(x, 44100))
    assert a.size == b.size == 2903
    assert not np.allclose(a, b, atol=1e-4)


@pytest.mark.parametrize("units", [1, 7, 50, 149, 150, 301])
def test_unit_index(units: int) -> None:
    for length in range(1, 700, 3):
        got = unit_index(length, units, "4.0")
        if length <= units:
            expected = torch.arange(length)  # the fork keeps the first `length` units
        else:
            src = torch.arange(units, dtype=torch.float32)[None, None]
            expected = torch.nn.functional.interpolate(src, size=length, mode="nearest")[0, 0].long()
        assert torch.equal(got, expected), (length, units)
        assert torch.equal(unit_index(length, units, "4.1"), torch.arange(length) * units // length)


def test_matrix_product_form_equals_the_convolution() -> None:
    """The form `sinc_resample_tensor` uses off the CPU (strided frames @ kernel) gives the CPU's samples."""
    import math

    import autovoice_desktop.engine.sovits.content_input as ci

    x = np.random.default_rng(3).standard_normal(70001).astype(np.float32)
    kernel, width = ci._sinc_kernel(441, 160)
    padded = torch.nn.functional.pad(torch.from_numpy(x), (width, width + 441))
    frames = (padded.numel() - kernel.shape[2]) // 441 + 1
    got = ci._frames_times_kernel(padded, kernel, 441, frames)[: math.ceil(160 * x.size / 441)]
    np.testing.assert_allclose(got.numpy(), sinc_resample(x, 44100), atol=2e-6)
