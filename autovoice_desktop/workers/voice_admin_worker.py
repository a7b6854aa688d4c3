"""Renaming and removing imported voices on a worker thread; both succeed with (selected id, voice list)."""

from __future__ import annotations

from typing import Any

from autovoice_desktop.workers.job import Job


class RenameVoiceJob(Job):
    """Renames imported voice `voice_id` to `new_name`."""

    title = "Could not rename the voice"

    def __init__(self, bridge: Any, voice_id: str, new_name: str) -> None:
        super().__init__()
        self.bridge, self.voice_id, self.new_name = bridge, voice_id, new_name

    def work(self) -> tuple[str, list[Any]]:
        """Rename, then list the voices again."""
        info = self.bridge.rename_voice(self.voice_id, self.new_name)
        return info.voice_id, list(self.bridge.list_voices())


class RemoveVoiceJob(Job):
    """Deletes imported voice `voice_id`."""

    title = "Could not remove the voice"

    def __init__(self, bridge: Any, voice_id: str) -> None:
        super().__init__()
        self.bridge, self.voice_id = bridge, voice_id

    def work(self) -> tuple[str, list[Any]]:
        """Remove, then list the voices again (nothing selected: the first voice is)."""
        self.bridge.remove_voice(self.voice_id)
        return "", list(self.bridge.list_voices())
