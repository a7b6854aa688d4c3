"""The pitch editor's undo history to and from a project file (curve edits and parameter changes)."""

from __future__ import annotations

from typing import Any

import numpy as np

from autovoice_desktop.app.pitch_session import MergingParamsEdit, PitchSession, VoiceEdit
from autovoice_desktop.core.project import params_from_dict, params_to_dict
from autovoice_desktop.core.types import ConversionParams
from autovoice_desktop.gui.pitch_editor.model import CurveEdit

MAX_STEPS = 500  # older steps are dropped from project files (the newest ones are kept)


def history_to_json(session: PitchSession) -> tuple[list[dict[str, Any]], int]:
    """(steps, index): every undo step, oldest first, and how many of them are applied."""
    stack = session.model.stack
    steps: list[dict[str, Any]] = []
    for i in range(stack.count()):
        command = stack.command(i)
        if isinstance(command, CurveEdit):
            steps.append(command.to_json())
        elif isinstance(command, MergingParamsEdit):
            steps.append(
                {
                    "kind": "params",
                    "name": command.text(),
                    "key": command.key,
                    "before": params_to_dict(command.before),
                    "after": params_to_dict(command.after),
                }
            )
        elif isinstance(command, VoiceEdit):
            steps.append(
                {
                    "kind": "voice",
                    "name": command.text(),
                    "before": _voice_state(command.before),
                    "after": _voice_state(command.after),
                }
            )
    index = stack.index()
    if len(steps) > MAX_STEPS:  # dropped steps must be applied ones, or the base state would be wrong
        drop = min(len(steps) - MAX_STEPS, index)
        steps, index = steps[drop:], index - drop
    return steps, index


def _voice_state(state: tuple[str, ConversionParams]) -> dict[str, Any]:
    return {"voice_id": state[0], "params": params_to_dict(state[1])}


def _voice_from_json(data: dict[str, Any]) -> tuple[str, ConversionParams]:
    return str(data["voice_id"]), params_from_dict(data["params"])


def restore_history(
    session: PitchSession, curve: dict[str, list[float]] | None, steps: list[Any], index: int
) -> None:
    """Rebuild the curve and the undo stack; the state at `index` is the saved one (ValueError: malformed)."""
    model = session.model
    if curve is not None:
        current = np.array(curve["edited_hz"], dtype=np.float64)
        base = current.copy()
        for step in reversed(steps[:index]):
            if step.get("kind") == "curve":
                lo, before = int(step["lo"]), np.array(step["before"], dtype=np.float64)
                if lo < 0 or lo + len(before) > len(base):
                    raise ValueError("a curve step lies outside the curve")
                base[lo : lo + len(before)] = before
        session.editor.set_curve(np.array(curve["times_s"]), np.array(curve["detected_hz"]), base)
    else:
        model.stack.clear()
    for step in steps:
        kind = step.get("kind") if isinstance(step, dict) else None
        if kind == "curve" and curve is not None:
            model.stack.push(
                CurveEdit(
                    model,
                    str(step["name"]),
                    int(step["lo"]),
                    np.array(step["before"], dtype=np.float64),
                    np.array(step["after"], dtype=np.float64),
                )
            )
        elif kind == "params":
            model.stack.push(
                MergingParamsEdit(
                    str(step["name"]),
                    str(step.get("key", "")),
                    session.apply_params,
                    params_from_dict(step["before"]),
                    params_from_dict(step["after"]),
                    applied=False,
                    mergeable=False,
                )
            )
        elif kind == "voice":
            before, after = _voice_from_json(step["before"]), _voice_from_json(step["after"])
            model.stack.push(VoiceEdit(str(step["name"]), session.apply_voice, before, after, applied=False))
        else:
            raise ValueError(f"unknown history step {kind!r}")
    model.stack.setIndex(index)
