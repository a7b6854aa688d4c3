"""The weight downloader against a local HTTP server on 127.0.0.1 (no hub is reachable from tests)."""

from __future__ import annotations

import errno
import hashlib
import json
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from autovoice_desktop.core import paths
from autovoice_desktop.core.errors import ConversionCancelled, DownloadError, WeightsMissingError
from autovoice_desktop.engine import download
from autovoice_desktop.engine.weights import CONTENT_VEC_BEST, HUBERT_BASE_RVC, KNOWN_WEIGHTS

PAYLOAD = bytes(range(256)) * 800  # 204800 bytes
SHA = hashlib.sha256(PAYLOAD).hexdigest()


class Server:
    """Serves PAYLOAD at /<name>; `mode` picks a behaviour; every request's Range header is recorded."""

    def __init__(self) -> None:
        self.mode = "ok"
        self.ranges: list[str | None] = []
        self.drops_left = 0
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                return None

            def do_GET(self) -> None:  # noqa: N802 - http.server API
                rng = self.headers.get("Range")
                server.ranges.append(rng)
                if server.mode in ("404", "500"):
                    self.send_error(int(server.mode))
                    return
                start = int(rng.split("=")[1].rstrip("-")) if rng and server.mode != "norange" else 0
                body = PAYLOAD[start:]
                self.send_response(206 if start else 200)
                if start:
                    self.send_header("Content-Range", f"bytes {start}-{len(PAYLOAD) - 1}/{len(PAYLOAD)}")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if server.drops_left > 0:  # send part of the body, then drop the connection
                    server.drops_left -= 1
                    self.wfile.write(body[: len(body) // 3])
                    self.wfile.flush()
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return
                self.wfile.write(body)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(5)


@pytest.fixture
def server() -> Iterator[Server]:
    srv = Server()
    yield srv
    srv.close()


def test_success_progress_and_offline_afterwards(server: Server, tmp_path: Path) -> None:
    seen: list[tuple[float, str]] = []
    dest = tmp_path / "w" / "model.bin"
    out = download.download_file(
        f"{server.url}/model.bin", dest, sha256=SHA, progress=lambda f, s: seen.append((f, s))
    )
    assert out == dest and dest.read_bytes() == PAYLOAD
    assert not dest.with_name("model.bin.part").exists()
    record = json.loads(dest.with_name("model.bin.verified.json").read_text())
    assert record == {
        "size": len(PAYLOAD),
        "sha256": SHA,
        "source": f"{server.url}/model.bin",
        "checked": "sha256",
    }
    assert seen[-1][0] == 1.0 and "model.bin" in seen[-1][1]
    assert [f for f, _ in seen] == sorted(f for f, _ in seen)
    server.close()  # no server any more: a verified file must not touch the network
    assert download.download_file("http://127.0.0.1:9/model.bin", dest, sha256=SHA) == dest


def test_interrupted_download_resumes_with_range(server: Server, tmp_path: Path) -> None:
    server.drops_left = 1
    dest = tmp_path / "model.bin"
    download.download_file(f"{server.url}/model.bin", dest, sha256=SHA)
    assert dest.read_bytes() == PAYLOAD
    assert server.ranges[0] is None
    assert server.ranges[1] == f"bytes={len(PAYLOAD) // 3}-"


def test_failed_download_leaves_part_and_next_run_resumes(server: Server, tmp_path: Path) -> None:
    server.drops_left = 10
    dest = tmp_path / "model.bin"
    with pytest.raises(DownloadError, match="interrupted"):
        download.download_file(f"{server.url}/model.bin", dest, sha256=SHA, retries=1)
    part = dest.with_name("model.bin.part")
    assert part.exists() and 0 < part.stat().st_size < len(PAYLOAD) and not dest.exists()
    size_before = part.stat().st_size
    server.drops_left = 0
    server.ranges.clear()
    download.download_file(f"{server.url}/model.bin", dest, sha256=SHA)
    assert dest.read_bytes() == PAYLOAD and server.ranges == [f"bytes={size_before}-"]


def test_server_ignoring_range_restarts_cleanly(server: Server, tmp_path: Path) -> None:
    dest = tmp_path / "model.bin"
    dest.with_name("model.bin.part").write_bytes(b"garbage that is not the start")
    server.mode = "norange"
    download.download_file(f"{server.url}/model.bin", dest, sha256=SHA)
    assert dest.read_bytes() == PAYLOAD


def test_wrong_checksum_deletes_part(server: Server, tmp_path: Path) -> None:
    dest = tmp_path / "model.bin"
    with pytest.raises(DownloadError, match="damaged"):
        download.download_file(f"{server.url}/model.bin", dest, sha256="0" * 64)
    assert not dest.exists() and not dest.with_name("model.bin.part").exists()


def test_wrong_size_without_hash_is_refused(server: Server, tmp_path: Path) -> None:
    with pytest.raises(DownloadError, match="expected 5"):
        download.download_file(f"{server.url}/model.bin", tmp_path / "m.bin", size=5)
    assert not (tmp_path / "m.bin.part").exists()


@pytest.mark.parametrize(("mode", "words"), [("404", "not found"), ("500", "server error")])
def test_http_errors(server: Server, tmp_path: Path, mode: str, words: str) -> None:
    server.mode = mode
    with pytest.raises(DownloadError, match=words) as err:
        download.download_file(f"{server.url}/model.bin", tmp_path / "m.bin")
    assert f"HTTP {mode}" in str(err.value) and err.value.hint


def test_no_server(tmp_path: Path) -> None:
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(DownloadError, match="cannot reach"):
        download.download_file(f"http://127.0.0.1:{port}/m.bin", tmp_path / "m.bin", timeout=5)


def test_disk_full(server: Server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real_open = Path.open

    class FullFile:
        def __init__(self, f):
            self.f = f

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.f.close()

        def write(self, data: bytes) -> int:
            raise OSError(errno.ENOSPC, "No space left on device")

    def fake_open(self: Path, mode: str = "r", *args, **kwargs):
        f = real_open(self, mode, *args, **kwargs)
        return FullFile(f) if self.name.endswith(".part") and "b" in mode and mode[0] in "aw" else f

    monkeypatch.setattr(Path, "open", fake_open)
    with pytest.raises(DownloadError, match="disk is full"):
        download.download_file(f"{server.url}/model.bin", tmp_path / "m.bin")


def test_cancel_keeps_part(server: Server, tmp_path: Path) -> None:
    cancel = threading.Event()
    with pytest.raises(ConversionCancelled):
        download.download_file(
            f"{server.url}/model.bin", tmp_path / "m.bin", progress=lambda f, s: cancel.set(), cancel=cancel
        )
    assert (tmp_path / "m.bin.part").exists() and not (tmp_path / "m.bin").exists()


def test_ensure_weights_without_known_hash_records_it(server: Server) -> None:
    seen: list[float] = []
    path = download.ensure_weights(
        "content-vec-best", base_url=server.url, progress=lambda f, s: seen.append(f)
    )
    assert path == paths.weights_dir() / "content-vec-best"
    assert (path / "pytorch_model.bin").read_bytes() == PAYLOAD
    record = json.loads((path / "pytorch_model.bin.verified.json").read_text())
    assert record["sha256"] == SHA and record["checked"] == "size"
    assert seen == sorted(seen) and seen[-1] == 1.0
    assert download.find_weights("content-vec-best") == path
    (path / "pytorch_model.bin").write_bytes(PAYLOAD[:-1])  # damaged afterwards: no longer "verified"
    assert download.find_weights("content-vec-best") is None


def test_manifest_hashes_are_real_or_absent() -> None:
    assert (
        HUBERT_BASE_RVC.files[0].sha256 == "f54b40fd2802423a5643779c4861af1e9ee9c1564dc9d32f54f20b5ffba7db96"
    )
    assert HUBERT_BASE_RVC.total_size() == 189_507_909
    assert all(f.sha256 is None for f in CONTENT_VEC_BEST.files)  # not published: never invented
    for spec in KNOWN_WEIGHTS.values():
        assert spec.licence == "MIT"
        assert all(f.url.startswith("https://huggingface.co/") for f in spec.files)


def test_local_weights_and_missing_message(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(download.ENV_OVERRIDE, raising=False)
    with pytest.raises(WeightsMissingError) as err:
        download.content_encoder_path()
    assert "autovoice download-weights" in (err.value.hint or "")
    bad = tmp_path / "empty"
    bad.mkdir()
    with pytest.raises(WeightsMissingError, match="config.json"):
        download.register_local_weights(bad)
    good = tmp_path / "cvb"
    good.mkdir()
    (good / "config.json").write_text("{}")
    (good / "pytorch_model.bin").write_bytes(b"x")
    assert download.register_local_weights(good) == good.resolve()
    assert download.content_encoder_path() == good.resolve()
    pt = tmp_path / "hubert_base.pt"
    pt.write_bytes(b"x")
    monkeypatch.setenv(download.ENV_OVERRIDE, str(pt))
    assert download.content_encoder_path() == pt
