"""Offline text to speech: text -> sentences -> a local neural TTS (Piper, optional) -> a voice.

- `text`: cleaning, limits and sentence splitting (pure Python, no engine needed);
- `piper_engine`: finding installed TTS voices and synthesising with Piper (an optional, GPL-3.0 extra);
- `say`: the streaming pipeline from text to converted audio, piece by piece, with cancel.
"""
