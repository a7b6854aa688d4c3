"""CLI commands for audio devices (`autovoice devices`, `autovoice record`). PLACEHOLDER: filled by the microphone work."""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add this module's sub-commands to the CLI parser."""
    return None
