"""Lists show each post's image as a small thumbnail (issue 13, item 12).

The home page, the sections, the tag pages and the archive months list every post
with its image made small at build time (``shelfpost.site.thumbs``): WebP at most
160×100 CSS pixels, a 2x file for sharp screens, ``width``/``height`` so nothing
moves while it loads, ``loading="lazy"``, and the post's own alt text. The image is
not a second link: each post has one link (its title), so a screen reader hears the
title once. Posts without an image are listed as before. The browser side (axe-core,
the weight of a list page, the reserved space) is in tests/test_a11y.py.
"""

from __future__ import annotations

import io
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urljoin

import pytest
from PIL import Image, ImageCms

from conftest import Lib, post_text
from shelfpost import load_library
from shelfpost.library.model import Post
from shelfpost.site import thumbs
from shelfpost.site.build import THUMBNAIL_CACHE, WORK_DIR, build_site
from shelfpost.site.thumbs import Thumbnailer, fit, render
from test_build import NOW

pytestmark = pytest.mark.xdist_group("engine")

SAMPLE_IMAGE = Path(__file__).resolve().parents[1] / "content/media/2026/reading-room.png"
#: The lists of the sample site and the heading level of their posts' titles.
LISTS = {
    "index.html": "h3",
    "news/index.html": "h2",
    "events/index.html": "h2",
    "resources/index.html": "h2",
    "tags/繪本/index.html": "h2",
    "archive/2026/10/index.html": "h2",
}


# --- reading a list page ----------------------------------------------------------------


class ListItems(HTMLParser):
    """The posts of a list page: from each title heading to the next heading or the list's end.

    Each item keeps the links (href, text) and images (attributes, and whether the
    image sits inside a link) it holds; a heading's permalink (¶) is not counted.
    """

    def __init__(self, level: str) -> None:
        super().__init__(convert_charrefs=True)
        self.level = level
        self.items: list[dict[str, list[dict[str, str | None]]]] = []
        self.in_heading = self.collecting = False
        self.link: dict[str, str | None] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        classes = (a.get("class") or "").split()
        if tag in ("h1", "h2", "h3", "h4", "h5", "h6", "nav") or "shelfpost-list-end" in classes:
            self.collecting = False
            self.in_heading = tag == self.level
        elif tag == "a" and "headerlink" not in classes:
            if self.in_heading:
                self.items.append({"links": [], "images": []})
                self.collecting = True
            self.link = {"href": a.get("href"), "text": ""}
            if self.collecting:
                self.items[-1]["links"].append(self.link)
        elif tag == "img" and self.collecting:
            self.items[-1]["images"].append({**a, "in_link": "yes" if self.link is not None else None})

    def handle_endtag(self, tag: str) -> None:
        if tag == self.level:
            self.in_heading = False
        if tag == "a":
            self.link = None

    def handle_data(self, data: str) -> None:
        if self.link is not None:
            self.link["text"] = (self.link["text"] or "") + data


def list_items(page: Path, level: str) -> list[dict[str, list[dict[str, str | None]]]]:
    parser = ListItems(level)
    parser.feed(page.read_text("utf-8"))
    return parser.items


def post_of(items_href: str, page_url: str, posts: dict[str, Post]) -> Post:
    url = unquote(urljoin("https://x/" + page_url, items_href))
    slug = url.removeprefix("https://x/posts/").rstrip("/")
    return posts[slug]


def page_url(rel: str) -> str:
    return rel.removesuffix("index.html")


# --- the sample site -------------------------------------------------------------------------


