"""argparse value types that turn every out-of-range or empty value into a usage error (exit 2).

argparse reports an `ArgumentTypeError` as `autovoice …: error: argument --seed: …` and exits 2, so a seed
beyond 64 bits, `--rate 1e99`, NaN/Inf or an empty `-o ""` never reach the program as values.
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable
from pathlib import Path

from autovoice_desktop.core.text import printable

#: The largest seed torch accepts (torch.Generator.manual_seed takes an unsigned 64-bit integer).
MAX_SEED = 2**64 - 1


def ranged_int(low: int, high: int, what: str) -> Callable[[str], int]:
    """An int type accepting low…high (digits only: "1e3", "0x10" and 5,000-digit numbers are refused)."""

    def parse(text: str) -> int:
        stripped = text.strip()
        digits = stripped.lstrip("+-")
        if not digits.isdigit() or not digits.isascii() or len(digits) > 40:
            raise argparse.ArgumentTypeError(
                f"{what} must be a whole number from {low} to {high}, not {printable(repr(text), 60)}"
            )
        value = int(stripped)
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{what} must be from {low} to {high}, not {value}")
        return value

    return parse


def ranged_float(low: float, high: float, what: str) -> Callable[[str], float]:
    """A finite float type accepting low…high."""

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"{what} must be a number, not {printable(repr(text), 60)}"
            ) from None
        if not math.isfinite(value) or not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{what} must be between {low:g} and {high:g}, not {value:g}")
        return value

    return parse


def nonempty_path(text: str) -> Path:
    """A path that is not empty ("" would silently mean the current folder)."""
    if not text.strip():
        raise argparse.ArgumentTypeError("the path is empty; give a file or folder name")
    if "\x00" in text:
        raise argparse.ArgumentTypeError("the path holds a NUL character")
    return Path(text)
