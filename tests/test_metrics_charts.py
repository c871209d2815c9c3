"""`shelfpost metrics chart` on the sample library's three months of fictional data:
SVG with every glyph a path, PNG, a text alternative per chart, Chinese drawn with
real glyphs (not the .notdef box), colours apart in grey scale."""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import pytest
from matplotlib.font_manager import FontProperties
from matplotlib.textpath import TextPath

from conftest import REPO, copy_sample, run_cli
from shelfpost.metrics import charts

FONT_DIRS = [Path.home() / ".cache/shelfpost/fonts", Path("/usr/share/fonts/opentype/noto")]
LABELS = "追蹤人數每週互動率依類型每月回覆率滿意度每季日期目標活動預告最新消息資源推薦粉絲專頁"


@pytest.fixture(scope="module")
def drawn(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("charts") / "library"
    copy_sample(root)
    import shutil

    shutil.copytree(REPO / "data/metrics", root / "data/metrics", dirs_exist_ok=True)
    out = root / "charts"
    done = run_cli("metrics", "chart", "--month", "2026-11", "--out", str(out), cwd=root)
    assert done.returncode == 0, done.stderr
    return out


def test_each_chart_is_svg_png_and_a_text_alternative(drawn: Path) -> None:
    names = ("followers", "engagement", "reply-rate", "csat")
    assert sorted(p.name for p in drawn.iterdir()) == sorted(
        f"{n}.{e}" for n in names for e in ("svg", "png", "md")
    )
    for name in names:
        svg = (drawn / f"{name}.svg").read_text(encoding="utf-8")
        assert "<text" not in svg  # glyphs as paths: shows without the font
        assert len(re.findall(r"<use xlink:href=", svg)) > 20
        assert (drawn / f"{name}.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    followers = (drawn / "followers.md").read_text(encoding="utf-8")
    assert "| Mastodon | 2026-09-01: " in followers and "Followers per channel: " in followers
    csat = (drawn / "csat.md").read_text(encoding="utf-8")
    assert "2026-Q3 60.3% of 58 answers (95% interval 47.5% to 71.9%)" in csat
    assert "| n | 58 | 127 |" in csat


def test_chinese_labels_are_drawn_with_real_glyphs_not_tofu(drawn: Path) -> None:
    font = charts.find_font(FONT_DIRS)
    assert charts.missing_glyphs(font, LABELS) == []
    prop = FontProperties(fname=str(font))
    notdef = TextPath((0, 0), "\U0010fff0", prop=prop).vertices.tolist()  # a code point no font has
    for ch in LABELS:
        assert TextPath((0, 0), ch, prop=prop).vertices.tolist() != notdef, ch
    svg = (drawn / "followers.svg").read_text(encoding="utf-8")
    assert "追蹤人數 Followers" in svg  # matplotlib names the drawn string in a comment


def test_colours_survive_grey_scale() -> None:
    lum = [charts.luminance(c) for c in charts.COLOURS]
    assert min(abs(a - b) for a, b in itertools.combinations(lum, 2)) >= 0.1
    assert (
        len(set(charts.HATCHES)) == len(set(charts.MARKERS)) == len(set(charts.LINES)) == len(charts.COLOURS)
    )


def test_no_font_is_a_clear_refusal(tmp_path: Path) -> None:
    with pytest.raises(Exception, match="no CJK font found"):
        charts.find_font([tmp_path])
