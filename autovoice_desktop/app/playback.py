"""Playback wiring: the window's play/pause, stop, A/B and seek intents → an audio Player; playhead polling.

The Player (audio layer) is thread-safe and callback-free for us: a ~30 Hz QTimer polls its position and moves
the playhead; nothing is redrawn per audio block. The Player is created on first use (so sounddevice loads
late) by `player_factory`, which tests replace with a fake.

Resampling the sources to a rate the device takes (`Player.prepare`: seconds for a long file) never runs on
the GUI thread: it starts on a helper thread as soon as new sources arrive, and a play pressed before it is
done waits for it (the button shows "playing" at once; the sound starts when the buffers are ready).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

import numpy as np
from PySide6.QtCore import QObject, QTimer, Signal, Slot

from autovoice_desktop.core.errors import AutoVoiceError
from autovoice_desktop.gui.main_window import MainWindow

log = logging.getLogger(__name__)
PlayerFactory = Callable[[], Any]
POLL_MS = 33


def default_player_factory(device: str | None = None) -> PlayerFactory:
    """Factory for the real Player on output `device` (None = the system default)."""

    def make() -> Any:
        from autovoice_desktop.audio.player import Player

        return Player(device=device or None)

    return make


class _Prepared(QObject):
    """Carries "a helper thread finished its Player call for generation N" to the GUI thread."""

    done = Signal(int)


class PlaybackController(QObject):
    """Keeps the sources (input, output), the chosen source and the position; drives the Player."""

    def __init__(self, window: MainWindow, player_factory: PlayerFactory) -> None:
        super().__init__(window)
        self.window = window
        self.player_factory = player_factory
        self.player: Any = None
        self.sources: dict[str, tuple[np.ndarray, int]] = {}
        self.source = "input"
        self.position = 0.0
        self.starting = False  # play was pressed; it starts when the helper thread has prepared the player
        self._prepare_generation = 0
        self._prepare_thread: threading.Thread | None = None
        self._prepared = _Prepared(self)
        self._prepared.done.connect(self._on_prepared)  # queued: emitted on the helper thread
        self._replace_generation = 0
        self._replace_thread: threading.Thread | None = None
        self._replaced = _Prepared(self)
        self._replaced.done.connect(self._on_replaced)  # queued: emitted on the helper thread
        self.timer = QTimer(self)
        self.timer.setInterval(POLL_MS)
        self.timer.timeout.connect(self.poll)
        window.play_pause_requested.connect(self.play_pause)
        window.stop_requested.connect(self.stop)
        window.source_requested.connect(self.set_source)
        window.seek_requested.connect(self.seek)

    @property
    def duration(self) -> float:
        """Length of the current source in seconds."""
        samples, rate = self.sources.get(self.source, self.sources.get("input", (np.zeros(0), 1)))
        return len(samples) / rate

    def _ensure_player(self) -> Any:
        if self.player is None:
            try:
                self.player = self.player_factory()
            except (ImportError, OSError, AutoVoiceError) as exc:
                log.warning("playback unavailable: %s", exc, exc_info=True)
                message = exc.user_message() if isinstance(exc, AutoVoiceError) else str(exc)
                self.window.show_error("Playback is not available", message)
                return None
            if self.sources:
                self.player.load(dict(self.sources))
        return self.player

    # --- preparing off the GUI thread ----------------------------------------------------------------
    def _needs_prepare(self) -> bool:
        needs = getattr(self.player, "needs_prepare", None)
        return bool(callable(needs) and needs())

    def _start_prepare(self) -> None:
        """Run Player.prepare() on a helper thread (one at a time; a newer request supersedes older ones)."""
        self._prepare_generation += 1
        if self._prepare_thread is not None and self._prepare_thread.is_alive():
            return  # it re-checks when done: _on_prepared starts another one for the newer generation
        self._prepare_thread = threading.Thread(
            target=self._prepare_on_helper,
            args=(self.player, self._prepare_generation),
            name="player-prepare",
            daemon=True,
        )
        self._prepare_thread.start()

    def _prepare_on_helper(self, player: Any, generation: int) -> None:
        """Helper thread: resample; errors are left for play(), which reports them in the window."""
        try:
            player.prepare()
        except Exception:  # noqa: BLE001
            log.debug("preparing playback failed; play() will report it", exc_info=True)
        self._prepared.done.emit(generation)

    @Slot(int)
    def _on_prepared(self, generation: int) -> None:
        if self.player is None:
            return
        if generation != self._prepare_generation or self._needs_prepare():
            self._prepare_thread = None
            self._start_prepare()  # the sources (or the device) changed meanwhile
            return
        if self.starting:
            self.starting = False
            self._start_playing()

    def _call(self, what: str, *args: Any, **kwargs: Any) -> bool:
        player = self._ensure_player()
        if player is None:
            return False
        try:
            getattr(player, what)(*args, **kwargs)
        except AutoVoiceError as exc:
            log.warning("playback %s failed: %s", what, exc.user_message(), exc_info=True)
            self.window.show_error("Playback failed", exc.user_message())
            return False
        except Exception as exc:  # noqa: BLE001 - a sound-card error must not take the window down
            log.exception("playback %s failed", what)
            self.window.show_error("Playback failed", f"{type(exc).__name__}: {exc}. Details are in the log.")
            return False
        return True

    def set_sources(self, sources: dict[str, tuple[np.ndarray, int]]) -> None:
        """New input (and maybe output) audio: stop, reload, back to the start if the input changed."""
        input_changed = self.sources.get("input", (None, 0))[0] is not sources.get("input", (None, 0))[0]
        if self.is_playing:
            self._call("stop")
        self.timer.stop()
        self.starting = False
        self._replace_generation += 1  # a re-rendered source still being resampled is superseded
        self.window.set_playing(False)
        self.sources = dict(sources)
        if "output" not in self.sources and self.source == "output":
            self.source = "input"
        if input_changed:
            self.position = 0.0
        if self.player is not None:
            self._call("load", dict(self.sources))
            if self._needs_prepare():
                self._start_prepare()  # resample now, off the GUI thread, so a later play starts at once
        self.window.set_position(self.position if not input_changed else None)

    def update_source(self, name: str, samples: np.ndarray, sample_rate: int) -> None:
        """New samples for one source of the same length (an edit re-rendered): playback goes on. The Player
        resamples them to its rate on a helper thread; if it cannot take them there, the sources are
        reloaded (back on the GUI thread)."""
        old = self.sources.get(name)
        same_shape = old is not None and len(old[0]) == len(samples) and old[1] == sample_rate
        self.sources[name] = (samples, sample_rate)
        if self.player is None:
            return
        replace_source = getattr(self.player, "replace_source", None)
        if not (same_shape and callable(replace_source)):
            self.set_sources(dict(self.sources))
            return
        self._replace_generation += 1
        self._replace_thread = threading.Thread(
            target=self._replace_on_helper,
            args=(replace_source, name, samples, sample_rate, self._replace_generation),
            name="player-replace",
            daemon=True,
        )
        self._replace_thread.start()

    def _replace_on_helper(
        self, replace_source: Any, name: str, samples: np.ndarray, sample_rate: int, generation: int
    ) -> None:
        try:
            done = bool(replace_source(name, samples, sample_rate))
        except Exception:  # noqa: BLE001
            log.exception("replacing the playback source failed")
            done = False
        self._replaced.done.emit(generation if not done else -generation)

    @Slot(int)
    def _on_replaced(self, signed_generation: int) -> None:
        """Negative: the Player took the new samples; positive: it did not (reload unless superseded)."""
        if signed_generation > 0 and signed_generation == self._replace_generation:
            self.set_sources(dict(self.sources))

    @property
    def is_playing(self) -> bool:
        """Whether the Player is playing."""
        return bool(self.player is not None and self.player.is_playing)

    def play_pause(self) -> None:
        """Space: pause if playing, else play the chosen source from the current position."""
        if not self.sources:
            return
        if self.starting:  # pressed again while the player was being prepared: do not start after all
            self.starting = False
            self.window.set_playing(False)
            return
        if self.is_playing:
            self._call("pause")
            self.position = float(self.player.position_seconds)
            self.timer.stop()
            self.window.set_playing(False)
            return
        if self.position >= self.duration - 0.01:
            self.position = 0.0
        if self._ensure_player() is None:
            return
        if self._needs_prepare():
            self.starting = True
            self.window.set_playing(True)
            self._start_prepare()
            return
        self._start_playing()

    def _start_playing(self) -> None:
        if self._call("play", self.source, start_seconds=self.position):
            self.window.set_playing(True)
            self.timer.start()
        else:
            self.window.set_playing(False)

    def stop(self) -> None:
        """Stop and go back to the start."""
        self.starting = False
        if self.player is not None:
            self._call("stop")
        self.timer.stop()
        self.position = 0.0
        self.window.set_playing(False)
        self.window.set_position(0.0 if self.sources else None)

    def set_source(self, source: str) -> None:
        """A/B: switch to `source`; while playing the switch keeps the position."""
        if source not in self.sources:
            return
        self.source = source
        if self.is_playing:
            self._call("switch", source)

    def seek(self, seconds: float) -> None:
        """Click on a plot: move there (and keep playing if playing)."""
        if not self.sources:
            return
        self.position = min(max(0.0, seconds), self.duration)
        if self.is_playing:
            self._call("seek", self.position)
        self.window.set_position(self.position)

    def poll(self) -> None:
        """Timer tick: move the playhead; notice the end of playback."""
        if self.player is None:
            self.timer.stop()
            return
        self.position = float(self.player.position_seconds)
        self.window.set_position(self.position)
        if not self.player.is_playing:
            self.timer.stop()
            self.window.set_playing(False)

    def shutdown(self) -> None:
        """Stop the sound before the window goes away (and wait for a helper thread still resampling)."""
        self.timer.stop()
        self.starting = False
        for thread in (self._prepare_thread, self._replace_thread):
            if thread is not None:
                thread.join(timeout=30)
        self._prepare_thread = self._replace_thread = None
        if self.player is not None:
            try:
                self.player.stop()
                close = getattr(self.player, "close", None)
                if callable(close):
                    close()
            except Exception:  # noqa: BLE001
                log.exception("stopping the player failed")
