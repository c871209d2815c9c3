"""Properties that must hold for any text an editor can type (Hypothesis)."""

from __future__ import annotations

import html
import posixpath
import re
from datetime import datetime
from urllib.parse import quote
from zoneinfo import ZoneInfo

import markdown
import regex
from hypothesis import given, settings
from hypothesis import strategies as st

from shelfpost.library.channeltext import bluesky_finish, short_link
from shelfpost.library.loader import slug_problem
from shelfpost.library.schema import Invalid, parse_moment
from shelfpost.site.text import _relpath, escape, tag_slug

# Text on one line: any printable character, CJK and emoji included.
line = (
    st.text(
        alphabet=st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp")),
        min_size=1,
        max_size=60,
    )
    .map(lambda s: re.sub(r"\s+", " ", s).strip())
    .filter(bool)
)


def text_content(fragment: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", fragment)).strip()


@settings(max_examples=300, deadline=None)
@given(line)
def test_escaped_text_reads_as_itself_in_markdown(value: str) -> None:
    out = markdown.markdown(str(escape(value)), extensions=["extra", "admonition", "sane_lists"])
    assert re.fullmatch(r"<p>.*</p>", out, re.DOTALL), out  # one paragraph, nothing else
    assert text_content(out) == value
    assert "<a" not in out and "<script" not in out.lower()


@settings(max_examples=300, deadline=None)
@given(line)
def test_escaped_text_is_safe_in_an_attribute(value: str) -> None:
    attr = f'<img alt="{escape(value)}">'
    assert attr.count('"') == 2 and "<" not in attr[1:-1] and ">" not in attr[:-1]
    assert html.unescape(attr[10:-2]) == value


@given(line)
def test_tag_slugs_are_safe_slugs(tag: str) -> None:
    slug = tag_slug(tag)
    assert "/" not in slug and ".." not in slug and slug == slug.strip("-")
    assert tag_slug(slug) == slug  # stable


@given(st.from_regex(r"[a-z0-9]+(-[a-z0-9]+)*", fullmatch=True).filter(lambda s: len(s) <= 80))
def test_ascii_slugs_are_accepted(slug: str) -> None:
    assert slug_problem(slug) is None


@given(st.text(min_size=1, max_size=20))
def test_slugs_with_path_characters_are_refused(text: str) -> None:
    for bad in (f"{text}/x", f"..{text}", f"{text}\\x"):
        assert slug_problem(bad) is not None


@settings(deadline=None)
@given(
    st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1)),
    st.sampled_from(["Asia/Taipei", "America/New_York", "Europe/London", "Australia/Lord_Howe"]),
)
def test_local_times_round_trip_or_are_refused(dt: datetime, zone: str) -> None:
    tz = ZoneInfo(zone)
    text = dt.replace(microsecond=0).isoformat(sep=" ")
    try:
        parsed = parse_moment(text, tz)
    except Invalid as exc:
        assert "does not exist" in exc.message or "happens twice" in exc.message
        return
    assert parsed.tzinfo is not None
    assert parsed.astimezone(tz).replace(tzinfo=None) == dt.replace(microsecond=0)


_segment = st.sampled_from(["posts", "news", "page", "2", "index.md", "a.md", "標籤", "x"])
_docs_path = st.lists(_segment, max_size=4).map("/".join)


@given(_docs_path, _docs_path, st.booleans())
def test_docs_tree_relpath_agrees_with_posixpath(target: str, start: str, slash: bool) -> None:
    target = target + "/" if slash and target else target
    assert _relpath(target, start) == posixpath.relpath(target or ".", start or ".")


slug_text = st.text(alphabet=st.sampled_from("冬至說故事閱讀月abc-123🎉"), min_size=1, max_size=30)
piece = st.one_of(
    line,
    st.builds(lambda s: "https://lib.example.org/posts/" + quote(s) + "/", slug_text),
    st.builds(lambda s: "#" + s, st.text(alphabet=st.sampled_from("閱讀abc_1"), min_size=1, max_size=8)),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(piece, min_size=1, max_size=8), st.sampled_from([" ", "\n", " 。", "\n\n"]))
def test_bluesky_facets_cover_what_is_shown_and_point_at_the_full_links(parts: list[str], sep: str) -> None:
    """Issue 11: whatever the text, each link facet spans exactly the short text shown and
    points at the whole URL, tags span '#tag', spans never overlap, and the count is of what
    is shown."""
    written = sep.join(parts)
    text, facets = bluesky_finish(written)
    data = text.encode("utf-8")
    end = 0
    for f in facets:
        assert end <= f.byte_start < f.byte_end <= len(data)
        shown = data[f.byte_start : f.byte_end].decode("utf-8")  # never splits a character
        if f.kind == "link":
            assert f.value in written and shown == short_link(f.value)
        else:
            assert shown == "#" + f.value
        end = f.byte_end
    links = [f.value for f in facets if f.kind == "link"]
    urls = [part for part in parts if part.startswith("https://lib.example.org/")]
    assert [u for u in links if u in urls] == urls  # every link, whole, in order
    for f in facets:
        if f.kind == "link" and f.value in urls:  # host + at most 15 graphemes of path, or 13 + "…"
            shown = data[f.byte_start : f.byte_end].decode("utf-8")
            assert len(regex.findall(r"\X", shown)) <= len("lib.example.org") + 15
