"""Checkpoint reading: untrusted pickles refused without running code, damaged files, layouts, strictness."""

from __future__ import annotations

import os
import pickle
from pathlib import Path

import pytest
import torch

from autovoice_desktop.core.errors import ModelFormatError, UnsafeCheckpointError
from autovoice_desktop.engine.sovits.checkpoint import extract_state_dict, load_into, read_checkpoint
from autovoice_desktop.engine.sovits.config import parse_config
from autovoice_desktop.engine.sovits.synthesizer import SynthesizerTrn
from tests.engine.sovits.factory import make_config, reference_state, save_g


class _Payload:
    """Unpickling this calls os.system, which would create the marker file."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[object, tuple[str]]:
        return (os.system, (f"touch {self.marker}",))


def _net(raw: dict) -> SynthesizerTrn:
    return SynthesizerTrn(parse_config(raw))


def test_malicious_pickle_is_refused_and_runs_nothing(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    path = tmp_path / "G_1.pth"
    torch.save({"model": {"pre.weight": torch.zeros(1)}, "evil": _Payload(marker)}, path)
    with pytest.raises(UnsafeCheckpointError, match="needs code to load; refused"):
        read_checkpoint(path)
    assert not marker.exists()
    # plain pickle (not torch's zip format) with the same payload
    with open(path, "wb") as f:
        pickle.dump(_Payload(marker), f)
    with pytest.raises((UnsafeCheckpointError, ModelFormatError)):
        read_checkpoint(path)
    assert not marker.exists()


def test_truncated_file_is_a_format_error(tmp_path: Path) -> None:
    raw = make_config("4.0")
    path = save_g(tmp_path / "G_1.pth", reference_state(raw))
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(ModelFormatError, match="truncated|damaged"):
        read_checkpoint(path)


@pytest.mark.parametrize("content", [b"", b"hello, not a checkpoint\n", b"PK\x03\x04garbage"])
def test_non_torch_files_are_format_errors(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "G_1.pth"
    path.write_bytes(content)
    with pytest.raises(ModelFormatError):
        read_checkpoint(path)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ModelFormatError, match="not found"):
        read_checkpoint(tmp_path / "G_404.pth")


def test_rvc_checkpoint_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "voice.pth"
    weights = {"enc_p.emb_phone.weight": torch.zeros(192, 768)}
    torch.save({"weight": weights, "config": [1025, 32, 192], "info": "300epoch", "sr": "40k", "f0": 1,
                "version": "v2"}, path)  # fmt: skip
    with pytest.raises(ModelFormatError, match="RVC"):
        read_checkpoint(path)
    torch.save(weights, path)  # bare RVC state dict
    with pytest.raises(ModelFormatError, match="RVC"):
        read_checkpoint(path)


def test_discriminator_checkpoint_is_refused(tmp_path: Path) -> None:
    path = save_g(tmp_path / "D_1.pth", {"discriminators.0.convs.0.weight": torch.zeros(2, 1, 5)})
    with pytest.raises(ModelFormatError, match="D_\\*.pth"):
        read_checkpoint(path)


def test_non_tensor_entries_are_refused() -> None:
    with pytest.raises(ModelFormatError, match="entry 'pre.weight' is a list"):
        extract_state_dict({"model": {"pre.weight": [1, 2]}})


def test_layouts_prefix_and_fp16_normalise_to_the_same_weights(tmp_path: Path) -> None:
    raw = make_config("4.0")
    state = reference_state(raw)
    wrapped = read_checkpoint(save_g(tmp_path / "a.pth", state))
    torch.save(state, tmp_path / "bare.pth")
    bare = read_checkpoint(tmp_path / "bare.pth")
    save_g(tmp_path / "module.pth", {f"module.{k}": v for k, v in state.items()})
    prefixed = read_checkpoint(tmp_path / "module.pth")
    assert wrapped.keys() == bare.keys() == prefixed.keys() == state.keys()
    save_g(tmp_path / "half.pth", {k: v.half() for k, v in state.items()})
    half = read_checkpoint(tmp_path / "half.pth")
    assert all(v.dtype == torch.float32 for v in half.values())
    assert torch.allclose(half["pre.weight"], state["pre.weight"], atol=1e-3)


def test_weight_norm_is_folded_like_torch(tmp_path: Path) -> None:
    raw = make_config("4.0")
    state = reference_state(raw)
    net = _net(raw)
    load_into(net, state)
    conv = torch.nn.utils.weight_norm(torch.nn.ConvTranspose1d(32, 16, 16, 8, padding=4))
    with torch.no_grad():
        conv.weight_g.copy_(state["dec.ups.0.weight_g"])
        conv.weight_v.copy_(state["dec.ups.0.weight_v"])
        conv.bias.copy_(state["dec.ups.0.bias"])
    x = torch.randn(1, 32, 5)
    assert torch.allclose(net.dec.ups[0](x), conv(x), atol=1e-6)
    assert not torch.allclose(net.dec.ups[0].weight, state["dec.ups.0.weight_v"])
    assert not any(k.endswith(("weight_g", "weight_v")) for k in net.state_dict())


def test_parametrization_weight_norm_names_are_accepted() -> None:
    raw = make_config("4.0")
    state = {
        k.replace(".weight_g", ".parametrizations.weight.original0").replace(
            ".weight_v", ".parametrizations.weight.original1"
        ): v
        for k, v in reference_state(raw, enc_q=False).items()
    }
    load_into(_net(raw), state)


def test_release_file_without_enc_q_loads() -> None:
    raw = make_config("4.1")
    state = reference_state(raw, enc_q=False)
    assert not any(k.startswith("enc_q.") for k in state)
    load_into(_net(raw), state)


def test_missing_key_is_named() -> None:
    raw = make_config("4.0")
    state = reference_state(raw)
    del state["enc_p.proj.weight"]
    with pytest.raises(ModelFormatError, match="missing 1 weight\\(s\\): enc_p.proj.weight"):
        load_into(_net(raw), state)


def test_unexpected_key_is_named() -> None:
    raw = make_config("4.0")
    state = reference_state(raw)
    state["dec.extra.weight"] = torch.zeros(3)
    with pytest.raises(ModelFormatError, match="unexpected 1 weight\\(s\\): dec.extra.weight"):
        load_into(_net(raw), state)


def test_wrong_shape_names_key_and_both_shapes() -> None:
    state = reference_state(make_config("4.1"))  # trained with ssl_dim 768
    with pytest.raises(ModelFormatError) as info:
        load_into(_net(make_config("4.0")), state)  # config says 256
    message = str(info.value)
    assert "'pre.weight'" in message and "[16, 768, 5]" in message and "[16, 256, 5]" in message
    assert "ssl_dim 768" in message


def test_wrong_weight_norm_shape_is_named() -> None:
    raw = make_config("4.0")
    state = reference_state(raw)
    state["dec.conv_pre.weight_v"] = torch.zeros(32, 16, 5)
    with pytest.raises(
        ModelFormatError, match="'dec.conv_pre.weight_v' has shape \\[32, 16, 5\\].*\\[32, 16, 7\\]"
    ):
        load_into(_net(raw), state)


def test_incomplete_weight_norm_pair_is_named() -> None:
    raw = make_config("4.0")
    state = reference_state(raw)
    del state["dec.conv_post.weight_g"]
    with pytest.raises(ModelFormatError, match="'dec.conv_post.weight_g' is missing"):
        load_into(_net(raw), state)


def test_speaker_count_mismatch_is_explained() -> None:
    state = reference_state(make_config("4.0", n_speakers=200))
    with pytest.raises(ModelFormatError, match="emb_g.weight.*\\[200, 8\\].*\\[4, 8\\].*200 speaker rows"):
        load_into(_net(make_config("4.0")), state)


@pytest.mark.parametrize(
    ("trained", "config", "pattern"),
    [
        ({"vol_embedding": True}, {}, "trained with vol_embedding"),
        ({}, {"vol_embedding": True}, "says vol_embedding true"),
        ({"use_automatic_f0_prediction": False}, {}, "no F0 predictor"),
        ({}, {"use_automatic_f0_prediction": False}, "has an F0 predictor"),
    ],
)
def test_41_option_mismatch_is_explained(trained: dict, config: dict, pattern: str) -> None:
    state = reference_state(make_config("4.1", **trained))
    with pytest.raises(ModelFormatError, match=pattern):
        load_into(_net(make_config("4.1", **config)), state)


def test_loaded_weights_equal_the_checkpoint(tmp_path: Path) -> None:
    raw = make_config("4.1", vol_embedding=True)
    state = reference_state(raw)
    net = _net(raw)
    load_into(net, read_checkpoint(save_g(tmp_path / "G.pth", state)))
    loaded = net.state_dict()
    for key in ("emb_vol.weight", "pre.weight", "f0_decoder.proj.weight", "flow.flows.0.post.weight"):
        assert torch.equal(loaded[key], state[key])
