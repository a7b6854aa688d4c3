"""Read untrusted So-VITS-SVC `G_*.pth` checkpoints safely and load them strictly into SynthesizerTrn.

- `torch.load(weights_only=True)`: a pickle that needs code to load is refused (UnsafeCheckpointError) and
  nothing in it runs. Truncated or non-torch files raise ModelFormatError. Only torch's zip format reaches
  `torch.load` (its sizes are checked first); a legacy (pre-1.6) file or bare pickle is refused unread.
- Layouts: the reference's {"model", "iteration", "optimizer", "learning_rate"} dict or a bare state dict;
  `module.` prefixes (DataParallel) are stripped; fp16/bf16 release files are upcast to float32.
- Weight norm (legacy `*.weight_g`/`*.weight_v`, or `*.parametrizations.weight.original0/1`) is folded once
  into a plain `weight` (g * v / ||v||), so inference never recomputes it.
- Strict: any missing, unexpected or mis-shaped weight is an error naming the key (and both shapes);
  only the training-time posterior encoder `enc_q.*` may be absent or present.
"""

from __future__ import annotations

import pickle
import zipfile
from pathlib import Path

import torch
from torch import nn

from autovoice_desktop.core.errors import ModelFormatError, UnsafeCheckpointError
from autovoice_desktop.engine.sovits.checkpoint_guard import (
    check_archive_sizes,
    check_weights,
    legacy_format_error,
)

IGNORED_PREFIXES = ("enc_q.",)
_WN_PAIRS = (
    (".weight_g", ".weight_v"),
    (".parametrizations.weight.original0", ".parametrizations.weight.original1"),
)
_HINT = "use the G_*.pth file of a So-VITS-SVC 4.0/4.1 model with its own config.json"
_LIST_LIMIT = 6


def read_checkpoint(path: str | Path) -> dict[str, torch.Tensor]:
    """Load a checkpoint file and return its generator state dict (float32, prefixes stripped, WN unfolded).

    Raises ModelFormatError (missing, truncated, non-torch, foreign layout such as RVC) or
    UnsafeCheckpointError (the pickle needs code to load, or the file is in the legacy non-zip format).
    """
    path = Path(path)
    if not path.is_file():
        raise ModelFormatError(f"checkpoint not found: {path}", _HINT)
    try:
        with open(path, "rb") as handle:
            head = handle.read(4)
    except OSError as exc:
        raise ModelFormatError(f"cannot read {path.name} ({exc.strerror or exc})", _HINT) from exc
    if not (head.startswith(b"PK\x03\x04") or head[:1] == b"\x80"):  # torch.save: a zip, or a legacy pickle
        raise ModelFormatError(f"{path.name} is not a PyTorch checkpoint (not a torch.save file)", _HINT)
    if not head.startswith(b"PK\x03\x04"):  # torch.load would read it as legacy: sizes unchecked
        raise legacy_format_error(path)
    check_archive_sizes(path)  # declared sizes, before torch allocates anything (decompression bombs)
    try:
        obj = torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as exc:
        if "weights only load failed" in str(exc).lower():
            raise UnsafeCheckpointError(
                f"{path.name} needs code to load; refused (it is not a plain weights file and could run "
                "arbitrary code)",
                "only load models from sources you trust; ask for a file saved with torch.save(state_dict)",
            ) from exc
        raise ModelFormatError(
            f"{path.name} is not a PyTorch checkpoint or is damaged: {exc}", _HINT
        ) from exc
    except (RuntimeError, EOFError, ValueError, OSError, zipfile.BadZipFile, KeyError, IndexError) as exc:
        detail = (str(exc).splitlines() or [type(exc).__name__])[0].split(". ")[0]  # torch adds paragraphs
        raise ModelFormatError(
            f"{path.name} is not a PyTorch checkpoint or is truncated/damaged: {detail}",
            _HINT,
        ) from exc
    return extract_state_dict(obj, path.name)


def extract_state_dict(obj: object, source: str = "checkpoint") -> dict[str, torch.Tensor]:
    """The generator state dict inside a loaded checkpoint object, normalised (see module docstring)."""
    if not isinstance(obj, dict):
        raise ModelFormatError(f"{source} holds a {type(obj).__name__}, not a state dict", _HINT)
    if {"config", "weight"} <= set(obj) or "version" in obj and "weight" in obj:
        raise ModelFormatError(
            f"{source} is an RVC model (keys 'config'/'weight'), not So-VITS-SVC 4.x", _HINT
        )
    state = obj.get("model", obj) if isinstance(obj.get("model"), dict) else obj
    if not state:
        raise ModelFormatError(f"{source} holds no weights", _HINT)
    out: dict[str, torch.Tensor] = {}
    for key, value in state.items():
        if not isinstance(key, str) or not isinstance(value, torch.Tensor):
            raise ModelFormatError(
                f"{source} is not a So-VITS-SVC checkpoint: entry {key!r} is a {type(value).__name__}, "
                "not a tensor (expected {'model': state_dict, ...} or a bare state dict)",
                _HINT,
            )
        name = key[len("module.") :] if key.startswith("module.") else key
        if value.dtype in (torch.float16, torch.bfloat16, torch.float64):
            value = value.float()
        out[name] = value
    if any(k.startswith("enc_p_.") for k in out):
        raise ModelFormatError(
            f"{source} is a So-VITS-SVC 3.x model (enc_p_.* weights), which AutoVoice does not support",
            "only So-VITS-SVC 4.0 / 4.1 models are supported",
        )
    if any(k.startswith("enc_p.emb_phone") for k in out):
        raise ModelFormatError(f"{source} is an RVC model (enc_p.emb_phone), not So-VITS-SVC 4.x", _HINT)
    check_weights(out, source, IGNORED_PREFIXES)  # NaN/Inf or unusable dtypes: refused at import (exit 5)
    if not any(k.startswith(("enc_p.", "dec.", "flow.")) for k in out):
        raise ModelFormatError(
            f"{source} has no So-VITS-SVC generator weights (enc_p.*, flow.*, dec.*); is it a D_*.pth?", _HINT
        )
    return out


