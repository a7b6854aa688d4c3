"""The model part of one live-stream window, for a fixed window size, replayed as a CUDA graph on a GPU.

A stream window of 0.5 s runs ~1,000 small kernels (ContentVec, prior encoder, flow, harmonic source,
NSF-HiFi-GAN): launched one by one from Python they cost tens of milliseconds while the arithmetic needs
well under one. `WindowPass` keeps the inputs and the output in static device buffers and, on CUDA, captures
the pass once (`torch.cuda.CUDAGraph`) and replays it with one launch per block. The captured function is
exactly the eager one (`WindowedSynth.content` + `WindowedSynth.render_tensors`); where capture is not
possible (CPU, or a capture error) the same function runs eagerly.

F0 is not part of the graph: torchfcpe's mel extractor and decoder wait for the host (value checks, masked
writes), which ends a capture (cudaErrorStreamCaptureInvalidated, seen on an H200); FCPE runs eagerly before
the pass (about 4 ms per 0.5 s window on an H200).

Random draws inside a captured graph come from the default CUDA generator (PyTorch advances its offset on
every replay), not from the stream's own generator; a live stream does not need reproducible noise.
Shapes: T frames of the window, L16 its 16 kHz length, N = T * hop output samples.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import numpy as np
import torch

from autovoice_desktop.engine.sovits.windowed import WindowedSynth

log = logging.getLogger(__name__)


def capture_graph(run: Callable[[], torch.Tensor]) -> tuple[torch.cuda.CUDAGraph | None, torch.Tensor | None]:
    """(graph, its output tensor) for `run` (fixed shapes, no host waits), or (None, None) if it cannot be
    captured (the caller then runs `run` eagerly)."""
    side = torch.cuda.Stream()
    side.wait_stream(torch.cuda.current_stream())
    try:
        with torch.cuda.stream(side):
            for _ in range(2):  # lazy initialisation (cuBLAS/cuDNN handles, workspaces) before capture
                run()
        torch.cuda.current_stream().wait_stream(side)
        graph = torch.cuda.CUDAGraph()
        with torch.cuda.graph(graph):
            out = run()
        return graph, out
    except Exception as exc:  # e.g. an operation that waits for the host
        log.warning("live: no CUDA graph for a stream pass (%s); running it eagerly", exc)
        torch.cuda.synchronize()
        return None, None


class WindowPass:
    """16 kHz audio (L16,) + F0/uv/volume (T,) -> converted audio (N,) for one fixed (T, L16)."""

    def __init__(
        self,
        synth: WindowedSynth,
        frames: int,
        length16: int,
        g: torch.Tensor,
        *,
        noise_scale: float,
        predict_f0: bool,
        use_volume: bool,
        generator: torch.Generator | None,
        graph: bool,
    ) -> None:
        dev = synth.device
        self.synth = synth
        self.frames = frames
        self.noise_scale = noise_scale
        self.predict_f0 = predict_f0
        self.generator = generator
        self.wav16 = torch.zeros(length16, device=dev)
        self.f0 = torch.zeros(frames, device=dev)
        self.uv = torch.zeros(frames, device=dev)
        self.volume = torch.zeros(frames, device=dev) if use_volume else None
        self.g = g.detach().clone()
        self._graph: torch.cuda.CUDAGraph | None = None
        self._out: torch.Tensor | None = None
        if graph and dev.type == "cuda":
            self._capture()

    @property
    def captured(self) -> bool:
        """True when the pass replays a CUDA graph."""
        return self._graph is not None

    def set_speaker(self, g: torch.Tensor) -> None:
        """A new speaker embedding (1, G, 1), used from the next call (no re-capture)."""
        self.g.copy_(g)

    def _run(self, generator: torch.Generator | None) -> torch.Tensor:
        synth = self.synth
        units = synth.content(self.wav16, self.frames)
        audio, _ = synth.render_tensors(
            units, self.f0, self.uv, self.g, volume=self.volume, noise_scale=self.noise_scale,
            predict_f0=self.predict_f0, generator=generator,
        )  # fmt: skip
        return audio

    def _capture(self) -> None:
        self._graph, self._out = capture_graph(lambda: self._run(None))

    def __call__(
        self, wav16: np.ndarray, f0: np.ndarray, uv: np.ndarray, volume: np.ndarray | None
    ) -> np.ndarray:
        """One window: wav16 (L16,), f0/uv/volume (T,) as numpy -> converted audio (N,) float32."""
        self.wav16.copy_(torch.from_numpy(np.ascontiguousarray(wav16, np.float32)))
        self.f0.copy_(torch.from_numpy(np.ascontiguousarray(f0, np.float32)))
        self.uv.copy_(torch.from_numpy(np.ascontiguousarray(uv, np.float32)))
        if self.volume is not None and volume is not None:
            self.volume.copy_(torch.from_numpy(np.ascontiguousarray(volume, np.float32)))
        if self._graph is not None and self._out is not None:
            self._graph.replay()
            out = self._out
        else:
            out = self._run(self.generator)
        return out.cpu().numpy()
