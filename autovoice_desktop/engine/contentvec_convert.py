"""Convert a fairseq HuBERT/ContentVec checkpoint into the transformers HubertModel layout, without fairseq.

Sources: ContentVec `checkpoint_best_legacy_500.pt` (So-VITS-SVC 4.0/4.1 `hubert/` or `pretrain/`) and RVC's
`hubert_base.pt` (the same network in float16). Both are pickles that name fairseq classes (for example
`fairseq.data.dictionary.Dictionary` in the task state), so `weights_only=True` refuses them.

Safety: the file is first tried with `torch.load(weights_only=True)`. Otherwise it is read by a restricted
unpickler: fairseq/omegaconf classes become inert `FairseqStub` objects that only store their pickled state,
a short allowlist of harmless globals (OrderedDict, tensor rebuilders, argparse.Namespace, plain builtin
types, numpy arrays and scalars) is permitted, and every other global is refused with
UnsafeCheckpointError. No code from the file runs.

Key mapping (fairseq -> transformers):
    feature_extractor.conv_layers.{i}.0      -> feature_extractor.conv_layers.{i}.conv
    feature_extractor.conv_layers.0.2        -> feature_extractor.conv_layers.0.layer_norm   (group norm)
    feature_extractor.conv_layers.{i}.2.1    -> feature_extractor.conv_layers.{i}.layer_norm (layer norm)
    layer_norm / post_extract_proj           -> feature_projection.layer_norm / .projection
    mask_emb                                 -> masked_spec_embed
    encoder.pos_conv.0                       -> encoder.pos_conv_embed.conv
    encoder.layers.{i}.self_attn.X_proj      -> encoder.layers.{i}.attention.X_proj
    encoder.layers.{i}.self_attn_layer_norm  -> encoder.layers.{i}.layer_norm
    encoder.layers.{i}.fc1 / fc2             -> encoder.layers.{i}.feed_forward.(intermediate|output)_dense
    encoder.layers.{i}.final_layer_norm, encoder.layer_norm, final_proj: unchanged; label_embs_concat dropped.
"""

from __future__ import annotations

import argparse
import builtins
import collections
import json
import pickle
import re
import types
from pathlib import Path
from typing import Any

import torch

from autovoice_desktop.core.errors import ModelFormatError, UnsafeCheckpointError

_STUB_MODULES = ("fairseq", "omegaconf", "typing", "enum")
_BUILTIN_TYPES = {
    "dict",
    "list",
    "tuple",
    "set",
    "frozenset",
    "str",
    "int",
    "float",
    "bool",
    "bytes",
    "complex",
}
_TORCH_ALLOWED = {"_rebuild_tensor", "_rebuild_tensor_v2", "_rebuild_parameter"}
_NUMPY_ALLOWED = {"scalar", "_reconstruct", "ndarray", "dtype"}
_DEFAULT_CONV = "[(512,10,5)] + [(512,3,2)] * 4 + [(512,2,2)] * 2"


class FairseqStub:
    """Inert stand-in for a class named by the checkpoint; keeps its pickled arguments and state as data."""

    def __new__(cls, *args: Any, **kwargs: Any) -> FairseqStub:
        return super().__new__(cls)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.__dict__["_args"] = args

    def __setstate__(self, state: Any) -> None:
        if isinstance(state, dict):
            self.__dict__.update(state)
        else:
            self.__dict__["_state"] = state


def _stub_class(module: str, name: str) -> type:
    return type(name, (FairseqStub,), {"__module__": f"autovoice_stub.{module}"})


class RestrictedUnpickler(pickle.Unpickler):
    """An Unpickler that maps fairseq classes to stubs and refuses every global not on a short allowlist."""

    def find_class(self, module: str, name: str) -> Any:
        if module == "torch._utils" and name in _TORCH_ALLOWED:
            return getattr(torch._utils, name)
        if module == "torch" and (
            isinstance(getattr(torch, name, None), torch.dtype) or name in ("Size", "device")
        ):
            return getattr(torch, name)
        if module == "collections" and name in ("OrderedDict", "defaultdict"):
            return getattr(collections, name)
        if module == "argparse" and name == "Namespace":
            return argparse.Namespace
        if module in ("builtins", "__builtin__") and name in _BUILTIN_TYPES:
            return getattr(builtins, name)
        if module == "_codecs" and name == "encode":
            import codecs

            return codecs.encode
        if module.split(".")[0] == "numpy" and name in _NUMPY_ALLOWED:
            return _numpy_global(name)
        if module.split(".")[0] in _STUB_MODULES:
            return _stub_class(module, name)
        raise UnsafeCheckpointError(
            f"the checkpoint needs code to load ({module}.{name}); it was refused",
            "use a content-vec-best download or a checkpoint from a trusted source",
        )


