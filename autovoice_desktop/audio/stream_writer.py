"""Write audio that arrives in blocks (text to speech, long conversions) to a file, atomically.

The blocks go to a hidden temporary file beside the target; `commit()` moves it into place, and closing
without commit (an error, a cancel) deletes it, so a partial file never appears under the target's name.
Memory holds one block at a time. Same rules as `io.save_audio`: wav (16/24-bit, float) or flac, never over a
protected path (an input), never over an existing file unless overwrite.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path
from types import TracebackType

import numpy as np
import soundfile as sf

from autovoice_desktop.audio import io as audio_io
from autovoice_desktop.core.errors import OutputError, OutputExistsError, OutputIsInputError


class StreamWriter:
    """`with StreamWriter(path, rate) as w: w.write(block); ...; w.commit()` -> the file exists at path."""

    def __init__(
        self,
        path: str | os.PathLike[str],
        sample_rate: int,
        *,
        subtype: str | None = None,
        overwrite: bool = False,
        protected: Iterable[Path] = (),
    ) -> None:
        self.path = Path(path)
        self.sample_rate = int(sample_rate)
        self.overwrite = overwrite
        self.frames = 0
        self.fmt, self.subtype = audio_io._output_format(self.path, subtype)
        if any(audio_io._same_file(self.path, Path(p)) for p in protected):
            raise OutputIsInputError(f"{self.path}: is one of the input files", "choose another output name")
        if self.path.is_dir():
            raise OutputError(f"{self.path}: is a folder", "give a file name ending in .wav or .flac")
        if self.path.exists() and not overwrite:
            raise OutputExistsError(f"{self.path}: already exists", "use --overwrite or choose another name")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            prefix = f".{self.path.name}."
            handle, name = tempfile.mkstemp(prefix=prefix, suffix=".part", dir=self.path.parent)
            os.close(handle)
            self.temp = Path(name)
            self._file: sf.SoundFile | None = sf.SoundFile(
                name, "w", self.sample_rate, 1, self.subtype, format=self.fmt
            )
        except (OSError, sf.SoundFileError, RuntimeError) as exc:
            self._discard()
            raise audio_io._write_error(self.path, exc) from exc

    def write(self, block: np.ndarray) -> None:
        """Append (N,) float32 mono samples (clipped to [-1, 1] for integer formats)."""
        if self._file is None:
            raise OutputError(f"{self.path}: the writer is closed")
        data = np.asarray(block, dtype=np.float32).reshape(-1)
        data = np.nan_to_num(data, nan=0.0, posinf=1.0, neginf=-1.0)
        if self.subtype != "FLOAT":
            data = np.clip(data, -1.0, 1.0)
        try:
            self._file.write(data)
        except (OSError, sf.SoundFileError, RuntimeError) as exc:
            raise audio_io._write_error(self.path, exc) from exc
        self.frames += len(data)

    def commit(self) -> Path:
        """Close the file, flush it to disk and move it to its name; returns the path."""
        if self._file is None:
            raise OutputError(f"{self.path}: the writer is closed")
        if self.frames == 0:
            raise OutputError("nothing to write: no audio was made", "give some words to speak")
        try:
            self._file.close()
            self._file = None
            with open(self.temp, "rb+") as handle:
                os.fsync(handle.fileno())
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(self.temp, 0o666 & ~umask)
            audio_io._move_into_place(self.temp, self.path, self.overwrite)
        except OutputError:
            raise
        except (OSError, sf.SoundFileError, RuntimeError) as exc:
            raise audio_io._write_error(self.path, exc) from exc
        finally:
            self._discard()
        return self.path

    def _discard(self) -> None:
        """Close and delete the temporary file (after commit it is already gone)."""
        file, self._file = getattr(self, "_file", None), None
        if file is not None:
            with contextlib.suppress(Exception):
                file.close()
        temp = getattr(self, "temp", None)
        if temp is not None:
            with contextlib.suppress(OSError):
                temp.unlink(missing_ok=True)

    def __enter__(self) -> StreamWriter:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._discard()
