"""The main window: a left control panel (input, voice, convert) and the plots on the right.

It only displays state and emits intents (`open_requested(path)`, `convert_requested()`, …); `app.controller`
connects those to the workers and calls the display methods back. Nothing here imports the engine or torch.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtCore import QByteArray, Qt, Signal
from PySide6.QtGui import QCloseEvent, QDragEnterEvent, QDropEvent, QIcon, QShowEvent
from PySide6.QtWidgets import (
    QApplication,
    QFrame,
    QLabel,
    QMainWindow,
    QScrollArea,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from autovoice_desktop.core.paths import resource_path
from autovoice_desktop.core.settings import WindowState
from autovoice_desktop.core.text import printable
from autovoice_desktop.core.types import AudioInfo
from autovoice_desktop.gui.actions import build_actions
from autovoice_desktop.gui.dialogs.about_dialog import AboutDialog
from autovoice_desktop.gui.dialogs.file_dialogs import FileDialogs
from autovoice_desktop.gui.keyboard import FocusKeeper, install_input_rules
from autovoice_desktop.gui.layout_rules import fit_minimum_sizes
from autovoice_desktop.gui.style import theme
from autovoice_desktop.gui.widgets.banner import MessageBanner
from autovoice_desktop.gui.widgets.convert_card import ConvertCard, convert_blocker
from autovoice_desktop.gui.widgets.input_card import InputCard
from autovoice_desktop.gui.widgets.plots_panel import PlotsPanel
from autovoice_desktop.gui.widgets.transport_bar import TransportBar
from autovoice_desktop.gui.widgets.voice_panel import VoicePanel

VOICE_SUFFIXES = (".zip",)


class MainWindow(QMainWindow):
    """AutoVoice's window. Signals are user intents; public methods update what is shown."""

    open_requested = Signal(str)
    import_voice_requested = Signal(str)
    convert_requested = Signal()
    cancel_requested = Signal()
    play_pause_requested = Signal()
    stop_requested = Signal()
    source_requested = Signal(str)
    seek_requested = Signal(float)
    export_requested = Signal(str)
    theme_requested = Signal(str)
    open_log_requested = Signal()
    open_data_requested = Signal()
    unload_voice_requested = Signal()
    batch_files_dropped = Signal(list)  # several audio files dropped at once: a batch (app.batch)
    closing = Signal()

    def __init__(self, version: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.version = version
        self.dialogs = FileDialogs(self)
        self.open_dir = ""
        self.import_dir = ""
        self.suggested_output = ""
        self.export_subtype: str | None = None
        self.batch_available = False  # set by app.batch when the batch window is attached
        self.about_dialog: AboutDialog | None = None
        self._has_input = self._has_output = self._busy = False
        self.setWindowTitle("AutoVoice")
        self.setAcceptDrops(True)
        self.resize(1280, 800)
        window_icon = resource_path("icons", "autovoice.png")
        if window_icon.is_file():
            self.setWindowIcon(QIcon(str(window_icon)))

        self.input_card = InputCard()
        self.voice_panel = VoicePanel()
        self.convert_card = ConvertCard()
        self.side = QFrame()
        self.side.setObjectName("sidePanel")
        self.side_layout = QVBoxLayout(self.side)
        self.side_layout.setContentsMargins(14, 14, 14, 14)
        self.side_layout.setSpacing(12)
        for card in (self.input_card, self.voice_panel):
            self.side_layout.addWidget(card)
        self.side_layout.addStretch(1)
        self.side_scroll = QScrollArea()
        self.side_scroll.setWidget(self.side)
        self.side_scroll.setWidgetResizable(True)
        self.side_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.side_scroll.setFrameShape(QFrame.Shape.NoFrame)
        # The Convert card stays in view below the scrolling cards: the main action is never scrolled away.
        self.side_column = QFrame()
        self.side_column.setObjectName("sideColumn")
        column = QVBoxLayout(self.side_column)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        column.addWidget(self.side_scroll, 1)
        footer = QFrame()
        footer.setObjectName("sideFooter")
        footer_layout = QVBoxLayout(footer)
        footer_layout.setContentsMargins(14, 10, 14, 14)
        footer_layout.addWidget(self.convert_card)
        column.addWidget(footer)

        self.banner = MessageBanner()
        self.transport = TransportBar()
        self.plots = PlotsPanel()
        self.plots.when_built(self._on_plots_built)
        right = self.right_panel = QFrame()
        right.setObjectName("plotsPanel")
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(14, 14, 14, 10)
        right_layout.setSpacing(10)
        right_layout.addWidget(self.banner)
        right_layout.addWidget(self.transport)
        right_layout.addWidget(self.plots, 1)

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(self.side_column)
        self.splitter.addWidget(right)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([340, 940])
        self.splitter.setChildrenCollapsible(False)
        self.splitter.setHandleWidth(1)
        self.setCentralWidget(self.splitter)

        self.device_status = QLabel("Device: detecting…")
        self.voice_status = QLabel("Voice: none")
        self.last_status = QLabel("No conversion yet")
        for label, name in (
            (self.device_status, "Compute device"),
            (self.voice_status, "Voice status"),
            (self.last_status, "Last conversion"),
        ):
            label.setAccessibleName(name)
            label.setContentsMargins(8, 0, 8, 0)
            self.statusBar().addPermanentWidget(label)
        self.statusBar().setSizeGripEnabled(True)

        self.fit_minimum_sizes()
        self.actions_ = build_actions(self)
        self._connect()
        self._set_tab_order()
        self._input_rules = install_input_rules(self, self.actions_.play)
        self._focus = FocusKeeper(self, self.transport.play_button)
        self.actions_.dark.setChecked(theme.current().name == "dark")
        self.actions_.light.setChecked(theme.current().name == "light")
        self.refresh_enabled()

    # --- wiring ------------------------------------------------------------------------------------------
    def _connect(self) -> None:
        a = self.actions_
        a.open.triggered.connect(self.ask_open)
        a.save.triggered.connect(self.ask_export)
        a.quit.triggered.connect(self.close)
        a.import_voice.triggered.connect(self.ask_import_voice)
        a.import_folder.triggered.connect(self.ask_import_folder)
        a.convert.triggered.connect(self._convert_if_possible)
        a.cancel.triggered.connect(self.cancel_requested)
        a.play.triggered.connect(self.play_pause_requested)
        a.stop.triggered.connect(self.stop_requested)
        a.toggle_ab.triggered.connect(self._toggle_source)
        a.dark.triggered.connect(self._request_dark)
        a.light.triggered.connect(self._request_light)
        a.about.triggered.connect(self.show_about)
        a.open_log.triggered.connect(self.open_log_requested)
        a.open_data.triggered.connect(self.open_data_requested)
        a.unload_voice.triggered.connect(self.unload_voice_requested)
        self.input_card.open_clicked.connect(self.ask_open)
        self.input_card.recent_chosen.connect(self.open_requested)
        self.voice_panel.import_clicked.connect(self.ask_import_voice)
        self.voice_panel.voice_changed.connect(self.refresh_enabled)
        self.convert_card.convert_clicked.connect(self._convert_if_possible)
        self.convert_card.cancel_clicked.connect(self.cancel_requested)
        self.transport.play_clicked.connect(self.play_pause_requested)
        self.transport.stop_clicked.connect(self.stop_requested)
        self.transport.source_changed.connect(self.source_requested)
        self.transport.export_clicked.connect(self.ask_export)
        self.plots.seek_requested.connect(self.seek_requested)

    def _set_tab_order(self) -> None:
        vp, tb = self.voice_panel, self.transport
        chain = [
            self.input_card.open_button,
            self.input_card.recent_button,
            vp.voice_combo,
            vp.speaker_combo,
            vp.import_button,
            vp.transpose.slider,
            vp.formant.slider,
            vp.noise.slider,
            vp.f0_combo,
            vp.device_combo,
            vp.auto_f0,
            vp.half,
            self.convert_card.convert_button,
            self.convert_card.cancel_button,
            tb.play_button,
            tb.stop_button,
            tb.a_button,
            tb.b_button,
            tb.export_button,
        ]
        for first, second in zip(chain, chain[1:], strict=False):
            QWidget.setTabOrder(first, second)

    def refresh_enabled(self, *_: object) -> None:
        has_voice = self.voice_panel.current_voice() is not None
        can_convert = self._has_input and has_voice and not self._busy
        self.convert_card.convert_button.setEnabled(can_convert)
        self.convert_card.explain(convert_blocker(self._has_input, has_voice, self._busy))
        self.actions_.convert.setEnabled(can_convert)
        self.actions_.cancel.setEnabled(self._busy)
        self.actions_.save.setEnabled(self._has_output)
        for action in (self.actions_.play, self.actions_.stop, self.actions_.toggle_ab):
            action.setEnabled(self._has_input)
        self.transport.set_available(self._has_input, self._has_output)

    def _on_plots_built(self) -> None:
        self.fit_minimum_sizes()

    def _request_dark(self) -> None:
        self.theme_requested.emit("dark")

    def _request_light(self) -> None:
        self.theme_requested.emit("light")

    def _open_recent_action(self) -> None:
        action = self.sender()
        if action is not None:
            self.open_requested.emit(str(action.data()))

    def _convert_if_possible(self) -> None:
        if self.convert_card.convert_button.isEnabled():
            self.convert_requested.emit()

    def _toggle_source(self) -> None:
        if self._has_output:
            self.transport.set_source("input" if self.transport.source == "output" else "output")

    # --- asking the user ---------------------------------------------------------------------------------
    def ask_open(self) -> None:
        """Ask for an audio file and emit open_requested."""
        path = self.dialogs.ask_open_audio(self.open_dir)
        if path:
            self.open_requested.emit(path)

    def ask_import_voice(self) -> None:
        """Ask for a voice zip (or a file in a voice folder) and emit import_voice_requested."""
        path = self.dialogs.ask_voice_source(self.import_dir)
        if path:
            self.import_voice_requested.emit(path)

    def ask_import_folder(self) -> None:
        """Ask for a voice folder and emit import_voice_requested."""
        path = self.dialogs.ask_voice_folder(self.import_dir)
        if path:
            self.import_voice_requested.emit(path)

    def ask_export(self) -> None:
        """Ask where to save the output and emit export_requested."""
        if not self._has_output:
            return
        path = self.dialogs.ask_save_audio(self.suggested_output)
        self.export_subtype = self.dialogs.save_subtype  # bit depth chosen in the dialog (None: default)
        if path:
            self.export_requested.emit(path)

    def show_about(self) -> None:
        """Open the About box (non-blocking)."""
        self.about_dialog = AboutDialog(self.version, self)
        self.about_dialog.open()

    # --- drag and drop -----------------------------------------------------------------------------------
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802
        """Accept local files and folders."""
        if event.mimeData().hasUrls() and any(u.isLocalFile() for u in event.mimeData().urls()):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802
        """Folders and zips are imported as voices; one other file is opened as audio, several are queued
        for batch conversion (when a batch window is attached, else the first is opened)."""
        audio: list[str] = []
        for url in event.mimeData().urls():
            if not url.isLocalFile():
                continue
            path = Path(url.toLocalFile())
            if path.is_dir() or path.suffix.lower() in VOICE_SUFFIXES:
                self.import_voice_requested.emit(str(path))
            else:
                audio.append(str(path))
        if len(audio) > 1 and self.batch_available:
            self.batch_files_dropped.emit(audio)
        elif audio:
            self.open_requested.emit(audio[0])
        event.acceptProposedAction()

    # --- showing state -----------------------------------------------------------------------------------
    def show_input(self, info: AudioInfo, samples: np.ndarray, sample_rate: int) -> None:
        """A file was loaded: name, duration, rate and its waveform."""
        self.input_card.set_file(info)
        self.plots.show_input(samples, sample_rate)
        self.transport.set_time(0.0, len(samples) / sample_rate)
        self.convert_card.set_result("", "Ready")
        self.convert_card.progress.setValue(0)
        self._has_input, self._has_output = True, False
        self.setWindowTitle(f"{printable(Path(info.path).name, 1000)} — AutoVoice")
        self.refresh_enabled()

    def show_pitch_progress(self, fraction: float) -> None:
        """The input's pitch analysis (the second half of loading: 0.5…1) with the time left."""
        self.plots.show_pitch_progress(max(0.0, (fraction - 0.5) * 2))

    def show_input_pitch(self, times: np.ndarray, f0: np.ndarray) -> None:
        """The input's F0 (Hz, 0 = unvoiced) on the pitch plot."""
        self.plots.pitch_plot.set_curve("input", times, f0)

    def show_output(self, samples: np.ndarray, sample_rate: int) -> None:
        """The converted audio's waveform; enables B, Save As."""
        self.plots.show_output(samples, sample_rate)
        self._has_output = True
        self.refresh_enabled()

    def show_pitch(self, which: str, times: np.ndarray, f0: np.ndarray) -> None:
        """One pitch curve ("input", "target" or "output")."""
        self.plots.pitch_plot.set_curve(which, times, f0)

    def set_busy(self, busy: bool) -> None:
        """A conversion started (True) or ended (False)."""
        if busy:
            self._focus.save()
        self._busy = busy
        self.convert_card.set_busy(busy)
        self.voice_panel.setEnabled(not busy)
        self.input_card.setEnabled(not busy)
        self.refresh_enabled()
        if not busy:
            self._focus.restore()

    def set_progress(self, fraction: float, stage: str) -> None:
        """Conversion progress."""
        self.convert_card.set_progress(fraction, stage)

    def show_result(self, text: str, progress_text: str = "Done") -> None:
        """Outcome of the last conversion (time, RTF, device), or why it stopped."""
        self.convert_card.set_result(text, progress_text)

    def show_error(self, title: str, message: str) -> None:
        """An inline error message above the plots (the trace is in the log, never here)."""
        self.banner.show_message(title, message, "error")
        self.statusBar().showMessage(f"{title}: {message}", 8000)

    def show_notice(self, title: str, message: str) -> None:
        """An inline notice (not an error)."""
        self.banner.show_message(title, message, "info")

    def set_status(
        self, device: str | None = None, voice: str | None = None, last: str | None = None
    ) -> None:
        """Update the permanent status-bar fields that are given."""
        fields = ((self.device_status, device), (self.voice_status, voice), (self.last_status, last))
        for label, text in fields:
            if text is not None:
                label.setText(text)
                label.setToolTip(text)

    def set_playing(self, playing: bool) -> None:
        """Show the play/pause state."""
        self.transport.set_playing(playing)

    def set_position(self, seconds: float | None) -> None:
        """Playhead position (None hides it)."""
        self.plots.set_playhead(seconds)
        self.transport.set_time(seconds or 0.0)

    def set_recent_files(self, paths: tuple[str, ...] | list[str]) -> None:
        """Fill both recent-files menus."""
        self.input_card.set_recent_files(paths)
        menu = self.actions_.recent_menu
        menu.clear()
        for path in paths:
            action = menu.addAction(printable(Path(path).name, 1000))
            action.setToolTip(path)
            action.setData(path)
            action.triggered.connect(self._open_recent_action)
        menu.setEnabled(bool(paths))

    def add_side_widget(self, widget: QWidget, index: int = 1) -> None:
        """Put an extra card in the side panel (e.g. the record panel, after the input card)."""
        self.side_layout.insertWidget(index, widget)
        self.fit_minimum_sizes()

    def fit_minimum_sizes(self) -> None:
        """Minimum sizes from the content, so nothing is cut (see gui.layout_rules)."""
        fit_minimum_sizes(
            self, self.side, self.side_column, self.side_scroll, self.right_panel, self.splitter.handleWidth()
        )

    def move_side_widget(self, widget: QWidget, index: int) -> None:
        """Move a card of the side panel to position `index`."""
        self.side_layout.removeWidget(widget)
        self.side_layout.insertWidget(index, widget)

    def set_theme(self, name: str) -> None:
        """Switch between the dark and light palettes."""
        app = QApplication.instance()
        if isinstance(app, QApplication):
            theme.apply_theme(app, name)
        for part in (
            self.input_card,
            self.voice_panel,
            self.convert_card,
            self.transport,
            self.actions_,
            self.banner,
        ):
            part.refresh_icons()
        self.plots.apply_theme()
        self.fit_minimum_sizes()
        self.actions_.dark.setChecked(name == "dark")
        self.actions_.light.setChecked(name == "light")

    # --- window state ------------------------------------------------------------------------------------
    def window_state(self) -> WindowState:
        """Geometry and splitter sizes, for the settings."""
        return WindowState(
            geometry=bytes(self.saveGeometry().toHex().data()).decode("ascii"),
            main_splitter=tuple(self.splitter.sizes()),
            plot_splitter=tuple(self.plots.splitter_sizes()),
        )

    def restore_window_state(self, state: WindowState) -> None:
        """Apply geometry and splitter sizes saved by `window_state` (bad values are ignored)."""
        if state.geometry:
            self.restoreGeometry(QByteArray.fromHex(state.geometry.encode("ascii")))
        if len(state.main_splitter) == 2 and all(s > 0 for s in state.main_splitter):
            self.splitter.setSizes(list(state.main_splitter))
        if len(state.plot_splitter) == 3 and all(s > 0 for s in state.plot_splitter):
            self.plots.set_splitter_sizes(list(state.plot_splitter))

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802
        """Styled size hints are known now: fit the minimum sizes to them."""
        super().showEvent(event)
        self.fit_minimum_sizes()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        """Let the controller save settings and stop its workers, then close."""
        self.closing.emit()
        event.accept()
