"""Look at a file's first bytes to tell "not audio" from "damaged audio", and find truncated WAV data.

libsndfile reports a WAV whose data chunk is cut short as a shorter, valid file; these helpers read the RIFF
header themselves so the loader can say "file is truncated" instead of silently losing the end.
"""

from __future__ import annotations

import struct
from pathlib import Path

#: (magic bytes at offset 0, format name) of the containers libsndfile reads.
_MAGICS: tuple[tuple[bytes, str], ...] = (
    (b"RIFF", "WAV"),
    (b"RF64", "WAV"),
    (b"fLaC", "FLAC"),
    (b"OggS", "OGG"),
    (b"ID3", "MP3"),
    (b"FORM", "AIFF"),
    (b".snd", "AU"),
)


def audio_container(head: bytes) -> str | None:
    """Name of the audio container whose magic `head` starts with, or None if it looks like no audio."""
    for magic, name in _MAGICS:
        if head.startswith(magic):
            return name
    if len(head) >= 2 and head[0] == 0xFF and (head[1] & 0xE0) == 0xE0:
        return "MP3"  # MPEG audio frame sync without an ID3 tag
    return None


def read_head(path: Path, size: int = 64) -> bytes:
    """The first `size` bytes of the file."""
    with open(path, "rb") as handle:
        return handle.read(size)


def wav_missing_bytes(path: Path) -> int:
    """How many bytes of a RIFF/WAVE file's header or data chunk are missing (0 if complete or not a WAV).

    Walks the chunk list; a chunk (or the RIFF header itself) that claims more bytes than the file holds means
    the file was cut short. RF64 and streaming writers that leave sizes as 0 or 0xFFFFFFFF are not judged.
    """
    file_size = path.stat().st_size
    with open(path, "rb") as handle:
        header = handle.read(12)
        if len(header) < 12:
            return 12 - len(header) if header and b"RIFF".startswith(header[:4]) else 0
        if header[:4] != b"RIFF" or header[8:12] != b"WAVE":
            return 0
        offset = 12
        while offset + 8 <= file_size:
            handle.seek(offset)
            chunk_id, chunk_size = struct.unpack("<4sI", handle.read(8))
            if chunk_size in (0, 0xFFFFFFFF) and chunk_id == b"data":
                return 0  # size left unset by a streaming writer: cannot judge
            end = offset + 8 + chunk_size
            if end > file_size:
                return end - file_size
            if chunk_id == b"data":
                return 0
            offset = end + (chunk_size & 1)
        return 8  # the file stops before (or inside) the data chunk's header
