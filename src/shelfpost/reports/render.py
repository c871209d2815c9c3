"""Reports as Markdown (the GitHub issue), self-contained HTML and PDF (for printing and
mailing). Templates: the library's own ``templates/reports/`` first, then shelfpost's.
Rendering reads templates and the logo only, and never talks to the network.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Mapping
from pathlib import Path

import jinja2
import markdown
import markupsafe

from shelfpost.library.model import Library
from shelfpost.reports.documents import Report

PACKAGE_TEMPLATES = Path(__file__).resolve().parent.parent / "templates" / "reports"
LIBRARY_TEMPLATES = "templates/reports"
#: The logo in the HTML and PDF header: the library's own templates/reports/logo.png,
#: else the site's share card (the library's templates/site/share-card.png, else shelfpost's).
LOGOS = ("templates/reports/logo.png", "templates/site/share-card.png")
DEFAULT_LOGO = Path(__file__).resolve().parent.parent / "templates" / "site" / "share-card.png"


def cell(value: object) -> str:
    """A value safe inside a Markdown table cell."""
    return str(value).replace("|", "\\|").replace("\n", " ")


def environment(library: Library) -> jinja2.Environment:
    loaders: list[jinja2.BaseLoader] = []
    own = library.root / LIBRARY_TEMPLATES
    if own.is_dir():
        loaders.append(jinja2.FileSystemLoader(own))
    loaders.append(jinja2.FileSystemLoader(PACKAGE_TEMPLATES))
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader(loaders),
        autoescape=False,  # noqa: S701 - Markdown; the HTML shell escapes its values (see html())
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters["cell"] = cell
    return env


def to_markdown(library: Library, report: Report) -> str:
    """The report's Markdown, ending with its hidden marker (how a rerun finds its issue)."""
    text = environment(library).get_template(report.template).render(**report.context)
    while "\n\n\n" in text:
        text = text.replace("\n\n\n", "\n\n")
    return text.strip() + f"\n\n{report.marker}\n"


def _logo(library: Library) -> str | None:
    for path in (*(library.root / rel for rel in LOGOS), DEFAULT_LOGO):
        if path.is_file():
            return "data:image/png;base64," + base64.b64encode(path.read_bytes()).decode("ascii")
    return None


#: Where a chart goes: the Markdown's hidden marker, kept by Python-Markdown as an HTML comment.
CHART_MARKER = re.compile(r"<!-- shelfpost:chart=([a-z0-9-]+) -->")


def _figures(html: str, report: Report, pictures: Mapping[str, str] | str | None) -> str:
    """Each chart's marker becomes the chart (an SVG ``data:`` URI: nothing is loaded from
    elsewhere), its caption the title; its text alternative follows it in the page. Without
    pictures (no font, or not asked for) the page says that the chart was not drawn."""
    titles = {c.name: c.title for c in report.charts}

    def figure(match: re.Match[str]) -> str:
        name = match.group(1)
        title = markupsafe.escape(titles.get(name, name))
        if isinstance(pictures, Mapping) and name in pictures:
            return (
                f'<figure><img src="{pictures[name]}" width="800" height="450" '
                f'alt="{title}: the numbers follow in words and in a table"></figure>'
            )
        reason = pictures if isinstance(pictures, str) else "the report was written without its charts"
        return f"<p><em>The chart is not drawn: {markupsafe.escape(reason)}.</em></p>"

    return CHART_MARKER.sub(figure, html)


def to_html(
    library: Library,
    report: Report,
    markdown_text: str | None = None,
    pictures: Mapping[str, str] | str | None = None,
) -> str:
    """One self-contained page (styles and images inline) in the library's language.
    ``pictures`` are the drawn charts by name (:func:`shelfpost.reports.figures.pictures`),
    or the reason they could not be drawn."""
    assert library.config is not None
    text = markdown_text if markdown_text is not None else to_markdown(library, report)
    body = markdown.markdown(text, extensions=["tables", "sane_lists"], output_format="html")
    shell = environment(library)
    shell.autoescape = True
    return shell.get_template("page.html.j2").render(
        language=library.config.language,
        title=report.title,
        library=library.config.name,
        logo=_logo(library),
        body=markupsafe.Markup(_figures(body, report, pictures)),  # noqa: S704 - our own Markdown, rendered by Python-Markdown
        footer=f"{report.title}. Internal: made by shelfpost from the library's repository.",
    )


def to_pdf(html: str, base: Path) -> bytes:
    """The HTML printed by WeasyPrint (A4; the CJK font is Debian's Noto Sans CJK)."""
    import weasyprint

    pdf = weasyprint.HTML(string=html, base_url=str(base)).write_pdf()
    assert pdf is not None
    return bytes(pdf)
