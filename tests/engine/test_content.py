"""Content encoders equal transformers' HubertModel on the same weights; fairseq conversion; refusals."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest
import torch

from autovoice_desktop.core.errors import ModelFormatError, UnsafeCheckpointError, WeightsMissingError
from autovoice_desktop.engine.content import build_encoder, load_content_encoder
from autovoice_desktop.engine.contentvec_convert import convert_fairseq_checkpoint, convert_to_folder
from tests.engine.content_helpers import (
    TINY,
    reference_units,
    save_content_vec_best,
    save_fairseq_checkpoint,
    tiny_reference,
)


@pytest.fixture(scope="module")
def tiny() -> tuple:
    return tiny_reference(seed=3)


@pytest.fixture(scope="module")
def wav() -> np.ndarray:
    rng = np.random.default_rng(1)
    t = np.arange(16000) / 16000
    return (0.3 * np.sin(2 * np.pi * 180 * t) + 0.05 * rng.standard_normal(16000)).astype(np.float32)


@pytest.mark.parametrize("kind", ["vec768l12", "vec256l9"])
@pytest.mark.parametrize("safetensors", [False, True])
def test_equals_transformers(
    tmp_path: Path, tiny: tuple, wav: np.ndarray, kind: str, safetensors: bool
) -> None:
    model, proj = tiny
    folder = save_content_vec_best(tmp_path / "cvb", model, proj, safetensors=safetensors)
    enc = load_content_encoder(folder, kind=kind)
    units = enc.encode(wav)
    ref = reference_units(model, proj, torch.from_numpy(wav), kind).numpy()
    assert units.dtype == np.float32
    assert units.shape == ref.shape == (enc.dim, (16000 - 400) // 320 + 1)
    assert enc.dim == (TINY["classifier_proj_size"] if kind == "vec256l9" else TINY["hidden_size"])
    np.testing.assert_allclose(units, ref, atol=1e-5, rtol=1e-4)


def test_weight_norm_is_folded(tmp_path: Path, tiny: tuple) -> None:
    enc = load_content_encoder(save_content_vec_best(tmp_path / "cvb", *tiny), kind="vec768l12")
    conv = enc.model.encoder.pos_conv_embed.conv
    assert not hasattr(conv, "parametrizations")
    assert isinstance(conv.weight, torch.nn.Parameter)
    assert len(enc.model.encoder.layers) == 12


def test_vec256l9_runs_only_nine_layers(tmp_path: Path, tiny: tuple) -> None:
    enc = load_content_encoder(save_content_vec_best(tmp_path / "cvb", *tiny), kind="vec256l9")
    assert len(enc.model.encoder.layers) == 9


def test_weight_file_path_and_short_input(tmp_path: Path, tiny: tuple) -> None:
    folder = save_content_vec_best(tmp_path / "cvb", *tiny)
    enc = load_content_encoder(folder / "pytorch_model.bin", kind="vec768l12")
    assert enc.encode(np.zeros(100, np.float32)).shape == (TINY["hidden_size"], 1)


@pytest.mark.parametrize("half", [False, True])
def test_fairseq_checkpoint_converts(tmp_path: Path, tiny: tuple, wav: np.ndarray, half: bool) -> None:
    model, proj = tiny
    path = save_fairseq_checkpoint(tmp_path / "checkpoint_best_legacy_500.pt", model, proj, half=half)
    with pytest.raises(Exception):  # noqa: B017 - proves the file really needs more than weights_only
        torch.load(path, weights_only=True)
    if half:  # RVC hubert_base.pt is float16: the reference is the same network with rounded weights
        model = type(model)(model.config).eval()
        model.load_state_dict({k: v.half().float() for k, v in tiny[0].state_dict().items()})
        proj = torch.nn.Linear(proj.in_features, proj.out_features)
        proj.load_state_dict({k: v.half().float() for k, v in tiny[1].state_dict().items()})
    for kind in ("vec768l12", "vec256l9"):
        enc = load_content_encoder(path, kind=kind)
        ref = reference_units(model, proj, torch.from_numpy(wav), kind).numpy()
        np.testing.assert_allclose(enc.encode(wav), ref, atol=1e-5, rtol=1e-4)
    config, sd = convert_fairseq_checkpoint(path)
    assert config["num_attention_heads"] == 2 and config["conv_dim"] == [16] * 7
    assert "label_embs_concat" not in sd and "final_proj.weight" in sd


def test_converted_folder_loads_in_transformers(tmp_path: Path, tiny: tuple, wav: np.ndarray) -> None:
    from transformers import HubertModel

    model, proj = tiny
    path = save_fairseq_checkpoint(tmp_path / "hubert_base.pt", model, proj)
    folder = convert_to_folder(path, tmp_path / "converted")
    assert json.loads((folder / "config.json").read_text())["hidden_size"] == TINY["hidden_size"]
    hf = HubertModel.from_pretrained(folder).eval()
    ours = load_content_encoder(folder, kind="vec768l12").encode(wav)
    ref = reference_units(hf, proj, torch.from_numpy(wav), "vec768l12").numpy()
    np.testing.assert_allclose(ours, ref, atol=1e-5, rtol=1e-4)


class _Evil:
    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple:
        return (os.system, (f"touch {self.marker}",))


def test_malicious_pickle_is_refused(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    path = tmp_path / "evil.pt"
    torch.save({"model": {"post_extract_proj.weight": torch.zeros(2, 2)}, "x": _Evil(marker)}, path)
    with pytest.raises(UnsafeCheckpointError, match="system"):
        load_content_encoder(path)
    assert not marker.exists()


def test_errors(tmp_path: Path, tiny: tuple) -> None:
    with pytest.raises(WeightsMissingError):
        load_content_encoder(tmp_path / "nothing")
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(WeightsMissingError):
        load_content_encoder(empty)
    folder = save_content_vec_best(tmp_path / "cvb", *tiny)
    with pytest.raises(ModelFormatError, match="unknown content encoder kind"):
        load_content_encoder(folder, kind="whisper-ppg")
    sd = torch.load(folder / "pytorch_model.bin", weights_only=True)
    del sd["encoder.layers.3.feed_forward.intermediate_dense.weight"]
    torch.save(sd, folder / "pytorch_model.bin")
    with pytest.raises(ModelFormatError, match="intermediate_dense"):
        load_content_encoder(folder)
    (tmp_path / "junk.pt").write_bytes(b"not a checkpoint")
    with pytest.raises(ModelFormatError):
        load_content_encoder(tmp_path / "junk.pt")


def test_real_content_vec_best_config_keys(tmp_path: Path, tiny: tuple, wav: np.ndarray) -> None:
    """The HF config.json carries training/ctc keys and mask_time_prob 0.05; inference ignores them."""
    folder = save_content_vec_best(tmp_path / "cvb", *tiny)
    cfg = json.loads((folder / "config.json").read_text())
    cfg.update(
        _name_or_path="facebook/hubert-base-ls960",
        architectures=["HubertModelWithFinalProj"],
        torch_dtype="float32",
        transformers_version="4.27.3",
        mask_time_prob=0.05,
        layerdrop=0.1,
        apply_spec_augment=True,
        ctc_loss_reduction="sum",
        vocab_size=32,
    )
    (folder / "config.json").write_text(json.dumps(cfg))
    enc = load_content_encoder(folder, kind="vec256l9")
    ref = reference_units(*tiny, torch.from_numpy(wav), "vec256l9").numpy()
    np.testing.assert_allclose(enc.encode(wav), ref, atol=1e-5, rtol=1e-4)
    assert not enc.model.training


def test_lone_weight_file_without_config(tmp_path: Path, tiny: tuple, wav: np.ndarray) -> None:
    """A renamed content-vec-best file with no config.json beside it: the config comes from the shapes."""
    from safetensors.torch import save_file

    model, proj = tiny
    folder = save_content_vec_best(tmp_path / "cvb", model, proj)
    sd = torch.load(folder / "pytorch_model.bin", weights_only=True)
    alone = tmp_path / "alone"
    alone.mkdir()
    torch.save(sd, alone / "content-vec-best.bin")
    save_file({f"hubert.{k}": v.contiguous() for k, v in sd.items()}, str(alone / "cvb.safetensors"))
    ref = reference_units(model, proj, torch.from_numpy(wav), "vec256l9").numpy()
    for name in ("content-vec-best.bin", "cvb.safetensors"):
        config, _ = convert_fairseq_checkpoint(alone / name)
        assert config["hidden_size"] == TINY["hidden_size"] and config["num_conv_pos_embeddings"] == 16
        # heads cannot be read from shapes: a ContentVec base file has 12; this tiny one has 2
        config["num_attention_heads"] = TINY["num_attention_heads"]
        _, sd2 = convert_fairseq_checkpoint(alone / name)
        enc = build_encoder(config, sd2, kind="vec256l9")
        np.testing.assert_allclose(enc.encode(wav), ref, atol=1e-5, rtol=1e-4)
