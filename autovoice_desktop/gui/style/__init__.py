"""Palettes, style sheet and icons of the window."""
