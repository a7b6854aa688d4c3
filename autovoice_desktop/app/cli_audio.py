"""CLI commands for audio devices (`autovoice devices`, `autovoice record`). PLACEHOLDER."""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add this module's sub-commands to the CLI parser."""
    return None
