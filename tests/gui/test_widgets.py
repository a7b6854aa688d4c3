"""Widgets on their own: plots (long files, musical axis), accessibility, tab order, drag and drop, themes."""

from __future__ import annotations

import time

import numpy as np
import pytest
from PySide6.QtCore import QMimeData, QPoint, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent
from PySide6.QtWidgets import QAbstractButton, QApplication, QComboBox, QSlider, QWidget

from autovoice_desktop.gui.main_window import MainWindow
from autovoice_desktop.gui.style import theme
from autovoice_desktop.gui.widgets.envelope import Envelope
from autovoice_desktop.gui.widgets.pitch_plot import NoteAxis, PitchPlot, hz_to_midi, note_name
from autovoice_desktop.gui.widgets.waveform_plot import WaveformPlot
from tests.gui.fakes import BUILTIN, SOVITS


@pytest.fixture
def window(qtbot):  # noqa: ANN001, ANN201
    w = MainWindow("test")
    qtbot.addWidget(w)
    w.voice_panel.set_voices([BUILTIN, SOVITS], BUILTIN.voice_id)
    w.show()
    qtbot.waitExposed(w)
    return w


def test_envelope_keeps_peaks_and_bounds_the_points() -> None:
    rate = 48000
    samples = np.zeros(rate * 600, dtype=np.float32)
    samples[rate * 300] = 0.9  # one click in the middle of 10 minutes
    samples[rate * 450] = -0.7
    env = Envelope(samples, rate)
    x, y = env.segment(0, 600, max_points=3000)
    assert len(x) <= 3000 and y.max() == pytest.approx(0.9) and y.min() == pytest.approx(-0.7)
    x, y = env.segment(299.99, 300.01, max_points=3000)  # zoomed in: raw samples
    assert len(x) == pytest.approx(0.02 * rate, abs=2) and y.max() == pytest.approx(0.9)
    assert env.segment(700, 800)[0].size == 0


def test_ten_minute_file_displays_and_scrolls_smoothly(qtbot) -> None:  # noqa: ANN001
    rate = 48000
    t = np.arange(rate * 600, dtype=np.float32) / rate
    samples = (0.5 * np.sin(2 * np.pi * 220 * t) * np.sin(2 * np.pi * 0.1 * t)).astype(np.float32)
    plot = WaveformPlot("Input")
    qtbot.addWidget(plot)
    plot.resize(1200, 250)
    plot.show()
    qtbot.waitExposed(plot)
    started = time.perf_counter()
    plot.set_audio(samples, rate)  # 28.8 M samples: the envelope is built off the GUI thread
    assert (time.perf_counter() - started) < 0.05
    qtbot.waitUntil(lambda: plot.envelope is not None, timeout=20000)
    assert len(plot.curve.getData()[0]) <= 2 * 1200 + 4
    plot.setXRange(100, 160, padding=0)
    QApplication.processEvents()
    worst = 0.0
    for step in range(60):  # pan through the file, one repaint per step
        started = time.perf_counter()
        plot.setXRange(100 + step * 5, 160 + step * 5, padding=0)
        plot.repaint()
        worst = max(worst, time.perf_counter() - started)
    print(f"\n10-minute file: worst pan step {worst * 1000:.1f} ms")
    assert worst < 0.03
    assert len(plot.curve.getData()[0]) <= 2 * 1200 + 4


def test_note_axis_labels_and_midi_conversion(qtbot) -> None:  # noqa: ANN001
    assert note_name(69) == "A4" and note_name(60) == "C4" and note_name(49) == "C♯3"
    midi = hz_to_midi(np.array([440.0, 0.0, 220.0]))
    assert midi[0] == pytest.approx(69) and np.isnan(midi[1]) and midi[2] == pytest.approx(57)
    plot = PitchPlot()
    qtbot.addWidget(plot)
    axis = plot.getAxis("left")
    assert isinstance(axis, NoteAxis)
    (_, majors), (_, minors) = axis.tickValues(40, 76, 300)
    assert majors == [48.0, 60.0, 72.0]
    assert axis.tickStrings(majors, 1, 12) == ["C3", "C4", "C5"]
    assert set(minors) <= {n for n in range(40, 77) if n % 12 in (4, 7, 9)}
    (_, majors), (_, minors) = axis.tickValues(57, 66, 300)
    assert majors == [60.0] and len(minors) == 9  # every semitone when zoomed in


