"""The self-test's checks: pitch arithmetic, output checks, failure reporting, CLI routing and exit codes.

The full self-test on the real voices runs in tests/packaging/test_selftest_inprocess.py.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from autovoice_desktop.app import cli, cli_selftest, selftest
from autovoice_desktop.core.types import ConversionParams, VoiceInfo
from autovoice_desktop.engine.voice import ConversionResult, Voice, VoiceRequest

RATE = 16000


def test_semitones_and_median() -> None:
    assert selftest.semitones(2.0) == pytest.approx(12.0)
    assert selftest.semitones(2 ** (7 / 12)) == pytest.approx(7.0)
    assert selftest.median_f0(np.array([0.0, 100.0, 200.0, 0.0, 300.0])) == 200.0
    assert selftest.median_f0(np.zeros(5)) == 0.0


def test_measured_shift_uses_frames_voiced_in_both() -> None:
    source = np.where(np.arange(100) % 4 == 0, 0.0, 120.0 + np.arange(100))
    output = source * 2 ** (5 / 12)
    output[10:20] = 0.0  # unvoiced in the output only: ignored
    assert selftest.measured_shift(source, output) == pytest.approx(5.0, abs=1e-9)


def test_measured_shift_without_voicing_fails() -> None:
    with pytest.raises(selftest.CheckFailed, match="no voiced frames"):
        selftest.measured_shift(np.zeros(50), np.zeros(50))


def test_expected_shift_follows_the_voice_parameters() -> None:
    assert selftest._expected_shift(ConversionParams(transpose=-4.0), 130.0) == -4.0
    assert selftest._expected_shift(ConversionParams(pitch_mode="whisper", transpose=3.0), 130.0) is None
    target = ConversionParams(target_median_f0=260.0, transpose=1.0)
    assert selftest._expected_shift(target, 130.0) == pytest.approx(13.0)


@pytest.mark.parametrize(
    ("audio", "message"),
    [
        (np.full(RATE, np.nan, dtype=np.float32), "non-finite"),
        (np.full(RATE // 2, 0.1, dtype=np.float32), "lasts"),
        (np.zeros(RATE, dtype=np.float32), "silent"),
        (np.full(RATE, 1.5, dtype=np.float32), "clips"),
        (np.zeros((RATE, 2), dtype=np.float32), "mono"),
    ],
)
def test_check_output_rejects_bad_audio(audio: np.ndarray, message: str) -> None:
    source = np.zeros(RATE, dtype=np.float32)
    with pytest.raises(selftest.CheckFailed, match=message):
        selftest._check_output(audio, RATE, source, RATE)


def test_check_output_accepts_good_audio() -> None:
    audio = (0.3 * np.sin(np.arange(RATE) * 2 * np.pi * 220 / RATE)).astype(np.float32)
    detail = selftest._check_output(audio, RATE, np.zeros(RATE, np.float32), RATE)
    assert detail["duration_s"] == pytest.approx(1.0)


def test_runner_records_failures_without_raising() -> None:
    runner = selftest._Runner()
    assert runner.run("good", lambda: {"x": 1}) == {"x": 1}

    def broken() -> dict[str, Any]:
        raise ValueError("boom")

    def failed() -> dict[str, Any]:
        raise selftest.CheckFailed("pitch moved +1 semitones")

    assert runner.run("broken", broken) is None
    runner.run("failed", failed)
    names = {result.name: result for result in runner.results}
    assert names["good"].ok
    assert names["broken"].error == "ValueError: boom" and "traceback" in names["broken"].detail
    assert names["failed"].error == "pitch moved +1 semitones" and names["failed"].detail == {}


class _FakeVoice(Voice):
    """Returns the input scaled (pitch unchanged), or NaN when asked to be broken."""

    def __init__(self, info: VoiceInfo, broken: bool) -> None:
        self.info = info
        self.broken = broken

    def _convert(self, request: VoiceRequest) -> ConversionResult:
        out = np.full_like(request.audio, np.nan) if self.broken else 0.5 * request.audio
        return ConversionResult(np.asarray(out, np.float32), request.sample_rate)


def _patch_engine(monkeypatch: pytest.MonkeyPatch, broken: bool) -> None:
    """Two fake built-in voices (transpose 0), and cheap stand-ins for the FCPE and content-encoder checks."""
    from autovoice_desktop.engine import voices

    infos = [
        VoiceInfo("builtin/same", "Same", "builtin"),
        VoiceInfo("builtin/same-too", "Same too", "builtin"),
        VoiceInfo("sovits/other", "Other", "sovits"),
    ]
    monkeypatch.setattr(voices, "list_voices", lambda: infos)
    monkeypatch.setattr(voices, "load_voice", lambda voice_id, device="auto": _FakeVoice(infos[0], broken))
    monkeypatch.setattr(selftest, "_check_fcpe", lambda *a: {"stub": True})
    monkeypatch.setattr(selftest, "_check_content_encoder", lambda *a: {"stub": True})


def test_report_passes_with_good_voices(monkeypatch: pytest.MonkeyPatch, autovoice_home: Path) -> None:
    _patch_engine(monkeypatch, broken=False)
    monkeypatch.setattr(selftest, "EXTRA_TRANSPOSE", 0.0)  # the fake voices keep the pitch
    report = selftest.run_self_test(device="cpu")
    assert report.ok, report.to_json()
    names = [check.name for check in report.checks]
    assert "voice: Same" in names and "voice: Same too" in names
    assert not any("Other" in name for name in names)  # only built-in voices are checked
    assert "transpose +0: Same" in names and "write_read" in names
    data = json.loads(report.to_json())
    assert data["device"]["device"] == "cpu" and data["versions"]["torch"]
    assert data["folders"]["cache"].startswith(str(autovoice_home))


def test_explicit_transpose_catches_a_voice_that_ignores_it(monkeypatch: pytest.MonkeyPatch) -> None:
    _patch_engine(monkeypatch, broken=False)
    report = selftest.run_self_test(device="cpu")
    transpose = [c for c in report.checks if c.name.startswith("transpose")]
    assert transpose and not transpose[0].ok and "were asked" in str(transpose[0].error)


def test_main_exits_non_zero_with_reason(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _patch_engine(monkeypatch, broken=True)
    assert selftest.main(device="cpu") == 1
    out, err = capsys.readouterr()
    report = json.loads(out)  # stdout is only the JSON report
    assert report["ok"] is False
    assert any("non-finite" in line for line in report["failures"])
    assert "self-test FAILED: voice: Same: output has" in err


def test_voice_filter_with_unknown_name_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    _patch_engine(monkeypatch, broken=False)
    report = selftest.run_self_test(device="cpu", voices=["No such voice"])
    assert not report.ok and report.failures[0].name == "voices"


@pytest.mark.parametrize("argv", [["--self-test"], ["self-test"], ["--self-test", "--device", "cpu"]])
def test_cli_routes_to_the_self_test(monkeypatch: pytest.MonkeyPatch, argv: list[str]) -> None:
    calls: list[tuple[str, Any]] = []

    def fake_main(device: str = "auto", voices: list[str] | None = None) -> int:
        calls.append((device, voices))
        return 0

    monkeypatch.setattr(selftest, "main", fake_main)
    assert cli.main(argv) == 0
    assert calls == [("cpu" if "cpu" in argv else "auto", None)]


def test_cli_self_test_exit_code_is_the_reports(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(selftest, "main", lambda device="auto", voices=None: 1)
    assert cli.main(["self-test", "--voice", "Higher"]) == 1
    assert cli_selftest.run.__doc__
