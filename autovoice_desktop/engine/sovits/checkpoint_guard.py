"""Checks on an untrusted checkpoint that run before and after torch reads it.

Before: `check_archive_sizes` reads only the zip directory of a `torch.save` file and refuses it when the
tensors it declares would take more memory than any So-VITS-SVC voice needs (MAX_TENSOR_BYTES), or far more
than the file holds (a decompression bomb: torch.save stores tensors uncompressed, so a real checkpoint
declares about its own size). torch allocates what the directory declares, so nothing large is allocated for
a refused file. A file in torch's legacy format (not a zip: written by PyTorch before 1.6, or with
`_use_new_zipfile_serialization=False`, or a bare pickle) declares its storage sizes only inside its pickle
stream, where they cannot be checked before torch allocates them: `legacy_format_error` refuses it before
`torch.load` sees it. Zip is torch.save's default since PyTorch 1.6 (2020), and So-VITS-SVC 4.x checkpoints
are zips: the reference trainer (svc-develop-team/so-vits-svc) pins torch==1.13.1 in requirements.txt and
writes G_*.pth with a plain `torch.save` in `utils.save_checkpoint`. After: `check_weights` refuses dtypes no
model uses and NaN / infinite weights, which would otherwise load and convert to NaN audio.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import torch

from autovoice_desktop.core.errors import ModelFormatError, UnsafeCheckpointError
from autovoice_desktop.core.text import printable

#: Most tensor bytes a checkpoint may declare. A So-VITS-SVC 4.x generator is a few hundred MB in float32
#: even with the training optimizer state beside it; 3 GB leaves room for unusually large models.
MAX_TENSOR_BYTES = 3 * 1024**3
#: Declared size may exceed the file size by this factor plus MAX_SLACK_BYTES (zip headers, compression of
#: a few zero-filled buffers); a deflated bomb expands by 100x to 1000x.
MAX_EXPANSION = 4
MAX_SLACK_BYTES = 64 * 1024**2
MAX_ENTRIES = 200_000
_FLOAT_DTYPES = (torch.float16, torch.bfloat16, torch.float32, torch.float64)
_INT_DTYPES = (torch.int64, torch.int32)  # bookkeeping buffers some trainers save
_HINT = "use the G_*.pth file of a So-VITS-SVC 4.0/4.1 model with its own config.json"


def check_archive_sizes(path: Path, max_bytes: int = MAX_TENSOR_BYTES) -> None:
    """Refuse a torch zip whose declared sizes are too large (raises ModelFormatError; reads no tensor)."""
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return  # not readable as a zip: torch.load gives its own "truncated/damaged" message
    name = printable(path.name)
    if len(infos) > MAX_ENTRIES:
        raise ModelFormatError(f"{name} holds {len(infos)} records; a checkpoint has far fewer", _HINT)
    declared = sum(info.file_size for info in infos)
    on_disk = path.stat().st_size
    if declared > max_bytes:
        raise ModelFormatError(
            f"{name} declares {declared / 1e9:.1f} GB of weights, more than any So-VITS-SVC voice needs "
            f"(at most {max_bytes / 1e9:.1f} GB); it was refused",
            _HINT,
        )
    if declared > MAX_EXPANSION * on_disk + MAX_SLACK_BYTES:
        raise ModelFormatError(
            f"{name} would expand from {on_disk / 1e6:.1f} MB to {declared / 1e6:.0f} MB when read "
            "(a decompression bomb, not a torch.save file); it was refused",
            _HINT,
        )


def legacy_format_error(path: Path) -> UnsafeCheckpointError:
    """The refusal of a non-zip torch.save file / pickle (torch would read it without size checks)."""
    return UnsafeCheckpointError(
        f"{printable(path.name)} is in PyTorch's legacy checkpoint format (saved before PyTorch 1.6, or a "
        "plain pickle), whose sizes cannot be checked before loading; it was refused",
        "download the model again, or, only if you trust the file, re-save it once with a current PyTorch: "
        "torch.save(torch.load(path, weights_only=True), path)",
    )


def check_weights(state: dict[str, torch.Tensor], source: str, skip: tuple[str, ...] = ()) -> None:
    """Refuse tensors of a dtype no model uses, and NaN/Inf weights (keys starting with `skip` aside)."""
    for key, value in state.items():
        if key.startswith(skip):
            continue
        if value.dtype not in _FLOAT_DTYPES + _INT_DTYPES:
            raise ModelFormatError(
                f"{printable(source)}: weight {printable(repr(key), 120)} has dtype "
                f"{str(value.dtype).replace('torch.', '')}, which no So-VITS-SVC model uses; it was refused",
                _HINT,
            )
        if value.dtype in _FLOAT_DTYPES and value.numel() and not bool(torch.isfinite(value).all()):
            bad = int((~torch.isfinite(value)).sum())
            raise ModelFormatError(
                f"{printable(source)}: weight {printable(repr(key), 120)} holds {bad} NaN/infinite "
                f"value(s) of {value.numel()}; the model is damaged and was refused",
                "use an undamaged copy of the model: download it again, or an earlier training checkpoint",
            )
