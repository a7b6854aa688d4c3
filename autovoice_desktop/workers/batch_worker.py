"""Batch conversion on one worker thread: each queued file is read, converted and saved in turn.

Concurrency design: BatchJob runs on its own QThread (JobRunner). Per-item signals (`item_started`,
`item_progress`, `item_done`, `item_failed`) are queued to the GUI thread. `skip(index)` (an item removed
from the queue) and `request_cancel()` are thread-safe and may be called directly from the GUI thread.
A failure of one item (bad file, disk full, voice error) is reported on that item and the queue goes on;
a cancel stops at the current item's next chunk and leaves the remaining items queued.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, replace
from typing import Any

from PySide6.QtCore import Signal

from autovoice_desktop.core.errors import AutoVoiceError, ConversionCancelled
from autovoice_desktop.core.types import ConversionParams, check_cancel
from autovoice_desktop.workers.job import Job, unexpected_message

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class BatchItem:
    """One queued file: its position in the queue, the input and the output path."""

    index: int
    source: str
    target: str


class BatchJob(Job):
    """Converts `items` one after another with one voice and one set of parameters."""

    title = "Batch conversion"
    item_started = Signal(int)
    item_progress = Signal(int, float)  # index, fraction 0…1 of that item
    item_done = Signal(int, str)  # index, written path
    item_failed = Signal(int, str)  # index, one-line message (what to do)

    def __init__(self, bridge: Any, voice_id: str, params: ConversionParams, items: list[BatchItem]) -> None:
        super().__init__()
        self.bridge = bridge
        self.voice_id = voice_id
        self.params = params
        self.items = list(items)
        self._skipped: set[int] = set()
        self._lock = threading.Lock()
        self._last_item_progress = 0.0

    def skip(self, index: int) -> None:
        """Leave item `index` out (it was removed from the queue); thread-safe."""
        with self._lock:
            self._skipped.add(index)

    def _is_skipped(self, index: int) -> bool:
        with self._lock:
            return index in self._skipped

    def work(self) -> tuple[int, int]:
        """(converted, failed) counts; raises ConversionCancelled when cancelled."""
        device, notice = self.bridge.resolve_device(self.params.device)
        if notice:
            log.info("batch: %s", notice)
        params = replace(self.params, device=device)
        done = failed = 0
        for item in self.items:
            check_cancel(self.cancel_event)
            if self._is_skipped(item.index):
                continue
            self.item_started.emit(item.index)
            try:
                self.item_done.emit(item.index, self._convert_one(item, params))
                done += 1
            except ConversionCancelled:
                raise
            except AutoVoiceError as exc:
                log.warning("batch: %s: %s", item.source, exc.user_message())
                self.item_failed.emit(item.index, exc.user_message())
                failed += 1
            except Exception as exc:  # noqa: BLE001 - one bad item must not stop the queue
                log.exception("batch: %s: unexpected error", item.source)
                self.item_failed.emit(item.index, unexpected_message(exc))
                failed += 1
        return done, failed

    def _convert_one(self, item: BatchItem, params: ConversionParams) -> str:
        audio = self.bridge.load_audio(item.source)
        voice = self.bridge.voice(self.voice_id, params.device)
        check_cancel(self.cancel_event)
        result = voice.convert(
            audio.samples,
            audio.sample_rate,
            params,
            progress=lambda f, _stage: self._item_progress(item.index, f),
            cancel=self.cancel_event,
        )
        check_cancel(self.cancel_event)
        path = self.bridge.save_audio(item.target, result.audio, result.sample_rate, (item.source,))
        self.item_progress.emit(item.index, 1.0)
        return str(path)

    def _item_progress(self, index: int, fraction: float) -> None:
        now = time.monotonic()
        if now - self._last_item_progress >= 0.1:  # at most 10 updates a second reach the GUI thread
            self._last_item_progress = now
            self.item_progress.emit(index, float(fraction))
