"""`autovoice pitch` and `autovoice convert --f0-curve`: identity, a +7 semitone edit measured by Praat, and
malformed curves refused with exit code 2."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import parselmouth
import pytest
import soundfile as sf

from autovoice_desktop.app.cli import main
from autovoice_desktop.engine.f0_csv import curve_from_arrays, read_curve, write_curve
from tests.conftest import SINGING_MALE

VOICE = "Pitch & Formant"
EDIT_SEMITONES = 7.0


@pytest.fixture(scope="module")
def excerpt(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """4 s of the sung recording (keeps the test short on a 2-core machine)."""
    audio, rate = sf.read(SINGING_MALE, dtype="float32")
    path = tmp_path_factory.mktemp("pitch") / "sung.wav"
    sf.write(path, audio[rate : 5 * rate], rate)
    return path


def _praat_f0(audio: np.ndarray, rate: int) -> tuple[np.ndarray, np.ndarray]:
    """(times, Hz with NaN where Praat hears no pitch) at 10 ms."""
    pitch = parselmouth.Sound(audio.astype(np.float64), rate).to_pitch(
        time_step=0.01, pitch_floor=60, pitch_ceiling=1100
    )
    hz = pitch.selected_array["frequency"]
    return pitch.xs(), np.where(hz > 0, hz, np.nan)


def _voiced_span(times: np.ndarray, hz: np.ndarray, length: float) -> tuple[float, float]:
    """The `length`-second span (starting between 0.5 s and the end - 1 s) with the most voiced frames."""
    best, start = -1, 0.5
    for candidate in np.arange(0.5, times[-1] - length - 0.5, 0.05):
        inside = (times >= candidate) & (times < candidate + length)
        if (count := int(np.sum(hz[inside] > 0))) > best:
            best, start = count, float(candidate)
    return start, start + length


def test_unedited_curve_converts_like_no_curve(excerpt: Path, tmp_path: Path) -> None:
    curve = tmp_path / "curve.csv"
    assert main(["pitch", str(excerpt), "--voice", VOICE, "--transpose", "3", "-o", str(curve)]) == 0
    plain, curved = tmp_path / "plain.wav", tmp_path / "curved.wav"
    assert main(["convert", str(excerpt), "--voice", VOICE, "--transpose", "3", "-o", str(plain)]) == 0
    args = ["convert", str(excerpt), "--voice", VOICE, "--transpose", "3", "--f0-curve", str(curve)]
    assert main([*args, "-o", str(curved), "--format", "wav"]) == 0
    a, _ = sf.read(plain, dtype="float32", always_2d=False)
    b, _ = sf.read(curved, dtype="float32", always_2d=False)
    assert len(a) == len(b) and float(np.max(np.abs(a - b))) <= 1e-4


def test_seven_semitone_edit_is_followed_inside_the_span_only(excerpt: Path, tmp_path: Path) -> None:
    curve_path = tmp_path / "curve.csv"
    assert main(["pitch", str(excerpt), "--voice", VOICE, "-o", str(curve_path)]) == 0
    curve = read_curve(curve_path)
    times, hz = np.array(curve.times_s), np.array(curve.f0_hz)
    start, stop = _voiced_span(times, hz, 1.0)
    inside = (times >= start) & (times < stop)
    edited = np.where(inside, hz * 2 ** (EDIT_SEMITONES / 12), hz)
    write_curve(tmp_path / "edited.csv", curve_from_arrays(times, edited))
    plain, out = tmp_path / "plain.wav", tmp_path / "edited.wav"
    assert main(["convert", str(excerpt), "--voice", VOICE, "-o", str(plain)]) == 0
    assert (
        main(
            [
                "convert",
                str(excerpt),
                "--voice",
                VOICE,
                "--f0-curve",
                str(tmp_path / "edited.csv"),
                "-o",
                str(out),
            ]
        )
        == 0
    )
    edited_audio, rate = sf.read(out, dtype="float32")
    plain_audio, _ = sf.read(plain, dtype="float32")

    praat_times, praat_hz = _praat_f0(edited_audio, rate)
    wanted = np.interp(praat_times, times, edited)
    core = (praat_times > start + 0.05) & (praat_times < stop - 0.05) & (wanted > 0) & np.isfinite(praat_hz)
    assert core.sum() > 50
    cents = 1200 * np.log2(praat_hz[core] / wanted[core])
    assert np.sqrt(np.mean(cents**2)) < 25.0, f"RMSE {np.sqrt(np.mean(cents**2)):.1f} cents inside the span"

    _, plain_hz = _praat_f0(plain_audio, rate)
    outside = ((praat_times < start - 0.1) | (praat_times > stop + 0.1)) & np.isfinite(praat_hz)
    outside &= np.isfinite(plain_hz)
    assert outside.sum() > 100
    drift = 1200 * np.log2(praat_hz[outside] / plain_hz[outside])
    assert np.median(np.abs(drift)) < 5.0 and np.mean(np.abs(drift) < 25) > 0.95
    before = int((start - 0.1) * rate)
    assert np.max(np.abs(edited_audio[:before] - plain_audio[:before])) <= 1e-4  # nothing before it moved


@pytest.mark.parametrize(
    ("text", "line"),
    [("time_s,f0_hz\n0,100\n0.2,x\n", "3"), ("time_s,f0_hz\n0.5,100\n0.1,100\n", "3"), ("", None)],
)
def test_malformed_curve_exits_2_with_one_line(
    excerpt: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, line: str | None
) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text(text)
    out = tmp_path / "out.wav"
    assert main(["convert", str(excerpt), "--voice", VOICE, "--f0-curve", str(bad), "-o", str(out)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: ") and str(bad) in err[0]
    if line:
        assert f"{bad}:{line}:" in err[0]
    assert not out.exists()


def test_pitch_refuses_to_overwrite_and_names_the_voice(excerpt: Path, tmp_path: Path) -> None:
    target = tmp_path / "c.csv"
    target.write_text("mine")
    assert main(["pitch", str(excerpt), "-o", str(target)]) == 4
    assert target.read_text() == "mine"
    assert main(["pitch", str(excerpt), "--voice", "no such voice", "-o", str(tmp_path / "d.csv")]) == 5
