"""Re-render an edited span of the output on a worker thread (engine/span_render.py does the work)."""

from __future__ import annotations

import time
from dataclasses import replace
from typing import Any

import numpy as np
from PySide6.QtCore import Signal

from autovoice_desktop.core.errors import AutoVoiceError
from autovoice_desktop.core.types import ConversionParams, check_cancel
from autovoice_desktop.workers.engine_bridge import OUTPUT_F0_HOP_S
from autovoice_desktop.workers.job import Job


class SpanRenderJob(Job):
    """Converts input [start_s, stop_s) again with `params` (its f0_curve is the edited curve) and splices it
    into `previous` (the current output, (M,) at previous_rate). `spliced(SplicedOutput)` as soon as the new
    audio exists (so it can be played at once); then the output's F0 is measured and the job succeeds with
    (times, f0) of the whole new output, or None. With `previous_f0` (the previous output's F0) only the
    changed part of the output is measured again (engine/span_render.py splice_output_f0)."""

    title = "Re-rendering the edit failed"
    spliced = Signal(object)

    def __init__(  # noqa: PLR0913
        self,
        bridge: Any,
        voice_id: str,
        params: ConversionParams,
        samples: np.ndarray,
        sample_rate: int,
        previous: np.ndarray,
        previous_rate: int,
        span: tuple[float, float],
        *,
        measure: bool = True,
        previous_f0: tuple[np.ndarray, np.ndarray] | None = None,
    ) -> None:
        super().__init__()
        self.bridge, self.voice_id, self.params = bridge, voice_id, params
        self.samples, self.sample_rate = samples, sample_rate
        self.previous, self.previous_rate = previous, previous_rate
        self.span, self.measure = span, measure
        self.previous_f0 = previous_f0
        self.elapsed = 0.0

    def work(self) -> tuple[np.ndarray, np.ndarray] | None:
        """Runs on the worker thread."""
        from autovoice_desktop.engine.span_render import render_span, splice_output_f0

        started = time.perf_counter()
        device, _ = self.bridge.resolve_device(self.params.device)
        voice = self.bridge.voice(self.voice_id, device)
        check_cancel(self.cancel_event)
        result = render_span(
            voice,
            self.samples,
            self.sample_rate,
            replace(self.params, device=device),
            self.previous,
            self.previous_rate,
            *self.span,
            progress=self.report,
            cancel=self.cancel_event,
        )
        self.elapsed = time.perf_counter() - started
        self.spliced.emit(result)
        if not self.measure:  # a span analysed ahead of an edit: nobody waits for its pitch
            return None
        try:
            if self.previous_f0 is not None:
                rate = result.sample_rate
                hop = max(1, round(rate * OUTPUT_F0_HOP_S))
                known, changed = self.previous_f0, result.changed
                spliced = splice_output_f0(self.bridge.estimate_f0, result.audio, rate, known, changed, hop)
                if spliced is not None:
                    return spliced
            return self.bridge.estimate_f0(result.audio, result.sample_rate)
        except AutoVoiceError:
            return None
