"""Reports as Markdown (the GitHub issue), self-contained HTML and PDF (for printing and
mailing). Templates: the library's own ``templates/reports/`` first, then shelfpost's.
Rendering reads templates and the logo only, and never talks to the network.
"""

from __future__ import annotations

import base64
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


def to_html(library: Library, report: Report, markdown_text: str | None = None) -> str:
    """One self-contained page (styles and images inline) in the library's language."""
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
        body=markupsafe.Markup(body),  # noqa: S704 - our own Markdown, rendered by Python-Markdown
        footer=f"{report.title}. Internal: made by shelfpost from the library's repository.",
    )


def to_pdf(html: str, base: Path) -> bytes:
    """The HTML printed by WeasyPrint (A4; the CJK font is Debian's Noto Sans CJK)."""
    import weasyprint

    pdf = weasyprint.HTML(string=html, base_url=str(base)).write_pdf()
    assert pdf is not None
    return bytes(pdf)
