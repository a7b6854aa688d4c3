"""Draw the AutoVoice application icon and write it in every format the packages need.

Writes into resources/icons/: autovoice-<N>.png (16 … 1024), autovoice.png (256), autovoice.ico (Windows,
PNG-compressed entries 16 … 256) and autovoice.icns (macOS, PNG entries 16 … 1024). Drawing uses Qt only
(QImage + QPainter, no window), so it runs offscreen; the .ico and .icns containers are written by hand so
the result does not depend on which Qt image plugins are installed.

Run: QT_QPA_PLATFORM=offscreen .venv/bin/python packaging/make_icons.py
"""

from __future__ import annotations

import struct
import sys
from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QGuiApplication, QImage, QLinearGradient, QPainter, QPainterPath

ICON_DIR = Path(__file__).resolve().parents[1] / "resources" / "icons"
PNG_SIZES = (16, 32, 48, 64, 128, 256, 512, 1024)
ICO_SIZES = (16, 32, 48, 64, 128, 256)
# ICNS entry types holding PNG data, by pixel size.
ICNS_TYPES = {16: b"icp4", 32: b"icp5", 64: b"icp6", 128: b"ic07", 256: b"ic08", 512: b"ic09", 1024: b"ic10"}
# Heights of the waveform bars (fractions of the full bar height), left to right: a voice-like envelope.
BAR_HEIGHTS = (0.22, 0.42, 0.70, 0.95, 0.62, 0.84, 0.50, 0.30, 0.16)


def draw_icon(size: int) -> QImage:
    """Draw the icon at `size` x `size` pixels: a rounded square with a gradient and white waveform bars."""
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    margin = size * 0.06
    box = QRectF(margin, margin, size - 2 * margin, size - 2 * margin)
    gradient = QLinearGradient(box.topLeft(), box.bottomRight())
    gradient.setColorAt(0.0, QColor("#5b3cc4"))
    gradient.setColorAt(1.0, QColor("#0fa3b1"))
    background = QPainterPath()
    background.addRoundedRect(box, box.width() * 0.22, box.height() * 0.22)
    painter.fillPath(background, QBrush(gradient))

    count = len(BAR_HEIGHTS)
    inner = box.adjusted(box.width() * 0.16, box.height() * 0.2, -box.width() * 0.16, -box.height() * 0.2)
    pitch = inner.width() / count
    bar_width = max(1.0, pitch * 0.58)
    centre_y = inner.center().y()
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor("#ffffff"))
    for index, fraction in enumerate(BAR_HEIGHTS):
        height = max(bar_width, inner.height() * fraction)
        x = inner.left() + index * pitch + (pitch - bar_width) / 2
        bar = QRectF(x, centre_y - height / 2, bar_width, height)
        painter.drawRoundedRect(bar, bar_width / 2, bar_width / 2)
    # A small accent dot (the "auto" spark) in the top-right corner, omitted where it would be a smudge.
    if size >= 48:
        radius = size * 0.055
        centre = QPointF(box.right() - box.width() * 0.17, box.top() + box.height() * 0.17)
        painter.setBrush(QColor("#ffd166"))
        painter.drawEllipse(centre, radius, radius)
    painter.end()
    return image


def png_bytes(image: QImage) -> bytes:
    """Encode an image as PNG."""
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    if not image.save(buffer, "PNG"):
        raise RuntimeError("Qt could not encode a PNG")
    buffer.close()
    return bytes(data.data())


def ico_bytes(pngs: dict[int, bytes]) -> bytes:
    """An .ico file whose entries are PNG images (supported since Windows Vista)."""
    sizes = sorted(pngs)
    header = struct.pack("<HHH", 0, 1, len(sizes))
    offset = 6 + 16 * len(sizes)
    entries = b""
    payload = b""
    for size in sizes:
        data = pngs[size]
        dim = 0 if size >= 256 else size  # 0 means 256 in the directory entry
        entries += struct.pack("<BBBBHHII", dim, dim, 0, 0, 1, 32, len(data), offset + len(payload))
        payload += data
    return header + entries + payload


def icns_bytes(pngs: dict[int, bytes]) -> bytes:
    """An .icns file whose entries are PNG images."""
    body = b""
    for size in sorted(pngs):
        kind = ICNS_TYPES[size]
        body += kind + struct.pack(">I", 8 + len(pngs[size])) + pngs[size]
    return b"icns" + struct.pack(">I", 8 + len(body)) + body


def main() -> int:
    """Write every icon file; print what was written."""
    app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    ICON_DIR.mkdir(parents=True, exist_ok=True)
    pngs = {size: png_bytes(draw_icon(size)) for size in PNG_SIZES}
    written: list[Path] = []
    for size, data in pngs.items():
        path = ICON_DIR / f"autovoice-{size}.png"
        path.write_bytes(data)
        written.append(path)
    (ICON_DIR / "autovoice.png").write_bytes(pngs[256])
    (ICON_DIR / "autovoice.ico").write_bytes(ico_bytes({s: pngs[s] for s in ICO_SIZES}))
    (ICON_DIR / "autovoice.icns").write_bytes(icns_bytes({s: pngs[s] for s in ICNS_TYPES}))
    written += [ICON_DIR / "autovoice.png", ICON_DIR / "autovoice.ico", ICON_DIR / "autovoice.icns"]
    for path in written:
        print(f"{path.relative_to(ICON_DIR.parents[1])}  {path.stat().st_size} bytes")
    del app
    return 0


if __name__ == "__main__":
    sys.exit(main())
