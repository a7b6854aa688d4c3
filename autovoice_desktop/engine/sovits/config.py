"""Parse a So-VITS-SVC 4.0/4.1 (or so-vits-svc-fork) `config.json` into a typed `SovitsConfig`.

Everything the synthesizer needs comes from the file (`data.sampling_rate`, `data.hop_length`, `model.*`);
nothing is hard-coded. Foreign or unsupported models are refused with a message that says what they are:
RVC, So-VITS-SVC 3.x, 4.0-v2 (VISinger2), fork QuickVC (iSTFT decoders), and the 4.1 options AutoVoice does
not implement (tiny/depthwise convolutions, transformer flow, shared flow parameters, other vocoders).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from autovoice_desktop.core.errors import EncoderMismatchError, ModelFormatError

# Content encoders AutoVoice provides, with their output width (must equal model.ssl_dim).
SUPPORTED_ENCODERS: dict[str, int] = {"vec256l9": 256, "vec768l12": 768}
# Encoders of 4.1 that AutoVoice does not provide (refused by name).
KNOWN_UNSUPPORTED_ENCODERS: dict[str, int] = {
    "hubertsoft": 256,
    "whisper-ppg": 1024,
    "whisper-ppg-large": 1280,
    "cnhubertlarge": 1024,
    "dphubert": 768,
    "wavlmbase+": 768,
    "vec256l9-onnx": 256,
    "vec256l12-onnx": 256,
    "vec768l9-onnx": 768,
    "vec768l12-onnx": 768,
    "hubertsoft-onnx": 256,
}
# model.* keys that only 4.1 writes: their presence selects the 4.1 numerics (see commons.f0_to_coarse).
_KEYS_41 = (
    "speech_encoder",
    "vol_embedding",
    "vocoder_name",
    "use_depthwise_conv",
    "flow_share_parameter",
    "use_automatic_f0_prediction",
    "use_transformer_flow",
    "n_flow_layer",
    "n_layers_trans_flow",
    "speaker_embedding",
)
_HINT = "use the config.json that was trained with this model"
#: the integer model.* sizes of the prior encoder, named like their SovitsConfig fields
_MODEL_SIZES = ("inter_channels", "hidden_channels", "filter_channels", "n_heads", "n_layers", "kernel_size")


@dataclass(frozen=True)
class SovitsConfig:
    """The parts of config.json that define a So-VITS-SVC 4.x synthesizer (defaults are the reference's)."""

    sampling_rate: int  # data.sampling_rate: output rate in Hz
    hop_length: int  # data.hop_length: samples per frame (= prod(upsample_rates))
    filter_length: int  # data.filter_length (spec_channels = filter_length // 2 + 1, training only)
    segment_size: int  # train.segment_size (training only)
    inter_channels: int
    hidden_channels: int
    filter_channels: int
    n_heads: int
    n_layers: int
    kernel_size: int
    p_dropout: float
    resblock: str
    resblock_kernel_sizes: tuple[int, ...]
    resblock_dilation_sizes: tuple[tuple[int, ...], ...]
    upsample_rates: tuple[int, ...]
    upsample_initial_channel: int
    upsample_kernel_sizes: tuple[int, ...]
    gin_channels: int
    ssl_dim: int
    n_speakers: int
    speakers: dict[str, int] = field(default_factory=dict)  # spk: {name: id}
    speech_encoder: str = "vec256l9"  # resolved by the reference rule (see resolve_speech_encoder)
    sine_sampling_rate: int = 44100  # model.sampling_rate (SineGen quirk), NOT data.sampling_rate
    vol_embedding: bool = False
    use_automatic_f0_prediction: bool = True
    n_flow_layer: int = 4
    vocoder_name: str = "nsf-hifigan"
    unit_interpolate_mode: str = "left"  # data.unit_interpolate_mode; "left" when missing (old models)
    style: str = "4.0"  # "4.1" when the config has 4.1-only keys: selects 4.1 numerics

    @property
    def spec_channels(self) -> int:
        """filter_length // 2 + 1 (used only by the training-time posterior encoder enc_q)."""
        return self.filter_length // 2 + 1

    @property
    def unit_mapping(self) -> str:
        """How content units are stretched to frames (content_input.stretch_units): "fork" for the 4.0
        lineage, else data.unit_interpolate_mode."""
        return "fork" if self.style == "4.0" else self.unit_interpolate_mode

    @property
    def frame_rate(self) -> float:
        """Frames per second of the model's grid."""
        return self.sampling_rate / self.hop_length


def load_config(path: str | Path) -> SovitsConfig:
    """Read and validate config.json. Raises ModelFormatError / EncoderMismatchError with the key named."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError as exc:
        raise ModelFormatError(f"config file not found: {path}", _HINT) from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise ModelFormatError(f"cannot read config file {path}: {exc}", _HINT) from exc
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ModelFormatError(f"{path.name} is not valid JSON: {exc}", _HINT) from exc
    except (RecursionError, ValueError) as exc:  # nesting too deep, integers with thousands of digits
        detail = (str(exc).splitlines() or [type(exc).__name__])[0]
        raise ModelFormatError(f"{path.name} cannot be used as a config: {detail}", _HINT) from exc
    return parse_config(raw, source=path.name)


def parse_config(raw: Any, source: str = "config.json") -> SovitsConfig:
    """Validate a decoded config.json object (see load_config)."""
    _refuse_foreign(raw, source)
    data = _section(raw, "data", source)
    model = _section(raw, "model", source)
    train = raw.get("train", {})
    if not isinstance(train, Mapping):
        raise ModelFormatError(f"{source}: 'train' must be an object, got {type(train).__name__}", _HINT)
    _refuse_unsupported_options(model, source)

    get = _Getter(source)
    ssl_dim = get.int(model, "model.ssl_dim")
    encoder = resolve_speech_encoder(model, data, ssl_dim, source)
    cfg = SovitsConfig(
        **get.each(get.int, data, "data", "sampling_rate", "hop_length", "filter_length"),
        segment_size=get.int(train, "train.segment_size", 10240),
        **get.each(get.int, model, "model", *_MODEL_SIZES),
        p_dropout=get.number(model, "model.p_dropout", 0.1),
        resblock=get.resblock(model),
        resblock_kernel_sizes=get.int_list(model, "model.resblock_kernel_sizes"),
        resblock_dilation_sizes=get.nested_int_list(model, "model.resblock_dilation_sizes"),
        **get.each(get.int_list, model, "model", "upsample_rates", "upsample_kernel_sizes"),
        **get.each(get.int, model, "model", "upsample_initial_channel", "gin_channels"),
        ssl_dim=ssl_dim,
        n_speakers=get.int(model, "model.n_speakers"),
        speakers=_speakers(raw["spk"], source),
        speech_encoder=encoder,
        sine_sampling_rate=get.int(model, "model.sampling_rate", 44100),
        vol_embedding=get.bool(model, "model.vol_embedding", False),
        use_automatic_f0_prediction=get.bool(model, "model.use_automatic_f0_prediction", True),
        n_flow_layer=get.int(model, "model.n_flow_layer", 4),
        vocoder_name=get.str(model, "model.vocoder_name", "nsf-hifigan"),
        unit_interpolate_mode=_unit_interpolate_mode(data, source),
        style="4.1" if any(k in model for k in _KEYS_41) or "unit_interpolate_mode" in data else "4.0",
    )
    _check_consistency(cfg, source)
    check_encoder_dim(encoder, SUPPORTED_ENCODERS[encoder], cfg.ssl_dim)
    return cfg


def resolve_speech_encoder(
    model: Mapping[str, Any], data: Mapping[str, Any], ssl_dim: int, source: str
) -> str:
    """The reference rule: model.speech_encoder if present; else vec768l12 if data.contentvec_final_proj is
    false or ssl_dim == 768; else vec256l9. Unsupported encoders are refused by name."""
    if "speech_encoder" in model:
        name = model["speech_encoder"]
        if not isinstance(name, str):
            raise ModelFormatError(f"{source}: model.speech_encoder must be a string, got {name!r}", _HINT)
    elif data.get("contentvec_final_proj", True) is False or ssl_dim == 768:
        name = "vec768l12"
    else:
        name = "vec256l9"
    if name in SUPPORTED_ENCODERS:
        return name
    what = (
        "a known 4.1 content encoder" if name in KNOWN_UNSUPPORTED_ENCODERS else "an unknown content encoder"
    )
    raise ModelFormatError(
        f"{source}: this model uses the '{name}' content encoder ({what}), which AutoVoice does not support",
        f"supported encoders: {', '.join(SUPPORTED_ENCODERS)}",
    )


def check_encoder_dim(encoder: str, encoder_dim: int, ssl_dim: int) -> None:
    """Raise EncoderMismatchError unless the encoder's output width equals the model's ssl_dim."""
    if encoder_dim != ssl_dim:
        raise EncoderMismatchError(
            f"content encoder '{encoder}' gives {encoder_dim}-dim features but the model expects "
            f"ssl_dim {ssl_dim}",
            "set model.speech_encoder (vec256l9 for 256, vec768l12 for 768) to the model's encoder",
        )


def _refuse_foreign(raw: Any, source: str) -> None:
    """Name RVC / 3.x / 4.0-v2 / QuickVC / other configs before looking for 4.x keys."""
    if isinstance(raw, list):
        raise ModelFormatError(
            f"{source} is a list: this looks like an RVC model, not So-VITS-SVC 4.x", _HINT
        )
    if not isinstance(raw, Mapping):
        raise ModelFormatError(f"{source} is not a JSON object: not a So-VITS-SVC 4.x config", _HINT)
    model = raw.get("model")
    data = raw.get("data")
    model = model if isinstance(model, Mapping) else {}
    data = data if isinstance(data, Mapping) else {}
    if "spk_embed_dim" in model or {"config", "weight", "version"} <= set(raw):
        raise ModelFormatError(f"{source} belongs to an RVC model, not So-VITS-SVC 4.x", _HINT)
    if any(k in model for k in ("n_harmonic", "n_bands", "prior_hidden_channels")) or "acoustic_dim" in data:
        raise ModelFormatError(
            f"{source} belongs to a So-VITS-SVC 4.0-v2 (VISinger2-based) model, "
            "which AutoVoice does not support",
            "only So-VITS-SVC 4.0 / 4.1 models are supported",
        )
    type_ = model.get("type_", "hifi-gan")
    if type_ != "hifi-gan":
        raise ModelFormatError(
            f"{source} belongs to a so-vits-svc-fork QuickVC model (model.type_ = {type_!r}, "
            "an iSTFT decoder), "
            "which AutoVoice does not support",
            "only NSF-HiFi-GAN models (model.type_ 'hifi-gan') are supported",
        )
    if "spk" not in raw:
        raise ModelFormatError(
            f"{source} is not a So-VITS-SVC 4.x config (it has no 'spk' speaker map)", _HINT
        )
    if model and "ssl_dim" not in model:
        rate, hop = data.get("sampling_rate"), data.get("hop_length")
        raise ModelFormatError(
            f"{source} belongs to a So-VITS-SVC 3.x-era model (no model.ssl_dim; data.sampling_rate {rate}, "
            f"hop_length {hop}), which AutoVoice does not support",
            "only So-VITS-SVC 4.0 / 4.1 models are supported",
        )


#: 4.1's content-unit mappings: its own "left" loop and the torch interpolate modes that take (1, C, T)
UNIT_INTERPOLATE_MODES = ("left", "nearest", "linear", "area", "nearest-exact")


def _unit_interpolate_mode(data: Mapping[str, Any], source: str) -> str:
    """data.unit_interpolate_mode: "left" when missing or null (as 4.1's inference does), else one of
    UNIT_INTERPOLATE_MODES."""
    mode = data.get("unit_interpolate_mode")
    if mode is None:
        return "left"
    if mode not in UNIT_INTERPOLATE_MODES:
        raise ModelFormatError(
            f"{source}: data.unit_interpolate_mode is {mode!r}; So-VITS-SVC 4.1 runs "
            + ", ".join(repr(m) for m in UNIT_INTERPOLATE_MODES),
            'set it to "nearest" (4.1\'s config template) or to the value the model was trained with',
        )
    return mode


def _refuse_unsupported_options(model: Mapping[str, Any], source: str) -> None:
    """4.1 options whose weights AutoVoice cannot run: refuse by name instead of loading garbage."""
    vocoder = model.get("vocoder_name", "nsf-hifigan")
    if vocoder != "nsf-hifigan":
        raise ModelFormatError(
            f"{source}: model.vocoder_name is {vocoder!r}; AutoVoice only supports the 'nsf-hifigan' vocoder",
            "models with the snake vocoder or shallow diffusion are not supported",
        )
    options = {
        "use_depthwise_conv": "the 4.1 'tiny' model (depthwise-separable convolutions)",
        "use_transformer_flow": "the VITS2 transformer flow",
        "flow_share_parameter": "a flow with shared parameters",
    }
    for key, what in options.items():
        value = model.get(key, False)
        if not isinstance(value, bool):
            raise ModelFormatError(f"{source}: model.{key} must be true or false, got {value!r}", _HINT)
        if value:
            raise ModelFormatError(
                f"{source}: model.{key} is true: this model uses {what}, which AutoVoice does not support",
                "only standard So-VITS-SVC 4.0 / 4.1 models are supported",
            )


def _section(raw: Mapping[str, Any], name: str, source: str) -> Mapping[str, Any]:
    if name not in raw:
        raise ModelFormatError(f"{source} has no '{name}' section", _HINT)
    section = raw[name]
    if not isinstance(section, Mapping):
        raise ModelFormatError(f"{source}: '{name}' must be an object, got {type(section).__name__}", _HINT)
    return section


def _speakers(spk: Any, source: str) -> dict[str, int]:
    if not isinstance(spk, Mapping) or not spk:
        raise ModelFormatError(f"{source}: 'spk' must be a non-empty object of speaker name -> id", _HINT)
    out: dict[str, int] = {}
    for name, sid in spk.items():
        if not isinstance(sid, int) or isinstance(sid, bool) or sid < 0:
            raise ModelFormatError(
                f"{source}: spk[{name!r}] must be a non-negative integer id, got {sid!r}", _HINT
            )
        out[str(name)] = sid
    return out


#: Upper bounds far above every real model (4.0/4.1 use 192 hidden, 768 filter, 6 layers, <= 1280 ssl_dim).
_LIMITS = {
    "sampling_rate": 384_000,
    "hop_length": 4096,
    "filter_length": 16384,
    "inter_channels": 1024,
    "hidden_channels": 1024,
    "filter_channels": 4096,
    "n_heads": 32,
    "n_layers": 24,
    "kernel_size": 31,
    "upsample_initial_channel": 4096,
    "gin_channels": 4096,
    "ssl_dim": 4096,
    "n_speakers": 10_000,
    "sine_sampling_rate": 384_000,
    "n_flow_layer": 32,
}


def _check_consistency(cfg: SovitsConfig, source: str) -> None:
    def bad(message: str) -> ModelFormatError:
        return ModelFormatError(f"{source}: {message}", _HINT)

    for key in (
        "sampling_rate",
        "hop_length",
        "filter_length",
        "inter_channels",
        "hidden_channels",
        "filter_channels",
        "n_heads",
        "n_layers",
        "kernel_size",
        "upsample_initial_channel",
        "gin_channels",
        "ssl_dim",
        "n_speakers",
        "sine_sampling_rate",
        "n_flow_layer",
    ):
        if getattr(cfg, key) <= 0:
            raise bad(f"{key} must be positive, got {getattr(cfg, key)}")
    for key, limit in _LIMITS.items():  # a hostile config must not ask for terabytes when the model is built
        if getattr(cfg, key) > limit:
            raise bad(f"{key} is {getattr(cfg, key)}, more than any So-VITS-SVC model uses (at most {limit})")
    sizes = [*cfg.upsample_rates, *cfg.upsample_kernel_sizes, *cfg.resblock_kernel_sizes]
    sizes += [d for row in cfg.resblock_dilation_sizes for d in row]
    if len(sizes) > 64 or any(not 0 < v <= 64 for v in sizes):
        raise bad("model.upsample_* / resblock_* lists hold values outside 1..64 or are too long")
    if len(cfg.upsample_rates) != len(cfg.upsample_kernel_sizes) or not cfg.upsample_rates:
        raise bad(
            "model.upsample_rates and model.upsample_kernel_sizes must be non-empty and of equal length"
        )
    if len(cfg.resblock_kernel_sizes) != len(cfg.resblock_dilation_sizes) or not cfg.resblock_kernel_sizes:
        raise bad("model.resblock_kernel_sizes and model.resblock_dilation_sizes must have equal length")
    if math.prod(cfg.upsample_rates) != cfg.hop_length:
        raise bad(
            f"the product of model.upsample_rates {list(cfg.upsample_rates)} is "
            f"{math.prod(cfg.upsample_rates)}, but data.hop_length is {cfg.hop_length}"
        )
    if cfg.hidden_channels % cfg.n_heads:
        raise bad(
            f"model.hidden_channels {cfg.hidden_channels} is not divisible by model.n_heads {cfg.n_heads}"
        )
    if cfg.inter_channels % 2:
        raise bad(f"model.inter_channels must be even, got {cfg.inter_channels}")
    for name, sid in cfg.speakers.items():
        if sid >= cfg.n_speakers:
            raise bad(f"speaker {name!r} has id {sid}, but model.n_speakers is {cfg.n_speakers}")


class _Getter:
    """Typed access to config values; every error names the key."""

    def __init__(self, source: str) -> None:
        self.source = source

    @staticmethod
    def each(
        read: Callable[[Mapping[str, Any], str], Any], section: Mapping[str, Any], prefix: str, *names: str
    ) -> dict[str, Any]:
        """{name: read(section, "prefix.name")} for SovitsConfig fields named like their keys, in order."""
        return {name: read(section, f"{prefix}.{name}") for name in names}

    def _raw(self, section: Mapping[str, Any], key: str, default: Any) -> Any:
        leaf = key.split(".", 1)[1]
        if leaf in section:
            return section[leaf]
        if default is not None:
            return default
        raise ModelFormatError(f"{self.source} is missing the key '{key}'", _HINT)

    def _wrong(self, key: str, expected: str, value: Any) -> ModelFormatError:
        return ModelFormatError(f"{self.source}: '{key}' must be {expected}, got {value!r}", _HINT)

    def int(self, section: Mapping[str, Any], key: str, default: int | None = None) -> int:
        value = self._raw(section, key, default)
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if not isinstance(value, int) or isinstance(value, bool):
            raise self._wrong(key, "an integer", value)
        return value

    def number(self, section: Mapping[str, Any], key: str, default: float | None = None) -> float:
        value = self._raw(section, key, default)
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            raise self._wrong(key, "a number", value)
        return float(value)

    def bool(self, section: Mapping[str, Any], key: str, default: bool) -> bool:
        value = self._raw(section, key, default)
        if not isinstance(value, bool):
            raise self._wrong(key, "true or false", value)
        return value

    def str(self, section: Mapping[str, Any], key: str, default: str | None = None) -> str:
        value = self._raw(section, key, default)
        if not isinstance(value, str):
            raise self._wrong(key, "a string", value)
        return value

    def resblock(self, section: Mapping[str, Any]) -> str:
        value = self._raw(section, "model.resblock", None)
        if str(value) not in ("1", "2"):
            raise self._wrong("model.resblock", '"1" or "2"', value)
        return str(value)

    def int_list(self, section: Mapping[str, Any], key: str) -> tuple[int, ...]:
        value = self._raw(section, key, None)
        if not isinstance(value, list) or not all(
            isinstance(v, int) and not isinstance(v, bool) for v in value
        ):
            raise self._wrong(key, "a list of integers", value)
        return tuple(value)

    def nested_int_list(self, section: Mapping[str, Any], key: str) -> tuple[tuple[int, ...], ...]:
        value = self._raw(section, key, None)
        ok = isinstance(value, list) and all(
            isinstance(row, list) and row and all(isinstance(v, int) and not isinstance(v, bool) for v in row)
            for row in value
        )
        if not ok:
            raise self._wrong(key, "a list of lists of integers", value)
        return tuple(tuple(row) for row in value)
