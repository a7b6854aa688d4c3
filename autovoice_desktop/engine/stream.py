"""The streaming contract between voices and the live voice changer.

A live voice changer converts a microphone signal block by block. Each voice that can stream returns a
`VoiceStream` from `Voice.open_stream`; the live engine (`engine/live/`) owns the ring buffers, the worker
thread, block timing and the joins between blocks (SOLA crossfade), and calls only `VoiceStream.convert`.

Shapes: every array is mono float32 at `VoiceStream.sample_rate`.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np

from autovoice_desktop.core.types import ConversionParams


class VoiceStream(Protocol):
    """State a voice keeps between blocks (model, encoders, F0 tracker, buffers, left context).

    sample_rate: the rate of both input and output samples (the voice's own rate; the live engine resamples).
    context_samples: how much left context the stream keeps and converts with every block.
    """

    sample_rate: int
    context_samples: int

    def convert(self, new_samples: np.ndarray, out_samples: int) -> np.ndarray:
        """Append new_samples (n,) to the stream's history and convert history + new audio.

        Returns the last `out_samples` samples (out_samples,) of the converted window, which end at the same
        instant as new_samples; out_samples may exceed n (up to n + context_samples) so the caller can
        crossfade with the previous block's output. Never returns NaN or infinite samples.
        """
        ...

    def set_params(self, params: ConversionParams) -> None:
        """Apply new conversion settings from the next block on (no restart, no reload)."""
        ...

    def reset(self) -> None:
        """Forget the history (after a pause, a bypass or a dropout)."""
        ...