def test_every_list_shows_each_posts_thumbnail_with_its_alt_text(
    sample_site: Path, sample_copy: Path
) -> None:
    library = load_library(sample_copy)
    posts = {p.slug: p for p in library.posts}
    with_image = without = 0
    for rel, level in LISTS.items():
        items = list_items(sample_site / rel, level)
        assert items, rel
        for item in items:
            links = item["links"]
            post = post_of(str(links[0]["href"]), page_url(rel), posts)
            # One link per post: the title. The thumbnail is not a second one.
            assert [link["href"] for link in links] == [links[0]["href"]], (rel, post.slug, links)
            assert (links[0]["text"] or "").strip() == post.title
            if not post.image:
                assert item["images"] == [], (rel, post.slug)
                without += 1
                continue
            with_image += 1
            [img] = item["images"]
            assert img["in_link"] is None, (rel, post.slug)
            assert img["alt"] == post.image_alt and img["alt"] and img["alt"].startswith("插圖：")
            assert img["loading"] == "lazy" and img["decoding"] == "async"
            src = sample_site / unquote(urljoin(page_url(rel), str(img["src"])))
            with Image.open(src) as small:
                assert small.format == "WEBP"
                assert small.size == (int(str(img["width"])), int(str(img["height"]))) == (160, 84)
            # The 2x file for sharp screens: twice the pixels, same picture.
            one, two = str(img["srcset"]).split(", ")
            assert one == f"{img['src']} 1x" and two.endswith(" 2x")
            with Image.open(sample_site / unquote(urljoin(page_url(rel), two.removesuffix(" 2x")))) as sharp:
                assert sharp.size == (320, 168)
            # Small enough for a list of twenty: a 1200×630 share card is 4-8 KB as PNG.
            assert src.stat().st_size < 4_000, src
    assert with_image >= 10 and without >= 10, (with_image, without)


def test_thumbnails_of_posts_not_yet_live_are_not_on_the_site(sample_site: Path) -> None:
    made = {p.name for p in (sample_site / "assets/thumbnails/media/2026").iterdir()}
    assert "autumn-poetry.png-160w.webp" in made and "autumn-poetry.png-320w.webp" in made
    # The Christmas party goes live on 12-01; the sample is built as of 11-26.
    assert not any(name.startswith("christmas-party") for name in made), made
    assert len(made) == 2 * sum(1 for p in (sample_site / "media/2026").iterdir())


# --- a library of its own -----------------------------------------------------------------------


