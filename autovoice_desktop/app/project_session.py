"""Save / Open project and crash-safe autosave, for the window (see core/project.py for the file format).

File → Save project… (Ctrl+Shift+S) writes input path + checksum, voice, parameters, the edited curve and the
undo history; File → Open project… (Ctrl+Shift+O) restores them, loads the input and converts it again with
the edited curve. A project whose input moved asks where it is (and checks the checksum). Autosave: a moment
after every change the project is written atomically to the autosave file; a normal close removes it, so a
file found at start-up means AutoVoice did not close normally, and the user is offered to restore it.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence

from autovoice_desktop.app.project_history import history_to_json, restore_history
from autovoice_desktop.core import paths
from autovoice_desktop.core.project import Project, ProjectError, file_sha256, load_project, save_project
from autovoice_desktop.gui.pitch_editor.project_dialogs import ProjectDialogs
from autovoice_desktop.workers.project_save_worker import SaveProjectJob

log = logging.getLogger(__name__)
AUTOSAVE_DELAY_MS = 1500


def autosave_path() -> Path:
    """Where the running session's project is autosaved."""
    return paths.data_dir() / "autosave" / "autosave.avproj"


class ProjectSession(QObject):
    """Project files for a Controller (with its PitchSession). Signals carry the file path."""

    saved = Signal(str)
    opened = Signal(str)
    autosaved = Signal(str)

    def __init__(self, controller: Any) -> None:
        super().__init__(controller)
        self.controller = controller
        self.pitch = controller.pitch
        window = controller.window
        self.dialogs = ProjectDialogs(window)
        self.path: str | None = None
        self._restoring: Project | None = None
        self._checksum: tuple[str, float, int, str] | None = None  # (path, mtime, size, sha256)
        self._recovery_offered = False
        self.save_job: SaveProjectJob | None = None
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(AUTOSAVE_DELAY_MS)
        self.timer.timeout.connect(self.autosave)
        self.save_action = QAction("Save &project…", window)
        self.save_action.setShortcut(QKeySequence("Ctrl+Shift+S"))
        self.save_action.triggered.connect(self.ask_save)
        self.open_action = QAction("Open pro&ject…", window)
        self.open_action.setShortcut(QKeySequence("Ctrl+Shift+O"))
        self.open_action.triggered.connect(self.ask_open)
        file_menu = window.menuBar().actions()[0].menu()
        file_menu.insertActions(window.actions_.save, [self.open_action, self.save_action])
        for action in (self.open_action, self.save_action):
            window.addAction(action)
        self.pitch.model.stack.indexChanged.connect(self.schedule_autosave)
        controller.conversion_done.connect(self.schedule_autosave)
        controller.input_loaded.connect(self._on_input_loaded)
        controller.voices_loaded.connect(self.offer_recovery)
        window.closing.connect(self._on_closing)

    # --- snapshot ----------------------------------------------------------------------------------------
    def _input_checksum(self, path: str) -> str:
        try:
            stat = Path(path).stat()
        except OSError:
            if self._checksum is not None and self._checksum[0] == path:
                return self._checksum[3]  # moved or deleted since: the project still names what was opened
            raise ProjectError(
                f"{path}: the recording is no longer there", "open it again, then save"
            ) from None
        key = (path, stat.st_mtime, stat.st_size)
        if self._checksum is None or self._checksum[:3] != key:
            self._checksum = (*key, file_sha256(path))
        return self._checksum[3]

    def snapshot(self, *, checksum: bool = True) -> Project | None:
        """The current project, or None when no input is open (checksum=False: "" unless it is known)."""
        c = self.controller
        voice = c.window.voice_panel.current_voice()
        if c.input_path is None or voice is None:
            return None
        model = self.pitch.model
        curve = None
        if not model.empty:
            curve = {
                "times_s": model.times.tolist(),
                "detected_hz": model.detected.tolist(),
                "edited_hz": model.edited.tolist(),
            }
        steps, index = history_to_json(self.pitch)
        return Project(
            str(Path(c.input_path).resolve()),
            self._input_checksum(c.input_path),
            voice.voice_id,
            c.window.voice_panel.params(),
            curve,
            steps,
            index,
        )

    # --- save --------------------------------------------------------------------------------------------
    def ask_save(self) -> None:
        """File → Save project…"""
        suggested = self.path or str(Path(self.controller.input_path or "untitled").with_suffix(".avproj"))
        path = self.dialogs.ask_save_project(suggested)
        if path:
            self.save_to(path)

    def save_to(self, path: str) -> bool:
        """Write the project to `path`; errors are shown in the window."""
        try:
            project = self.snapshot()
            if project is None:
                self.controller.window.show_notice("Nothing to save", "Open a recording first.")
                return False
            save_project(path, project)
        except (ProjectError, OSError) as exc:
            message = exc.user_message() if isinstance(exc, ProjectError) else str(exc)
            self.controller.window.show_error("Project not saved", message)
            return False
        self.path = path
        self.controller.window.statusBar().showMessage(f"Saved project {Path(path).name}", 5000)
        self.saved.emit(path)
        return True

    def schedule_autosave(self, *_: object) -> None:
        """Autosave a moment after a change (changes in quick succession are written once)."""
        if self._restoring is None:
            self.timer.start()

    def autosave(self) -> None:
        """Write the autosave file on a worker thread (atomic; failures are logged, never shown)."""
        if self.save_job is not None:
            self.timer.start()  # one write at a time: try again in a moment
            return
        project = self.snapshot(checksum=False)
        if project is None:
            return
        job = SaveProjectJob(autosave_path(), project)
        job.succeeded.connect(self._on_autosaved)
        job.failed.connect(self._on_autosave_failed)
        job.finished.connect(self._on_save_job_finished)
        self.save_job = job
        self.controller.runner.start(job)

    def _on_autosaved(self, project: Project) -> None:
        if self._checksum is None or self._checksum[0] != self.controller.input_path:
            path = self.controller.input_path
            try:
                stat = Path(path).stat() if path else None
            except OSError:
                stat = None
            if stat is not None and str(Path(path).resolve()) == project.input_path:
                self._checksum = (path, stat.st_mtime, stat.st_size, project.input_sha256)
        self.autosaved.emit(str(autosave_path()))

    def _on_autosave_failed(self, _title: str, message: str) -> None:
        log.warning("autosave failed: %s", message)

    def _on_save_job_finished(self) -> None:
        self.save_job = None

    def _on_closing(self) -> None:
        self.timer.stop()
        self.controller.runner.shutdown()  # a running autosave ends before its file is removed
        autosave_path().unlink(missing_ok=True)  # a normal close: nothing to recover next time

    # --- open --------------------------------------------------------------------------------------------
    def ask_open(self) -> None:
        """File → Open project…"""
        path = self.dialogs.ask_open_project(str(Path(self.path).parent) if self.path else "")
        if path:
            self.open_project(path)

    def open_project(self, path: str, *, recovered: bool = False) -> bool:
        """Restore a project: voice and parameters now; input, curve and history once the input is loaded."""
        window = self.controller.window
        try:
            project = load_project(path)
        except ProjectError as exc:
            window.show_error("Cannot open the project", exc.user_message())
            return False
        source = project.input_path
        if not Path(source).is_file():
            source = self.dialogs.ask_moved_input(project.input_path) or ""
            if not source:
                window.show_notice("Project not opened", f"The recording {project.input_path} was not found.")
                return False
        if file_sha256(source) != project.input_sha256:
            window.show_error(
                "Project not opened",
                f"{source} is not the project's recording (its checksum differs): choose the original file",
            )
            return False
        if not window.voice_panel.select_voice(project.voice_id):
            window.show_error(
                "Project not opened",
                f"the voice {project.voice_id!r} is not installed (import it, then open the project again)",
            )
            return False
        window.voice_panel.set_params(project.params)
        self.controller.update_settings(params=project.params, voice_id=project.voice_id)
        self._restoring = project
        self.path = None if recovered else path
        self.controller.open_file(source)
        return True

    def _on_input_loaded(self) -> None:
        project, self._restoring = self._restoring, None
        if project is None:
            return
        try:
            restore_history(self.pitch, project.curve, project.history, project.history_index)
        except (KeyError, TypeError, ValueError) as exc:
            self.controller.window.show_error(
                "Project history not restored", f"the history is corrupt ({exc})"
            )
            self.pitch.editor.clear()
        self.controller.window.statusBar().showMessage(
            "Project opened: converting with its pitch curve…", 5000
        )
        self.controller.convert()
        self.opened.emit(self.path or "")

    def offer_recovery(self) -> None:
        """At start-up (once the voices are listed): an autosave left by a crash is offered for restoring."""
        if self._recovery_offered:
            return
        self._recovery_offered = True
        found = autosave_path()
        if not found.is_file():
            return
        try:
            description = load_project(found).input_path
        except ProjectError as exc:
            description = exc.message
        if self.dialogs.ask_recover(description):
            self.open_project(str(found), recovered=True)
        else:
            found.replace(found.with_name("declined.avproj"))  # kept once more, out of the way
