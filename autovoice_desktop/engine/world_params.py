"""The built-in voices' parameters: their limits, the checked (clamped) parameters and the target F0.

Shared by the file conversion (world_voice.py) and the live stream (world_stream.py).
"""

from __future__ import annotations

import logging
from dataclasses import replace

import numpy as np

from autovoice_desktop.core.types import ConversionParams
from autovoice_desktop.engine.world_dsp import F0_METHODS

log = logging.getLogger("autovoice_desktop.engine.world_voice")

DEFAULT_F0_METHOD = "harvest"
PITCH_MODES = ("follow", "flat", "whisper")
TRANSPOSE_LIMIT = 24.0
FORMANT_LIMIT = 12.0


def target_pitch(source_f0: np.ndarray, params: ConversionParams, median_f0: float | None) -> np.ndarray:
    """F0 (T,) the voice sings: source F0 moved by transpose / target median / pitch mode; 0 stays 0."""
    voiced = source_f0 > 0
    ratio = 2.0 ** (params.transpose / 12.0)
    if params.target_median_f0 and median_f0:
        ratio *= params.target_median_f0 / median_f0
    if params.pitch_mode == "whisper":
        return np.zeros_like(source_f0)
    if params.pitch_mode == "flat":
        level = (median_f0 or 0.0) * ratio
        return np.where(voiced, level, 0.0)
    return np.where(voiced, source_f0 * ratio, 0.0)


def _checked(params: ConversionParams) -> ConversionParams:
    """Params with out-of-range values clamped (and logged), or ValueError for unknown modes."""
    if params.pitch_mode not in PITCH_MODES:
        raise ValueError(f"pitch_mode must be one of {PITCH_MODES}, not {params.pitch_mode!r}")
    transpose = float(np.clip(params.transpose, -TRANSPOSE_LIMIT, TRANSPOSE_LIMIT))
    formant = float(np.clip(params.formant_shift, -FORMANT_LIMIT, FORMANT_LIMIT))
    breathiness = float(np.clip(params.breathiness, 0.1, 10.0))
    if (transpose, formant, breathiness) != (params.transpose, params.formant_shift, params.breathiness):
        log.warning(
            "built-in voice: parameters clamped to transpose %s, formant %s, breathiness %s",
            transpose,
            formant,
            breathiness,
        )
    method = params.f0_method or DEFAULT_F0_METHOD
    if method not in F0_METHODS:
        log.warning("built-in voice: f0 method %r is not available here, using %s", method, DEFAULT_F0_METHOD)
        method = DEFAULT_F0_METHOD
    return replace(
        params, transpose=transpose, formant_shift=formant, breathiness=breathiness, f0_method=method
    )