def photo(path: Path, size: tuple[int, int], orientation: int | None = None, mode: str = "RGB") -> Path:
    """A JPEG whose left half is red and right half blue (so a turn shows)."""
    image = Image.new("RGB", size, (200, 30, 30))
    image.paste((30, 30, 200), (size[0] // 2, 0, size[0], size[1]))
    exif = Image.Exif()
    if orientation:
        exif[0x0112] = orientation
    image.convert(mode).save(path, "JPEG", quality=90, exif=exif.tobytes())
    return path


def test_a_post_without_an_image_and_one_whose_image_cannot_be_read_are_listed_as_text(
    lib: Lib, tmp_path: Path
) -> None:
    lib.image("content/media/閱覽室 2026.png")  # a Chinese file name, with a space
    # A phone's HEIC photo renamed to .jpg: Pillow cannot read it.
    lib.write("content/media/heic.jpg", b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic")
    lib.post(
        "2026-10-01-with",
        post_text(title="有圖", extra="image: /media/閱覽室 2026.png\nimage_alt: 閱覽室的長桌\n"),
    )
    lib.post(
        "2026-10-02-heic",
        post_text(
            title="向量圖",
            publish_at="2026-10-02 10:00",
            extra="image: /media/heic.jpg\nimage_alt: 線條畫\n",
        ),
    )
    lib.post("2026-10-03-plain", post_text(title="沒有圖", publish_at="2026-10-03 10:00"))
    photo(lib.root / "content/media/閱覽室 2026.jpg", (1600, 1200))
    lib.post(
        "2026-10-04-jpeg",
        post_text(
            title="照片",
            publish_at="2026-10-04 10:00",
            extra="image: /media/閱覽室 2026.jpg\nimage_alt: 照片\n",
        ),
    )
    library = load_library(lib.root)
    assert library.ok, library.problems
    out = tmp_path / "out"
    build_site(library, NOW, out)
    posts = {p.slug: p for p in library.posts}
    items = {
        post_of(str(i["links"][0]["href"]), "news/", posts).slug: i["images"]
        for i in list_items(out / "news/index.html", "h2")
    }
    [img] = items["with"]
    assert img["alt"] == "閱覽室的長桌"
    assert img["src"] == "../assets/thumbnails/media/%E9%96%B1%E8%A6%BD%E5%AE%A4%202026.png-160w.webp"
    assert (out / "assets/thumbnails/media/閱覽室 2026.png-160w.webp").is_file()
    # The PNG and a JPEG of the same name are two thumbnails.
    [jpeg] = items["jpeg"]
    assert (jpeg["src"], jpeg["width"], jpeg["height"]) == (
        "../assets/thumbnails/media/%E9%96%B1%E8%A6%BD%E5%AE%A4%202026.jpg-133w.webp",
        "133",
        "100",
    )
    assert items["heic"] == [] and items["plain"] == []
    # The post page still shows the file itself.
    assert 'alt="線條畫"' in (out / "posts/heic/index.html").read_text("utf-8")
    home = (out / "index.html").read_text("utf-8")
    assert home.count('class="shelfpost-thumb"') == 2 and home.count('class="shelfpost-list-end"') == 1


def test_a_replaced_image_gets_a_new_thumbnail_and_the_incremental_build_equals_a_full_one(
    lib: Lib, tmp_path: Path
) -> None:
    from test_incremental import assert_same_site

    lib.image("content/media/pic.png")
    lib.post(
        "2026-10-01-with", post_text(title="有圖", extra="image: /media/pic.png\nimage_alt: 閱覽室的長桌\n")
    )
    lib.post("2026-10-02-plain", post_text(title="沒有圖", publish_at="2026-10-02 10:00"))
    out = tmp_path / "out"
    build_site(load_library(lib.root), NOW, out)
    cache = lib.root / WORK_DIR / THUMBNAIL_CACHE
    before = sorted(p.name for p in cache.iterdir())
    assert len(before) == 3  # the entry and its two files
    first = (out / "assets/thumbnails/media/pic.png-160w.webp").read_bytes()

    # The editor uploads a portrait photo under the same name, and gives the other post one.
    photo(lib.root / "content/media/pic.png", (900, 1200))
    photo(lib.root / "content/media/new.jpg", (1600, 1200))
    post = lib.root / "content/posts/2026/2026-10-02-plain.md"
    post.write_text(
        post_text(
            title="沒有圖", publish_at="2026-10-02 10:00", extra="image: /media/new.jpg\nimage_alt: 新照片\n"
        ),
        "utf-8",
    )
    result = build_site(load_library(lib.root), NOW, out)
    assert result.mode == "incremental", result.mode
    full = tmp_path / "full"
    build_site(load_library(lib.root), NOW, full, work_dir=tmp_path / "fresh-work", full=True)
    assert_same_site(out, full, "image replaced, image added")

    # Portrait: 100 high; the old thumbnail's cache entry is gone.
    assert (out / "assets/thumbnails/media/pic.png-75w.webp").read_bytes() != first
    assert not (out / "assets/thumbnails/media/pic.png-160w.webp").exists()
    page = (out / "news/index.html").read_text("utf-8")
    assert 'width="75" height="100" alt="閱覽室的長桌"' in page
    assert 'width="133" height="100" alt="新照片"' in page
    after = sorted(p.name for p in cache.iterdir())
    assert len(after) == 6 and not set(before) & set(after), (before, after)


#: What a full list page (20 posts) of photos may add at 1x, read to the end: the sample's
#: lists weigh ~508 KB without their thumbnails (tests/test_a11y.py), the budget is 560 KB.
#: A first visit loads only the thumbnails near the screen (loading="lazy").
PHOTO_LIST_BUDGET = 52_000


def camera_photos(folder: Path, count: int) -> list[Path]:
    """``count`` different 1600×1200 JPEGs cut from a real photograph (matplotlib's sample of
    Grace Hopper), each a different crop, mirror and tint, as a camera would save them."""
    import matplotlib.cbook

    with Image.open(matplotlib.cbook.get_sample_data("grace_hopper.jpg", asfileobj=False)) as opened:
        source = opened.convert("RGB")
    paths = []
    for n in range(count):
        x, y = (n * 17) % 96, (n * 29) % 180
        image = source.crop((x, y, x + 416, y + 312)).resize((1600, 1200), Image.Resampling.BICUBIC)
        if n % 2:
            image = image.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
        r, g, b = image.split()
        image = Image.merge("RGB", (r.point(lambda v, n=n: min(255, v + n * 3)), g, b))
        path = folder / f"photo-{n:02d}.jpg"
        image.save(path, "JPEG", quality=88)
        paths.append(path)
    return paths


def test_a_full_list_of_photo_posts_stays_within_the_weight_budget(lib: Lib, tmp_path: Path) -> None:
    for n, path in enumerate(camera_photos(lib.root / "content/media", 20)):
        lib.post(
            f"2026-10-{n + 1:02d}-photo-{n:02d}",
            post_text(
                title=f"活動照片 {n}",
                publish_at=f"2026-10-{n + 1:02d} 10:00",
                extra=f"image: /media/{path.name}\nimage_alt: 館員與讀者的合照 {n}\n",
            ),
        )
    library = load_library(lib.root)
    assert library.ok, library.problems
    out = tmp_path / "out"
    build_site(library, NOW, out)
    items = list_items(out / "news/index.html", "h2")
    assert len(items) == 20 and all(len(i["images"]) == 1 for i in items)
    one = [out / "news" / unquote(str(i["images"][0]["src"])) for i in items]
    two = [out / "news" / unquote(str(i["images"][0]["srcset"]).split(", ")[1][:-3]) for i in items]
    sizes_1x = [p.resolve().stat().st_size for p in one]
    sizes_2x = [p.resolve().stat().st_size for p in two]
    print(f"20 photo thumbnails: 1x {sum(sizes_1x)} bytes, 2x {sum(sizes_2x)} bytes")
    assert sum(sizes_1x) < PHOTO_LIST_BUDGET, sizes_1x
    assert sum(sizes_2x) < 3 * PHOTO_LIST_BUDGET, sizes_2x
    # The photos themselves (~100 KB each) are not on the list page.
    assert "../media/photo-" not in (out / "news/index.html").read_text("utf-8")


# --- the thumbnails themselves --------------------------------------------------------------


def test_fit_keeps_the_shape_inside_the_box_and_never_enlarges() -> None:
    assert fit((1200, 630)) == (160, 84)
    assert fit((3000, 4000)) == (75, 100)
    assert fit((1600, 1200)) == (133, 100)
    assert fit((4000, 100)) == (160, 4)
    assert fit((100, 40)) == (100, 40)
    assert fit((10000, 1)) == (160, 1)


def test_a_turned_phone_photo_is_shown_upright(tmp_path: Path) -> None:
    # Stored 1600×1200 with "turn 90° clockwise to view" (orientation 6): a 1200×1600 portrait.
    shown, files = render(photo(tmp_path / "phone.jpg", (1600, 1200), orientation=6))
    assert shown == (75, 100) and sorted(files) == [1, 2]
    with Image.open(io.BytesIO(files[2])) as sharp:
        assert sharp.size == (150, 200)
        assert not sharp.getexif() and "icc_profile" not in sharp.info
        rgb = sharp.convert("RGB")
        # The red left half is now on top, the blue right half at the bottom.
        top, bottom = rgb.getpixel((75, 20)), rgb.getpixel((75, 180))
        assert isinstance(top, tuple) and isinstance(bottom, tuple)
        assert top[0] > 150 > top[2] and bottom[2] > 150 > bottom[0], (top, bottom)


def test_small_transparent_and_print_images(tmp_path: Path) -> None:
    # Small: shown at its own size, no 2x file (it would only be enlarged).
    Image.new("RGB", (100, 40), "white").save(tmp_path / "small.png")
    shown, files = render(tmp_path / "small.png")
    assert shown == (100, 40) and sorted(files) == [1]
    # A logo with a transparent background stays transparent.
    logo = Image.new("RGBA", (400, 300), (0, 0, 0, 0))
    logo.paste((0, 120, 100, 255), (100, 100, 300, 200))
    logo.save(tmp_path / "logo.png")
    _, files = render(tmp_path / "logo.png")
    with Image.open(io.BytesIO(files[1])) as small:
        assert small.mode == "RGBA" and small.getpixel((0, 0)) == (0, 0, 0, 0)
    # A print-shop CMYK JPEG and a photo with a colour profile come out as plain sRGB.
    _, files = render(photo(tmp_path / "print.jpg", (800, 600), mode="CMYK"))
    with Image.open(io.BytesIO(files[1])) as small:
        assert small.mode == "RGB"
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    Image.new("RGB", (800, 600), (10, 120, 200)).save(tmp_path / "profiled.jpg", icc_profile=srgb)
    _, files = render(tmp_path / "profiled.jpg")
    with Image.open(io.BytesIO(files[1])) as small:
        assert "icc_profile" not in small.info


def test_what_pillow_cannot_read_gets_no_thumbnail(tmp_path: Path) -> None:
    (tmp_path / "a.svg").write_text("<svg/>", encoding="utf-8")
    (tmp_path / "broken.png").write_bytes(SAMPLE_IMAGE.read_bytes()[:200])
    maker = Thumbnailer(tmp_path / "cache")
    assert maker.thumbnail(tmp_path / "a.svg") is None
    assert maker.thumbnail(tmp_path / "broken.png") is None
    assert maker.thumbnail(tmp_path / "missing.png") is None
    # The same in a process that has imported WeasyPrint (the reports), which tells Pillow to
    # decode truncated files; and the setting is left as WeasyPrint wants it.
    import weasyprint  # noqa: F401
    from PIL import ImageFile

    assert ImageFile.LOAD_TRUNCATED_IMAGES is True
    assert Thumbnailer(tmp_path / "cache2").thumbnail(tmp_path / "broken.png") is None
    assert ImageFile.LOAD_TRUNCATED_IMAGES is True


def test_the_cache_makes_each_image_once_and_remakes_a_damaged_entry(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = tmp_path / "card.png"
    shutil.copyfile(SAMPLE_IMAGE, source)
    made = Thumbnailer(tmp_path / "cache").thumbnail(source)
    assert made is not None and (made.width, made.height) == (160, 84)

    def must_not_encode(path: Path) -> None:
        raise AssertionError(f"{path} encoded again")

    monkeypatch.setattr(thumbs, "render", must_not_encode)
    again = Thumbnailer(tmp_path / "cache").thumbnail(source)
    assert again == made
    monkeypatch.undo()

    entry = next((tmp_path / "cache").glob("*.json"))
    entry.write_text("{not json", encoding="utf-8")
    remade = Thumbnailer(tmp_path / "cache").thumbnail(source)
    assert remade is not None and remade.files[1].read_bytes() == made.files[1].read_bytes()

    # A build that no longer lists the image leaves nothing of it behind.
    unused = Thumbnailer(tmp_path / "cache")
    unused.prune()
    assert list((tmp_path / "cache").iterdir()) == []


def test_the_same_image_gives_the_same_bytes_in_another_process(tmp_path: Path) -> None:
    _, here = render(SAMPLE_IMAGE)
    code = (
        "import sys; from pathlib import Path; from shelfpost.site.thumbs import render; "
        "sys.stdout.buffer.write(render(Path(sys.argv[1]))[1][2])"
    )
    there = subprocess.run(
        [sys.executable, "-c", code, str(SAMPLE_IMAGE)], capture_output=True, check=True
    ).stdout
    assert there == here[2]
