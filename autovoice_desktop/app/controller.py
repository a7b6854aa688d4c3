"""Composition of the window with the workers: intents in, jobs out, results back to the display.

The controller owns the settings, the JobRunner and the playback controller. Every slow step runs as a Job
on a QThread; the controller only moves results into the window, so the event loop never waits.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QTimer, QUrl, Signal
from PySide6.QtGui import QDesktopServices

from autovoice_desktop.app.logging_setup import log_file
from autovoice_desktop.app.pitch_session import PitchSession
from autovoice_desktop.app.playback import PlaybackController, PlayerFactory, default_player_factory
from autovoice_desktop.app.project_session import ProjectSession
from autovoice_desktop.app.result_display import StepRunner
from autovoice_desktop.core import paths
from autovoice_desktop.core.naming import output_name, voice_slug
from autovoice_desktop.core.settings import Folders, Settings
from autovoice_desktop.core.settings_store import save_settings
from autovoice_desktop.core.types import ConversionParams, VoiceInfo
from autovoice_desktop.gui.main_window import MainWindow
from autovoice_desktop.workers.conversion_worker import ConversionJob, ConversionOutput
from autovoice_desktop.workers.engine_bridge import EngineBridge
from autovoice_desktop.workers.export_worker import ExportJob
from autovoice_desktop.workers.file_load_worker import FileLoadJob
from autovoice_desktop.workers.runner import JobRunner
from autovoice_desktop.workers.voice_load_worker import DeviceReport, ImportVoiceJob, ReleaseJob, StartupJob

log = logging.getLogger(__name__)

#: after this long without a conversion, a voice that holds GPU memory is unloaded (reloads on the next one)
IDLE_RELEASE_MS = 10 * 60 * 1000


class Controller(QObject):
    """Wires MainWindow intents to jobs. Signals tell scripts and tests when milestones are reached."""

    voices_loaded = Signal()
    devices_loaded = Signal()
    input_loaded = Signal()
    conversion_done = Signal()
    conversion_ended = Signal(str)  # "done", "cancelled" or "failed"
    exported = Signal(str)
    voice_imported = Signal(str)  # the new voice's id, once it is selected

    def __init__(
        self,
        window: MainWindow,
        settings: Settings,
        *,
        bridge: Any = None,
        player_factory: PlayerFactory | None = None,
        settings_path: Path | None = None,
    ) -> None:
        super().__init__(window)
        self.window = window
        self.settings = settings
        self.settings_path = settings_path
        self.bridge = bridge if bridge is not None else EngineBridge()
        self.runner = JobRunner(self)
        factory = player_factory or default_player_factory(settings.output_device)
        self.playback = PlaybackController(window, factory)
        self.output_device_in_use = settings.output_device
        self.voices: list[VoiceInfo] = []
        self.input_path: str | None = None
        self.input_audio: Any = None
        self.input_from_tts = False  # the input is speech the Text card made (see _input_params)
        self._loading_tts = False
        self.output: ConversionOutput | None = None
        self.load_job: FileLoadJob | None = None
        self.conversion_job: ConversionJob | None = None
        self._import_source = ""
        self._closed = False
        w = window
        w.open_requested.connect(self.open_file)
        w.import_voice_requested.connect(self.import_voice)
        w.convert_requested.connect(self.convert)
        w.cancel_requested.connect(self.cancel)
        w.export_requested.connect(self.export)
        w.theme_requested.connect(self.set_theme)
        w.open_log_requested.connect(self.open_log)
        w.open_data_requested.connect(lambda: self._open_folder(paths.voices_dir()))
        w.unload_voice_requested.connect(self.unload_voice)
        self.idle_timer = QTimer(self)
        self.idle_timer.setSingleShot(True)
        self.idle_timer.setInterval(IDLE_RELEASE_MS)
        self.idle_timer.timeout.connect(lambda: self.unload_voice(gpu_only=True))
        w.voice_panel.params_changed.connect(self._on_params)
        w.voice_panel.voice_changed.connect(self._on_voice)
        w.closing.connect(self.shutdown)
        self.display = StepRunner(self)  # a finished conversion is shown in steps
        self.curve_for_params: Any = None  # the pitch editor's hook: params -> params with the edited curve
        self._restore()
        self.pitch = PitchSession(self)
        self.project = ProjectSession(self)

    # --- settings ----------------------------------------------------------------------------------------
    def _restore(self) -> None:
        s, w = self.settings, self.window
        w.set_theme(s.theme)
        w.restore_window_state(s.window)
        w.voice_panel.set_params(s.params)
        w.set_recent_files(s.recent_files)
        w.open_dir, w.import_dir = s.folders.open_dir, s.folders.import_dir

    def update_settings(self, **changes: Any) -> None:
        """Remember `changes` (Settings field names); written on close."""
        self.settings = replace(self.settings, **changes)

    def save(self) -> None:
        """Write the settings (a failure is shown once, never fatal)."""
        message = save_settings(self.settings, self.settings_path)
        if message:
            self.window.show_notice("Settings not saved", message)

    def _on_params(self, params: ConversionParams) -> None:
        self.update_settings(params=params)

    def _on_voice(self, voice_id: str) -> None:
        self.update_settings(voice_id=voice_id)
        voice = self.window.voice_panel.current_voice()
        self.window.set_status(voice=f"Voice: {voice.name}" if voice else "Voice: none")

    def remember_output_device(self, name: str) -> None:
        """The playback device chosen in the record panel ("" = system default): use it and remember it."""
        self.use_output_device(name)
        self.update_settings(output_device=name)

    def use_output_device(self, name: str) -> None:
        """Play through output device `name` ("" = system default) from now on."""
        self.output_device_in_use = name
        self.playback.player_factory = default_player_factory(name or None)
        player = self.playback.player
        if player is not None and hasattr(player, "set_device"):
            player.set_device(name or None)

    def remember_convert_after_recording(self, on: bool) -> None:
        """The record panel's "Convert when I stop"."""
        self.update_settings(convert_after_recording=bool(on))

    def set_theme(self, name: str) -> None:
        """Switch and remember the theme."""
        self.window.set_theme(name)
        self.update_settings(theme=name)

    # --- start-up ----------------------------------------------------------------------------------------
    def start(self) -> None:
        """List voices and devices in the background (call after the window is shown)."""
        job = StartupJob(self.bridge, self.settings.params.device)
        job.voices_ready.connect(self._on_voices)
        job.succeeded.connect(self._on_devices)
        job.failed.connect(self._on_failed)
        self.runner.start(job)

    def _on_voices(self, voices: list[VoiceInfo]) -> None:
        self.voices = list(voices)
        panel = self.window.voice_panel
        params = self.settings.params
        panel.set_voices(self.voices, self.settings.voice_id)
        current = panel.current_voice()
        if current is not None and current.voice_id == self.settings.voice_id:
            panel.set_params(params)  # the user's last parameters, not the voice's defaults
        elif current is not None:
            panel.set_params(replace(current.defaults, device=params.device, half=params.half))
        self.update_settings(voice_id=current.voice_id if current else "", params=panel.params())
        self.window.set_status(voice=f"Voice: {current.name}" if current else "Voice: none")
        self.window.refresh_enabled()
        self.voices_loaded.emit()

    def _on_devices(self, report: DeviceReport) -> None:
        self.window.voice_panel.set_devices(report.devices)
        self.window.set_status(device=f"Device: {report.description}")
        if report.notice:
            self.window.show_notice("Compute device", report.notice)
        self.devices_loaded.emit()

    def _on_failed(self, title: str, message: str) -> None:
        self.window.show_error(title, message)

    # --- input -------------------------------------------------------------------------------------------
    def open_file(self, path: str, *, from_tts: bool = False) -> None:
        """Load `path` in the background; the waveform appears as soon as the samples are read.

        from_tts: the file is speech the Text card just made (built-in voices then track its pitch with the
        method `autovoice say` uses; see _input_params)."""
        if self.load_job is not None:
            self.load_job.request_cancel()
        if self.conversion_job is not None:  # a new input makes the running conversion pointless
            self.cancel()
        voice = self.window.voice_panel.current_voice()  # its analysis is kept for Convert (same F0 method)
        params = self._input_params(voice, self.window.voice_panel.params(), from_tts)
        self._loading_tts = from_tts
        job = FileLoadJob(self.bridge, path, voice.voice_id if voice else None, params)
        # Bound methods of this GUI-thread object: the calls are queued onto the GUI thread (a lambda
        # would run on the worker thread). The slots use sender() to ignore a superseded load.
        job.loaded.connect(self._on_loaded)
        job.progress.connect(self._on_load_progress)
        job.succeeded.connect(self._on_input_pitch)
        job.failed.connect(self._on_load_failed)
        self.load_job = job
        self.window.statusBar().showMessage(f"Opening {Path(path).name}…")
        self.runner.start(job)

    @staticmethod
    def _input_params(voice: VoiceInfo | None, params: ConversionParams, from_tts: bool) -> ConversionParams:
        """Piper's speech has a weak fundamental that harvest/dio miss (a built-in voice then whispers most of
        it): TTS input to a built-in voice uses the F0 method `autovoice say` uses (engine/tts/say.py)."""
        if not from_tts or voice is None:
            return params
        from autovoice_desktop.engine.tts.say import tts_params

        return tts_params(voice.kind, params, f0_method_chosen=False)

    def _on_loaded(self, audio: Any) -> None:
        job = self.load_job
        if job is None or self.sender() is not job:
            return
        self.input_path, self.input_audio, self.output = job.path, audio, None
        self.input_from_tts = self._loading_tts
        self.display.cancel()  # the rest of a previous result is not shown over the new input
        self.window.banner.hide()
        self.window.show_input(audio.info, audio.samples, audio.sample_rate)
        self.playback.set_sources({"input": (audio.samples, audio.sample_rate)})
        folder = str(Path(job.path).resolve().parent)
        self.update_settings(folders=replace(self.settings.folders, open_dir=folder))
        self.settings = self.settings.with_recent_file(str(Path(job.path).resolve()))
        self.window.open_dir = folder
        self.window.set_recent_files(self.settings.recent_files)
        self.window.statusBar().showMessage(f"Opened {Path(job.path).name}", 4000)
        self.input_loaded.emit()

    def _on_load_progress(self, fraction: float, stage: str) -> None:
        if self.load_job is not None and self.sender() is self.load_job and stage == "Analysing pitch":
            self.window.show_pitch_progress(fraction)

    def _on_input_pitch(self, pitch: Any) -> None:
        if self.load_job is None or self.sender() is not self.load_job:
            return
        self.load_job = None
        if pitch is None:
            self.window.plots.pitch_plot.set_placeholder("No pitch found in the input")
            return
        self.window.show_input_pitch(*pitch)

    def _on_load_failed(self, title: str, message: str) -> None:
        if self.load_job is not None and self.sender() is self.load_job:
            self.load_job = None
        self.window.statusBar().clearMessage()
        self.window.show_error(title, message)

    # --- voices ------------------------------------------------------------------------------------------
    def import_voice(self, source: str, overwrite: bool = False) -> None:
        """Import a voice folder or zip in the background, then select it."""
        job = ImportVoiceJob(self.bridge, source, overwrite)
        job.succeeded.connect(self._on_imported)
        job.failed.connect(self._on_failed)
        job.exists.connect(self._on_voice_exists)
        self._import_source = source
        folder = str(Path(source).parent)
        self.update_settings(folders=replace(self.settings.folders, import_dir=folder))
        self.window.import_dir = folder
        self.window.statusBar().showMessage(f"Importing {Path(source).name}…")
        self.runner.start(job)

    def _on_voice_exists(self, message: str) -> None:
        if self.window.dialogs.ask_replace_voice(message):
            self.import_voice(self._import_source, overwrite=True)
        else:
            self.window.statusBar().showMessage("Import cancelled: the installed voice was kept", 5000)

    def _on_imported(self, result: tuple[VoiceInfo, list[VoiceInfo], str] | None) -> None:
        if result is None:
            return
        info, voices, notes = result
        self.voices = list(voices)
        self.window.voice_panel.set_voices(self.voices, info.voice_id)
        self.window.voice_panel.select_voice(info.voice_id)
        self._on_voice(info.voice_id)
        self.window.banner.hide()
        skipped = f" Not imported: {notes}" if notes else ""  # e.g. symbolic links that were not followed
        self.window.show_notice("Voice imported", f"“{info.name}” is ready to use.{skipped}")
        self.window.statusBar().showMessage(f"Imported {info.name}", 4000)
        self.window.refresh_enabled()
        self.voice_imported.emit(info.voice_id)

    # --- conversion --------------------------------------------------------------------------------------
    def convert(self) -> None:
        """Start converting the input with the chosen voice and parameters."""
        voice = self.window.voice_panel.current_voice()
        if self.input_audio is None or voice is None or self.conversion_job is not None:
            return
        params = self.window.voice_panel.params()
        self.update_settings(params=params, voice_id=voice.voice_id)
        params = self._input_params(voice, params, self.input_from_tts)
        params = self.curve_for_params(params) if self.curve_for_params is not None else params
        job = ConversionJob(
            self.bridge, voice.voice_id, params, self.input_audio.samples, self.input_audio.sample_rate
        )
        job.progress.connect(self.window.set_progress)
        job.notice.connect(self._on_device_notice)
        job.succeeded.connect(self._on_converted)
        job.failed.connect(self._on_conversion_failed)
        job.cancelled.connect(self._on_conversion_cancelled)
        job.finished.connect(self._on_conversion_finished)
        self.conversion_job = job
        self.window.banner.hide()
        self.window.set_busy(True)
        self.window.set_status(voice=f"Voice: {voice.name} (loading…)")
        self.idle_timer.stop()
        self.runner.start(job)

    def _on_device_notice(self, text: str) -> None:
        self.window.show_notice("Compute device", text)

    def cancel(self) -> None:
        """Stop the running conversion at its next chunk."""
        if self.conversion_job is not None:
            self.conversion_job.request_cancel()
            self.window.set_progress(self.window.convert_card.progress.value() / 1000, "Cancelling")

    def _on_converted(self, out: ConversionOutput) -> None:
        job = self.sender()
        current = getattr(self.input_audio, "samples", None)
        stale = isinstance(job, ConversionJob) and job.samples is not current
        if self.input_audio is None or stale:
            log.info("conversion result dropped: the input changed meanwhile")
            return
        self.output = out
        steps = [lambda: self._show_result(out)]  # one step per event-loop turn (app/result_display.py)
        if out.pitch is not None:
            steps.append(lambda: self.window.show_pitch("input", out.pitch.times, out.pitch.source_f0))
            steps.append(lambda: self.window.show_pitch("target", out.pitch.times, out.pitch.target_f0))
        if out.output_f0 is not None:
            steps.append(lambda: self.window.show_pitch("output", *out.output_f0))
        steps.append(lambda: self._result_shown(out))
        self.display.run(steps)

    def _show_result(self, out: ConversionOutput) -> None:
        w = self.window
        w.show_output(out.audio, out.sample_rate)
        w.show_result(
            f"Done in {out.elapsed:.1f} s for {out.duration:.1f} s of audio · RTF {out.rtf:.2f} · "
            f"{out.device_label}"
        )
        voice = w.voice_panel.current_voice()
        w.set_status(
            device=f"Device: {out.device_label}",
            voice=f"Voice: {voice.name} (loaded)" if voice else None,
            last=f"Last: {out.elapsed:.1f} s · RTF {out.rtf:.2f}",
        )
        w.suggested_output = self._suggested_output(voice)

    def _result_shown(self, out: ConversionOutput) -> None:
        self.playback.set_sources(
            {
                "input": (self.input_audio.samples, self.input_audio.sample_rate),
                "output": (out.audio, out.sample_rate),
            }
        )
        self.conversion_ended.emit("done")
        self.conversion_done.emit()

    def _on_conversion_failed(self, title: str, message: str) -> None:
        self.window.show_result("", "Failed")
        self.window.show_error(title, message)
        self.conversion_ended.emit("failed")

    def _on_conversion_cancelled(self) -> None:
        self.window.show_result("Cancelled — the previous result (if any) is kept.", "Cancelled")
        self.conversion_ended.emit("cancelled")

    def _on_conversion_finished(self) -> None:
        self.conversion_job = None
        if not self._closed:
            self.idle_timer.start()
            self.window.set_busy(False)
            voice = self.window.voice_panel.current_voice()
            if voice is not None and self.output is None:
                self.window.set_status(voice=f"Voice: {voice.name}")

    # --- memory ------------------------------------------------------------------------------------------
    def unload_voice(self, gpu_only: bool = False) -> None:
        """Free the loaded voice's memory on a worker thread (gpu_only: the idle release, GPU memory only)."""
        if self.conversion_job is not None or self._closed:
            if not gpu_only:
                self.window.statusBar().showMessage("A conversion is running: cancel it first", 4000)
            return
        job = ReleaseJob(self.bridge, gpu_only=gpu_only)
        job.succeeded.connect(lambda freed: self._on_unloaded(bool(freed), gpu_only))
        job.failed.connect(self.window.show_error)
        self.runner.start(job)

    def _on_unloaded(self, freed: bool, gpu_only: bool) -> None:
        if self._closed:
            return
        if freed:
            minutes = IDLE_RELEASE_MS // 60000
            why = f"idle for {minutes} minutes: GPU memory freed" if gpu_only else "memory freed"
            message = f"Voice unloaded ({why}); the next conversion reloads it"
            self.window.statusBar().showMessage(message, 8000)
            voice = self.window.voice_panel.current_voice()
            if voice is not None:
                self.window.set_status(voice=f"Voice: {voice.name}")
        elif not gpu_only:
            self.window.statusBar().showMessage("No voice is loaded", 4000)

    # --- export ------------------------------------------------------------------------------------------
    def _suggested_output(self, voice: VoiceInfo | None) -> str:
        slug = voice_slug(voice) if voice else "converted"
        folder = self.settings.folders.save_dir or str(Path(self.input_path or ".").resolve().parent)
        return str(Path(folder) / output_name(self.input_path or "output", slug))

    def export(self, path: str) -> None:
        """Save the output to `path` in the background (never over the input)."""
        if self.output is None:
            return
        protected = (self.input_path,) if self.input_path else ()
        job = ExportJob(
            self.bridge,
            path,
            self.output.audio,
            self.output.sample_rate,
            protected,
            getattr(self.window, "export_subtype", None),
        )
        job.succeeded.connect(self._on_exported)
        job.failed.connect(self._on_failed)
        self.runner.start(job)

    def _on_exported(self, path: Path) -> None:
        self.update_settings(folders=replace(self.settings.folders, save_dir=str(path.parent)))
        self.window.show_notice("Saved", str(path))
        self.window.statusBar().showMessage(f"Saved {path.name}", 5000)
        self.exported.emit(str(path))

    # --- help --------------------------------------------------------------------------------------------
    def open_log(self) -> None:
        """Open the log file in the system's viewer."""
        path = log_file()
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch(exist_ok=True)
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))

    def _open_folder(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder)))

    # --- shutdown ----------------------------------------------------------------------------------------
    def shutdown(self) -> None:
        """Window closing: remember the window, stop sound and jobs, save the settings."""
        if self._closed:
            return
        self._closed = True
        self.display.cancel()
        self.update_settings(
            window=self.window.window_state(),
            folders=Folders(
                open_dir=self.window.open_dir or self.settings.folders.open_dir,
                save_dir=self.settings.folders.save_dir,
                import_dir=self.window.import_dir or self.settings.folders.import_dir,
            ),
        )
        self.playback.shutdown()
        self.runner.shutdown()
        self.save()
