"""One span's model pass (a stretch of a file or a live window) in static buffers, replayable as a CUDA graph.

A span runs ~1,000-1,500 small kernels (ContentVec, prior encoder, flow, harmonic source, NSF-HiFi-GAN):
launched one by one from Python they cost tens of milliseconds of host time, more than the arithmetic of a
short span needs. `SpanPass` keeps the inputs, the random draws (`SynthNoise`) and the output in static
device buffers and, on CUDA, can capture the pass once (`torch.cuda.CUDAGraph`) and replay it with one launch.
The captured functions are exactly the eager ones (`WindowedSynth.content`, `WindowedSynth.render_tensors`
with the draws given), so replay and eager run give the same audio for the same seed; where capture is not
possible (CPU, or a capture error) the same functions run eagerly. They are two graphs: `start` replays the
content encoder's on a side stream, so a live block's F0 (FCPE, its own graph) runs beside it; `finish`
waits for it and replays the rest.

Who captures:
* a live stream captures its window size at once (engine/sovits/stream.py);
* file conversions on CUDA go through a voice's `SpanPasses`: a span shape is captured the second time it is
  converted (converting the same take again with another transpose, speaker or F0 edit), and only when the
  file has at most KEPT_GRAPHS spans of at most MAX_GRAPH_SECONDS, so a long file never captures and a first
  conversion never pays for a capture. Each kept graph holds its own GPU memory pool (about a span's peak
  memory).

F0 is not part of the graph: its gap filling and transposition run on the host. FCPE has a graph of its own
(engine/fcpe_pass.py). The cache policy and capture are engine/cuda_graphs.py's; AUTOVOICE_CUDA_GRAPHS=0
turns capturing off. Shapes: T frames of the span, L16 its 16 kHz length, N = T * hop
output samples, G the speaker embedding's width.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch

from autovoice_desktop.engine.cuda_graphs import GraphCache, capture_graph, graphs_enabled
from autovoice_desktop.engine.sovits.windowed import SynthNoise, WindowedSynth, WindowUnits

KEPT_GRAPHS = 2  # captured file spans kept per voice
#: longer spans run eagerly: their GPU work outlasts the launches a graph saves (an H200 converted 60 s spans
#: no faster as a graph, 10 s twice as fast), and a graph keeps the span's peak memory for itself
MAX_GRAPH_SECONDS = 30.0


def _as_tensor(values: np.ndarray | torch.Tensor) -> torch.Tensor:
    if isinstance(values, torch.Tensor):
        return values
    return torch.from_numpy(np.ascontiguousarray(values, np.float32))


@dataclass(frozen=True)
class SpanShape:
    """What a span pass is made for (a captured pass replays only this): T frames, L16 samples of 16 kHz
    audio, and the synthesis options its kernels depend on."""

    frames: int
    length16: int
    noise_scale: float
    predict_f0: bool
    use_volume: bool


class SpanPass:
    """16 kHz audio (L16,) + F0/uv/volume (T,) + speaker g (1, G, 1) -> audio (N,), for one `SpanShape`."""

    def __init__(self, synth: WindowedSynth, shape: SpanShape) -> None:
        dev = synth.device
        frames = shape.frames
        self.synth = synth
        self.frames = frames
        self.noise_scale = shape.noise_scale
        self.predict_f0 = shape.predict_f0
        self.wav16 = torch.zeros(shape.length16, device=dev)
        self.f0 = torch.zeros(frames, device=dev)
        self.uv = torch.zeros(frames, device=dev)
        self.volume = torch.zeros(frames, device=dev) if shape.use_volume else None
        embedding = synth.model.net.emb_g.weight
        self.g = torch.zeros(1, embedding.shape[1], 1, device=dev, dtype=embedding.dtype)
        self.noise = SynthNoise.empty(synth.model, frames)
        self._units: WindowUnits | None = None  # the content part's result (a graph's output once captured)
        self._content_graph: torch.cuda.CUDAGraph | None = None
        self._render_graph: torch.cuda.CUDAGraph | None = None
        self._out: torch.Tensor | None = None
        self._side: torch.cuda.Stream | None = None  # the content graph's stream

    @property
    def captured(self) -> bool:
        """True when the pass replays CUDA graphs."""
        return self._render_graph is not None

    def capture(self) -> bool:
        """Capture the pass as two CUDA graphs, content and render (CUDA only); True on success, else it
        keeps running eagerly."""
        if self.synth.device.type != "cuda" or not graphs_enabled():
            return False
        dev = self.synth.device
        content, units = capture_graph(lambda: self.synth.content(self.wav16, self.frames), dev)
        if content is None or units is None:
            return False
        render, out = capture_graph(lambda: self._render(units, None), dev)
        if render is not None:
            self._content_graph, self._render_graph, self._units, self._out = content, render, units, out
            self._side = torch.cuda.Stream(dev)
        return self.captured

    def set_speaker(self, g: torch.Tensor) -> None:
        """A new speaker embedding (1, G, 1), used from the next call (no re-capture)."""
        self.g.copy_(g)

    def start(self, wav16: np.ndarray | torch.Tensor) -> None:
        """Begin a span with its 16 kHz audio (L16,): the content encoder's part. As graphs it runs on a side
        stream, so the caller can find the span's F0 meanwhile (a live block's FCPE runs beside it)."""
        if self._content_graph is None:
            self.wav16.copy_(_as_tensor(wav16))
            self._units = self.synth.content(self.wav16, self.frames)
            return
        assert self._side is not None
        self._side.wait_stream(torch.cuda.current_stream(self._side.device))  # the last render has read units
        with torch.cuda.device(self.synth.device), torch.cuda.stream(self._side):
            self.wav16.copy_(_as_tensor(wav16))
            self._content_graph.replay()

    def finish(
        self,
        f0: np.ndarray | torch.Tensor,
        uv: np.ndarray | torch.Tensor,
        volume: np.ndarray | torch.Tensor | None,
        generator: torch.Generator | None,
        step: Callable[[float], None] | None = None,
    ) -> torch.Tensor:
        """End the span begun by `start`: F0/uv/volume (T,) -> converted audio (N,) float32 on the device,
        valid until the next call. The random draws come from `generator`; step(fraction) is called between
        window and tile batches of an eager run (it may raise to cancel)."""
        if self._units is None:
            raise RuntimeError("SpanPass.finish without start")
        self.f0.copy_(_as_tensor(f0))
        self.uv.copy_(_as_tensor(uv))
        if self.volume is not None and volume is not None:
            self.volume.copy_(_as_tensor(volume))
        self.noise.draw(generator)
        if self._render_graph is None or self._out is None:
            return self._render(self._units, step)
        assert self._side is not None
        with torch.cuda.device(self.synth.device):
            torch.cuda.current_stream().wait_stream(self._side)
            self._render_graph.replay()
        return self._out

    def __call__(
        self,
        wav16: np.ndarray | torch.Tensor,
        f0: np.ndarray | torch.Tensor,
        uv: np.ndarray | torch.Tensor,
        volume: np.ndarray | torch.Tensor | None,
        generator: torch.Generator | None,
        step: Callable[[float], None] | None = None,
    ) -> torch.Tensor:
        """One span: wav16 (L16,), f0/uv/volume (T,) (numpy or tensors) -> audio (N,): `start` + `finish`."""
        self.start(wav16)
        return self.finish(f0, uv, volume, generator, step)

    def _render(self, units: WindowUnits, step: Callable[[float], None] | None) -> torch.Tensor:
        audio, _ = self.synth.render_tensors(
            units, self.f0, self.uv, self.g, volume=self.volume, noise_scale=self.noise_scale,
            predict_f0=self.predict_f0, noise=self.noise, step=step,
        )  # fmt: skip
        return audio


def _weights(synth: WindowedSynth) -> tuple[int, int]:
    """Where the model's and the encoder's weights live: a graph replays those addresses, so a moved or
    reloaded model must not reuse it."""
    encoder_weight = next(iter(synth.encoder.model.parameters()), None)
    return synth.model.net.pre.weight.data_ptr(), 0 if encoder_weight is None else encoder_weight.data_ptr()


class SpanPasses:
    """A voice's span passes for file conversions (see the module docstring for when one is captured)."""

    def __init__(
        self, kept: int = KEPT_GRAPHS, can_capture: Callable[[WindowedSynth], bool] | None = None
    ) -> None:
        """kept: the most graphs kept; can_capture(synth): capture at all? (default: on CUDA)."""
        self._cache: GraphCache[SpanPass] = GraphCache(kept)
        self._can_capture = can_capture or (lambda synth: synth.device.type == "cuda")

    def __len__(self) -> int:
        return len(self._cache)

    def get(self, synth: WindowedSynth, shape: SpanShape, spans: int) -> SpanPass:
        """The pass for one span of a conversion with `spans` spans: a kept graph, a new capture, or eager."""
        key = (shape, synth.settings, _weights(synth))
        seconds = shape.frames * synth.model.hop_length / synth.model.sample_rate
        capture = spans <= self._cache.kept and seconds <= MAX_GRAPH_SECONDS and self._can_capture(synth)
        return self._cache.get(key, lambda: SpanPass(synth, shape), capture)

    def clear(self) -> None:
        """Drop the graphs (their memory pools) and what was seen: after a move, a reload or out of memory."""
        self._cache.clear()
