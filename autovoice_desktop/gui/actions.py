"""The window's actions (menu entries with shortcuts), created in one place."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import QMainWindow, QMenu

from autovoice_desktop.gui.style.icons import icon


@dataclass
class Actions:
    """Every QAction of the main window."""

    open: QAction
    save: QAction
    quit: QAction
    import_voice: QAction
    import_folder: QAction
    convert: QAction
    cancel: QAction
    unload_voice: QAction
    play: QAction
    stop: QAction
    toggle_ab: QAction
    dark: QAction
    light: QAction
    about: QAction
    open_log: QAction
    open_data: QAction
    recent_menu: QMenu

    def refresh_icons(self) -> None:
        """Re-tint icons after a theme change."""
        for action, name in (
            (self.open, "open"),
            (self.save, "save"),
            (self.quit, "quit"),
            (self.import_voice, "import"),
            (self.import_folder, "folder"),
            (self.convert, "convert"),
            (self.cancel, "cancel"),
            (self.play, "play"),
            (self.stop, "stop"),
            (self.toggle_ab, "ab"),
            (self.about, "info"),
            (self.open_log, "log"),
            (self.open_data, "folder"),
            (self.dark, "theme"),
        ):
            action.setIcon(icon(name))


def _action(window: QMainWindow, text: str, shortcuts: list[str], tip: str) -> QAction:
    action = QAction(text, window)
    action.setShortcuts([QKeySequence(s) for s in shortcuts])
    action.setStatusTip(tip)
    action.setToolTip(tip)
    window.addAction(action)  # shortcuts work even when the menu bar is hidden
    return action


def build_actions(window: QMainWindow) -> Actions:
    """Create the actions and the File / Voice / Playback / View / Help menus."""
    a = Actions(
        open=_action(window, "&Open audio…", ["Ctrl+O"], "Open an audio file"),
        save=_action(window, "&Save output as…", ["Ctrl+S"], "Save the converted audio as wav or flac"),
        quit=_action(window, "&Quit", ["Ctrl+Q"], "Close AutoVoice"),
        import_voice=_action(window, "&Import voice…", ["Ctrl+I"], "Import a So-VITS-SVC voice (zip)"),
        import_folder=_action(window, "Import voice &folder…", [], "Import a So-VITS-SVC voice folder"),
        convert=_action(window, "&Convert", ["Ctrl+Return", "Ctrl+Enter"], "Convert the input"),
        cancel=_action(window, "C&ancel conversion", ["Esc"], "Stop the running conversion"),
        unload_voice=_action(
            window, "&Unload voice (free memory)", [], "Free the memory (GPU and RAM) the loaded voice holds"
        ),
        play=_action(window, "&Play / pause", ["Space"], "Play or pause"),
        stop=_action(window, "&Stop", ["Ctrl+."], "Stop playback"),
        toggle_ab=_action(window, "&A/B: input ↔ output", ["Ctrl+B"], "Switch between input and output"),
        dark=_action(window, "&Dark", [], "Dark theme"),
        light=_action(window, "&Light", [], "Light theme"),
        about=_action(window, "&About AutoVoice", ["F1"], "Version, licences and data folders"),
        open_log=_action(window, "Open &log file", [], "Open the log file (full error details)"),
        open_data=_action(window, "Open &data folder", [], "Open the folder with imported voices"),
        recent_menu=QMenu("Open &Recent", window),
    )
    group = QActionGroup(window)
    for action in (a.dark, a.light):
        action.setCheckable(True)
        group.addAction(action)
    bar = window.menuBar()
    file_menu = bar.addMenu("&File")
    file_menu.addAction(a.open)
    file_menu.addMenu(a.recent_menu)
    file_menu.addAction(a.save)
    file_menu.addSeparator()
    file_menu.addAction(a.quit)
    voice_menu = bar.addMenu("&Voice")
    for action in (a.import_voice, a.import_folder):
        voice_menu.addAction(action)
    voice_menu.addSeparator()
    voice_menu.addAction(a.convert)
    voice_menu.addAction(a.cancel)
    voice_menu.addSeparator()
    voice_menu.addAction(a.unload_voice)
    play_menu = bar.addMenu("&Playback")
    for action in (a.play, a.stop, a.toggle_ab):
        play_menu.addAction(action)
    view_menu = bar.addMenu("Vie&w")
    theme_menu = view_menu.addMenu("&Theme")
    theme_menu.addAction(a.dark)
    theme_menu.addAction(a.light)
    help_menu = bar.addMenu("&Help")
    for action in (a.open_log, a.open_data):
        help_menu.addAction(action)
    help_menu.addSeparator()
    help_menu.addAction(a.about)
    a.refresh_icons()
    return a
