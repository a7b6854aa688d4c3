"""Pitch-curve CSV files: round trip, and every malformed file refused with one line naming the line."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from autovoice_desktop.core.errors import OutputExistsError
from autovoice_desktop.engine.f0_csv import (
    CurveFileError,
    curve_from_arrays,
    format_curve,
    parse_curve,
    read_curve,
    write_curve,
)


def test_round_trip_keeps_times_and_hz(tmp_path: Path) -> None:
    times = np.arange(300) * 512 / 44100  # a So-VITS-SVC grid: times that are not round numbers
    hz = np.where(np.arange(300) % 50 < 10, 0.0, 110.0 * 2 ** (np.arange(300) / 97.0))
    path = write_curve(tmp_path / "c.csv", curve_from_arrays(times, hz))
    back = read_curve(path)
    assert path.read_text().splitlines()[0] == "time_s,f0_hz"
    np.testing.assert_allclose(back.times_s, times, rtol=0, atol=1e-9)
    np.testing.assert_allclose(back.f0_hz, hz, rtol=1e-11)
    assert [h == 0 for h in back.f0_hz] == list(hz == 0)


def test_write_refuses_to_replace_without_overwrite(tmp_path: Path) -> None:
    path = tmp_path / "c.csv"
    path.write_text("keep me")
    with pytest.raises(OutputExistsError):
        write_curve(path, curve_from_arrays(np.zeros(1), np.zeros(1)))
    assert path.read_text() == "keep me"
    write_curve(path, curve_from_arrays(np.zeros(1), np.zeros(1)), overwrite=True)
    assert read_curve(path).times_s == (0.0,)


def test_blank_lines_spaces_and_a_bom_are_accepted() -> None:
    curve = parse_curve("\ufefftime_s, f0_hz\n0.0, 0\n\n0.01 ,220.5\n")
    assert curve.times_s == (0.0, 0.01) and curve.f0_hz == (0.0, 220.5)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "c.csv: the file is empty"),
        ("\n  \n", "c.csv: the file is empty"),
        ("time_s,f0_hz\n", "c.csv: the file has a header but no frames"),
        ("time,hz\n0,100\n", "c.csv:1: the header is"),
        ("time_s,f0_hz\n0.0,100\n0.01,abc\n", "c.csv:3: F0 'abc' is not a number"),
        ("time_s,f0_hz\n0.0,100\nx,100\n", "c.csv:3: time 'x' is not a number"),
        ("time_s,f0_hz\n0.0,nan\n", "c.csv:2: F0 'nan' is not a finite number"),
        ("time_s,f0_hz\n0.0,100\n0.02,100\n0.01,100\n", "c.csv:4: time 0.01 s is not after the previous"),
        ("time_s,f0_hz\n0.0,100\n0.0,100\n", "c.csv:3: time 0 s is not after the previous"),
        ("time_s,f0_hz\n0.0,-5\n", "c.csv:2: F0 -5 Hz is negative"),
        ("time_s,f0_hz\n0.0,100\n0.01,44100\n", "c.csv:3: F0 44100 Hz is above 4000 Hz"),
        ("time_s,f0_hz\n-0.01,100\n", "c.csv:2: time -0.01 s is negative"),
        ("time_s,f0_hz\n0.0,100,3\n", "c.csv:2: expected 2 values"),
    ],
)
def test_malformed_files_name_the_line(tmp_path: Path, text: str, expected: str) -> None:
    path = tmp_path / "c.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CurveFileError) as caught:
        read_curve(path)
    message = caught.value.user_message()
    assert expected in message.replace(str(tmp_path) + "/", "")
    assert "\n" not in message and caught.value.exit_code == 2


def test_missing_and_binary_files_are_refused(tmp_path: Path) -> None:
    with pytest.raises(CurveFileError, match="no such file"):
        read_curve(tmp_path / "nope.csv")
    (tmp_path / "b.csv").write_bytes(b"\xff\xfe\x00\x81")
    with pytest.raises(CurveFileError, match="cannot be read"):
        read_curve(tmp_path / "b.csv")


def test_format_has_one_row_per_frame() -> None:
    text = format_curve(curve_from_arrays(np.array([0.0, 0.005]), np.array([0.0, 220.0])))
    assert text == "time_s,f0_hz\n0.000000000,0\n0.005000000,220\n"
