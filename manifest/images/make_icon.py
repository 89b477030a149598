"""Regenerate icon.png (128x128, the extension's Marketplace icon) with only the standard library."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

SIZE = 128
BACKGROUND = (0, 120, 212)
FOREGROUND = (255, 255, 255)


def _chunk(kind: bytes, data: bytes) -> bytes:
    """Return one PNG chunk with its CRC."""
    return (
        struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    )


def _pixel(x: int, y: int) -> tuple[int, int, int]:
    """Draw two speech-bubble bars (a report turning into a work item) on a blue square."""
    bar = 28 <= x < 100 and (36 <= y < 52 or 60 <= y < 76)
    stem = 28 <= x < 60 and 84 <= y < 100
    return FOREGROUND if bar or stem else BACKGROUND


def render() -> bytes:
    """Return the PNG bytes."""
    rows = b"".join(b"\x00" + bytes(c for x in range(SIZE) for c in _pixel(x, y)) for y in range(SIZE))
    header = struct.pack(">IIBBBBB", SIZE, SIZE, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(rows, 9))
        + _chunk(b"IEND", b"")
    )


if __name__ == "__main__":
    Path(__file__).with_name("icon.png").write_bytes(render())
