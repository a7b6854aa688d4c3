"""Block-by-block conversion for the built-in WORLD voices: the `VoiceStream` of engine/stream.py.

Every block is analysed together with its left context (the last `context_samples` of the input):
F0 comes from engine/causal_f0.py (a 25 ms normalised-autocorrelation tracker that needs no future
samples; DIO fails on windows under ~150 ms and Harvest costs ~70 ms per block here) refined by StoneMask;
CheapTrick is computed only for the frames the caller asks back plus a short synthesis run-in (aperiodicity
comes from a fixed voiced/unvoiced model, quick_aperiodicity, instead of D4C), and WORLD synthesises those
frames.
The output is the last `out_samples` of the synthesised window, ending at the last new input sample.

Costs: see docs/live.md (measured per block on tests/data speech).
The median F0 that "flat" pitch and a target median need is tracked over the voiced frames seen so far.
"""

from __future__ import annotations

import logging
import math

import numpy as np

from autovoice_desktop.core.types import ConversionParams
from autovoice_desktop.engine import causal_f0, world_dsp
from autovoice_desktop.engine.world_params import _checked, target_pitch

log = logging.getLogger(__name__)

#: the rate a built-in voice streams at (the live engine resamples the devices' rates to and from it)
LIVE_RATE = 24000
#: the least left context DIO and CheapTrick need: three periods of the lowest F0 (60 Hz)
MIN_CONTEXT_S = 0.05
#: frames synthesised before the part that is returned, so the pulse train has started
_RUN_IN_S = 0.005
#: aperiodicity of voiced frames at 0 Hz and at Nyquist (dB; see quick_aperiodicity)
VOICED_AP_LOW_DB = -45.0
VOICED_AP_HIGH_DB = -6.0
_SILENCE = 1e-5
_PEAK = 0.99


def quick_aperiodicity(f0: np.ndarray, bins: int) -> np.ndarray:
    """(T, bins) aperiodicity: 1 for unvoiced frames; for voiced ones rising from VOICED_AP_LOW_DB at 0 Hz to
    VOICED_AP_HIGH_DB at Nyquist (on a dB scale). D4C took ~8 ms per 20 ms block here, more than everything
    else together; this keeps voiced sounds periodic below a few kHz and breathy above."""
    level_db = np.linspace(VOICED_AP_LOW_DB, VOICED_AP_HIGH_DB, bins)
    voiced = np.power(10.0, level_db / 20.0)
    return np.ascontiguousarray(np.where((f0 > 0)[:, None], voiced[None, :], 1.0))


class WorldStream:
    """The streaming state of a built-in voice: input history, settings and the running median F0."""

    def __init__(
        self, params: ConversionParams, *, context_samples: int, sample_rate: int = LIVE_RATE
    ) -> None:
        self.sample_rate = int(sample_rate)
        self.context_samples = max(
            int(context_samples),
            math.ceil(MIN_CONTEXT_S * self.sample_rate),
            causal_f0.history_needed(self.sample_rate),
        )
        self._hop = self.sample_rate * world_dsp.FRAME_PERIOD_MS / 1000.0
        self._params = _checked(params)
        self._history = np.zeros(0, dtype=np.float64)
        self._log_f0_sum = 0.0
        self._voiced_frames = 0

    def set_params(self, params: ConversionParams) -> None:
        """Use new settings from the next block on (one attribute store: safe from another thread)."""
        self._params = _checked(params)

    def reset(self) -> None:
        """Forget the input history and the median F0."""
        self._history = np.zeros(0, dtype=np.float64)
        self._log_f0_sum = 0.0
        self._voiced_frames = 0

    @property
    def median_f0(self) -> float | None:
        """The geometric mean F0 of the voiced frames so far (a running stand-in for the median), or None."""
        return math.exp(self._log_f0_sum / self._voiced_frames) if self._voiced_frames else None

    def convert(self, new_samples: np.ndarray, out_samples: int) -> np.ndarray:
        """Append new_samples (n,) and return the last out_samples (out_samples,) float32 of the converted
        window (history + new), ending with the last new sample. out_samples <= n + context_samples."""
        new = np.nan_to_num(
            np.asarray(new_samples, dtype=np.float64).reshape(-1), nan=0.0, posinf=0.0, neginf=0.0
        )
        new = np.clip(new, -1.0, 1.0)
        window = np.concatenate([self._history, new])[-(self.context_samples + len(new)) :]
        self._history = window[-self.context_samples :]
        out_samples = int(out_samples)
        returned = min(out_samples, len(window))
        if returned <= 0 or float(np.max(np.abs(window[-returned:]), initial=0.0)) < _SILENCE:
            return np.zeros(out_samples, dtype=np.float32)
        params = self._params
        converted = self._synthesise(np.ascontiguousarray(window), returned, len(new), params)
        result = np.zeros(out_samples, dtype=np.float32)
        result[out_samples - returned :] = converted
        return result

    def _synthesise(
        self, window: np.ndarray, returned: int, new: int, params: ConversionParams
    ) -> np.ndarray:
        """WORLD analysis of window (N,) and synthesis of its last `returned` samples, float32."""
        world = world_dsp.pyworld_module()
        rate, hop = self.sample_rate, self._hop
        first = max(0, math.floor((len(window) - returned - _RUN_IN_S * rate) / hop))
        last = math.ceil(len(window) / hop)  # one frame at or past the end, so synthesis covers it
        frames = np.arange(first, last + 1)
        frame_times = np.ascontiguousarray(frames * world_dsp.FRAME_PERIOD_MS / 1000.0)
        coarse = causal_f0.track(window, rate, np.round(frames[::2] * hop).astype(np.int64))
        frame_f0 = np.repeat(coarse, 2)[: len(frames)]  # tracked every 10 ms; StoneMask refines each frame
        frame_f0 = world.stonemask(window, frame_f0, frame_times, rate)
        frame_f0[~np.isfinite(frame_f0) | (frame_f0 < 0)] = 0.0
        frame_f0 = np.ascontiguousarray(frame_f0)
        self._track_median(frame_f0[-max(1, round(new / hop)) :])
        spectral = world.cheaptrick(window, frame_f0, frame_times, rate)
        aperiodicity = quick_aperiodicity(frame_f0, spectral.shape[1])
        spectral = world_dsp.shift_formants(spectral, params.formant_shift)
        aperiodicity = world_dsp.scale_breathiness(aperiodicity, params.breathiness)
        if params.pitch_mode == "whisper":
            aperiodicity = np.ones_like(aperiodicity)
        target = target_pitch(frame_f0, params, self.median_f0)
        audio = world_dsp.synthesize(
            target, world_dsp.Envelope(spectral, aperiodicity), rate, len(frames) * round(hop) + 1
        )
        start = round(first * hop)  # synthesised sample j is window sample start + j
        part = audio[len(window) - returned - start : len(window) - start]
        part = np.nan_to_num(part, nan=0.0, posinf=0.0, neginf=0.0)
        return np.clip(part, -_PEAK, _PEAK).astype(np.float32)

    def _track_median(self, f0: np.ndarray) -> None:
        voiced = f0[f0 > 0]
        if len(voiced):
            self._log_f0_sum += float(np.sum(np.log(voiced)))
            self._voiced_frames += len(voiced)
