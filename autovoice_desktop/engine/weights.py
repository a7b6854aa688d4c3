"""Manifest of the public weight files AutoVoice can download (content encoders).

Each entry says where the files come from, their licence, and how a download is verified. A sha256 is listed
only where it is published or independently confirmed; where it is not known (None), the download is checked
against its size (the manifest's, else the server's Content-Length) and the sha256 of the first download is
recorded next to the file, so later runs detect a changed or damaged file. Hashes are never guessed.
"""

from __future__ import annotations

from dataclasses import dataclass

HF = "https://huggingface.co"


@dataclass(frozen=True)
class WeightFile:
    """One file of a weight set. sha256/size None = not published (see module docstring)."""

    name: str
    url: str
    sha256: str | None = None
    size: int | None = None


@dataclass(frozen=True)
class WeightSet:
    """Files that together make one usable weight (downloaded into weights_dir()/<key>/).

    layout: "hf-folder" (transformers folder: config.json + weights) or "fairseq" (one fairseq checkpoint,
    converted in memory by engine.contentvec_convert).
    """

    key: str
    title: str
    files: tuple[WeightFile, ...]
    licence: str
    homepage: str
    layout: str
    approx_mb: int

    def total_size(self) -> int | None:
        """Sum of the known sizes (None if any size is unknown)."""
        sizes = [f.size for f in self.files]
        return None if any(s is None for s in sizes) else sum(s for s in sizes if s is not None)


CONTENT_VEC_BEST = WeightSet(
    key="content-vec-best",
    title="ContentVec (content-vec-best, transformers layout; used by so-vits-svc-fork)",
    files=(
        WeightFile("config.json", f"{HF}/lengyue233/content-vec-best/resolve/main/config.json"),
        # 378 MB; no sha256 is published for this file: size is checked, the first download's hash recorded.
        WeightFile("pytorch_model.bin", f"{HF}/lengyue233/content-vec-best/resolve/main/pytorch_model.bin"),
    ),
    licence="MIT",
    homepage=f"{HF}/lengyue233/content-vec-best",
    layout="hf-folder",
    approx_mb=378,
)

HUBERT_BASE_RVC = WeightSet(
    key="hubert-base-rvc",
    title="ContentVec legacy 500 as RVC's hubert_base.pt (fairseq, float16)",
    files=(
        WeightFile(
            "hubert_base.pt",
            f"{HF}/lj1995/VoiceConversionWebUI/resolve/main/hubert_base.pt",
            sha256="f54b40fd2802423a5643779c4861af1e9ee9c1564dc9d32f54f20b5ffba7db96",
            size=189_507_909,
        ),
    ),
    licence="MIT",
    homepage=f"{HF}/lj1995/VoiceConversionWebUI",
    layout="fairseq",
    approx_mb=190,
)

KNOWN_WEIGHTS: dict[str, WeightSet] = {w.key: w for w in (CONTENT_VEC_BEST, HUBERT_BASE_RVC)}
#: What `autovoice download-weights` fetches when no name is given, and what conversion looks for first.
DEFAULT_CONTENT_ENCODER = CONTENT_VEC_BEST.key
