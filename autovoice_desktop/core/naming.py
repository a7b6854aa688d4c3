"""One rule for output file names, shared by the CLI, Save As and batch conversion: <stem>.<slug>.<ext>."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

from autovoice_desktop.core.types import VoiceInfo


def slugify(text: str) -> str:
    """ "Male → Female" -> "male-to-female"; lower case ASCII words joined by hyphens."""
    text = text.replace("→", " to ").replace("&", " ")
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def voice_slug(info: VoiceInfo) -> str:
    """Short file-name-safe name of a voice (used in output names: <stem>.<slug>.wav)."""
    return slugify(info.voice_id.rsplit("/", 1)[-1]) or slugify(info.name) or "voice"


def output_name(source: str | Path, slug: str, fmt: str = "wav") -> str:
    """The output file name for `source` converted with the voice `slug`: "<stem>.<slug>.<fmt>"."""
    return f"{Path(source).stem}.{slug}.{fmt.lstrip('.').lower() or 'wav'}"
