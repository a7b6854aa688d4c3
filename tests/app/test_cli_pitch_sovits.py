"""`autovoice pitch` and `convert --f0-curve` with a So-VITS-SVC voice (tiny, random weights, 16 kHz): an
unedited exported curve converts like no curve, a malformed one is exit code 2."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from autovoice_desktop.app.cli import main
from autovoice_desktop.engine.f0_csv import curve_from_arrays, read_curve, write_curve
from tests.conftest import SINGING_MALE

VOICE = "Tiny Voice"


@pytest.fixture
def sovits_voice(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Import a tiny So-VITS-SVC voice into this test's AUTOVOICE_HOME, with a tiny content encoder."""
    from autovoice_desktop.engine.sovits.voice import release_content_encoders
    from tests.engine.content_helpers import save_content_vec_best, tiny_reference
    from tests.engine.sovits_helpers import write_voice

    folder = write_voice(tmp_path / VOICE, step=100)
    assert main(["import", str(folder)]) == 0
    encoder = save_content_vec_best(tmp_path / "cvb", *tiny_reference(seed=4, proj_dim=256))
    monkeypatch.setenv("AUTOVOICE_CONTENT_ENCODER", str(encoder))
    yield VOICE
    release_content_encoders()


@pytest.fixture
def excerpt(tmp_path: Path) -> Path:
    """2 s of the sung recording (a tiny voice on a 2-core machine)."""
    audio, rate = sf.read(SINGING_MALE, dtype="float32")
    path = tmp_path / "sung.wav"
    sf.write(path, audio[rate : 3 * rate], rate)
    return path


def test_unedited_curve_converts_like_no_curve(sovits_voice: str, excerpt: Path, tmp_path: Path) -> None:
    common = ["--voice", sovits_voice, "--speaker", "bob", "--transpose", "2", "--device", "cpu"]
    curve = tmp_path / "curve.csv"
    assert main(["pitch", str(excerpt), *common, "-o", str(curve)]) == 0
    frames = read_curve(curve)
    assert np.allclose(np.diff(frames.times_s), 320 / 16000)  # the voice's hop, not the built-in 5 ms
    assert sum(f > 0 for f in frames.f0_hz) > 50
    plain, curved = tmp_path / "plain.wav", tmp_path / "curved.wav"
    assert main(["convert", str(excerpt), *common, "-o", str(plain)]) == 0
    assert main(["convert", str(excerpt), *common, "--f0-curve", str(curve), "-o", str(curved)]) == 0
    a, rate_a = sf.read(plain, dtype="float32", always_2d=False)
    b, rate_b = sf.read(curved, dtype="float32", always_2d=False)
    assert rate_a == rate_b == 16000 and len(a) == len(b)
    assert np.max(np.abs(a)) > 0
    assert float(np.max(np.abs(a - b))) <= 1e-4
    # the curve is really used: the same curve 7 semitones up gives another output
    edited, raised = tmp_path / "edited.csv", tmp_path / "raised.wav"
    write_curve(edited, curve_from_arrays(np.array(frames.times_s), np.array(frames.f0_hz) * 2 ** (7 / 12)))
    assert main(["convert", str(excerpt), *common, "--f0-curve", str(edited), "-o", str(raised)]) == 0
    c, _ = sf.read(raised, dtype="float32", always_2d=False)
    assert len(c) == len(a) and float(np.sqrt(np.mean((c - a) ** 2))) > 0.05 * float(np.sqrt(np.mean(a**2)))


def test_malformed_curve_exits_2_with_one_line(
    sovits_voice: str, excerpt: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    bad = tmp_path / "bad.csv"
    bad.write_text("time_s,f0_hz\n0,100\n0.01,-5\n")
    out = tmp_path / "out.wav"
    argv = ["convert", str(excerpt), "--voice", sovits_voice, "--device", "cpu", "--f0-curve", str(bad)]
    assert main([*argv, "-o", str(out)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith(f"error: {bad}:3: F0 -5 Hz is negative")
    assert not out.exists()
