"""Voice card: the voice and speaker pickers, Import voice…, and the parameters that apply to the voice."""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QCheckBox, QComboBox, QGridLayout, QLabel, QPushButton, QWidget

from autovoice_desktop.core.text import printable
from autovoice_desktop.core.types import F0_METHODS, ConversionParams, VoiceInfo
from autovoice_desktop.gui.style.icons import icon
from autovoice_desktop.gui.widgets.card import Card
from autovoice_desktop.gui.widgets.param_slider import ParamSlider

F0_LABELS = {
    None: "Voice default",
    "dio": "DIO (fast)",
    "harvest": "Harvest (robust)",
    "fcpe": "FCPE (neural)",
}


def _semitones(value: float) -> str:
    return "0 st" if value == 0 else f"{value:+g} st"


class VoicePanel(Card):
    """Emits `voice_changed(voice_id)`, `params_changed(ConversionParams)` and `import_clicked`."""

    voice_changed = Signal(str)
    params_changed = Signal(object)
    import_clicked = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Voice", parent)
        self._voices: list[VoiceInfo] = []
        self._params = ConversionParams()
        self.voice_combo = QComboBox()
        self.voice_combo.setAccessibleName("Voice")
        self.voice_combo.setToolTip("The voice to convert into: built-in voices and your imported models")
        self.voice_combo.addItem("Loading voices…")
        self.voice_combo.setEnabled(False)
        self.voice_description = QLabel()
        self.voice_description.setObjectName("muted")
        self.voice_description.setWordWrap(True)
        self.speaker_label = QLabel("Speaker")
        self.speaker_combo = QComboBox()
        self.speaker_combo.setAccessibleName("Speaker")
        self.speaker_combo.setToolTip("Speaker of a multi-speaker model")
        self.speaker_label.setBuddy(self.speaker_combo)
        self.import_button = QPushButton("Import voice…")
        self.import_button.setToolTip("Import a So-VITS-SVC voice: a folder or zip with .pth + config.json")
        self.import_button.setAccessibleName("Import voice")
        self.transpose = ParamSlider(
            "Transpose", -24, 24, 1, _semitones, "Pitch shift in semitones (12 = one octave)"
        )
        self.formant = ParamSlider(
            "Formant",
            -12,
            12,
            0.5,
            _semitones,
            "Timbre shift in semitones, independent of pitch (built-in voices)",
        )
        self.noise = ParamSlider(
            "Noise scale",
            0,
            1,
            0.05,
            lambda v: f"{v:.2f}",
            "So-VITS-SVC noise scale: more = livelier, less = cleaner (0.4 is usual)",
        )
        self.f0_label = QLabel("F0 method")
        self.f0_combo = QComboBox()
        self.f0_combo.setAccessibleName("F0 method")
        self.f0_combo.setToolTip("How the pitch of the input is measured")
        for method in (None, *F0_METHODS):
            self.f0_combo.addItem(F0_LABELS.get(method, method), method)
        self.f0_label.setBuddy(self.f0_combo)
        self.auto_f0 = QCheckBox("Auto-predict F0")
        self.auto_f0.setToolTip("Let the model predict the pitch (for speech; usually off for singing)")
        self.device_label = QLabel("Device")
        self.device_combo = QComboBox()
        self.device_combo.setAccessibleName("Compute device")
        self.device_combo.setToolTip("Where the conversion runs: Auto picks the GPU when there is one")
        self.device_label.setBuddy(self.device_combo)
        self.half = QCheckBox("Half precision")
        self.half.setToolTip(
            "float16 on an NVIDIA GPU, bfloat16 on a CPU where that is measured faster: up to twice as"
            " fast, a tiny quality cost. Off: full float32, the reference's exact numbers."
        )
        self.set_devices([("auto", "Auto"), ("cpu", "CPU")])

        grid = QGridLayout()
        grid.setHorizontalSpacing(10)
        grid.setVerticalSpacing(8)
        grid.addWidget(self.voice_combo, 0, 0, 1, 2)
        grid.addWidget(self.voice_description, 1, 0, 1, 2)
        grid.addWidget(self.speaker_label, 2, 0)
        grid.addWidget(self.speaker_combo, 2, 1)
        grid.addWidget(self.import_button, 3, 0, 1, 2)
        grid.addWidget(self.transpose, 4, 0, 1, 2)
        grid.addWidget(self.formant, 5, 0, 1, 2)
        grid.addWidget(self.noise, 6, 0, 1, 2)
        grid.addWidget(self.f0_label, 7, 0)
        grid.addWidget(self.f0_combo, 7, 1)
        grid.addWidget(self.device_label, 8, 0)
        grid.addWidget(self.device_combo, 8, 1)
        grid.addWidget(self.auto_f0, 9, 0, 1, 2)
        grid.addWidget(self.half, 10, 0, 1, 2)
        grid.setColumnStretch(1, 1)
        self.body.addLayout(grid)

        self.voice_combo.currentIndexChanged.connect(self._on_voice_index)
        self.import_button.clicked.connect(self.import_clicked)
        for control in (self.transpose, self.formant, self.noise):
            control.value_changed.connect(self._emit_params)
        for combo in (self.speaker_combo, self.f0_combo, self.device_combo):
            combo.currentIndexChanged.connect(self._emit_params)
        for box in (self.auto_f0, self.half):
            box.toggled.connect(self._emit_params)
        self.refresh_icons()
        self._show_voice(None)
        self.set_params(self._params)

    # --- public ------------------------------------------------------------------------------------------
    def refresh_icons(self) -> None:
        """Re-tint icons after a theme change."""
        self.import_button.setIcon(icon("import"))

    def set_voices(self, voices: list[VoiceInfo], selected: str = "") -> None:
        """Fill the picker (built-ins first); select `selected` if present, else the first voice."""
        builtins = [v for v in voices if v.kind == "builtin"]  # in the engine's order
        imported = sorted((v for v in voices if v.kind != "builtin"), key=lambda v: v.name.lower())
        self._voices = builtins + imported
        self.voice_combo.blockSignals(True)
        self.voice_combo.clear()
        for voice in self._voices:
            name = printable(voice.name)  # names come from files: never raw control characters
            label = name if voice.kind == "builtin" else f"{name}  (So-VITS-SVC)"
            self.voice_combo.addItem(label, voice.voice_id)
            tip = printable(voice.description or voice.name)
            self.voice_combo.setItemData(self.voice_combo.count() - 1, tip, 3)
        index = max(0, self.voice_combo.findData(selected)) if self._voices else -1
        self.voice_combo.setCurrentIndex(index)
        self.voice_combo.setEnabled(bool(self._voices))
        if not self._voices:
            self.voice_combo.addItem("No voices found")
        self.voice_combo.blockSignals(False)
        self._show_voice(self.current_voice())
        self._update_applicable()

    def set_devices(self, devices: list[tuple[str, str]]) -> None:
        """Fill the device picker with (value, label) pairs, keeping the current choice."""
        current = self.device_combo.currentData() or self._params.device
        self.device_combo.blockSignals(True)
        self.device_combo.clear()
        for value, label in devices:
            self.device_combo.addItem(label, value)
            self.device_combo.setItemData(self.device_combo.count() - 1, label, 3)
        self.device_combo.setCurrentIndex(self._device_index(current))
        self.device_combo.blockSignals(False)
        self._update_applicable()

    def current_voice(self) -> VoiceInfo | None:
        """The selected voice."""
        voice_id = self.voice_combo.currentData()
        return next((v for v in self._voices if v.voice_id == voice_id), None)

    def select_voice(self, voice_id: str) -> bool:
        """Select `voice_id` (as if the user picked it); False if it is not listed."""
        index = self.voice_combo.findData(voice_id)
        if index < 0:
            return False
        self.voice_combo.setCurrentIndex(index)
        return True

    def params(self) -> ConversionParams:
        """The parameters as set in the controls."""
        voice = self.current_voice()
        speaker = self.speaker_combo.currentData() if voice and len(voice.speakers) > 1 else None
        return replace(
            self._params,
            transpose=self.transpose.value(),
            formant_shift=self.formant.value(),
            noise_scale=round(self.noise.value(), 3),
            f0_method=self.f0_combo.currentData(),
            speaker=speaker,
            auto_predict_f0=self.auto_f0.isChecked(),
            device=self.device_combo.currentData() or "auto",
            half=self.half.isChecked(),
        )

    def set_params(self, params: ConversionParams) -> None:
        """Show `params` in the controls (no params_changed is emitted)."""
        self._params = params
        widgets = (self.speaker_combo, self.f0_combo, self.device_combo, self.auto_f0, self.half)
        for w in widgets:
            w.blockSignals(True)
        self.transpose.set_value(params.transpose)
        self.formant.set_value(params.formant_shift)
        self.noise.set_value(params.noise_scale)
        self.f0_combo.setCurrentIndex(max(0, self.f0_combo.findData(params.f0_method)))
        self.device_combo.setCurrentIndex(self._device_index(params.device))
        self.auto_f0.setChecked(params.auto_predict_f0)
        self.half.setChecked(params.half)
        if params.speaker:
            self.speaker_combo.setCurrentIndex(max(0, self.speaker_combo.findData(params.speaker)))
        for w in widgets:
            w.blockSignals(False)
        self._update_applicable()

    # --- internals ---------------------------------------------------------------------------------------
    def _device_index(self, device: str) -> int:
        index = self.device_combo.findData(device)
        if index < 0 and device == "cuda":
            index = next(
                (
                    i
                    for i in range(self.device_combo.count())
                    if str(self.device_combo.itemData(i)).startswith("cuda")
                ),
                -1,
            )
        return max(0, index)

    def _show_voice(self, voice: VoiceInfo | None) -> None:
        self.voice_description.setText(printable(voice.description) if voice else "")
        self.voice_description.setVisible(bool(voice and voice.description))
        self.speaker_combo.blockSignals(True)
        self.speaker_combo.clear()
        if voice:
            for speaker in voice.speakers:  # shown escaped, used as it is
                self.speaker_combo.addItem(printable(speaker), speaker)
        self.speaker_combo.blockSignals(False)
        multi = bool(voice and len(voice.speakers) > 1)
        self.speaker_label.setVisible(multi)
        self.speaker_combo.setVisible(multi)

    def _update_applicable(self) -> None:
        """Enable only what applies to the chosen voice (and device)."""
        voice = self.current_voice()
        builtin = voice is not None and voice.kind == "builtin"
        sovits = voice is not None and voice.kind == "sovits"
        self.formant.setEnabled(builtin)
        self.noise.setEnabled(sovits)
        self.auto_f0.setEnabled(sovits)
        self.f0_combo.setEnabled(voice is not None)
        self.transpose.setEnabled(voice is not None)
        self.half.setEnabled(sovits)  # fp16 on CUDA, bf16 on CPUs where faster (else no change)
        self.device_combo.setEnabled(voice is not None)

    def _on_voice_index(self, _: int) -> None:
        voice = self.current_voice()
        self._show_voice(voice)
        if voice is not None:
            defaults = voice.defaults
            keep = self.params()
            self.set_params(
                replace(
                    defaults,
                    device=keep.device,
                    half=keep.half,
                    f0_method=keep.f0_method if defaults.f0_method is None else defaults.f0_method,
                )
            )
            self.voice_changed.emit(voice.voice_id)
        self._update_applicable()
        self.params_changed.emit(self.params())

    def _emit_params(self, *_: object) -> None:
        self._update_applicable()
        self._params = self.params()
        self.params_changed.emit(self._params)
