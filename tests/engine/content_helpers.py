"""Tiny random ContentVec models saved in the real layouts (content-vec-best folder, fairseq checkpoint)."""

from __future__ import annotations

import argparse
import re
import sys
import types
from pathlib import Path

import numpy as np
import torch
from transformers import HubertConfig, HubertModel

TINY = dict(
    hidden_size=32,
    num_hidden_layers=12,
    num_attention_heads=2,
    intermediate_size=48,
    conv_dim=(16,) * 7,
    conv_kernel=(10, 3, 3, 3, 3, 2, 2),
    conv_stride=(5, 2, 2, 2, 2, 2, 2),
    num_conv_pos_embeddings=16,
    num_conv_pos_embedding_groups=4,
    classifier_proj_size=8,
    feat_extract_norm="group",
    conv_bias=False,
    do_stable_layer_norm=False,
)


def tiny_reference(seed: int = 0, proj_dim: int | None = None) -> tuple[HubertModel, torch.nn.Linear]:
    """A transformers HubertModel with random (non-default) weights plus a final_proj, in eval mode."""
    torch.manual_seed(seed)
    cfg = dict(TINY, classifier_proj_size=proj_dim or TINY["classifier_proj_size"])
    model = HubertModel(HubertConfig(**cfg)).eval()
    with torch.no_grad():
        for p in model.parameters():
            p.add_(torch.randn_like(p) * 0.05)
    proj = torch.nn.Linear(cfg["hidden_size"], cfg["classifier_proj_size"]).eval()
    return model, proj


def _weight_norm_old_names(sd: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    out = {}
    for k, v in sd.items():
        k = k.replace("parametrizations.weight.original0", "weight_g").replace(
            "parametrizations.weight.original1", "weight_v"
        )
        out[k] = v
    return out


def save_content_vec_best(
    folder: Path, model: HubertModel, proj: torch.nn.Linear, safetensors: bool = False
) -> Path:
    """Save as lengyue233/content-vec-best: config.json + pytorch_model.bin (old weight-norm names).

    The state dict carries the extra final_proj, as the real file does.
    """
    folder.mkdir(parents=True, exist_ok=True)
    if safetensors:
        model.save_pretrained(folder, safe_serialization=True)
        from safetensors.torch import load_file, save_file

        sd = load_file(str(folder / "model.safetensors"))
        sd.update({f"final_proj.{k}": v for k, v in proj.state_dict().items()})
        save_file(sd, str(folder / "model.safetensors"))
        return folder
    model.config.to_json_file(str(folder / "config.json"))
    sd = _weight_norm_old_names(dict(model.state_dict()))
    sd.update({f"final_proj.{k}": v for k, v in proj.state_dict().items()})
    torch.save(sd, folder / "pytorch_model.bin")
    return folder


_TO_FAIRSEQ = (
    (r"^feature_extractor\.conv_layers\.(\d+)\.conv\.", r"feature_extractor.conv_layers.\1.0."),
    (r"^feature_extractor\.conv_layers\.0\.layer_norm\.", r"feature_extractor.conv_layers.0.2."),
    (r"^feature_projection\.layer_norm\.", "layer_norm."),
    (r"^feature_projection\.projection\.", "post_extract_proj."),
    (r"^masked_spec_embed$", "mask_emb"),
    (r"^encoder\.pos_conv_embed\.conv\.", "encoder.pos_conv.0."),
    (r"^encoder\.layers\.(\d+)\.attention\.", r"encoder.layers.\1.self_attn."),
    (r"^encoder\.layers\.(\d+)\.layer_norm\.", r"encoder.layers.\1.self_attn_layer_norm."),
    (r"^encoder\.layers\.(\d+)\.feed_forward\.intermediate_dense\.", r"encoder.layers.\1.fc1."),
    (r"^encoder\.layers\.(\d+)\.feed_forward\.output_dense\.", r"encoder.layers.\1.fc2."),
)


def save_fairseq_checkpoint(
    path: Path, model: HubertModel, proj: torch.nn.Linear, half: bool = False
) -> Path:
    """Save like fairseq's checkpoint_best_legacy_500.pt: args, cfg, model and task_state with a Dictionary.

    A fake `fairseq.data.dictionary` module is registered only while pickling, so the file names the class.
    """
    sd = {}
    for k, v in _weight_norm_old_names(dict(model.state_dict())).items():
        for pattern, repl in _TO_FAIRSEQ:
            k, n = re.subn(pattern, repl, k)
            if n:
                break
        sd[k] = v.half() if half else v
    sd.update({f"final_proj.{k}": (v.half() if half else v) for k, v in proj.state_dict().items()})
    sd["label_embs_concat"] = torch.zeros(4, proj.out_features)
    if "mask_emb" not in sd:
        sd["mask_emb"] = torch.zeros(TINY["hidden_size"])

    fake = types.ModuleType("fairseq.data.dictionary")

    class Dictionary:
        def __init__(self) -> None:
            self.symbols = ["<s>", "<pad>", "</s>", "<unk>", "1", "2"]
            self.count = [1] * 6

    Dictionary.__module__ = "fairseq.data.dictionary"
    Dictionary.__qualname__ = "Dictionary"
    fake.Dictionary = Dictionary  # type: ignore[attr-defined]
    names = ("fairseq", "fairseq.data", "fairseq.data.dictionary")
    for name in names:
        sys.modules[name] = fake if name.endswith("dictionary") else types.ModuleType(name)
    try:
        ckpt = {
            "args": argparse.Namespace(arch="hubert"),
            "cfg": {
                "model": {
                    "_name": "hubert",
                    "encoder_attention_heads": TINY["num_attention_heads"],
                    "conv_feature_layers": "[(16,10,5)] + [(16,3,2)] * 4 + [(16,2,2)] * 2",
                    "layer_norm_first": False,
                },
                "task": {"_name": "hubert_pretraining"},
            },
            "model": sd,
            "task_state": {"dictionaries": [Dictionary()]},
            "extra_state": {"best": np.float64(3.5), "history": np.arange(3), "epoch": 500},
        }
        torch.save(ckpt, path)
    finally:
        for name in names:
            sys.modules.pop(name, None)
    return path


def reference_units(model: HubertModel, proj: torch.nn.Linear, wav: torch.Tensor, kind: str) -> torch.Tensor:
    """What the fork computes: (dim, T_c) from transformers' HubertModel on the same weights."""
    with torch.no_grad():
        out = model(wav.reshape(1, -1), output_hidden_states=True)
        if kind == "vec256l9":
            return proj(out.hidden_states[9])[0].T
        return out.last_hidden_state[0].T
