"""The live voice changer's engine side: block timing, SOLA joins and the worker that converts blocks.

Device I/O lives in audio/live_duplex.py (callbacks that only copy into ring buffers); the composition of the
two is app/live_session.py. Everything here talks to a voice only through engine/stream.py's VoiceStream.
"""
