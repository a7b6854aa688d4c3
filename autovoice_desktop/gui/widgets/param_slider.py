"""A labelled slider with a value read-out, in real units (e.g. semitones in steps of 1 or 0.5)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QGridLayout, QLabel, QSlider, QWidget


class ParamSlider(QWidget):
    """Slider over [minimum, maximum] in steps of `step`; `value_changed(float)`."""

    value_changed = Signal(float)

    def __init__(
        self,
        label: str,
        minimum: float,
        maximum: float,
        step: float,
        fmt: Callable[[float], str],
        tooltip: str,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._min, self._step, self._fmt = minimum, step, fmt
        self.label = QLabel(label)
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setRange(0, round((maximum - minimum) / step))
        self.slider.setSingleStep(1)
        self.slider.setPageStep(max(1, round(1 / step)) if step < 1 else 12 if maximum - minimum >= 24 else 2)
        self.slider.setToolTip(tooltip)
        self.slider.setAccessibleName(label)
        self.slider.setAccessibleDescription(tooltip)
        self.label.setBuddy(self.slider)
        self.value_label = QLabel()
        self.value_label.setObjectName("valueLabel")
        self.value_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(8)
        grid.setVerticalSpacing(2)
        grid.addWidget(self.label, 0, 0)
        grid.addWidget(self.value_label, 0, 1)
        grid.addWidget(self.slider, 1, 0, 1, 2)
        self.slider.valueChanged.connect(self._on_slider)
        self._on_slider(self.slider.value())

    def value(self) -> float:
        """Current value in real units."""
        return self._min + self.slider.value() * self._step

    def set_value(self, value: float) -> None:
        """Move to the step nearest `value` (clamped), without emitting value_changed."""
        self.slider.blockSignals(True)
        self.slider.setValue(round((value - self._min) / self._step))
        self.slider.blockSignals(False)
        self._update_label()

    def _update_label(self) -> None:
        text = self._fmt(self.value())
        self.value_label.setText(text)
        self.slider.setAccessibleDescription(f"{self.label.text()}: {text}")

    def _on_slider(self, _: int) -> None:
        self._update_label()
        self.value_changed.emit(self.value())
