"""Untrusted text made safe to show: names from files (speakers, voices, paths) never talk to the terminal.

`printable(text)` escapes every character that a terminal or a one-line message could act on (C0/C1 control
characters such as ESC, CR and LF, DEL, Unicode line/paragraph separators and bidirectional overrides) as
`\\xNN` / `\\uNNNN`. Printable text (accents, CJK, emoji) is kept as it is, so ordinary names look
unchanged; very long text is cut in the middle.
"""

from __future__ import annotations

import re
import unicodedata

#: Characters never printed raw: controls (Cc), format characters such as bidi overrides (Cf), line and
#: paragraph separators (Zl, Zp), surrogates (Cs) and unassigned/private code points (Cn, Co).
_UNSAFE_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs", "Cn", "Co"})
_SIMPLE = re.compile(r"[ -~]*")  # fast path: printable ASCII
#: Longest text shown in one message; longer names are cut in the middle with an ellipsis.
MAX_SHOWN = 400


_ALLOWED = frozenset("\u200c\u200d")  # zero-width (non-)joiners: part of emoji and of some scripts' words


def _escape(char: str) -> str:
    code = ord(char)
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def printable(text: object, limit: int = MAX_SHOWN) -> str:
    """`text` as one line with unsafe characters escaped, at most about `limit` characters long."""
    value = str(text)
    if len(value) > 4 * limit:  # never escape megabytes only to cut them
        value = value[: 2 * limit] + value[-2 * limit :]
    if not _SIMPLE.fullmatch(value) or len(value) > limit:
        value = "".join(
            _escape(c) if unicodedata.category(c) in _UNSAFE_CATEGORIES and c not in _ALLOWED else c
            for c in value
        )
    if len(value) > limit:
        half = limit // 2
        value = value[:half] + "…" + value[-half:]
    return value


def one_line(text: object, limit: int = 4000) -> str:
    """A whole message on one line: unsafe characters escaped, at most `limit` characters."""
    return printable(text, limit)
