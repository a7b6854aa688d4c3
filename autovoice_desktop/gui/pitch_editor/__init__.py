"""The pitch editor: edit the target F0 curve on the pitch plot (tools, undo/redo, selection)."""
