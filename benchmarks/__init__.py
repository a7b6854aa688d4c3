"""Benchmarks: AutoVoice against the reference, side by side (see docs/benchmarks.md)."""
