"""Project files: round trip; newer-version and corrupt files refused clearly and never written over."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from autovoice_desktop.core.project import (
    PROJECT_VERSION,
    Project,
    ProjectError,
    file_sha256,
    load_project,
    save_project,
)
from autovoice_desktop.core.types import ConversionParams


def _project(tmp_path: Path) -> Project:
    audio = tmp_path / "take.wav"
    audio.write_bytes(b"RIFF fake audio")
    curve = {
        "times_s": [0.0, 0.01, 0.02],
        "detected_hz": [0.0, 220.0, 221.0],
        "edited_hz": [0.0, 330.0, 221.0],
    }
    history = [
        {"kind": "curve", "name": "Move pitch +7 semitones", "lo": 1, "before": [220.0], "after": [330.0]}
    ]
    return Project(
        str(audio),
        file_sha256(audio),
        "builtin/higher",
        ConversionParams(transpose=3.5, seed=7),
        curve,
        history,
        1,
    )


def test_round_trip(tmp_path: Path) -> None:
    project = _project(tmp_path)
    path = save_project(tmp_path / "p.avproj", project)
    assert load_project(path) == project
    data = json.loads(path.read_text())
    assert data["format"] == "autovoice-project" and data["version"] == PROJECT_VERSION
    assert not list(tmp_path.glob(".p.avproj.*"))  # no temporary file left


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("{not json", "the project file is corrupt"),
        ("", "the project file is corrupt"),
        ('{"format": "something else"}', "not an AutoVoice project"),
        ('{"format": "autovoice-project", "version": 1}', "the project file is corrupt"),
        ('{"format": "autovoice-project", "version": "1"}', "no valid version"),
        ('{"format": "autovoice-project", "version": 99, "whatever": []}', "made by a newer AutoVoice"),
    ],
)
def test_bad_projects_are_refused_and_never_overwritten(tmp_path: Path, text: str, expected: str) -> None:
    path = tmp_path / "p.avproj"
    path.write_text(text)
    with pytest.raises(ProjectError, match=expected) as caught:
        load_project(path)
    assert "\n" not in caught.value.user_message() and str(path) in caught.value.user_message()
    with pytest.raises(ProjectError, match="not replaced"):
        save_project(path, _project(tmp_path))
    assert path.read_text() == text


def test_wrong_types_inside_are_corrupt(tmp_path: Path) -> None:
    path = save_project(tmp_path / "p.avproj", _project(tmp_path))
    data = json.loads(path.read_text())
    data["params"]["transpose"] = "high"
    path.write_text(json.dumps(data))
    with pytest.raises(ProjectError, match=r"corrupt \(params.transpose has the wrong type\)"):
        load_project(path)
    data["params"]["transpose"] = 2
    data["curve"]["edited_hz"] = [1.0]
    path.write_text(json.dumps(data))
    with pytest.raises(ProjectError, match="curve lists differ in length"):
        load_project(path)
