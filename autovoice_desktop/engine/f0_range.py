"""The F0 range the built-in (WORLD) voices analyse and their live F0 tracker searches, in Hz.

Its own module so that world_dsp (analysis) and causal_f0 (the tracker behind world_dsp's "nccf" method)
share it without importing each other.
"""

F0_FLOOR_HZ = 60.0
F0_CEIL_HZ = 1100.0
