"""Hostile and broken So-VITS-SVC voice files, generated into a test's temporary folder.

A voice is a folder with `config.json` + `G_*.pth`. The good voice is tiny (random weights, the real 4.x
layout, saved like the reference: `{"model": state_dict, "iteration", "optimizer", "learning_rate"}`); every
broken one is that voice with one thing wrong, or a foreign model (RVC, So-VITS 3.x, 4.0-v2) carrying the
keys that model really has. Hostile pickles would create a marker file if any of their code ran.
"""

from __future__ import annotations

import copy
import json
import os
import pickle
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from autovoice_desktop.core.errors import (
    EncoderMismatchError,
    ModelFormatError,
    UnsafeCheckpointError,
    VoiceError,
)


def tiny_config() -> dict[str, Any]:
    """A small, complete So-VITS-SVC 4.0-style config (ssl_dim 256, 16 kHz, hop 320 = 10*8*2*2)."""
    return {
        "train": {"segment_size": 6400, "seed": 1234},
        "data": {"sampling_rate": 16000, "hop_length": 320, "filter_length": 640, "win_length": 640},
        "model": {
            "inter_channels": 8,
            "hidden_channels": 8,
            "filter_channels": 16,
            "n_heads": 2,
            "n_layers": 1,
            "kernel_size": 3,
            "p_dropout": 0.1,
            "resblock": "1",
            "resblock_kernel_sizes": [3],
            "resblock_dilation_sizes": [[1, 3, 5]],
            "upsample_rates": [10, 8, 2, 2],
            "upsample_initial_channel": 16,
            "upsample_kernel_sizes": [20, 16, 4, 4],
            "n_layers_q": 3,
            "use_spectral_norm": False,
            "gin_channels": 8,
            "ssl_dim": 256,
            "n_speakers": 2,
        },
        "spk": {"singer": 0},
    }


def tiny_state_dict(config: dict[str, Any] | None = None) -> dict[str, torch.Tensor]:
    """Random weights with exactly the names and shapes SynthesizerTrn has for `config`."""
    from autovoice_desktop.engine.sovits import parse_config
    from autovoice_desktop.engine.sovits.synthesizer import SynthesizerTrn

    torch.manual_seed(0)
    return SynthesizerTrn(parse_config(config or tiny_config())).state_dict()


def save_reference_checkpoint(path: Path, state: dict[str, Any]) -> Path:
    """torch.save in the reference trainer's layout."""
    torch.save({"model": state, "iteration": 1000, "optimizer": {}, "learning_rate": 1e-4}, path)
    return path


def write_config(folder: Path, config: Any) -> Path:
    """config.json holding `config` (any JSON value)."""
    path = folder / "config.json"
    path.write_text(json.dumps(config), encoding="utf-8")
    return path


def good_voice(folder: Path, name: str = "good-voice") -> Path:
    """A valid tiny voice folder: config.json + G_1000.pth."""
    voice = folder / name
    voice.mkdir(parents=True, exist_ok=True)
    write_config(voice, tiny_config())
    save_reference_checkpoint(voice / "G_1000.pth", tiny_state_dict())
    return voice


# --- hostile pickles -------------------------------------------------------------------------------------
class CodeRunner:
    """Unpickling this calls os.system("touch MARKER"): the marker proves code ran."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[Callable[..., Any], tuple[str]]:
        return os.system, (f"touch '{self.marker}'",)


def marker_of(voice: Path) -> Path:
    """Where the hostile pickle in `voice` would create its marker (outside the voice folder)."""
    return voice.parent / f"{voice.name}.CODE-RAN"


def pickle_zip_checkpoint(folder: Path) -> Path:
    """torch.save (zip format) of a plausible checkpoint whose 'iteration' runs code when unpickled."""
    voice = good_voice(folder, "evil-zip")
    state = tiny_state_dict()
    torch.save({"model": state, "iteration": CodeRunner(marker_of(voice))}, voice / "G_1000.pth")
    return voice


def pickle_legacy_checkpoint(folder: Path) -> Path:
    """The same with torch's legacy (non-zip) serialization."""
    voice = good_voice(folder, "evil-legacy")
    torch.save(
        {"model": tiny_state_dict(), "iteration": CodeRunner(marker_of(voice))},
        voice / "G_1000.pth",
        _use_new_zipfile_serialization=False,
    )
    return voice


