"""Content encoders: ContentVec / HuBERT in the transformers `HubertModel` layout ("content-vec-best").

Two outputs, as the So-VITS-SVC reference uses them (sovits-reference.md §3):

* ``vec768l12`` (4.1 default, fork "4.0v1"): ``last_hidden_state`` = output of transformer layer 12, 768-d.
* ``vec256l9`` (4.0): ``hidden_states[9]`` = output of layer 9, then ``final_proj`` (Linear 768 -> 256).

Input is 16 kHz mono float32; output is 50 frames/s (hop 320 samples), shaped (dim, T_c) with
T_c = (N - 400) // 320 + 1 for N >= 400 samples.

Weights are read as data only (`torch.load(weights_only=True)` or safetensors); no model hub is contacted.
A folder holds ``config.json`` + ``pytorch_model.bin`` / ``model.safetensors`` (content-vec-best layout, the
extra ``final_proj`` included). A fairseq ``checkpoint_best_legacy_500.pt`` / RVC ``hubert_base.pt`` file is
converted in memory by :mod:`autovoice_desktop.engine.contentvec_convert`.

The positional convolution's weight norm is folded into a plain weight at load time (same formula as
``torch._weight_norm``), so it is not recomputed on every forward.
"""

from __future__ import annotations

import json
import logging
from contextlib import nullcontext
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch.nn.attention import SDPBackend, sdpa_kernel

from autovoice_desktop.core.errors import ModelFormatError, WeightsMissingError
from autovoice_desktop.engine.conv_gemm import GemmConv1d
from autovoice_desktop.engine.device import compute_dtype

log = logging.getLogger(__name__)

CONTENT_KINDS = {"vec768l12": 12, "vec256l9": 9}
"""Supported encoder kinds -> transformer layer whose output is used."""

SAMPLE_RATE = 16000
HOP = 320
MIN_SAMPLES = 400
#: attention kernels without per-shape set-up (cuDNN's is left out: every new input length rebuilds its graph)
SHAPE_FREE_ATTENTION = [SDPBackend.FLASH_ATTENTION, SDPBackend.EFFICIENT_ATTENTION, SDPBackend.MATH]

_WEIGHT_FILES = ("model.safetensors", "pytorch_model.bin")
# Keys present in content-vec-best / converted checkpoints that inference does not use.
_IGNORED_KEYS = ("masked_spec_embed", "label_embs_concat")


def read_state_dict(path: Path) -> dict[str, torch.Tensor]:
    """Read a flat tensor dict from a .safetensors or torch file (data only, never code)."""
    if path.suffix == ".safetensors":
        from safetensors.torch import load_file

        return dict(load_file(str(path), device="cpu"))
    try:
        obj = torch.load(str(path), map_location="cpu", weights_only=True)
    except Exception as exc:  # pickle with code, truncated file, not a torch file
        raise ModelFormatError(
            f"cannot read the content-encoder weights {path.name}: {exc.__class__.__name__}",
            "download the file again, or convert a fairseq checkpoint with `autovoice` (see docs)",
        ) from exc
    if isinstance(obj, dict) and "state_dict" in obj and isinstance(obj["state_dict"], dict):
        obj = obj["state_dict"]
    if not isinstance(obj, dict) or not all(isinstance(v, torch.Tensor) for v in obj.values()):
        raise ModelFormatError(f"{path.name} is not a state dict of tensors")
    return dict(obj)


def _fold_weight_norm(sd: dict[str, torch.Tensor], prefix: str) -> None:
    """Replace weight_g/weight_v (old names) or parametrizations.weight.original0/1 by one `weight`."""
    pairs = (
        ("weight_g", "weight_v"),
        ("parametrizations.weight.original0", "parametrizations.weight.original1"),
    )
    for g_name, v_name in pairs:
        g_key, v_key = f"{prefix}.{g_name}", f"{prefix}.{v_name}"
        if g_key in sd and v_key in sd:
            g, v = sd.pop(g_key).float(), sd.pop(v_key).float()
            sd[f"{prefix}.weight"] = torch._weight_norm(v, g, 2)
            return


