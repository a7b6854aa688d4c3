"""The pitch editor wired to the controller: curves in after a conversion, span re-renders out, params undo.

After a conversion without edits, the target F0 the voice used becomes the editor's detected curve. Each edit
re-renders only its span on a worker thread (SpanRenderJob; one at a time, later edits are merged and wait)
and swaps the new output into playback without stopping it. While the curve is edited, Convert uses it as
`params.f0_curve` (transpose then no longer moves the pitch). Parameter changes are undo steps too.
"""

from __future__ import annotations

import logging
from dataclasses import fields, replace
from typing import Any

import numpy as np
from PySide6.QtCore import QObject, Signal

from autovoice_desktop.core.types import ConversionParams, F0Curve
from autovoice_desktop.gui.pitch_editor.attach import attach_editor
from autovoice_desktop.gui.pitch_editor.model import ParamsEdit
from autovoice_desktop.workers.span_render_worker import SpanRenderJob

log = logging.getLogger(__name__)

_FIELD_NAMES = {
    "transpose": "transpose",
    "formant_shift": "formant",
    "noise_scale": "noise scale",
    "f0_method": "F0 method",
    "speaker": "speaker",
    "auto_predict_f0": "auto-predict F0",
    "device": "device",
    "half": "half precision",
}


def describe_change(before: ConversionParams, after: ConversionParams) -> tuple[str, str]:
    """(undo step name, field key) for a parameter change, e.g. ("Change transpose", "transpose")."""
    changed = [f.name for f in fields(ConversionParams) if getattr(before, f.name) != getattr(after, f.name)]
    if len(changed) == 1:
        return f"Change {_FIELD_NAMES.get(changed[0], changed[0])}", changed[0]
    return "Change parameters", ",".join(changed)


class MergingParamsEdit(ParamsEdit):
    """Consecutive changes of the same control (a slider being dragged) are one undo step."""

    def __init__(
        self,
        name: str,
        key: str,
        apply: Any,
        before: Any,
        after: Any,
        *,
        applied: bool = True,
        mergeable: bool = True,
    ) -> None:
        super().__init__(name, apply, before, after, applied=applied)
        self.key, self.mergeable = key, mergeable

    def id(self) -> int:  # noqa: A003 - QUndoCommand API
        """Commands with the same id may merge."""
        return 1301

    def mergeWith(self, other: Any) -> bool:  # noqa: N802 - QUndoCommand API
        """Absorb the next change of the same control."""
        if not (self.mergeable and isinstance(other, MergingParamsEdit) and other.mergeable):
            return False
        if other.key != self.key:
            return False
        self.after = other.after
        return True


class VoiceEdit(ParamsEdit):
    """A change of voice: before/after are (voice_id, ConversionParams); never merged with other steps."""


