"""Shared value types, errors, paths and settings. Standard library and platformdirs only."""
