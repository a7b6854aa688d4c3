"""config.json parsing: typed values, the encoder rule, and every refusal naming what the model is."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from autovoice_desktop.core.errors import EncoderMismatchError, ModelFormatError
from autovoice_desktop.engine.sovits import SUPPORTED_ENCODERS, check_encoder_dim, load_config, parse_config
from tests.engine.sovits.factory import make_config


def test_40_config_is_typed_with_reference_defaults() -> None:
    cfg = parse_config(make_config("4.0"))
    assert (cfg.sampling_rate, cfg.hop_length, cfg.filter_length, cfg.segment_size) == (
        44100,
        512,
        2048,
        10240,
    )
    assert cfg.spec_channels == 1025
    assert cfg.upsample_rates == (8, 8, 2, 2, 2) and cfg.resblock_dilation_sizes[0] == (1, 3, 5)
    assert cfg.speech_encoder == "vec256l9" and cfg.ssl_dim == 256
    assert cfg.speakers == {"alice": 0, "bob": 1, "carol": 2}
    assert not cfg.vol_embedding and cfg.use_automatic_f0_prediction and cfg.n_flow_layer == 4
    assert cfg.sine_sampling_rate == 44100 and cfg.unit_interpolate_mode == "left" and cfg.style == "4.0"


def test_41_keys_are_read() -> None:
    raw = make_config("4.1", vol_embedding=True, use_automatic_f0_prediction=False, n_flow_layer=3)
    cfg = parse_config(raw)
    assert cfg.vol_embedding and not cfg.use_automatic_f0_prediction and cfg.n_flow_layer == 3
    assert cfg.speech_encoder == "vec768l12" and cfg.style == "4.1" and cfg.unit_interpolate_mode == "nearest"


def test_unit_mapping_follows_the_lineage_and_the_config() -> None:
    assert parse_config(make_config("4.0")).unit_mapping == "fork"
    assert parse_config(make_config("4.1")).unit_mapping == "nearest"  # 4.1's config template
    for given, expected in ((None, "left"), ("left", "left"), ("linear", "linear")):
        raw = make_config("4.1")
        raw["data"]["unit_interpolate_mode"] = given
        assert parse_config(raw).unit_mapping == expected, given
    raw = make_config("4.1", vol_embedding=True)
    del raw["data"]["unit_interpolate_mode"]  # an older 4.1 config: 4.1's inference falls back to "left"
    assert parse_config(raw).unit_mapping == "left"


@pytest.mark.parametrize("mode", ["bilinear", "cubic", 3, ["nearest"]])
def test_an_unknown_unit_interpolate_mode_is_refused_by_name(mode: Any) -> None:
    raw = make_config("4.1")
    raw["data"]["unit_interpolate_mode"] = mode
    with pytest.raises(ModelFormatError, match="unit_interpolate_mode"):
        parse_config(raw)


def test_rate_and_hop_come_from_the_file() -> None:
    raw = make_config(
        "4.0", upsample_rates=[10, 8, 2, 2], upsample_kernel_sizes=[20, 16, 4, 4], sampling_rate=48000
    )
    raw["data"].update(sampling_rate=32000, hop_length=320)
    cfg = parse_config(raw)
    assert (cfg.sampling_rate, cfg.hop_length, cfg.frame_rate) == (32000, 320, 100.0)
    assert cfg.sine_sampling_rate == 48000  # model.sampling_rate feeds SineGen, not data.sampling_rate


@pytest.mark.parametrize(
    ("model", "data", "expected"),
    [
        ({"speech_encoder": "vec256l9"}, {}, "vec256l9"),
        ({"ssl_dim": 768}, {}, "vec768l12"),
        ({"ssl_dim": 768}, {"contentvec_final_proj": False}, "vec768l12"),
        ({"ssl_dim": 256}, {"contentvec_final_proj": True}, "vec256l9"),
        ({"ssl_dim": 256}, {}, "vec256l9"),
    ],
)
def test_encoder_rule(model: dict[str, Any], data: dict[str, Any], expected: str) -> None:
    raw = make_config("4.0", **model)
    raw["data"].update(data)
    assert parse_config(raw).speech_encoder == expected


def test_contentvec_final_proj_false_with_256_is_an_encoder_mismatch() -> None:
    raw = make_config("4.0")
    raw["data"]["contentvec_final_proj"] = False
    with pytest.raises(EncoderMismatchError, match="768-dim.*ssl_dim 256"):
        parse_config(raw)


def test_declared_encoder_must_match_ssl_dim() -> None:
    with pytest.raises(EncoderMismatchError, match="vec256l9.*ssl_dim 768"):
        parse_config(make_config("4.1", speech_encoder="vec256l9"))
    check_encoder_dim("vec768l12", SUPPORTED_ENCODERS["vec768l12"], 768)


@pytest.mark.parametrize(
    "encoder", ["hubertsoft", "whisper-ppg", "whisper-ppg-large", "cnhubertlarge", "wavlmbase+"]
)
def test_unsupported_encoders_are_refused_by_name(encoder: str) -> None:
    with pytest.raises(
        ModelFormatError, match=f"'{re.escape(encoder)}' content encoder.*does not support"
    ) as info:
        parse_config(make_config("4.1", speech_encoder=encoder))
    assert "vec256l9" in (info.value.hint or "")


def test_unknown_encoder_is_refused() -> None:
    with pytest.raises(ModelFormatError, match="'mystery' content encoder \\(an unknown"):
        parse_config(make_config("4.1", speech_encoder="mystery"))


@pytest.mark.parametrize(
    ("overrides", "pattern"),
    [
        ({"use_depthwise_conv": True}, "use_depthwise_conv.*tiny"),
        ({"use_transformer_flow": True}, "use_transformer_flow.*transformer flow"),
        ({"flow_share_parameter": True}, "flow_share_parameter.*shared parameters"),
        ({"vocoder_name": "nsf-snake-hifigan"}, "vocoder_name is 'nsf-snake-hifigan'"),
        ({"type_": "mb-istft"}, "QuickVC.*mb-istft"),
        ({"type_": "istft"}, "QuickVC"),
    ],
)
def test_unsupported_options_are_refused(overrides: dict[str, Any], pattern: str) -> None:
    with pytest.raises(ModelFormatError, match=pattern):
        parse_config(make_config("4.1", **overrides))


def test_rvc_config_list_is_refused() -> None:
    with pytest.raises(ModelFormatError, match="RVC"):
        parse_config([1025, 32, 192, 192, 768, 2, 6, 3, 0, "1", [3, 7, 11]])


def test_rvc_dict_config_is_refused() -> None:
    raw = make_config("4.0")
    raw["model"]["spk_embed_dim"] = 109
    with pytest.raises(ModelFormatError, match="RVC"):
        parse_config(raw)


def test_3x_config_is_refused() -> None:
    raw = make_config("4.0")
    del raw["model"]["ssl_dim"]
    raw["data"].update(sampling_rate=32000, hop_length=320)
    with pytest.raises(ModelFormatError, match="3.x.*32000.*320"):
        parse_config(raw)


def test_40_v2_visinger_config_is_refused() -> None:
    raw = {
        "train": {},
        "data": {"sampling_rate": 44100, "hop_length": 512, "acoustic_dim": 80, "c_dim": 256},
        "model": {"hidden_channels": 192, "prior_hidden_channels": 192, "n_harmonic": 64, "n_bands": 65},
        "spk": {"a": 0},
    }
    with pytest.raises(ModelFormatError, match="4.0-v2"):
        parse_config(raw)


def test_config_without_spk_is_not_a_4x_config() -> None:
    raw = make_config("4.0")
    del raw["spk"]
    with pytest.raises(ModelFormatError, match="not a So-VITS-SVC 4.x config.*'spk'"):
        parse_config(raw)


@pytest.mark.parametrize("key", ["sampling_rate", "hop_length", "filter_length"])
def test_missing_data_key_is_named(key: str) -> None:
    raw = make_config("4.0")
    del raw["data"][key]
    with pytest.raises(ModelFormatError, match=f"missing the key 'data.{key}'"):
        parse_config(raw)


@pytest.mark.parametrize(
    "key", ["inter_channels", "upsample_rates", "gin_channels", "n_speakers", "resblock"]
)
def test_missing_model_key_is_named(key: str) -> None:
    raw = make_config("4.0")
    del raw["model"][key]
    with pytest.raises(ModelFormatError, match=f"'model.{key}'"):
        parse_config(raw)


@pytest.mark.parametrize(
    ("section", "key", "value", "expected"),
    [
        ("data", "hop_length", "512", "an integer"),
        ("model", "upsample_rates", [8, "8"], "a list of integers"),
        ("model", "resblock_dilation_sizes", [1, 3, 5], "a list of lists"),
        ("model", "vol_embedding", "yes", "true or false"),
        ("model", "n_heads", True, "an integer"),
    ],
)
def test_wrong_type_is_named(section: str, key: str, value: Any, expected: str) -> None:
    raw = make_config("4.1")
    raw[section][key] = value
    with pytest.raises(ModelFormatError, match=f"'{section}.{key}' must be {expected}"):
        parse_config(raw)


def test_hop_must_equal_upsampling_product() -> None:
    raw = make_config("4.0")
    raw["data"]["hop_length"] = 320
    with pytest.raises(ModelFormatError, match="product of model.upsample_rates.*512.*hop_length is 320"):
        parse_config(raw)


def test_speaker_ids_must_fit_n_speakers() -> None:
    raw = make_config("4.0")
    raw["spk"]["dave"] = 4
    with pytest.raises(ModelFormatError, match="'dave' has id 4.*n_speakers is 4"):
        parse_config(raw)


def test_bad_spk_values_are_refused() -> None:
    raw = make_config("4.0")
    raw["spk"] = {"alice": "zero"}
    with pytest.raises(ModelFormatError, match="spk\\['alice'\\]"):
        parse_config(raw)


def test_load_config_reads_files(tmp_path: Path) -> None:
    path = tmp_path / "config.json"
    path.write_text(json.dumps(make_config("fork")), encoding="utf-8")
    cfg = load_config(path)
    assert cfg.n_speakers == 200 and cfg.speech_encoder == "vec768l12" and cfg.style == "4.0"


def test_invalid_json_and_missing_file(tmp_path: Path) -> None:
    bad = tmp_path / "config.json"
    bad.write_text("{ not json", encoding="utf-8")
    with pytest.raises(ModelFormatError, match="not valid JSON"):
        load_config(bad)
    with pytest.raises(ModelFormatError, match="not found"):
        load_config(tmp_path / "nope.json")