class PitchSession(QObject):
    """Owns the PitchEditor for a Controller. `rerendered` after each spliced re-render."""

    rerendered = Signal()

    def __init__(self, controller: Any) -> None:
        super().__init__(controller)
        self.controller = controller
        window = controller.window
        self.editor, self.edit_menu = attach_editor(window)
        self.model = self.editor.model
        self.job: SpanRenderJob | None = None
        self.pending: tuple[float, float] | None = None  # an edited span waiting to be re-rendered
        self.prepare: tuple[float, float] | None = None  # a selected span waiting to be analysed
        self.rendered: tuple[str, ConversionParams] | None = None  # voice id and params of the shown output
        self._converting: tuple[str, ConversionParams] | None = None
        self._last_params: ConversionParams | None = None
        self._last_voice: str | None = None
        self._applying_params = False
        self.last_render_seconds = 0.0
        self.last_changed = (0, 0)
        self._spliced_audio: Any = None  # output samples [first, last) the last re-render replaced
        controller.curve_for_params = self.params_with_curve
        controller.conversion_done.connect(self._on_converted)
        controller.input_loaded.connect(self._on_input)
        controller.voices_loaded.connect(self._remember_params)
        window.voice_panel.voice_changed.connect(self._on_voice)
        window.voice_panel.params_changed.connect(self._on_params)
        window.theme_requested.connect(self._on_theme)
        self.editor.curve_edited.connect(self._on_edited)
        self.model.selection_changed.connect(self._on_selection)

    # --- curves ------------------------------------------------------------------------------------------
    def current_curve(self) -> F0Curve | None:
        """The edited curve as F0Curve, or None when there are no edits."""
        edited = self.editor.edited_curve()
        if edited is None:
            return None
        times, hz = edited
        return F0Curve(tuple(float(t) for t in times), tuple(float(h) for h in hz))

    def params_with_curve(self, params: ConversionParams) -> ConversionParams:
        """Convert's parameters with the edited curve (called by Controller.convert)."""
        params = replace(params, f0_curve=self.current_curve())
        voice = self.controller.window.voice_panel.current_voice()
        self._converting = (voice.voice_id, params) if voice else None
        return params

    def _on_input(self) -> None:
        if self.job is not None:
            self.job.request_cancel()
        self.pending, self.prepare, self.rendered = None, None, None
        self.editor.clear()

    def _on_converted(self) -> None:
        out = self.controller.output
        self.rendered = self._converting
        pitch = getattr(out, "pitch", None)
        if pitch is None:
            self.editor.clear()
            return
        same_grid = self.model.times.shape == np.shape(pitch.times)
        if not same_grid:
            self.editor.set_curve(pitch.times, pitch.target_f0)
        elif not self.model.is_edited():  # keep the history (parameter steps); the detected curve moves on
            self.model.replace_detected(pitch.target_f0)

    # --- span re-render ----------------------------------------------------------------------------------
    def _on_edited(self, start_s: float, stop_s: float) -> None:
        if self.rendered is None or self.controller.output is None or self.controller.input_audio is None:
            return
        selected = self._selection_span()
        if selected is not None and selected[0] - 1e-9 <= start_s and stop_s <= selected[1] + 1e-9:
            start_s, stop_s = selected  # the span the selection prepared (its analysis is cached)
        if self.pending is not None:
            start_s, stop_s = min(start_s, self.pending[0]), max(stop_s, self.pending[1])
        self.pending = (start_s, stop_s)
        if self.job is None and self.controller.conversion_job is None:
            self._start_render()

    def _selection_span(self) -> tuple[float, float] | None:
        """The selection widened by one frame on each side (what an edit of it changes at most)."""
        if self.model.selection is None:
            return None
        frame = self.model.frame_s
        return self.model.selection[0] - frame, self.model.selection[1] + frame

    def _on_selection(self) -> None:
        """A new selection while editing: render it once in the background, unchanged, so the voice's
        analysis of that span is in its memory when the first edit comes (the built-in voices keep it)."""
        span = self._selection_span()
        if span is None or not self.editor.editing or self.rendered is None or self.controller.output is None:
            return
        self.prepare = span
        if self.job is None and self.controller.conversion_job is None:
            self._start_render(prepare=True)

    def _start_render(self, prepare: bool = False) -> None:
        if prepare:
            span, self.prepare = self.prepare, None
        else:
            span, self.pending = self.pending, None
        out, audio = self.controller.output, self.controller.input_audio
        if span is None or out is None or audio is None or self.rendered is None:
            return
        voice_id, params = self.rendered
        params = replace(params, f0_curve=self.current_curve())
        job = SpanRenderJob(
            self.controller.bridge,
            voice_id,
            params,
            audio.samples,
            audio.sample_rate,
            out.audio,
            out.sample_rate,
            span,
            measure=not prepare,
            previous_f0=getattr(out, "output_f0", None),
        )
        if not prepare:
            job.spliced.connect(self._on_rendered)
            job.succeeded.connect(self._on_output_f0)
            job.failed.connect(self.controller.window.show_error)
        job.finished.connect(self._on_render_finished)
        self.job = job
        if not prepare:
            self.editor.set_status(f"Re-rendering {span[0]:.2f}–{span[1]:.2f} s…")
        self.controller.runner.start(job)

    def _on_rendered(self, spliced: Any) -> None:
        job, out = self.job, self.controller.output
        if job is None or out is None or out.audio is not job.previous:
            log.info("span re-render dropped: the output changed meanwhile")
            return
        self.controller.output = replace(out, audio=spliced.audio)
        self._spliced_audio = spliced.audio
        self.controller.window.plots.output_plot.set_audio(spliced.audio, spliced.sample_rate)
        self.controller.playback.update_source("output", spliced.audio, spliced.sample_rate)
        self.last_render_seconds, self.last_changed = job.elapsed, spliced.changed
        self.editor.set_status(f"Re-rendered {spliced.seconds:.1f} s of audio in {job.elapsed:.2f} s")
        self.rerendered.emit()

    def _on_output_f0(self, output_f0: Any) -> None:
        out = self.controller.output
        if output_f0 is not None and out is not None and out.audio is self._spliced_audio:  # still shown
            self.controller.window.show_pitch("output", *output_f0)
            self.controller.output = replace(out, output_f0=output_f0)  # the next re-render splices into it

    def _on_render_finished(self) -> None:
        self.job = None
        if self.controller._closed:
            return
        if self.pending is not None:
            self._start_render()
        elif self.prepare is not None:
            self._start_render(prepare=True)

    @property
    def busy(self) -> bool:
        """A re-render is running or waiting."""
        return self.job is not None or self.pending is not None or self.prepare is not None

    # --- parameters as undo steps ------------------------------------------------------------------------
    def _remember_params(self, *_: object) -> None:
        panel = self.controller.window.voice_panel
        self._last_params = panel.params()
        voice = panel.current_voice()
        self._last_voice = voice.voice_id if voice else None

    def _on_voice(self, voice_id: str) -> None:
        """A voice picked in the panel is an undo step (with the parameters it replaced)."""
        before = (self._last_voice, self._last_params)
        self._remember_params()
        if self._applying_params or before[0] is None or before[1] is None or before[0] == voice_id:
            return
        panel = self.controller.window.voice_panel
        voice = panel.current_voice()
        name = f"Change voice to {voice.name}" if voice else "Change voice"
        self.model.stack.push(VoiceEdit(name, self.apply_voice, before, (voice_id, panel.params())))

    def apply_voice(self, state: tuple[str, ConversionParams]) -> None:
        """Select voice `state[0]` with parameters `state[1]` (undo/redo of a voice change)."""
        voice_id, params = state
        panel = self.controller.window.voice_panel
        self._applying_params = True
        try:
            if not panel.select_voice(voice_id):
                message = f"The voice {voice_id} is no longer installed"
                self.controller.window.statusBar().showMessage(message, 5000)
                return
            panel.set_params(params)
            self.controller.update_settings(voice_id=voice_id, params=params)
            self._remember_params()
        finally:
            self._applying_params = False

    def _on_params(self, params: ConversionParams) -> None:
        before, self._last_params = self._last_params, params
        if self._applying_params or before is None or before == params:
            return
        name, key = describe_change(before, params)
        self.model.stack.push(MergingParamsEdit(name, key, self.apply_params, before, params))

    def apply_params(self, params: ConversionParams) -> None:
        """Show and use `params` (undo/redo of a parameter change)."""
        self._applying_params = True
        try:
            self.controller.window.voice_panel.set_params(params)
            self._last_params = params
            self.controller.update_settings(params=params)
        finally:
            self._applying_params = False

    def _on_theme(self, _name: str) -> None:
        self.editor.apply_theme()
