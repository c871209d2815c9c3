"""What editors hit (issue 13): input-method slips, placeholders, scheduling, the calendar."""

from __future__ import annotations

import pytest

from conftest import Lib, post_text
from shelfpost import load_library

P = "content/posts/2026/"

# (file name, file text, expected "line:col: error: message")
SLIPS: list[tuple[str, str, str]] = [
    (
        "2026-10-02-colon",
        post_text().replace("summary: 摘要 summary", "summary：摘要 summary"),
        "5:8: error: YAML syntax: '：' (U+FF1A) is a full-width colon after the key:"
        " type the ASCII ':' followed by a space instead",
    ),
    (
        "2026-10-03-colonlast",
        post_text(extra="location：館內\n"),
        "8:9: error: YAML syntax: '：' (U+FF1A) is a full-width colon after the key:"
        " type the ASCII ':' followed by a space instead",
    ),
    (
        "2026-10-04-indent",
        post_text(
            type_="event",
            extra="event:\n  start: 2026-10-30 10:00\n\u3000end: 2026-10-30 12:00\n  location: Hall\n",
        ),
        "10:1: error: YAML syntax: '\u3000' (U+3000) is a full-width space in the indentation:"
        " type the ASCII space instead",
    ),
    (
        "2026-10-05-indentfirst",
        post_text(type_="event", extra="event:\n\u3000start: 2026-10-30 10:00\n  location: Hall\n"),
        "9:1: error: YAML syntax: '\u3000' (U+3000) is a full-width space in the indentation:"
        " type the ASCII space instead",
    ),
    (
        "2026-10-06-afterspace",
        post_text().replace("summary: 摘要 summary", "summary:\u3000摘要 summary"),
        "5:9: error: YAML syntax: '\u3000' (U+3000) is a full-width space after the colon:"
        " type the ASCII space instead",
    ),
    (
        "2026-10-07-brackets",
        post_text(extra="tags: ［閱讀, 講座］\n"),
        "8:7: error: YAML syntax: '［' (U+FF3B) is a full-width bracket where the value starts:"
        " type the ASCII '[' instead",
    ),
    (
        "2026-10-08-quote",
        post_text(title="“講座: 閱讀”"),
        "2:8: error: YAML syntax: '“' (U+201C) is a curly quote where the value starts:"
        " type the ASCII '\"' instead",
    ),
]


@pytest.mark.parametrize("name,text,expected", SLIPS, ids=[n for n, _, _ in SLIPS])
def test_input_method_slips_name_the_line_and_the_character(
    lib: Lib, name: str, text: str, expected: str
) -> None:
    lib.post(name, text)
    found = [
        f"{p.line}:{p.column}: {p.severity.value}: {p.message}"
        for p in load_library(lib.root).problems
        if p.path == f"{P}{name}.md"
    ]
    assert found == [expected]


def test_full_width_text_inside_values_is_no_slip(lib: Lib) -> None:
    lib.post(
        "2026-10-09-fine",
        post_text(title="［公告］講座：閱讀「好書」", extra="tags: [閱讀：講座]\n").replace(
            "summary: 摘要 summary", "summary: |\n  \u3000\u3000段落：一 “引文”"
        ),
    )
    library = load_library(lib.root)
    assert [p.message for p in library.problems if p.is_error] == []
    assert [p.title for p in library.posts] == ["［公告］講座：閱讀「好書」"]