def test_pitch_plot_draws_gaps_and_fits_the_range(qtbot) -> None:  # noqa: ANN001
    plot = PitchPlot()
    qtbot.addWidget(plot)
    times = np.arange(200) * 0.01
    f0 = np.where(np.arange(200) < 100, 220.0, 0.0)
    plot.set_curve("input", times, f0)
    x, y = plot.curves["input"].getData()
    assert np.isnan(y[150]) and y[50] == pytest.approx(57)
    low, high = plot.viewRange()[1]
    assert low < 57 < high
    plot.clear_curves(keep_input=True)
    assert len(plot.curves["input"].getData()[0]) == 200 and len(plot.curves["output"].getData()[0]) == 0


def test_every_control_has_an_accessible_name_and_a_tooltip(window) -> None:  # noqa: ANN001
    controls = [
        w
        for w in window.findChildren(QWidget)
        if isinstance(w, (QAbstractButton, QComboBox, QSlider))
        and w.isVisibleTo(window)
        and not w.objectName().startswith("qt_")
    ]
    assert len(controls) > 15
    for control in controls:
        assert control.accessibleName() or control.text(), control
        assert control.toolTip() or isinstance(control, QAbstractButton) and control.text(), control


def test_tab_order_goes_from_input_to_voice_to_convert_to_transport(window) -> None:  # noqa: ANN001
    order = []
    widget = window.input_card.open_button
    for _ in range(25):
        order.append(widget)
        widget = widget.nextInFocusChain()
        while not (widget.focusPolicy() & Qt.FocusPolicy.TabFocus) or not widget.isVisibleTo(window):
            widget = widget.nextInFocusChain()
    panel = window.voice_panel
    expected = [
        window.input_card.open_button,
        panel.voice_combo,
        panel.import_button,
        panel.transpose.slider,
        window.convert_card.convert_button,
    ]
    positions = [order.index(w) for w in expected if w in order]
    assert positions == sorted(positions) and len(positions) == len(expected)


def test_shortcuts_are_bound(window) -> None:  # noqa: ANN001
    a = window.actions_
    keys = {
        name: [s.toString() for s in getattr(a, name).shortcuts()]
        for name in ("open", "save", "convert", "play", "toggle_ab", "import_voice", "cancel", "quit")
    }
    assert keys["open"] == ["Ctrl+O"] and keys["save"] == ["Ctrl+S"] and "Ctrl+Return" in keys["convert"]
    assert keys["play"] == ["Space"] and keys["toggle_ab"] == ["Ctrl+B"] and keys["cancel"] == ["Esc"]
    menus = [action.text().replace("&", "") for action in window.menuBar().actions()]
    assert {"File", "Voice", "Help"} <= set(menus)


@pytest.mark.filterwarnings("ignore:Function.*QDragEnterEvent:DeprecationWarning")
def test_drag_enter_accepts_local_files_only(window) -> None:  # noqa: ANN001
    mime = QMimeData()
    mime.setUrls([QUrl("https://example.com/a.wav")])
    event = QDragEnterEvent(
        QPoint(10, 10),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    window.dragEnterEvent(event)
    assert not event.isAccepted()
    mime.setUrls([QUrl.fromLocalFile("/tmp/a.wav")])
    event = QDragEnterEvent(
        QPoint(10, 10),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    window.dragEnterEvent(event)
    assert event.isAccepted()


def test_light_and_dark_palettes_have_readable_contrast(window) -> None:  # noqa: ANN001
    def luminance(hex_colour: str) -> float:
        channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    def contrast(a: str, b: str) -> float:
        la, lb = sorted((luminance(a), luminance(b)), reverse=True)
        return (la + 0.05) / (lb + 0.05)

    for name in ("dark", "light"):
        window.set_theme(name)
        t = theme.current()
        assert t.name == name and window.actions_.light.isChecked() == (name == "light")
        assert contrast(t.text, t.window) >= 7 and contrast(t.text, t.card) >= 7
        assert contrast(t.muted, t.panel) >= 4.5 and contrast(t.accent_text, t.accent) >= 4.5
        for colour in (t.wave_in, t.wave_out, t.f0_in, t.f0_target, t.f0_out, t.playhead):
            assert contrast(colour, t.plot_bg) >= 3, (name, colour)
        assert QApplication.instance().palette().window().color().name() == t.window
    window.set_theme("dark")
