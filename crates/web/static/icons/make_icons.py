#!/usr/bin/env python3
"""Draws congso's app icons: a public building (roof, four columns, steps) in white on the brand's red.

Run from this folder: `python3 make_icons.py`. Python's standard library only (zlib for PNG), so the icons are
reproducible anywhere; the PNGs it writes are committed beside it and compiled into the binary. The drawing keeps
to the middle 60% of the square, so a launcher that crops the icon to a circle ("maskable") keeps all of it.
"""

import struct
import zlib

RED = (0xA4, 0x16, 0x1A)
WHITE = (0xFF, 0xFF, 0xFF)


def inside(x: float, y: float) -> bool:
    """Whether the point (in units of the icon's side, 0..1) is on the building."""
    # The roof: a triangle from (0.2, 0.38) to (0.8, 0.38) with its top at (0.5, 0.2).
    if 0.2 <= y <= 0.38:
        half = (y - 0.2) / 0.18 * 0.3
        return abs(x - 0.5) <= half
    # The beam under the roof.
    if 0.40 <= y <= 0.44:
        return 0.24 <= x <= 0.76
    # Four columns.
    if 0.46 <= y <= 0.70:
        return any(c <= x <= c + 0.07 for c in (0.27, 0.39, 0.54, 0.66))
    # Two steps.
    if 0.72 <= y <= 0.75:
        return 0.22 <= x <= 0.78
    if 0.77 <= y <= 0.80:
        return 0.18 <= x <= 0.82
    return False


def png(size: int) -> bytes:
    rows = bytearray()
    for j in range(size):
        rows.append(0)  # no filter
        for i in range(size):
            rows.extend(WHITE if inside((i + 0.5) / size, (j + 0.5) / size) else RED)

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)  # 8-bit RGB
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(bytes(rows), 9)) + chunk(b"IEND", b"")


if __name__ == "__main__":
    for size in (192, 512):
        with open(f"icon-{size}.png", "wb") as f:
            f.write(png(size))
