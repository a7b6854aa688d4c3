"""Hypothesis: zips with arbitrary member names and kinds never write outside the voices folder.

Each example is a zip holding the valid tiny voice plus extra members whose names are drawn from hostile
pieces (`..`, absolute paths, backslashes, drive letters, NUL-free unicode) and whose kinds may be symlinks or
directories. Import either succeeds (the voice lands inside the voices folder) or raises a VoiceError; in both
cases no file appears anywhere else and no temporary folder is left.
"""

from __future__ import annotations

import os
import tempfile
import zipfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from autovoice_desktop.core.errors import VoiceError
from autovoice_desktop.engine.sovits import library
from tests.reliability.model_corpus import good_voice

FUZZ = settings(
    max_examples=int(os.environ.get("AUTOVOICE_FUZZ_EXAMPLES", "50")),
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
_PIECES = [
    "..",
    ".",
    "/",
    "\\",
    "C:",
    "voice",
    "G_1.pth",
    "config.json",
    "évé",
    "名前",
    " ",
    "x" * 40,
    "~",
    "$HOME",
]
member_names = (
    st.lists(st.sampled_from(_PIECES), min_size=1, max_size=6).map("".join).filter(lambda n: n.strip())
)


def _voice_bytes() -> dict[str, bytes]:
    with tempfile.TemporaryDirectory() as folder:
        voice = good_voice(Path(folder), "fuzz")
        return {p.name: p.read_bytes() for p in voice.iterdir()}


VOICE = _voice_bytes()


@FUZZ
@given(
    extras=st.lists(st.tuples(member_names, st.sampled_from(["file", "symlink", "dir"])), max_size=4),
    prefix=st.sampled_from(["", "voice/", "a/b/"]),
)
def test_zip_members_never_escape(extras: list[tuple[str, str]], prefix: str) -> None:
    """Import a zip with fuzzed extra members: success or VoiceError, and nothing outside voices/."""
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        work = root / "work"
        work.mkdir()
        source = work / "fuzz.zip"
        with zipfile.ZipFile(source, "w") as archive:
            for name, data in VOICE.items():
                archive.writestr(prefix + name, data)
            for name, kind in extras:
                info = zipfile.ZipInfo("placeholder")
                info.filename = name + ("/" if kind == "dir" else "")
                if kind == "symlink":
                    info.create_system = 3
                    info.external_attr = 0o120777 << 16
                    archive.writestr(info, "/etc/passwd")
                else:
                    archive.writestr(info, b"" if kind == "dir" else b"extra")
        voices = root / "l1" / "l2" / "l3" / "l4" / "voices"  # deep enough that three ".." stay inside root
        absolute = [Path(n) for n, _ in extras if n.startswith(("/", "\\")) and not Path(n).exists()]
        before = {p for p in root.rglob("*")}
        try:
            library.import_voice(source, voices)
        except VoiceError as exc:
            assert "\n" not in exc.user_message()
        after = {p for p in root.rglob("*")}
        outside = [
            p for p in after - before if voices not in p.parents and p != voices and p not in voices.parents
        ]
        assert outside == [], outside
        if voices.exists():
            assert not any(p.name.startswith(".import-") for p in voices.iterdir())
        assert [p for p in absolute if p.exists()] == []
