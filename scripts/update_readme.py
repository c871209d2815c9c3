"""Regenerate the generated parts of README.md (the schema tables, the "new post" links).

Run by `make docs`; tests/test_docs.py fails when README.md is out of date.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from shelfpost.library.fileschemas import schema_markdown
from shelfpost.library.loader import load_library
from shelfpost.library.scaffold import render_readme

README = Path(__file__).resolve().parents[1] / "README.md"
MARKERS = re.compile(r"(<!-- schema:start -->\n).*?(<!-- schema:end -->)", re.DOTALL)


def render(text: str) -> str:
    text = MARKERS.sub(lambda m: m.group(1) + schema_markdown() + m.group(2), text)
    return render_readme(text, load_library(README.parent))


if __name__ == "__main__":
    old = README.read_text(encoding="utf-8")
    new = render(old)
    README.write_text(new, encoding="utf-8")
    sys.stdout.write("README.md updated\n" if new != old else "README.md already current\n")