def legacy_voice(folder: Path, name: str = "legacy") -> Path:
    """The good tiny voice with its G_1000.pth re-saved in torch's legacy (non-zip, pre-1.6) format."""
    voice = good_voice(folder, name)
    state = {"model": tiny_state_dict(), "iteration": 1000, "optimizer": {}, "learning_rate": 1e-4}
    torch.save(state, voice / "G_1000.pth", _use_new_zipfile_serialization=False)
    return voice


def plain_pickle_checkpoint(folder: Path) -> Path:
    """A bare pickle.dump named G_1000.pth, nothing but the code-running object."""
    voice = good_voice(folder, "evil-plain")
    with open(voice / "G_1000.pth", "wb") as handle:
        pickle.dump(CodeRunner(marker_of(voice)), handle)
    return voice


# --- broken checkpoints ----------------------------------------------------------------------------------
def truncated_checkpoint(folder: Path) -> Path:
    """A valid checkpoint cut to 60 % of its size (an interrupted download)."""
    voice = good_voice(folder, "truncated")
    path = voice / "G_1000.pth"
    data = path.read_bytes()
    path.write_bytes(data[: len(data) * 6 // 10])
    return voice


def text_checkpoint(folder: Path) -> Path:
    """An HTML error page saved as G_1000.pth (what a failed download often gives)."""
    voice = good_voice(folder, "html-page")
    (voice / "G_1000.pth").write_text("<html><body>404 Not Found</body></html>\n", encoding="utf-8")
    return voice


def tensor_checkpoint(folder: Path) -> Path:
    """A real torch file that holds one tensor, not a state dict."""
    voice = good_voice(folder, "just-a-tensor")
    torch.save(torch.zeros(3, 3), voice / "G_1000.pth")
    return voice


def discriminator_checkpoint(folder: Path) -> Path:
    """A D_*.pth (discriminator weights) renamed to G_1000.pth."""
    voice = good_voice(folder, "discriminator")
    state = {f"discriminators.{i}.convs.0.weight": torch.zeros(16, 1, 15) for i in range(3)}
    save_reference_checkpoint(voice / "G_1000.pth", state)
    return voice


# --- broken configs --------------------------------------------------------------------------------------
def config_invalid_json(folder: Path) -> Path:
    """config.json with a trailing comma and a missing brace."""
    voice = good_voice(folder, "bad-json")
    (voice / "config.json").write_text('{"data": {"sampling_rate": 16000,}, "model": {', encoding="utf-8")
    return voice


def config_missing_key(folder: Path) -> Path:
    """config.json without data.sampling_rate."""
    voice = good_voice(folder, "missing-key")
    config = tiny_config()
    del config["data"]["sampling_rate"]
    write_config(voice, config)
    return voice


def config_wrong_type(folder: Path) -> Path:
    """config.json where model.upsample_rates is a string."""
    voice = good_voice(folder, "wrong-type")
    config = tiny_config()
    config["model"]["upsample_rates"] = "10,8,2,2"
    write_config(voice, config)
    return voice


def config_not_an_object(folder: Path) -> Path:
    """config.json that is a JSON number."""
    voice = good_voice(folder, "not-object")
    write_config(voice, 42)
    return voice


def config_deeply_nested(folder: Path) -> Path:
    """config.json that is 100,000 nested arrays (valid JSON that blows Python's recursion limit)."""
    voice = good_voice(folder, "deep-json")
    (voice / "config.json").write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    return voice


def config_huge_integer(folder: Path) -> Path:
    """config.json whose sampling_rate has 5,000 digits (past Python's int-parsing limit)."""
    voice = good_voice(folder, "huge-int")
    text = json.dumps(tiny_config()).replace('"sampling_rate": 16000', '"sampling_rate": ' + "9" * 5000)
    (voice / "config.json").write_text(text, encoding="utf-8")
    return voice


def config_absurd_size(folder: Path) -> Path:
    """config.json asking for 2**50 filter channels (hostile: more memory than any address space)."""
    voice = good_voice(folder, "absurd-size")
    config = tiny_config()
    config["model"]["filter_channels"] = 2**50
    write_config(voice, config)
    return voice


def encoder_mismatch_config(folder: Path) -> Path:
    """config.json says speech_encoder vec768l12 (768-dim) while ssl_dim is 256."""
    voice = good_voice(folder, "encoder-mismatch")
    config = tiny_config()
    config["model"]["speech_encoder"] = "vec768l12"
    write_config(voice, config)
    return voice


def ssl_dim_mismatch_checkpoint(folder: Path) -> Path:
    """The checkpoint was trained with ssl_dim 768 (pre.weight [h, 768, 5]); config.json says 256."""
    voice = good_voice(folder, "ssl-mismatch")
    trained = tiny_config()
    trained["model"]["ssl_dim"] = 768
    save_reference_checkpoint(voice / "G_1000.pth", tiny_state_dict(trained))
    return voice


# --- foreign models --------------------------------------------------------------------------------------
def rvc_model(folder: Path) -> Path:
    """An RVC v2 model as RVC saves it: {"weight", "config" (a list), "info", "sr", "f0", "version"}."""
    voice = folder / "rvc-voice"
    voice.mkdir()
    weight = {
        "enc_p.emb_phone.weight": torch.zeros(192, 768),
        "enc_p.emb_pitch.weight": torch.zeros(256, 192),
        "enc_p.proj.weight": torch.zeros(384, 192, 1),
        "dec.conv_pre.weight": torch.zeros(512, 192, 7),
        "flow.flows.0.pre.weight": torch.zeros(192, 96, 1),
        "emb_g.weight": torch.zeros(109, 256),
    }
    rvc_config = [1025, 32, 192, 192, 768, 2, 6, 3, 0, "1", [3, 7, 11], [[1, 3, 5]] * 3, [10, 10, 2, 2]]
    rvc_config += [512, [16, 16, 4, 4], 109, 256, 40000]
    torch.save(
        {"weight": weight, "config": rvc_config, "info": "300epoch", "sr": "40k", "f0": 1, "version": "v2"},
        voice / "my_rvc_voice.pth",
    )
    write_config(voice, tiny_config())  # users pair RVC files with a So-VITS config by mistake
    return voice


def sovits3_model(folder: Path) -> Path:
    """A So-VITS-SVC 3.x (32 kHz) voice: its real config template and 3.x weight names (enc_p_.*)."""
    voice = folder / "sovits3-voice"
    voice.mkdir()
    config = {
        "train": {"segment_size": 17920, "seed": 1234},
        "data": {"sampling_rate": 32000, "filter_length": 1280, "hop_length": 320, "win_length": 1280},
        "model": {
            "inter_channels": 192,
            "hidden_channels": 192,
            "filter_channels": 768,
            "n_heads": 2,
            "n_layers": 6,
            "kernel_size": 3,
            "p_dropout": 0.1,
            "resblock": "1",
            "resblock_kernel_sizes": [3, 7, 11],
            "resblock_dilation_sizes": [[1, 3, 5], [1, 3, 5], [1, 3, 5]],
            "upsample_rates": [10, 8, 2, 2],
            "upsample_initial_channel": 512,
            "upsample_kernel_sizes": [16, 16, 4, 4],
            "n_layers_q": 3,
            "use_spectral_norm": False,
            "gin_channels": 256,
            "ssl_dim": 256,
            "n_speakers": 2,
        },
        "spk": {"nen": 0, "paimon": 1},
    }
    write_config(voice, config)
    state = {
        "enc_p_.pre.weight": torch.zeros(192, 256, 1),
        "enc_p_.enc.in_layers.0.weight_g": torch.zeros(384, 1, 1),
        "enc_p_.enc.in_layers.0.weight_v": torch.zeros(384, 192, 5),
        "enc_p_.proj.weight": torch.zeros(384, 192, 1),
        "emb_g.weight": torch.zeros(2, 256),
        "dec.conv_pre.weight": torch.zeros(512, 192, 7),
        "flow.flows.0.pre.weight": torch.zeros(192, 96, 1),
    }
    save_reference_checkpoint(voice / "G_30000.pth", state)
    return voice


def sovits40v2_model(folder: Path) -> Path:
    """A So-VITS-SVC 4.0-v2 (VISinger2-based) voice: its config keys and weight names."""
    voice = folder / "sovits40v2-voice"
    voice.mkdir()
    config = copy.deepcopy(tiny_config())
    config["data"].update(acoustic_dim=80)
    config["model"].update(n_harmonic=64, n_bands=65, prior_hidden_channels=192, spk_channels=192)
    write_config(voice, config)
    state = {
        "text_encoder.pre_net.weight": torch.zeros(192, 256),
        "decoder.dec_harm.pre.weight": torch.zeros(192, 192, 1),
        "decoder.dec_noise.pre.weight": torch.zeros(192, 192, 1),
        "flow.flows.0.pre.weight": torch.zeros(96, 96, 1),
    }
    save_reference_checkpoint(voice / "G_50000.pth", state)
    return voice


@dataclass(frozen=True)
class ModelCase:
    """A broken voice folder, the error class it must raise and words its message must hold."""

    name: str
    make: Callable[[Path], Path]
    error: type[VoiceError]
    says: tuple[str, ...]


MODEL_CASES: tuple[ModelCase, ...] = (
    ModelCase("pickle-runs-code-zip", pickle_zip_checkpoint, UnsafeCheckpointError, ("refused",)),
    ModelCase("pickle-runs-code-legacy", pickle_legacy_checkpoint, UnsafeCheckpointError, ("refused",)),
    ModelCase("pickle-runs-code-plain", plain_pickle_checkpoint, UnsafeCheckpointError, ("refused",)),
    ModelCase("truncated-pth", truncated_checkpoint, ModelFormatError, ("g_1000.pth",)),
    ModelCase("html-as-pth", text_checkpoint, ModelFormatError, ("not a pytorch checkpoint",)),
    ModelCase("tensor-as-pth", tensor_checkpoint, ModelFormatError, ("not a state dict",)),
    ModelCase("discriminator-as-pth", discriminator_checkpoint, ModelFormatError, ("d_*.pth",)),
    ModelCase("config-invalid-json", config_invalid_json, ModelFormatError, ("not valid json",)),
    ModelCase("config-missing-key", config_missing_key, ModelFormatError, ("sampling_rate",)),
    ModelCase("config-wrong-type", config_wrong_type, ModelFormatError, ("upsample_rates",)),
    ModelCase("config-deeply-nested", config_deeply_nested, ModelFormatError, ("config.json",)),
    ModelCase("config-huge-integer", config_huge_integer, ModelFormatError, ("config.json",)),
    ModelCase("config-absurd-size", config_absurd_size, ModelFormatError, ("filter_channels",)),
    ModelCase("config-not-an-object", config_not_an_object, ModelFormatError, ("config",)),
    ModelCase("encoder-ssl-dim-mismatch", encoder_mismatch_config, EncoderMismatchError, ("ssl_dim", "256")),
    ModelCase(
        "checkpoint-ssl-dim-mismatch", ssl_dim_mismatch_checkpoint, ModelFormatError, ("ssl_dim", "768")
    ),
    ModelCase("rvc-model", rvc_model, ModelFormatError, ("rvc",)),
    ModelCase("sovits-3x-model", sovits3_model, ModelFormatError, ("3.x",)),
    ModelCase("sovits-4.0-v2-model", sovits40v2_model, ModelFormatError, ("4.0-v2",)),
)
#: These must hold code that never runs.
HOSTILE = {"pickle-runs-code-zip", "pickle-runs-code-legacy", "pickle-runs-code-plain"}


def checkpoint_in(voice: Path) -> Path:
    """The .pth file of a voice folder."""
    return next(iter(sorted(voice.glob("*.pth"))))


# --- hostile zips ----------------------------------------------------------------------------------------
def _voice_files(folder: Path) -> dict[str, bytes]:
    voice = good_voice(folder / ".src", "zipped")
    return {p.name: p.read_bytes() for p in voice.iterdir()}


def zip_with_parent_paths(folder: Path) -> Path:
    """A voice zip that also holds ../../escaped.txt (zip-slip)."""
    path = folder / "slip.zip"
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in _voice_files(folder).items():
            archive.writestr(f"voice/{name}", data)
        archive.writestr("../../escaped.txt", b"written outside the voices folder")
    return path


def zip_with_absolute_path(folder: Path) -> Path:
    """A voice zip with an entry at an absolute path inside the test folder."""
    path = folder / "absolute.zip"
    target = folder / "absolute-target.txt"
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in _voice_files(folder).items():
            archive.writestr(f"voice/{name}", data)
        info = zipfile.ZipInfo("voice/placeholder")
        info.filename = str(target)  # ZipInfo() strips a leading "/", the attribute does not
        archive.writestr(info, b"absolute")
    return path


def zip_with_symlink(folder: Path) -> Path:
    """A voice zip whose G_1000.pth is a symlink to /etc/passwd (unix mode bits of a link)."""
    path = folder / "symlink.zip"
    files = _voice_files(folder)
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("voice/config.json", files["config.json"])
        link = zipfile.ZipInfo("voice/G_1000.pth")
        link.create_system = 3
        link.external_attr = (0o120777 << 16) | 0
        archive.writestr(link, "/etc/passwd")
    return path


def zip_with_dot_member(folder: Path) -> Path:
    """A voice zip with an extra file entry named "." (it would unpack onto the extraction folder itself)."""
    path = folder / "dot.zip"
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in _voice_files(folder).items():
            archive.writestr(f"voice/{name}", data)
        info = zipfile.ZipInfo("placeholder")
        info.filename = "."
        archive.writestr(info, b"dot")
    return path


def zip_with_name_clash(folder: Path) -> Path:
    """A voice zip with a file "a" and a file "a/b": a file where a folder must go."""
    path = folder / "clash.zip"
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in _voice_files(folder).items():
            archive.writestr(f"voice/{name}", data)
        archive.writestr("a", b"file")
        archive.writestr("a/b", b"file under a file")
    return path


def zip_bomb(folder: Path, expanded_bytes: int) -> Path:
    """A voice zip with an extra file of `expanded_bytes` zeros (deflated to a tiny size)."""
    path = folder / "bomb.zip"
    block = bytes(1 << 20)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in _voice_files(folder).items():
            archive.writestr(f"voice/{name}", data)
        with archive.open("voice/zeros.bin", "w", force_zip64=True) as handle:
            for _ in range(expanded_bytes // len(block)):
                handle.write(block)
    return path


def files_outside(root: Path, voices_dir: Path, before: set[Path]) -> list[Path]:
    """Files under `root` that are new since `before` and not inside `voices_dir`."""
    now = {p for p in root.rglob("*") if p.is_file() or p.is_symlink()}
    return sorted(p for p in now - before if voices_dir not in p.parents)
