"""RingBuffer and crash-safe takes: streaming WAV, header kept valid, recovery after a kill."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from autovoice_desktop.audio.ring_buffer import RingBuffer
from autovoice_desktop.audio.takes import (
    PARTIAL_SUFFIX,
    TakeFile,
    TakeWriter,
    find_unfinished_takes,
    new_take_path,
    recover_take,
    to_dbfs,
)
from autovoice_desktop.core.errors import AudioEmptyError
from autovoice_desktop.core.paths import recordings_dir


def test_ring_buffer_wraps_and_counts_drops() -> None:
    ring = RingBuffer(10, 2)
    block = np.arange(14, dtype=np.float32).reshape(7, 2)
    assert ring.write(block) == 7
    assert np.array_equal(ring.read(5), block[:5])
    assert ring.write(block) == 7  # wraps around
    assert ring.available == 9 and ring.free == 1
    assert ring.write(block) == 1 and ring.dropped_frames == 6
    out = ring.read()
    assert np.array_equal(out, np.concatenate([block[5:], block, block[:1]]))
    assert ring.available == 0 and len(ring.read()) == 0


def test_take_file_is_a_valid_wav_while_being_written(tmp_path: Path) -> None:
    take = TakeFile(tmp_path / f"take-x{PARTIAL_SUFFIX}", 22050, 1)
    first = np.linspace(-0.5, 0.5, 1000, dtype=np.float32)
    take.append(first)
    take.sync()
    data, rate = sf.read(str(take.path), dtype="float32")  # readable before close
    assert rate == 22050 and np.array_equal(data, first)
    take.append(first[:10])  # not synced yet: the header is one sync behind
    assert sf.info(str(take.path)).frames == 1000
    final = take.close()
    assert final.name == "take-x.wav" and not (tmp_path / f"take-x{PARTIAL_SUFFIX}").exists()
    data, _ = sf.read(str(final), dtype="float32")
    assert len(data) == 1010


def test_writer_thread_streams_and_measures_levels(tmp_path: Path) -> None:
    ring = RingBuffer(48000, 1)
    take = TakeFile(tmp_path / f"t{PARTIAL_SUFFIX}", 48000, 1)
    writer = TakeWriter(ring, take, sync_interval=0.05, poll=0.005)
    writer.start()
    tone = (0.5 * np.sin(np.linspace(0, 200 * np.pi, 4800))).astype(np.float32)[:, None]
    ring.write(tone)
    time.sleep(0.2)
    levels = writer.pop_levels()
    assert levels.peak_db == pytest.approx(to_dbfs(0.5), abs=0.1)
    assert levels.rms_db == pytest.approx(to_dbfs(0.5 / np.sqrt(2)), abs=0.3)
    assert not levels.clipped
    assert writer.pop_levels().peak_db < -100  # peak is held only until read
    ring.write(np.ones((100, 1), dtype=np.float32))
    writer.stop()
    assert writer.clip_count == 1
    data, _ = sf.read(str(take.close()), dtype="float32")
    assert len(data) == 4900


KILLED_WRITER = textwrap.dedent(
    """
    import sys, time
    import numpy as np
    from autovoice_desktop.audio.ring_buffer import RingBuffer
    from autovoice_desktop.audio.takes import TakeFile, TakeWriter, new_take_path
    ring = RingBuffer(48000, 1)
    take = TakeFile(new_take_path(), 16000, 1)
    writer = TakeWriter(ring, take, sync_interval=0.1)
    writer.start()
    block = np.full((1600, 1), 0.25, dtype=np.float32)
    for _ in range(1000):
        ring.write(block)
        print(take.frames, flush=True)
        time.sleep(0.05)
    """
)


def test_take_survives_a_kill_and_is_recovered(autovoice_home: Path) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-c", KILLED_WRITER],
        stdout=subprocess.PIPE,
        text=True,
        env=dict(os.environ),
        cwd=Path(__file__).resolve().parents[2],
    )
    assert proc.stdout is not None
    for line in proc.stdout:
        if int(line) >= 16000:  # a second of audio written
            break
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    unfinished = find_unfinished_takes()
    assert len(unfinished) == 1 and unfinished[0].parent == recordings_dir()
    assert sf.info(str(unfinished[0])).frames > 0  # valid WAV even before recovery
    recovered = recover_take(unfinished[0])
    assert recovered.suffix == ".wav" and PARTIAL_SUFFIX not in recovered.name
    data, rate = sf.read(str(recovered), dtype="float32")
    assert rate == 16000 and len(data) >= 16000 and np.allclose(data, 0.25)
    assert find_unfinished_takes() == []


def test_recovery_repairs_a_stale_header_and_a_torn_frame(tmp_path: Path) -> None:
    path = new_take_path(tmp_path)
    take = TakeFile(path, 8000, 2)
    take.append(np.full((100, 2), 0.5, dtype=np.float32))
    take.sync()
    take.append(np.full((50, 2), -0.5, dtype=np.float32))
    take._handle.flush()
    take._handle.write(b"\x01\x02\x03")  # half a frame, as a crash mid-write leaves
    take._handle.close()
    assert find_unfinished_takes(tmp_path) == []  # still marked as being written by this process
    take.close(finish=False)
    assert find_unfinished_takes(tmp_path) == [path]
    data, rate = sf.read(str(recover_take(path)), dtype="float32")
    assert data.shape == (150, 2) and rate == 8000 and data[-1, 0] == -0.5


def test_recovering_an_empty_take_removes_it(tmp_path: Path) -> None:
    take = TakeFile(new_take_path(tmp_path), 8000, 1)
    path = take.close(finish=False)
    with pytest.raises(AudioEmptyError):
        recover_take(path)
    assert not path.exists()
