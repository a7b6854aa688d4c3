"""Voice registry (built-ins + imported voices) and the built-in presets manifest."""

from __future__ import annotations

from pathlib import Path

import pytest

from autovoice_desktop.core import paths
from autovoice_desktop.core.errors import ModelFormatError, VoiceNotFoundError
from autovoice_desktop.core.types import VoiceInfo
from autovoice_desktop.engine import voices
from autovoice_desktop.engine.builtin_voices import load_presets
from autovoice_desktop.engine.sovits import library
from autovoice_desktop.engine.world_voice import WorldVoice

IMPORTED = VoiceInfo(voice_id="sovits/alto-singer", name="Alto Singer", kind="sovits", speakers=("alto",))


@pytest.fixture
def with_imported(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    asked: list[Path] = []

    def fake_list(voices_dir: Path) -> list[VoiceInfo]:
        asked.append(voices_dir)
        return [IMPORTED]

    monkeypatch.setattr(library, "list_installed", fake_list)
    return asked


def test_builtins_come_first_then_imported(with_imported: list[Path]) -> None:
    listed = voices.list_voices()
    names = [v.name for v in listed]
    assert names[:7] == [
        "Pitch & Formant",
        "Higher",
        "Deeper",
        "Male → Female",
        "Female → Male",
        "Robot",
        "Whisper",
    ]
    assert listed[-1] == IMPORTED
    assert all(v.kind == "builtin" and v.voice_id.startswith("builtin/") for v in listed[:7])
    assert with_imported == [paths.voices_dir()]
    voices.list_voices(Path("/somewhere/else"))
    assert with_imported[-1] == Path("/somewhere/else")


def test_preset_values_come_from_the_manifest() -> None:
    presets = {v.voice_id: v.defaults for v in load_presets()}
    assert presets["builtin/male-to-female"].transpose > 0 < presets["builtin/male-to-female"].formant_shift
    assert presets["builtin/female-to-male"].transpose < 0 > presets["builtin/female-to-male"].formant_shift
    assert presets["builtin/robot"].pitch_mode == "flat"
    assert presets["builtin/whisper"].pitch_mode == "whisper"
    assert presets["builtin/pitch-formant"].transpose == 0 == presets["builtin/pitch-formant"].formant_shift
    assert all(p.f0_method == "harvest" for p in presets.values())


@pytest.mark.parametrize(
    "query", ["builtin/male-to-female", "Male → Female", "male → female", "male-to-female", "Male to Female"]
)
def test_find_by_id_name_or_slug(query: str) -> None:
    assert voices.find_voice(query).voice_id == "builtin/male-to-female"


def test_find_imported_voice(with_imported: list[Path]) -> None:
    assert voices.find_voice("alto singer") == IMPORTED
    assert voices.find_voice("alto-singer") == IMPORTED


def test_unknown_voice_lists_the_choices() -> None:
    with pytest.raises(VoiceNotFoundError) as caught:
        voices.find_voice("Darth Vader")
    assert caught.value.exit_code == 5
    assert "Darth Vader" in caught.value.message and '"Robot"' in caught.value.user_message()


def test_load_builtin_and_imported(monkeypatch: pytest.MonkeyPatch, with_imported: list[Path]) -> None:
    voice = voices.load_voice("Robot")
    assert isinstance(voice, WorldVoice) and voice.info.voice_id == "builtin/robot"
    loaded: list[tuple[VoiceInfo, str]] = []
    monkeypatch.setattr(
        library, "load_installed", lambda info, device="auto": loaded.append((info, device)) or "M"
    )
    assert voices.load_voice("Alto Singer", device="cpu") == "M"
    assert loaded == [(IMPORTED, "cpu")]
    assert voices.load_voice(IMPORTED, device="cuda:1") == "M"
    assert loaded[-1] == (IMPORTED, "cuda:1")


def test_import_delegates_to_the_library(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    calls: list[tuple[Path, Path, bool]] = []

    def fake_import(source: Path, voices_dir: Path, *, overwrite: bool = False) -> VoiceInfo:
        calls.append((source, voices_dir, overwrite))
        return IMPORTED

    monkeypatch.setattr(library, "import_voice", fake_import)
    assert voices.import_voice(tmp_path / "model.zip", overwrite=True) == IMPORTED
    assert calls == [(tmp_path / "model.zip", paths.voices_dir(), True)]


def test_slugs() -> None:
    assert voices.slugify("Male → Female") == "male-to-female"
    assert voices.slugify("Pitch & Formant") == "pitch-formant"
    assert voices.slugify("Ünïcödé  Voice!") == "unicode-voice"
    assert voices.voice_slug(IMPORTED) == "alto-singer"


# --- manifest validation ---------------------------------------------------------------------------
GOOD = 'schema_version = 1\n[[voice]]\nslug = "a"\nname = "A"\ndescription = "d"\n'


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("schema_version = 2\n[[voice]]\nslug='a'\nname='A'\ndescription='d'\n", "schema_version"),
        ("schema_version = 1\n", "no \\[\\[voice\\]\\]"),
        (GOOD + "pitch = 3\n", "unknown field 'pitch'"),
        (GOOD + "transpose = 30\n", "outside"),
        (GOOD + "transpose = 'up'\n", "must be a number"),
        (GOOD + "pitch_mode = 'sing'\n", "pitch_mode"),
        (GOOD + "f0_method = 'crepe'\n", "f0_method"),
        ('schema_version = 1\n[[voice]]\nslug = "a"\ndescription = "d"\n', "'name'"),
        (GOOD + GOOD.replace("schema_version = 1\n", ""), "duplicate"),
        ("schema_version = 1\n[[voice]\n", "unreadable"),
    ],
)
def test_bad_manifests_are_refused(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "manifest.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ModelFormatError, match=message):
        load_presets(path)


def test_missing_manifest(tmp_path: Path) -> None:
    with pytest.raises(ModelFormatError, match="missing"):
        load_presets(tmp_path / "nope.toml")


def test_good_manifest(tmp_path: Path) -> None:
    path = tmp_path / "manifest.toml"
    path.write_text(GOOD + "transpose = 2\nbreathiness = 1.5\npitch_mode = 'flat'\n", encoding="utf-8")
    (info,) = load_presets(path)
    assert (
        info.voice_id == "builtin/a" and info.defaults.transpose == 2.0 and info.defaults.pitch_mode == "flat"
    )
