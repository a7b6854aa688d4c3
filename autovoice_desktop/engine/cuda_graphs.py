"""CUDA graphs for fixed-shape passes: capture, and a cache that captures a shape the second time it is used.

A pass of a few hundred to a few thousand small kernels costs more to launch from Python than the GPU needs
to run it. Captured once (`torch.cuda.CUDAGraph`), it replays with one launch. A pass keeps its inputs and
outputs in static buffers and has `capture() -> bool`; when capture fails it keeps running eagerly.

`GraphCache` decides which shapes to capture: a first use runs eagerly (converting a file once never pays
for a capture), the second use of the same shape captures, later uses replay. At most `kept` captured passes
are kept (each holds its own GPU memory pool); the least recently used one goes first.
AUTOVOICE_CUDA_GRAPHS=0 turns capturing off.
"""

from __future__ import annotations

import logging
import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, Protocol, TypeVar

import torch

log = logging.getLogger(__name__)
T = TypeVar("T")

_SEEN = 64  # shapes remembered per cache


def graphs_enabled() -> bool:
    """False when AUTOVOICE_CUDA_GRAPHS=0 asks for eager runs only."""
    return os.environ.get("AUTOVOICE_CUDA_GRAPHS", "1") != "0"


def capture_graph(run: Callable[[], T], device: torch.device) -> tuple[torch.cuda.CUDAGraph | None, T | None]:
    """(graph, what `run` returned: tensors in the graph's memory) for `run` (fixed shapes, no host waits) on
    CUDA `device`, or (None, None) if it cannot be captured (the caller then runs `run` eagerly). Replay it
    under torch.cuda.device(device).

    Capture errors are thread-local: another thread may use the GPU meanwhile (on its own stream).
    """
    with torch.cuda.device(device):
        return _capture(run)


def _capture(run: Callable[[], T]) -> tuple[torch.cuda.CUDAGraph | None, T | None]:
    side = torch.cuda.Stream()
    side.wait_stream(torch.cuda.current_stream())
    try:
        with torch.cuda.stream(side):
            for _ in range(2):  # lazy initialisation (cuBLAS/cuDNN handles, workspaces) before capture
                run()
        torch.cuda.current_stream().wait_stream(side)
        graph = torch.cuda.CUDAGraph()
        with torch.cuda.graph(graph, capture_error_mode="thread_local"):
            out = run()
        return graph, out
    except Exception as exc:  # e.g. an operation that waits for the host, or out of memory
        log.warning("no CUDA graph for a conversion pass (%s); running it eagerly", exc)
        torch.cuda.synchronize()
        return None, None


class Capturable(Protocol):
    """A pass with static buffers that can be captured (True on success)."""

    def capture(self) -> bool: ...


P = TypeVar("P", bound=Capturable)


class GraphCache(Generic[P]):
    """Passes by shape key: eager on first use, captured on the second, replayed after (see the module)."""

    def __init__(self, kept: int) -> None:
        self.kept = kept
        self._graphs: OrderedDict[Hashable, P] = OrderedDict()
        self._seen: OrderedDict[Hashable, None] = OrderedDict()
        self._failed = False
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._graphs)

    def get(self, key: Hashable, make: Callable[[], P], capture: bool) -> P:
        """The pass for `key`: a kept captured one, a new capture, or a new eager one (made by `make`).

        capture: whether this use may capture at all (CUDA, graphs on, the caller's own limits).
        """
        with self._lock:
            if not capture or self._failed or not graphs_enabled():
                return make()
            if key in self._graphs:
                self._graphs.move_to_end(key)
                return self._graphs[key]
            made = make()
            if key not in self._seen:
                self._seen[key] = None
                while len(self._seen) > _SEEN:
                    self._seen.popitem(last=False)
                return made
            while len(self._graphs) >= self.kept:
                self._graphs.popitem(last=False)
            if made.capture():
                self._graphs[key] = made
            else:
                self._failed = True  # one failed capture is enough: eager from now on
            return made

    def clear(self) -> None:
        """Drop the captured passes (their memory pools) and the shapes seen."""
        with self._lock:
            self._graphs.clear()
            self._seen.clear()
