#!/usr/bin/env python3
"""Regenerate the sample library's illustrative images.

The sample content in ``content/`` (the fictional 晴川市立圖書館) uses a few
simple illustrations: flat coloured backgrounds with geometric shapes
(stripes, circles, rectangles, triangles).  This script redraws all of them
as small PNG files under ``content/media/2026/`` using only the Python
standard library (``zlib`` + ``struct``), so no imaging package is needed.

Run it from anywhere:

    python3 scripts/make_sample_images.py

The output is deterministic: running it twice produces identical files.
"""

from __future__ import annotations

import math
import struct
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT_DIR = ROOT / "content" / "media" / "2026"

WIDTH = 1200
HEIGHT = 630
MAX_BYTES = 60 * 1024


def hex_rgb(value: str) -> tuple[int, int, int]:
    """Turn '#rrggbb' into an (r, g, b) tuple."""
    value = value.lstrip("#")
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)


class Canvas:
    """A tiny RGB raster: one bytearray per row, drawn with horizontal spans."""

    def __init__(self, width: int, height: int, background: str) -> None:
        self.width = width
        self.height = height
        bg = bytes(hex_rgb(background))
        self.rows = [bytearray(bg * width) for _ in range(height)]

    # -- primitives ---------------------------------------------------------

    def span(self, y: int, x0: int, x1: int, colour: str) -> None:
        """Fill pixels x0 <= x < x1 on row y (clipped to the canvas)."""
        if not 0 <= y < self.height:
            return
        x0 = max(0, x0)
        x1 = min(self.width, x1)
        if x1 <= x0:
            return
        self.rows[y][x0 * 3 : x1 * 3] = bytes(hex_rgb(colour)) * (x1 - x0)

    def rect(self, x0: int, y0: int, x1: int, y1: int, colour: str) -> None:
        """Filled axis-aligned rectangle with corners (x0, y0) and (x1, y1)."""
        for y in range(max(0, y0), min(self.height, y1)):
            self.span(y, x0, x1, colour)

    def circle(self, cx: int, cy: int, r: int, colour: str) -> None:
        """Filled circle centred on (cx, cy) with radius r."""
        for y in range(cy - r, cy + r + 1):
            dy = y - cy
            dx = math.isqrt(max(0, r * r - dy * dy))
            self.span(y, cx - dx, cx + dx + 1, colour)

    def triangle_up(self, cx: int, top: int, bottom: int, half_base: int, colour: str) -> None:
        """Filled isosceles triangle pointing up, apex at (cx, top)."""
        height = max(1, bottom - top)
        for y in range(top, bottom):
            half = (y - top) * half_base // height
            self.span(y, cx - half, cx + half + 1, colour)

    def hstripes(self, y0: int, y1: int, band: int, colours: list[str]) -> None:
        """Horizontal stripes of height ``band`` cycling through ``colours``."""
        for i, y in enumerate(range(y0, y1, band)):
            self.rect(0, y, self.width, min(y + band, y1), colours[i % len(colours)])

    def vstripes(self, x0: int, x1: int, y0: int, y1: int, band: int, colours: list[str]) -> None:
        """Vertical stripes of width ``band`` cycling through ``colours``."""
        for i, x in enumerate(range(x0, x1, band)):
            self.rect(x, y0, min(x + band, x1), y1, colours[i % len(colours)])

    def diagonal_stripes(self, y0: int, y1: int, band: int, colours: list[str]) -> None:
        """Diagonal (45 degree) stripes between rows y0 and y1."""
        period = band * len(colours)
        pattern = bytearray()
        for i in range(self.width + period):
            pattern += bytes(hex_rgb(colours[(i // band) % len(colours)]))
        for y in range(max(0, y0), min(self.height, y1)):
            offset = (y % period) * 3
            self.rows[y][:] = pattern[offset : offset + self.width * 3]

    # -- output -------------------------------------------------------------

    def png_bytes(self) -> bytes:
        """Encode the canvas as an 8-bit RGB PNG."""

        def chunk(kind: bytes, data: bytes) -> bytes:
            body = kind + data
            return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)

        raw = bytearray()
        for row in self.rows:
            raw.append(0)  # filter type 0 (None) for every scanline
            raw += row
        ihdr = struct.pack(">IIBBBBB", self.width, self.height, 8, 2, 0, 0, 0)
        return (
            b"\x89PNG\r\n\x1a\n"
            + chunk(b"IHDR", ihdr)
            + chunk(b"IDAT", zlib.compress(bytes(raw), 9))
            + chunk(b"IEND", b"")
        )


# -- the illustrations ------------------------------------------------------
# Each function draws one picture; the alt text in the posts describes
# exactly these shapes, so keep them in step if you change a drawing.


def autumn_poetry() -> Canvas:
    """Orange wall, dark wooden table, a stack of five books and a white cup."""
    c = Canvas(WIDTH, HEIGHT, "#e9a15b")
    c.rect(0, 470, WIDTH, HEIGHT, "#6b3f22")
    books = ["#8c2f39", "#2f5d8c", "#e3c567", "#3e7c59", "#f2efe6"]
    for i, colour in enumerate(books):
        y1 = 470 - i * 48
        c.rect(400 + (i % 2) * 20, y1 - 44, 760 - (i % 3) * 15, y1, colour)
    c.rect(860, 360, 960, 470, "#ffffff")
    c.circle(975, 410, 28, "#ffffff")
    c.circle(975, 410, 14, "#e9a15b")
    return c


def picture_books() -> Canvas:
    """Sky-blue background, green ground, three standing books, yellow sun."""
    c = Canvas(WIDTH, HEIGHT, "#9fd3f0")
    c.rect(0, 500, WIDTH, HEIGHT, "#5aa469")
    c.circle(1020, 120, 70, "#ffd84d")
    for x, h, colour in [(330, 300, "#e4572e"), (500, 360, "#f3a712"), (670, 280, "#2e86ab")]:
        c.rect(x, 500 - h, x + 140, 500, colour)
        c.rect(x + 20, 500 - h + 30, x + 120, 500 - h + 60, "#ffffff")
    return c


def ebook_platform() -> Canvas:
    """Navy background, a grey tablet with lines of text and a teal button."""
    c = Canvas(WIDTH, HEIGHT, "#1d2b53")
    c.rect(420, 70, 780, 570, "#c2c8d6")
    c.rect(445, 100, 755, 500, "#ffffff")
    for i in range(9):
        y = 130 + i * 40
        c.rect(475, y, 725 - (i % 3) * 60, y + 14, "#7a8397")
    c.circle(600, 535, 20, "#1fb5a8")
    c.circle(200, 480, 40, "#1fb5a8")
    c.circle(1010, 150, 55, "#ff7a59")
    return c


def renovation() -> Canvas:
    """Grey wall with yellow-black caution stripes top and bottom, an orange cone."""
    c = Canvas(WIDTH, HEIGHT, "#d7d9dc")
    c.diagonal_stripes(0, 90, 45, ["#f6c700", "#222222"])
    c.diagonal_stripes(540, HEIGHT, 45, ["#f6c700", "#222222"])
    c.triangle_up(600, 170, 470, 130, "#f26b1d")
    c.rect(560, 270, 640, 300, "#ffffff")
    c.rect(540, 370, 660, 400, "#ffffff")
    c.rect(440, 470, 760, 500, "#f26b1d")
    return c


def story_time() -> Canvas:
    """Purple background, a big white speech bubble, a row of coloured heads."""
    c = Canvas(WIDTH, HEIGHT, "#6a4c93")
    c.circle(600, 220, 170, "#ffffff")
    c.triangle_up(520, 330, 450, 40, "#ffffff")
    for i, dot in enumerate(["#6a4c93", "#6a4c93", "#6a4c93"]):
        c.circle(530 + i * 70, 220, 18, dot)
    heads = ["#ffca3a", "#8ac926", "#1982c4", "#ff595e", "#ffca3a", "#8ac926"]
    for i, colour in enumerate(heads):
        cx = 150 + i * 180
        c.circle(cx, 540, 50, colour)
        c.rect(cx - 60, 590, cx + 60, HEIGHT, colour)
    return c


def author_talk() -> Canvas:
    """Deep green room, a brown podium with a microphone, rows of grey seats."""
    c = Canvas(WIDTH, HEIGHT, "#1f4e3d")
    c.rect(0, 0, WIDTH, 40, "#163a2d")
    c.rect(500, 180, 700, 380, "#8b5a2b")
    c.rect(480, 160, 720, 190, "#a0693a")
    c.rect(596, 100, 604, 160, "#333333")
    c.circle(600, 95, 16, "#333333")
    for row in range(3):
        y = 430 + row * 65
        for i in range(10):
            x = 90 + i * 105
            c.rect(x, y, x + 80, y + 40, "#b8c4bf")
    return c


def newspaper_archive() -> Canvas:
    """Sepia page, a dark headline bar, columns of text lines and a photo block."""
    c = Canvas(WIDTH, HEIGHT, "#efe3c8")
    c.rect(80, 50, 1120, 120, "#3b3127")
    c.rect(80, 140, 1120, 146, "#3b3127")
    c.rect(80, 170, 460, 420, "#a89677")
    c.circle(270, 280, 60, "#7d6b50")
    for col, (x0, x1) in enumerate([(500, 790), (830, 1120)]):
        for i in range(11):
            y = 175 + i * 36
            c.rect(x0, y, x1 - ((i + col) % 4) * 25, y + 12, "#6e6250")
    for i in range(4):
        y = 450 + i * 36
        c.rect(80, y, 460 - (i % 2) * 40, y + 12, "#6e6250")
    return c


def reading_room() -> Canvas:
    """Mint room, a colourful bookshelf at the back, a long table with four lamps."""
    c = Canvas(WIDTH, HEIGHT, "#d8f3e5")
    c.rect(100, 60, 1100, 300, "#8d6e53")
    shelf = ["#e76f51", "#f4a261", "#e9c46a", "#2a9d8f", "#264653", "#a8dadc"]
    for y0 in (75, 195):
        c.vstripes(115, 1085, y0, y0 + 95, 30, shelf)
    c.rect(150, 440, 1050, 470, "#b08968")
    c.rect(180, 470, 210, 600, "#7f5539")
    c.rect(990, 470, 1020, 600, "#7f5539")
    for i in range(4):
        x = 270 + i * 220
        c.rect(x - 4, 370, x + 4, 440, "#555555")
        c.circle(x, 360, 30, "#ffd166")
    return c


def old_photos() -> Canvas:
    """Dark brown background with three overlapping white-framed sepia photos."""
    c = Canvas(WIDTH, HEIGHT, "#3e2c23")
    frames = [(120, 110, 520, 420), (420, 170, 820, 480), (720, 90, 1100, 400)]
    insides = ["circle", "stripes", "roof"]
    for (x0, y0, x1, y1), kind in zip(frames, insides, strict=True):
        c.rect(x0, y0, x1, y1, "#f5f0e6")
        c.rect(x0 + 20, y0 + 20, x1 - 20, y1 - 20, "#b99a6b")
        if kind == "circle":
            c.circle((x0 + x1) // 2, (y0 + y1) // 2, 70, "#7a5c3a")
        elif kind == "stripes":
            for i in range(4):
                y = y0 + 60 + i * 55
                c.rect(x0 + 50, y, x1 - 50, y + 25, "#8c6d46")
        else:
            mid = (x0 + x1) // 2
            c.triangle_up(mid, y0 + 60, y0 + 170, 120, "#6b4f33")
            c.rect(mid - 90, y0 + 170, mid + 90, y1 - 50, "#6b4f33")
    return c


def christmas_party() -> Canvas:
    """Dark red background, a green tree with ornaments, a yellow star and snow."""
    c = Canvas(WIDTH, HEIGHT, "#8e1b26")
    for x, y in [
        (90, 80),
        (230, 200),
        (160, 420),
        (320, 540),
        (930, 90),
        (1100, 220),
        (1020, 480),
        (850, 560),
    ]:
        c.circle(x, y, 10, "#ffffff")
    c.rect(570, 520, 630, 600, "#6b3f22")
    c.triangle_up(600, 110, 330, 150, "#2d8a4e")
    c.triangle_up(600, 220, 440, 210, "#2d8a4e")
    c.triangle_up(600, 320, 530, 270, "#2d8a4e")
    c.circle(600, 100, 32, "#ffd23f")
    for x, y, colour in [
        (560, 260, "#ffd23f"),
        (650, 330, "#4cc9f0"),
        (520, 420, "#ffffff"),
        (680, 460, "#ffd23f"),
        (600, 390, "#f72585"),
        (470, 500, "#4cc9f0"),
    ]:
        c.circle(x, y, 16, colour)
    return c


IMAGES = {
    "autumn-poetry.png": autumn_poetry,
    "picture-books.png": picture_books,
    "ebook-platform.png": ebook_platform,
    "renovation.png": renovation,
    "story-time.png": story_time,
    "author-talk.png": author_talk,
    "newspaper-archive.png": newspaper_archive,
    "reading-room.png": reading_room,
    "old-photos.png": old_photos,
    "christmas-party.png": christmas_party,
}


def main() -> None:
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    for name, draw in IMAGES.items():
        data = draw().png_bytes()
        if len(data) > MAX_BYTES:
            raise SystemExit(f"{name} is {len(data)} bytes, over the {MAX_BYTES}-byte limit")
        (OUT_DIR / name).write_bytes(data)
        print(f"wrote {(OUT_DIR / name).relative_to(ROOT)} ({len(data)} bytes)")


if __name__ == "__main__":
    main()
