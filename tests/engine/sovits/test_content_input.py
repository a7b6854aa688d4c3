"""What the content encoder is given and what comes out: each lineage's resampler to 16 kHz and each
model's unit-to-frame mapping."""

from __future__ import annotations

import numpy as np
import pytest
import soxr
import torch

from autovoice_desktop.engine.sovits.content_input import sinc_resample, stretch_units, to_content_rate


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


def test_the_content_input_is_the_sinc_for_every_lineage() -> None:
    """Both references resample to 16 kHz with torchaudio's sinc at inference (4.1-Stable since 861df63);
    soxr HQ, what librosa does, is measurably another signal."""
    x = np.random.default_rng(2).standard_normal(8000).astype(np.float32)
    content = to_content_rate(x, 44100)
    np.testing.assert_array_equal(content, sinc_resample(x, 44100))
    assert content.size == 2903  # ceil(8000 * 16000 / 44100), torchaudio's length
    other = np.append(soxr.resample(x, 44100, 16000, "HQ"), np.float32(0))
    assert not np.allclose(content, other, atol=1e-4)


def reference_left(units: torch.Tensor, length: int) -> torch.Tensor:
    """4.1-Stable's `repeat_expand_2d_left` as its source reads (utils.py at 730930d): the test oracle."""
    count = units.shape[-1]
    out = torch.zeros(units.shape[0], length)
    bounds = torch.arange(count + 1) * length / count
    pos = 0
    for i in range(length):
        if not i < bounds[pos + 1]:
            pos += 1
        out[:, i] = units[:, pos]
    return out


UNIT_COUNTS = [1, 7, 50, 77, 126, 149, 150, 301, 1000]


@pytest.mark.parametrize("units", UNIT_COUNTS)
def test_fork_mapping(units: int) -> None:
    src = torch.arange(units, dtype=torch.float32)[None, None]
    for length in range(1, 1800, 7):
        got = stretch_units(src, length, "fork")
        if length <= units:
            expected = src[..., :length]  # the fork keeps the first `length` units
        else:
            expected = torch.nn.functional.interpolate(src, size=length, mode="nearest")
        assert torch.equal(got, expected), (length, units)


@pytest.mark.parametrize("units", UNIT_COUNTS)
def test_left_mapping_is_41s_loop(units: int) -> None:
    src = torch.arange(units, dtype=torch.float32)[None]
    for length in [*range(1, 400, 3), *range(units - 2, units + 3), 1717, 1720]:
        if length < 1:
            continue
        got = stretch_units(src[None], length, "left")[0]
        assert torch.equal(got, reference_left(src, length)), (length, units)


@pytest.mark.parametrize("mode", ["nearest", "linear", "area", "nearest-exact"])
def test_41_interpolate_modes_are_torchs(mode: str) -> None:
    units = torch.randn(2, 5, 77)
    for length in (77, 132, 154, 216, 1000):
        expected = torch.nn.functional.interpolate(units, size=length, mode=mode)
        assert torch.equal(stretch_units(units, length, mode), expected)


def test_nearest_is_not_left() -> None:
    """4.1's config template says "nearest": its float32 index differs from "left" on some frames (77 units
    on 132 frames: frame 108), so a model must get its own config's mapping."""
    src = torch.arange(77, dtype=torch.float32)[None, None]
    nearest, left = stretch_units(src, 132, "nearest"), stretch_units(src, 132, "left")
    assert torch.nonzero(nearest != left)[:, 2].tolist() == [108]


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
