"""Typed settings: defaults, dict round trip, validation, recent files, migrations."""

from __future__ import annotations

from dataclasses import replace

import pytest

from autovoice_desktop.core.migrations import MIGRATIONS, FutureSchemaError, migrate
from autovoice_desktop.core.settings import (
    MAX_RECENT_FILES,
    SCHEMA_VERSION,
    Folders,
    Settings,
    WindowState,
    settings_from_dict,
    settings_to_dict,
)
from autovoice_desktop.core.types import ConversionParams


def test_dict_round_trip_keeps_every_field() -> None:
    settings = Settings(
        voice_id="sovits/duet",
        params=ConversionParams(
            transpose=-3.0,
            formant_shift=1.5,
            f0_method="harvest",
            speaker="tenor",
            noise_scale=0.6,
            auto_predict_f0=True,
            device="cuda:0",
            half=True,
        ),
        theme="light",
        output_device="Speakers",
        convert_after_recording=True,
        recent_files=("/a.wav", "/b.flac"),
        folders=Folders("/in", "/out", "/voices"),
        window=WindowState("01d9d0cb", (300, 900), (200, 200, 260)),
    )
    assert settings_from_dict(settings_to_dict(settings)) == settings


def test_none_values_are_left_out_and_come_back_as_none() -> None:
    data = settings_to_dict(Settings())
    assert "f0_method" not in data["params"] and "speaker" not in data["params"]
    assert settings_from_dict(data).params.f0_method is None


def test_bad_values_fall_back_to_defaults_and_ranges_are_clamped() -> None:
    data = {
        "schema_version": SCHEMA_VERSION,
        "theme": "purple",
        "voice_id": 42,
        "params": {
            "transpose": 99,
            "noise_scale": "loud",
            "f0_method": "crepe",
            "device": "tpu",
            "half": "yes",
        },
        "recent_files": ["/x.wav", 3, "/y.wav"],
        "window": {"main_splitter": ["a", 2]},
        "folders": "not a table",
        "unknown_key": 1,
    }
    s = settings_from_dict(data)
    assert s.theme == "dark" and s.voice_id == ""
    assert s.params.transpose == 24.0 and s.params.noise_scale == 0.4
    assert s.params.f0_method is None and s.params.device == "auto" and s.params.half is True
    assert s.recent_files == ("/x.wav", "/y.wav")
    assert s.window.main_splitter == () and s.folders == Folders()


def test_recent_files_are_unique_most_recent_first_and_bounded() -> None:
    s = Settings()
    for i in range(MAX_RECENT_FILES + 3):
        s = s.with_recent_file(f"/f{i}.wav")
    s = s.with_recent_file("/f5.wav")
    assert s.recent_files[0] == "/f5.wav"
    assert len(s.recent_files) == MAX_RECENT_FILES and len(set(s.recent_files)) == MAX_RECENT_FILES


def test_every_migration_step_exists_and_v0_is_upgraded() -> None:
    assert sorted(MIGRATIONS) == list(range(SCHEMA_VERSION))
    old = {"last_voice": "builtin/deeper", "recent": ["/a.wav"], "theme": "light"}
    new = migrate(old)
    assert new["schema_version"] == SCHEMA_VERSION
    s = settings_from_dict(new)
    assert (s.voice_id, s.recent_files, s.theme) == ("builtin/deeper", ("/a.wav",), "light")


def test_future_and_nonsense_versions_are_refused() -> None:
    with pytest.raises(FutureSchemaError):
        migrate({"schema_version": SCHEMA_VERSION + 1})
    with pytest.raises(ValueError):
        migrate({"schema_version": "two"})


def test_settings_are_immutable() -> None:
    s = Settings()
    with pytest.raises(AttributeError):
        s.theme = "light"  # type: ignore[misc]
    assert replace(s, theme="light").theme == "light" and s.theme == "dark"