def load_into(model: nn.Module, state: dict[str, torch.Tensor], source: str = "checkpoint") -> None:
    """Fold weight norm, check every key and shape strictly, and copy the weights into `model`.

    Raises ModelFormatError naming the first problems (missing / unexpected / mis-shaped keys).
    """
    expected = {k: v.shape for k, v in model.state_dict().items()}
    state = {k: v for k, v in state.items() if not k.startswith(IGNORED_PREFIXES)}
    folded = _fold_weight_norm(state, expected, source)
    missing = [k for k in expected if k not in folded]
    unexpected = [k for k in folded if k not in expected]
    if missing or unexpected:
        raise ModelFormatError(_describe_key_mismatch(missing, unexpected, source), _HINT)
    for key, shape in expected.items():
        if folded[key].shape != shape:
            raise ModelFormatError(
                _describe_shape_mismatch(key, tuple(folded[key].shape), tuple(shape), source), _HINT
            )
    with torch.no_grad():
        model.load_state_dict(folded, strict=True)


def _fold_weight_norm(
    state: dict[str, torch.Tensor], expected: dict[str, torch.Size], source: str
) -> dict[str, torch.Tensor]:
    out = dict(state)
    for g_suffix, v_suffix in _WN_PAIRS:
        for key in [k for k in state if k.endswith(g_suffix) or k.endswith(v_suffix)]:
            is_g = key.endswith(g_suffix)
            prefix = key[: -len(g_suffix if is_g else v_suffix)]
            g_key, v_key = prefix + g_suffix, prefix + v_suffix
            if g_key not in state or v_key not in state:
                other = v_key if is_g else g_key
                raise ModelFormatError(
                    f"{source}: weight-norm pair is incomplete: '{other}' is missing", _HINT
                )
            if not is_g:
                continue
            g, v = state[g_key], state[v_key]
            target = prefix + ".weight"
            want = expected.get(target)
            if want is not None and tuple(v.shape) != tuple(want):
                raise ModelFormatError(
                    _describe_shape_mismatch(v_key, tuple(v.shape), tuple(want), source), _HINT
                )
            if g.numel() != v.shape[0]:
                raise ModelFormatError(
                    f"{source}: '{g_key}' has shape {list(g.shape)}, which does not match "
                    f"'{v_key}' {list(v.shape)}",
                    _HINT,
                )
            out[target] = torch._weight_norm(v, g.reshape([v.shape[0]] + [1] * (v.dim() - 1)), 0)
            del out[g_key], out[v_key]
    return out


def _short_list(keys: list[str]) -> str:
    shown = ", ".join(keys[:_LIST_LIMIT])
    return shown + (f" and {len(keys) - _LIST_LIMIT} more" if len(keys) > _LIST_LIMIT else "")


def _describe_key_mismatch(missing: list[str], unexpected: list[str], source: str) -> str:
    parts = []
    if missing:
        parts.append(f"missing {len(missing)} weight(s): {_short_list(missing)}")
    if unexpected:
        parts.append(f"unexpected {len(unexpected)} weight(s): {_short_list(unexpected)}")
    reason = ""
    if any(k.startswith("emb_vol.") for k in missing):
        reason = " (config.json says vol_embedding true, the checkpoint has no emb_vol)"
    elif any(k.startswith("emb_vol.") for k in unexpected):
        reason = " (the checkpoint was trained with vol_embedding; set model.vol_embedding true)"
    elif any(k.startswith("f0_decoder.") for k in missing):
        reason = " (the checkpoint has no F0 predictor; set model.use_automatic_f0_prediction false)"
    elif any(k.startswith("f0_decoder.") for k in unexpected):
        reason = " (the checkpoint has an F0 predictor; model.use_automatic_f0_prediction must be true)"
    elif any(".depth_conv." in k or ".point_conv." in k for k in unexpected):
        reason = " (the checkpoint is a 4.1 'tiny' depthwise model, which AutoVoice does not support)"
    elif any(k.startswith("flow.wn.") for k in unexpected):
        reason = " (the checkpoint uses shared flow parameters, which AutoVoice does not support)"
    return f"{source} does not match config.json: " + "; ".join(parts) + reason


def _describe_shape_mismatch(key: str, got: tuple[int, ...], want: tuple[int, ...], source: str) -> str:
    msg = (
        f"{source}: weight '{key}' has shape {list(got)} in the checkpoint but config.json needs {list(want)}"
    )
    if key == "pre.weight" and len(got) == 3:
        msg += f" (the checkpoint was trained with ssl_dim {got[1]}, config.json says {want[1]})"
    elif key == "emb_g.weight" and len(got) == 2:
        msg += f" (the checkpoint has {got[0]} speaker rows; check model.n_speakers and gin_channels)"
    elif key.startswith("dec."):
        msg += " (check data.sampling_rate, hop_length and the model.upsample_* keys)"
    return msg
