"""Writing a project file on a worker thread (the autosave must never stall the window)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from autovoice_desktop.core.project import Project, file_sha256, save_project
from autovoice_desktop.workers.job import Job


class SaveProjectJob(Job):
    """Writes `project` to `path` atomically, computing the input's checksum first when it is missing
    (empty). Succeeds with the project as written."""

    title = "The project was not saved"

    def __init__(self, path: Path, project: Project) -> None:
        super().__init__()
        self.path, self.project = path, project

    def work(self) -> Project:
        """Runs on the worker thread."""
        project = self.project
        if not project.input_sha256:
            project = replace(project, input_sha256=file_sha256(project.input_path))
        self.path.parent.mkdir(parents=True, exist_ok=True)
        save_project(self.path, project)
        return project