def _normalise_keys(sd: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """Strip `hubert.`/`module.` prefixes, fold the pos-conv weight norm, upcast to float32."""
    out: dict[str, torch.Tensor] = {}
    for key, value in sd.items():
        for prefix in ("module.", "hubert."):
            if key.startswith(prefix):
                key = key[len(prefix) :]
        out[key] = value.float() if value.is_floating_point() else value
    _fold_weight_norm(out, "encoder.pos_conv_embed.conv")
    return out


class ContentEncoder:
    """A loaded ContentVec/HuBERT encoder producing one `kind` of units.

    Attributes: kind ("vec768l12" | "vec256l9"), dim (768 / 256 for ContentVec), device (torch device str).
    """

    def __init__(
        self, model: torch.nn.Module, final_proj: torch.nn.Linear | None, kind: str, device: str
    ) -> None:
        self.model = model
        self.final_proj = final_proj
        self.kind = kind
        self.device = device
        self.dim = int(final_proj.out_features) if final_proj is not None else int(model.config.hidden_size)
        self.dtype = torch.float32

    def to(self, device: str, half: bool = False) -> ContentEncoder:
        """Move to `device`; `half`: float16 on CUDA, bf16 on a CPU where faster (compute_dtype)."""
        self.dtype = compute_dtype(device, bool(half))
        self.model.to(device=device, dtype=self.dtype)
        if self.final_proj is not None:
            self.final_proj.to(device=device, dtype=self.dtype)
        self.device = device
        return self

    @torch.inference_mode()
    def encode_batch(self, wav_16k: torch.Tensor) -> torch.Tensor:
        """(B, N) 16 kHz windows of equal length -> (B, dim, T_c) units on the encoder's device, its dtype.

        Inputs shorter than 400 samples are zero-padded to 400 (one unit).
        """
        x = wav_16k.to(self.device, self.dtype)
        if x.shape[1] < MIN_SAMPLES:
            x = torch.nn.functional.pad(x, (0, MIN_SAMPLES - x.shape[1]))
        # on CUDA, cuDNN attention would build a graph for every new length (~4 ms a layer)
        with sdpa_kernel(SHAPE_FREE_ATTENTION) if x.device.type == "cuda" else nullcontext():
            hidden = self.model(x).last_hidden_state  # (B, T_c, hidden)
        if self.final_proj is not None:
            hidden = self.final_proj(hidden)
        return hidden.transpose(1, 2)

    def encode_tensor(self, wav_16k: torch.Tensor) -> torch.Tensor:
        """(N,) or (1, N) 16 kHz tensor -> (1, dim, T_c) float32 tensor on the encoder's device."""
        return self.encode_batch(wav_16k.reshape(1, -1)).float()

    def encode(self, wav_16k: np.ndarray) -> np.ndarray:
        """(N,) float 16 kHz mono -> float32 (dim, T_c) units at 50 frames/s."""
        wav = torch.from_numpy(np.ascontiguousarray(wav_16k, dtype=np.float32))
        return self.encode_tensor(wav)[0].cpu().numpy()

    def release(self) -> None:
        """Move the weights back to the CPU (frees GPU memory)."""
        if self.device != "cpu":
            self.to("cpu")
            if torch.cuda.is_available():
                torch.cuda.empty_cache()


def find_weights_file(folder: Path) -> Path:
    """The weight file of a content-vec-best style folder."""
    for name in _WEIGHT_FILES:
        if (folder / name).is_file():
            return folder / name
    raise WeightsMissingError(
        f"no {' or '.join(_WEIGHT_FILES)} in {folder}",
        "download the content encoder with `autovoice download-weights` or point the settings at the file",
    )


def build_encoder(
    config: dict[str, Any], state_dict: dict[str, torch.Tensor], kind: str = "vec768l12", device: str = "cpu"
) -> ContentEncoder:
    """Build a ContentEncoder from a HubertConfig dict and a content-vec-best style state dict.

    Loading is strict: any missing or mis-shaped encoder weight is an error naming the key.
    """
    if kind not in CONTENT_KINDS:
        raise ModelFormatError(
            f"unknown content encoder kind {kind!r}", f"use one of {', '.join(CONTENT_KINDS)}"
        )
    from transformers import HubertConfig, HubertModel

    cfg = dict(config)
    cfg.pop("architectures", None)
    hcfg = HubertConfig(**cfg)
    if hcfg.do_stable_layer_norm:
        raise ModelFormatError("pre-layer-norm HuBERT (large) checkpoints are not a ContentVec base model")
    layer = CONTENT_KINDS[kind]
    if hcfg.num_hidden_layers < layer:
        raise ModelFormatError(
            f"{kind} needs {layer} transformer layers; the model has {hcfg.num_hidden_layers}"
        )
    hcfg.num_hidden_layers = layer  # layers after `layer` are never needed
    hcfg.mask_time_prob = 0.0
    hcfg.mask_feature_prob = 0.0
    sd = _normalise_keys(state_dict)
    with torch.device("meta"):
        model = HubertModel(hcfg)
        pos = model.encoder.pos_conv_embed
        if (
            pos.batch_norm is None
        ):  # weight-normalised pos-conv: replace by a plain conv (weight folded below)
            old = pos.conv
            pos.conv = GemmConv1d(  # a plain nn.Conv1d; on CUDA as matrix products (engine/conv_gemm.py)
                old.in_channels,
                old.out_channels,
                old.kernel_size[0],
                padding=old.padding[0],
                groups=old.groups,
            )
    expected = model.state_dict()
    wanted = {k: v for k, v in sd.items() if k in expected}
    missing = [k for k in expected if k not in wanted]
    if missing:
        raise ModelFormatError(
            f"content encoder weights are missing {missing[0]}"
            + (f" (+{len(missing) - 1} more)" if len(missing) > 1 else ""),
            "the file is not a ContentVec/HuBERT base checkpoint",
        )
    for key, value in wanted.items():
        if tuple(value.shape) != tuple(expected[key].shape):
            raise ModelFormatError(
                f"content encoder weight {key} has shape {tuple(value.shape)}, "
                f"expected {tuple(expected[key].shape)}"
            )
    model.load_state_dict(wanted, strict=True, assign=True)
    model.eval()
    final_proj = None
    if kind == "vec256l9":
        if "final_proj.weight" not in sd:
            raise ModelFormatError("vec256l9 needs final_proj weights; the content encoder file has none")
        w = sd["final_proj.weight"]
        final_proj = torch.nn.Linear(w.shape[1], w.shape[0])
        final_proj.load_state_dict({"weight": w, "bias": sd["final_proj.bias"]})
        final_proj.eval()
    unused = [k for k in sd if k not in expected and not k.startswith(("final_proj.", *_IGNORED_KEYS))]
    unused = [k for k in unused if not k.startswith(tuple(f"encoder.layers.{i}." for i in range(layer, 64)))]
    if unused:
        raise ModelFormatError(
            f"unexpected content encoder weight {unused[0]}", "not a ContentVec/HuBERT checkpoint"
        )
    enc = ContentEncoder(model, final_proj, kind, "cpu")
    return enc.to(device) if device != "cpu" else enc


def load_content_encoder(path: str | Path, kind: str = "vec768l12", device: str = "cpu") -> ContentEncoder:
    """Load ContentVec from a content-vec-best folder (or its weight file), or a fairseq .pt checkpoint.

    path: folder with config.json + model.safetensors/pytorch_model.bin, one of those files (config.json
    beside it), or a fairseq `checkpoint_best_legacy_500.pt` / `hubert_base.pt` (converted in memory).
    kind: "vec768l12" (768-d, layer 12) or "vec256l9" (256-d, layer 9 + final_proj).
    """
    path = Path(path)
    if not path.exists():
        raise WeightsMissingError(
            f"content encoder weights not found: {path}",
            "download them with `autovoice download-weights` or point the settings at the file",
        )
    if path.is_dir():
        weights = find_weights_file(path)
        config_file = path / "config.json"
    elif path.name in _WEIGHT_FILES or (
        path.suffix in (".bin", ".safetensors") and path.with_name("config.json").is_file()
    ):
        weights, config_file = path, path.with_name("config.json")
    else:  # fairseq checkpoint, or a lone transformers-layout weight file: config derived from the shapes
        from autovoice_desktop.engine.contentvec_convert import convert_fairseq_checkpoint

        config, sd = convert_fairseq_checkpoint(path)
        return build_encoder(config, sd, kind, device)
    if not config_file.is_file():
        raise WeightsMissingError(
            f"no config.json next to {weights}", "keep the content-vec-best files together"
        )
    try:
        config = json.loads(config_file.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ModelFormatError(f"cannot read {config_file}: {exc}") from exc
    return build_encoder(config, read_state_dict(weights), kind, device)
