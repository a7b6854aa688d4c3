"""The pitch editor's tools as pure functions: each changes the span only, in the way its name says."""

from __future__ import annotations

import numpy as np
import pytest

from autovoice_desktop.gui.pitch_editor import curve_ops

TIMES = np.arange(200) * 0.01
SPAN = (TIMES >= 0.5) & (TIMES < 1.5)


def _curve() -> np.ndarray:
    vibrato = 0.5 * np.sin(2 * np.pi * 6 * TIMES)  # ±50 cents at 6 Hz around A3 (57)
    hz = curve_ops.to_hz(57.0 + vibrato + 0.2)
    hz[(TIMES >= 1.0) & (TIMES < 1.1)] = 0.0
    return hz


def test_shift_moves_voiced_span_frames_only() -> None:
    f0 = _curve()
    out = curve_ops.shift(f0, SPAN, 7)
    voiced = SPAN & (f0 > 0)
    np.testing.assert_allclose(out[voiced], f0[voiced] * 2 ** (7 / 12))
    np.testing.assert_array_equal(out[~SPAN], f0[~SPAN])
    assert np.all(out[SPAN & (f0 == 0)] == 0)
    np.testing.assert_allclose(curve_ops.shift(f0, SPAN, 12)[voiced], 2 * f0[voiced])


@pytest.mark.parametrize(
    ("key", "scale", "allowed"),
    [
        ("C", "major", {0, 2, 4, 5, 7, 9, 11}),
        ("A", "minor", {9, 11, 0, 2, 4, 5, 7}),
        ("D", "major", {2, 4, 6, 7, 9, 11, 1}),
    ],
)
def test_snap_lands_on_the_nearest_scale_note(key: str, scale: str, allowed: set[int]) -> None:
    f0 = curve_ops.to_hz(np.linspace(50, 70, 200))
    out = curve_ops.snap(f0, SPAN, key, scale)
    midi = curve_ops.to_midi(out[SPAN])
    np.testing.assert_allclose(midi, np.round(midi), atol=1e-9)
    assert {int(round(m)) % 12 for m in midi} <= allowed
    assert np.max(np.abs(midi - curve_ops.to_midi(f0[SPAN]))) <= 1.0
    np.testing.assert_array_equal(out[~SPAN], f0[~SPAN])


def test_flatten_and_vibrato_reduce_the_wobble_by_the_percentage() -> None:
    f0 = _curve()
    run = (TIMES >= 0.5) & (TIMES < 1.0)
    spread = np.std(curve_ops.to_midi(f0[run]))
    flat = curve_ops.flatten(f0, SPAN, 100)
    assert np.std(curve_ops.to_midi(flat[run])) < 1e-9
    half = curve_ops.flatten(f0, SPAN, 50)
    assert np.std(curve_ops.to_midi(half[run])) == pytest.approx(spread / 2, rel=1e-6)
    calm = curve_ops.reduce_vibrato(f0, SPAN, 100, 0.01)
    inner = (TIMES >= 0.65) & (TIMES < 0.85)
    assert np.std(curve_ops.to_midi(calm[inner])) < 0.25 * np.std(curve_ops.to_midi(f0[inner]))
    for out in (flat, half, calm):
        np.testing.assert_array_equal(out[~SPAN], f0[~SPAN])
        assert np.all(out[f0 == 0] == 0)


def test_voiced_unvoiced_reset_and_draw() -> None:
    detected = _curve()
    silent = curve_ops.set_voiced(detected, detected, SPAN, False)
    assert np.all(silent[SPAN] == 0) and np.array_equal(silent[~SPAN], detected[~SPAN])
    back = curve_ops.set_voiced(silent, detected, SPAN, True)
    gap = (TIMES >= 1.0) & (TIMES < 1.1)
    assert np.all(back[SPAN] > 0)  # the detected gap is filled by interpolation
    np.testing.assert_allclose(back[SPAN & ~gap], detected[SPAN & ~gap])
    np.testing.assert_array_equal(curve_ops.reset(silent, detected, SPAN), detected)
    drawn = curve_ops.draw(detected, TIMES, [(0.6, 60.0), (0.8, 64.0)])
    inside = (TIMES >= 0.6) & (TIMES <= 0.8)
    np.testing.assert_allclose(
        curve_ops.to_midi(drawn[inside]), 60 + 4 * (TIMES[inside] - 0.6) / 0.2, atol=1e-9
    )
    np.testing.assert_array_equal(drawn[~inside], detected[~inside])


def test_short_runs_are_smoothed_without_error() -> None:
    f0 = curve_ops.to_hz(57 + 0.5 * np.sin(np.arange(200)))
    f0[np.arange(200) % 30 >= 8] = 0.0  # voiced runs of 8 frames, shorter than the 20-frame window
    out = curve_ops.reduce_vibrato(f0, SPAN, 100, 0.01)
    assert out.shape == f0.shape and np.all((out > 0) == (f0 > 0))