def _numpy_global(name: str) -> Any:
    """numpy's array/scalar rebuilders and types (they build arrays from bytes; no code runs)."""
    import numpy as np

    multiarray = np._core.multiarray if hasattr(np, "_core") else np.core.multiarray
    return {"scalar": multiarray.scalar, "_reconstruct": multiarray._reconstruct}.get(name) or getattr(
        np, name
    )


def _restricted_load(file: Any, **kwargs: Any) -> Any:
    return RestrictedUnpickler(file, **kwargs).load()


# A module-shaped object for torch.load(pickle_module=...): torch subclasses `.Unpickler` and calls `.load`.
_restricted_pickle = types.ModuleType("autovoice_restricted_pickle")
_restricted_pickle.Unpickler = RestrictedUnpickler  # type: ignore[attr-defined]
_restricted_pickle.load = _restricted_load  # type: ignore[attr-defined]
_restricted_pickle.__name__ = "autovoice_restricted_pickle"


def load_fairseq_checkpoint(path: str | Path) -> dict[str, Any]:
    """Unpickle a fairseq checkpoint safely (see module docstring). Returns the top-level dict."""
    path = Path(path)
    try:
        obj = torch.load(str(path), map_location="cpu", weights_only=True)
    except UnsafeCheckpointError:
        raise
    except Exception:
        try:
            obj = torch.load(
                str(path), map_location="cpu", weights_only=False, pickle_module=_restricted_pickle
            )
        except UnsafeCheckpointError:
            raise
        except Exception as exc:
            raise ModelFormatError(f"cannot read {path.name} as a fairseq checkpoint: {exc}") from exc
    if not isinstance(obj, dict):
        raise ModelFormatError(f"{path.name} is not a fairseq checkpoint (no dict at the top level)")
    return obj


def _cfg_value(ckpt: dict[str, Any], name: str, default: Any) -> Any:
    """Find a model setting in ckpt["cfg"]["model"] (dict or stub) or ckpt["args"] (Namespace or stub)."""
    places: list[Any] = []
    cfg = ckpt.get("cfg")
    if isinstance(cfg, dict):
        places.append(cfg.get("model"))
    elif cfg is not None:
        content = getattr(cfg, "_content", None) or getattr(cfg, "__dict__", {})
        places.append(content.get("model") if isinstance(content, dict) else None)
    places.append(ckpt.get("args"))
    for place in places:
        if place is None:
            continue
        values = place if isinstance(place, dict) else getattr(place, "__dict__", {})
        if isinstance(values, dict) and values.get(name) is not None:
            return values[name]
    return default


def _parse_conv_layers(spec: str) -> list[tuple[int, int, int]]:
    """Parse fairseq's `conv_feature_layers` string ("[(512,10,5)] + [(512,3,2)] * 4 ...") without eval."""
    layers: list[tuple[int, int, int]] = []
    for dim, kernel, stride, repeat in re.findall(r"\[\((\d+),\s*(\d+),\s*(\d+)\)\](?:\s*\*\s*(\d+))?", spec):
        layers += [(int(dim), int(kernel), int(stride))] * int(repeat or 1)
    return layers


_RENAMES = (
    (r"^feature_extractor\.conv_layers\.(\d+)\.0\.", r"feature_extractor.conv_layers.\1.conv."),
    (r"^feature_extractor\.conv_layers\.(\d+)\.2\.1\.", r"feature_extractor.conv_layers.\1.layer_norm."),
    (r"^feature_extractor\.conv_layers\.(\d+)\.2\.", r"feature_extractor.conv_layers.\1.layer_norm."),
    (r"^layer_norm\.", "feature_projection.layer_norm."),
    (r"^post_extract_proj\.", "feature_projection.projection."),
    (r"^mask_emb$", "masked_spec_embed"),
    (r"^encoder\.pos_conv\.0\.", "encoder.pos_conv_embed.conv."),
    (r"^encoder\.layers\.(\d+)\.self_attn\.", r"encoder.layers.\1.attention."),
    (r"^encoder\.layers\.(\d+)\.self_attn_layer_norm\.", r"encoder.layers.\1.layer_norm."),
    (r"^encoder\.layers\.(\d+)\.fc1\.", r"encoder.layers.\1.feed_forward.intermediate_dense."),
    (r"^encoder\.layers\.(\d+)\.fc2\.", r"encoder.layers.\1.feed_forward.output_dense."),
)


