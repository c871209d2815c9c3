"""Small images of the posts for the lists (home page, sections, tags, archive months).

A post's image is usually a photo or a 1200×630 share card: hundreds of kilobytes
in a list of twenty posts would break the page weight budget. Each list shows a
thumbnail made at build time with Pillow (already a dependency: the Bluesky
adapter shrinks images with it), at most :data:`BOX` CSS pixels, as WebP, plus a
file twice that size for high-density screens (``srcset``). The source is never
enlarged.

The files go to a cache folder named by the source's bytes and the recipe
(:data:`RECIPE`, the Pillow and libwebp versions), so a build encodes only new or
changed images; the same bytes and versions always give the same thumbnail, so a
full build and an incremental one write the same site. What Pillow cannot read
(an SVG, a damaged file) gets no thumbnail: the post is listed as text, as before.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

#: The largest a thumbnail is shown, in CSS pixels (width, height): a 1200×630 share card
#: is shown 160×84, a 4:3 photo 133×100, a 3:4 portrait 75×100.
BOX = (160, 100)
#: WebP quality: a share card like the sample's comes to ~0.7-1 KB at 1x, a photo to ~2.5 KB
#: (tests/test_thumbnails.py weighs a list of twenty photos against the page weight budget).
QUALITY = 70
#: Bump when the way thumbnails are made changes: every cached one is made again.
RECIPE = f"thumbs-1 box={BOX[0]}x{BOX[1]} webp q={QUALITY} m=6 lanczos srgb"
#: EXIF orientations that turn the picture a quarter: width and height swap.
_QUARTER_TURNS = frozenset({5, 6, 7, 8})


@dataclass(frozen=True)
class Thumbnail:
    """The files made for one source image and the size it is shown at.

    ``files`` maps the pixel density (1, and 2 when the source is big enough) to
    the cached WebP file; the 1x file is ``width`` × ``height`` pixels.
    """

    width: int
    height: int
    files: dict[int, Path]


def fit(size: tuple[int, int], box: tuple[int, int] = BOX) -> tuple[int, int]:
    """``size`` scaled to fit inside ``box``, aspect kept, never enlarged, at least 1×1."""
    width, height = size
    scale = min(box[0] / width, box[1] / height, 1.0)
    return max(1, round(width * scale)), max(1, round(height * scale))


def _versions() -> str:
    from PIL import __version__, features

    return f"Pillow={__version__} webp={features.version('webp')}"


def render(source: Path) -> tuple[tuple[int, int], dict[int, bytes]]:
    """The size the thumbnail is shown at and the WebP bytes of each pixel density.

    Turned upright (EXIF orientation), in sRGB, with no metadata. Raises what Pillow
    raises for a file it cannot read.
    """
    from PIL import Image, ImageCms, ImageOps

    with _whole_files_only(), Image.open(source) as opened:
        width, height = opened.size
        turned = opened.getexif().get(0x0112, 1) in _QUARTER_TURNS
        if turned:
            width, height = height, width
        shown = fit((width, height))
        sizes = {1: shown}
        if width >= 2 * shown[0] and height >= 2 * shown[1]:
            sizes[2] = (2 * shown[0], 2 * shown[1])
        largest = max(sizes.values())
        opened.draft(opened.mode, (largest[1], largest[0]) if turned else largest)  # a JPEG decodes smaller
        image = ImageOps.exif_transpose(opened)
        image.load()
    profile = image.info.get("icc_profile")
    alpha = image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info)
    image = image.convert("RGBA" if alpha else "RGB")
    if profile:
        try:
            converted = ImageCms.profileToProfile(
                image,
                ImageCms.ImageCmsProfile(io.BytesIO(profile)),
                ImageCms.createProfile("sRGB"),
                outputMode=image.mode,
            )
            if converted is not None:
                image = converted
        except (ImageCms.PyCMSError, OSError, ValueError):
            pass  # a profile littlecms cannot read: the pixels as they are
    out = {}
    for density, size in sizes.items():
        buffer = io.BytesIO()
        image.resize(size, Image.Resampling.LANCZOS).save(
            buffer, "WEBP", quality=QUALITY, method=6, exif=b"", icc_profile=b""
        )
        out[density] = buffer.getvalue()
    return shown, out


@contextmanager
def _whole_files_only() -> Iterator[None]:
    """Refuse truncated files while decoding, whatever the process set before: WeasyPrint
    (the reports' PDF) turns on Pillow's process-wide ``LOAD_TRUNCATED_IMAGES`` when it is
    imported, which would make a damaged upload a half-grey thumbnail in one process and no
    thumbnail in another."""
    from PIL import ImageFile

    before = ImageFile.LOAD_TRUNCATED_IMAGES
    ImageFile.LOAD_TRUNCATED_IMAGES = False
    try:
        yield
    finally:
        ImageFile.LOAD_TRUNCATED_IMAGES = before


class Thumbnailer:
    """Makes (or finds in ``cache``) the thumbnails of the images a build lists."""

    def __init__(self, cache: Path) -> None:
        self.cache = cache
        self.used: set[str] = set()
        self._recipe = ""  # with the Pillow and libwebp versions, read at the first image
        self._made: dict[Path, Thumbnail | None] = {}

    def thumbnail(self, source: Path) -> Thumbnail | None:
        """The thumbnail of ``source``, or None when Pillow cannot read it."""
        if source not in self._made:
            self._made[source] = self._thumbnail(source)
        return self._made[source]

    def _thumbnail(self, source: Path) -> Thumbnail | None:
        try:
            data = source.read_bytes()
        except OSError:
            return None
        self._recipe = self._recipe or RECIPE + " " + _versions()
        key = hashlib.sha256(self._recipe.encode("utf-8") + b"\0" + data).hexdigest()[:32]
        index = self.cache / f"{key}.json"
        try:
            known = json.loads(index.read_text("utf-8"))
            files = {int(d): self.cache / name for d, name in known["files"].items()}
            if all(path.is_file() for path in files.values()):
                self.used.update([index.name, *(p.name for p in files.values())])
                return Thumbnail(int(known["width"]), int(known["height"]), files)
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            pass  # not made yet, or a damaged entry: make it again
        return self._make(source, key)

    def _make(self, source: Path, key: str) -> Thumbnail | None:
        from PIL import Image, UnidentifiedImageError

        try:
            shown, encoded = render(source)
        except (UnidentifiedImageError, OSError, ValueError, SyntaxError, Image.DecompressionBombError):
            return None
        self.cache.mkdir(parents=True, exist_ok=True)
        files = {}
        for density, blob in encoded.items():
            files[density] = self.cache / f"{key}@{density}x.webp"
            _write(files[density], blob)
        entry = {"width": shown[0], "height": shown[1], "files": {str(d): p.name for d, p in files.items()}}
        _write(self.cache / f"{key}.json", json.dumps(entry, sort_keys=True).encode("utf-8"))
        self.used.update([f"{key}.json", *(p.name for p in files.values())])
        return Thumbnail(shown[0], shown[1], files)

    def prune(self) -> None:
        """Delete the cached files this build did not use (images replaced or removed)."""
        for path in self.cache.iterdir() if self.cache.is_dir() else ():
            if path.name not in self.used:
                path.unlink(missing_ok=True)


def _write(path: Path, data: bytes) -> None:
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_bytes(data)
    os.replace(temporary, path)
