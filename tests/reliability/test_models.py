"""Every broken or hostile voice model of issue 7 through the scripting API (`SovitsModel.load`).

Hostile pickles prove that no code ran: their payload would create a marker file, and a control test shows
that the very same file does create it when loaded the unsafe way.
"""

from __future__ import annotations

import json
import pickle
from pathlib import Path

import pytest
import torch

from autovoice_desktop.core.errors import VoiceError
from autovoice_desktop.engine.sovits import SovitsModel, load_config
from tests.reliability.model_corpus import (
    HOSTILE,
    MODEL_CASES,
    ModelCase,
    checkpoint_in,
    good_voice,
    marker_of,
    pickle_zip_checkpoint,
    plain_pickle_checkpoint,
)


def test_the_good_voice_loads(tmp_path: Path) -> None:
    """The corpus' base voice is valid, so each broken variant fails for its one defect only."""
    voice = good_voice(tmp_path)
    model = SovitsModel.load(checkpoint_in(voice), device="cpu")
    assert model.sample_rate == 16000 and model.ssl_dim == 256 and model.speakers == {"singer": 0}


@pytest.mark.parametrize("case", MODEL_CASES, ids=lambda c: c.name)
def test_broken_model_is_refused_by_name(case: ModelCase, tmp_path: Path) -> None:
    """Each broken model raises its VoiceError subclass (exit code 5), one line that names the problem."""
    voice = case.make(tmp_path)
    with pytest.raises(VoiceError) as info:
        SovitsModel.load(checkpoint_in(voice), device="cpu")
    error = info.value
    message = error.user_message()
    assert isinstance(error, case.error), f"{type(error).__name__}: {message}"
    assert "\n" not in message
    assert error.exit_code == 5
    for word in case.says:
        assert word in message.lower(), f"{word!r} not in {message!r}"
    if case.name in HOSTILE:
        assert not marker_of(voice).exists(), "the pickle's code ran"


def test_not_a_checkpoint_is_not_called_unsafe(tmp_path: Path) -> None:
    """A text file named .pth is 'not a checkpoint', not 'needs code to load' (which would scare users)."""
    case = next(c for c in MODEL_CASES if c.name == "html-as-pth")
    voice = case.make(tmp_path)
    with pytest.raises(VoiceError) as info:
        SovitsModel.load(checkpoint_in(voice), device="cpu")
    assert "refused" not in info.value.user_message()


def test_control_the_hostile_pickles_really_run_code_when_loaded_unsafely(tmp_path: Path) -> None:
    """Control: loading the same files the unsafe way does create the marker.

    Without this, "the marker is absent" could just mean the payload was broken.
    """
    voice = pickle_zip_checkpoint(tmp_path)
    assert not marker_of(voice).exists()
    torch.load(checkpoint_in(voice), map_location="cpu", weights_only=False)
    assert marker_of(voice).exists()
    voice = plain_pickle_checkpoint(tmp_path)
    assert not marker_of(voice).exists()
    with open(checkpoint_in(voice), "rb") as handle:
        pickle.load(handle)  # noqa: S301 - the point of the control
    assert marker_of(voice).exists()


def test_config_loader_names_the_key_for_every_wrong_type(tmp_path: Path) -> None:
    """Each required number given as a string is named in the message (no KeyError/TypeError escapes)."""
    base = json.loads((good_voice(tmp_path) / "config.json").read_text(encoding="utf-8"))
    for section, key in [("data", "sampling_rate"), ("data", "hop_length"), ("model", "ssl_dim")]:
        broken = json.loads(json.dumps(base))
        broken[section][key] = str(broken[section][key])
        path = tmp_path / f"{key}.json"
        path.write_text(json.dumps(broken), encoding="utf-8")
        with pytest.raises(VoiceError) as info:
            load_config(path)
        assert key in info.value.user_message()