def map_fairseq_keys(state: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """Rename fairseq HuBERT keys to transformers HubertModel keys (float32, label_embs_concat dropped)."""
    out: dict[str, torch.Tensor] = {}
    for key, value in state.items():
        if key == "label_embs_concat":
            continue
        new = key
        for pattern, repl in _RENAMES:
            new, n = re.subn(pattern, repl, new)
            if n:
                break
        out[new] = value.float() if value.is_floating_point() else value
    return out


def _single_file_state(path: Path) -> tuple[dict[str, Any], dict[str, torch.Tensor]]:
    """(top-level checkpoint dict, its tensors with module./hubert. prefixes stripped)."""
    if path.suffix == ".safetensors":
        from safetensors.torch import load_file

        ckpt: dict[str, Any] = {}
        state: Any = dict(load_file(str(path), device="cpu"))
    else:
        ckpt = load_fairseq_checkpoint(path)
        state = ckpt.get("model", ckpt)
    if not isinstance(state, dict):
        raise ModelFormatError(f"{path.name} is not a HuBERT/ContentVec checkpoint")
    tensors = {}
    for key, value in state.items():
        if isinstance(value, torch.Tensor):
            for prefix in ("module.", "hubert."):
                key = key.removeprefix(prefix)
            tensors[key] = value
    return ckpt, tensors


def convert_fairseq_checkpoint(path: str | Path) -> tuple[dict[str, Any], dict[str, torch.Tensor]]:
    """One weight file -> (HubertConfig dict, content-vec-best style state dict).

    Takes a fairseq HuBERT/ContentVec checkpoint (keys renamed), or a single transformers-layout weight file
    without its config.json (for example a renamed content-vec-best .bin/.safetensors). The config is
    derived from the tensor shapes plus the checkpoint's stored cfg/args (attention heads, conv strides).
    """
    path = Path(path)
    ckpt, tensors = _single_file_state(path)
    if "post_extract_proj.weight" in tensors:
        sd = map_fairseq_keys(tensors)
    elif "feature_projection.projection.weight" in tensors:
        sd = {k: v.float() if v.is_floating_point() else v for k, v in tensors.items()}
    else:
        raise ModelFormatError(f"{path.name} is not a HuBERT/ContentVec checkpoint")
    n_conv = len({k.split(".")[2] for k in sd if k.startswith("feature_extractor.conv_layers.")})
    conv_w = [sd.get(f"feature_extractor.conv_layers.{i}.conv.weight") for i in range(n_conv)]
    if any(w is None for w in conv_w):
        raise ModelFormatError("the checkpoint's feature-extractor convolutions are incomplete")
    spec = _parse_conv_layers(str(_cfg_value(ckpt, "conv_feature_layers", _DEFAULT_CONV)))
    if len(spec) != n_conv:
        raise ModelFormatError(f"conv_feature_layers lists {len(spec)} layers but the weights have {n_conv}")
    conv = [
        (int(w.shape[0]), int(w.shape[2]), stride) for w, (_, _, stride) in zip(conv_w, spec, strict=True)
    ]
    hidden = int(sd["feature_projection.projection.weight"].shape[0])
    pos_names = ("weight_v", "parametrizations.weight.original1", "weight")
    pos_w = next((sd[k] for n in pos_names if (k := f"encoder.pos_conv_embed.conv.{n}") in sd), None)
    if pos_w is None:
        raise ModelFormatError("the checkpoint has no positional convolution (encoder.pos_conv)")
    n_layers = len({k.split(".")[2] for k in sd if k.startswith("encoder.layers.")})
    group_norm = "feature_extractor.conv_layers.1.layer_norm.weight" not in sd
    config: dict[str, Any] = {
        "architectures": ["HubertModelWithFinalProj"],
        "model_type": "hubert",
        "hidden_size": hidden,
        "num_hidden_layers": n_layers,
        "num_attention_heads": int(_cfg_value(ckpt, "encoder_attention_heads", 12)),
        "intermediate_size": int(sd["encoder.layers.0.feed_forward.intermediate_dense.weight"].shape[0]),
        "hidden_act": "gelu",
        "feat_extract_norm": "group" if group_norm else "layer",
        "feat_extract_activation": "gelu",
        "conv_dim": [c[0] for c in conv],
        "conv_kernel": [c[1] for c in conv],
        "conv_stride": [c[2] for c in conv],
        "conv_bias": "feature_extractor.conv_layers.0.conv.bias" in sd,
        "num_conv_pos_embeddings": int(pos_w.shape[2]),
        "num_conv_pos_embedding_groups": hidden // int(pos_w.shape[1]),
        "do_stable_layer_norm": bool(_cfg_value(ckpt, "layer_norm_first", False)),
        "feat_proj_layer_norm": True,
        "layer_norm_eps": 1e-5,
        "classifier_proj_size": int(sd["final_proj.weight"].shape[0]) if "final_proj.weight" in sd else 256,
    }
    return config, sd


def convert_to_folder(src: str | Path, dst: str | Path) -> Path:
    """Write a converted checkpoint as a content-vec-best folder (config.json + model.safetensors)."""
    from safetensors.torch import save_file

    config, sd = convert_fairseq_checkpoint(src)
    dst = Path(dst)
    dst.mkdir(parents=True, exist_ok=True)
    save_file({k: v.contiguous() for k, v in sd.items()}, str(dst / "model.safetensors"))
    (dst / "config.json").write_text(json.dumps(config, indent=2), encoding="utf-8")
    return dst
