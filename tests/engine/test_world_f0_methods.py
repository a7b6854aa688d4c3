"""The built-in voice's F0 methods on a voice without its fundamental (as Piper's TTS voices nearly are)."""

from __future__ import annotations

import numpy as np
import pytest

from autovoice_desktop.engine import world_dsp

RATE = 22050


def _missing_fundamental(f0: float, seconds: float = 1.0) -> np.ndarray:
    """Harmonics 2-12 of f0 with a slow vibrato, no energy at f0 itself."""
    t = np.arange(round(seconds * RATE)) / RATE
    phase = 2 * np.pi * np.cumsum(f0 * (1 + 0.02 * np.sin(2 * np.pi * 3 * t))) / RATE
    tone = sum(np.sin(k * phase) / k for k in range(2, 13))
    return (0.5 * tone / np.max(np.abs(tone))).astype(np.float32)


def test_nccf_follows_a_voice_whose_fundamental_is_missing_and_is_not_cross_checked() -> None:
    x = _missing_fundamental(95.0)
    f0 = world_dsp.estimate_f0(x, RATE, "nccf")
    assert len(f0) == len(world_dsp._raw_f0(x.astype(np.float64), RATE, "dio"))  # WORLD's frame grid
    middle = f0[20:-20]
    assert np.mean(middle > 0) > 0.9
    # the vibrato moves F0 by ±2 %: every voiced frame within 4 % (68 cents) of 95 Hz
    cents = 1200 * np.abs(np.log2(middle[middle > 0] / 95.0))
    assert np.max(cents) < 68


def test_an_unknown_f0_method_is_refused() -> None:
    with pytest.raises(ValueError, match="nccf"):
        world_dsp.estimate_f0(np.zeros(RATE, np.float32), RATE, "crepe")
