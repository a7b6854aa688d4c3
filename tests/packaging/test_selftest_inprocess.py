"""The real self-test, run in-process on the real built-in voices: it must pass on a working install.

This is what `AutoVoice --self-test` does in the frozen bundle (CI runs that too, from dist/).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from autovoice_desktop.app import selftest
from autovoice_desktop.engine.voices import list_voices


@pytest.mark.slow
def test_full_self_test_passes_in_process(autovoice_home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert selftest.main(device="cpu") == 0
    out, err = capsys.readouterr()
    report = json.loads(out)
    assert report["ok"] is True, report["failures"]
    assert "self-test passed" in err
    checked = {c["detail"].get("voice_id") for c in report["checks"] if c["name"].startswith("voice: ")}
    builtin = {info.voice_id for info in list_voices() if info.kind == "builtin"}
    assert builtin and checked == builtin, "every built-in voice is converted"
    names = {c["name"] for c in report["checks"]}
    assert {"imports", "device", "sample", "voices", "write_read", "f0_fcpe", "content_encoder"} <= names
    assert any(name.startswith("transpose +7") for name in names)
    for check in report["checks"]:
        if "expected_shift_st" in check["detail"]:
            measured, expected = check["detail"]["measured_shift_st"], check["detail"]["expected_shift_st"]
            assert abs(measured - expected) <= selftest.PITCH_TOLERANCE_ST
    assert report["device"]["device"] == "cpu"
    assert report["frozen"] is False and report["version"]
    # it wrote only under the user folders (here: the test's AUTOVOICE_HOME), and cleaned up after itself
    assert report["folders"]["cache"].startswith(str(autovoice_home))
    assert list(autovoice_home.rglob("selftest-*")) == []
