"""The charts of a period, as ``shelfpost metrics chart`` draws them and the monthly and
quarterly reports show them: follower growth, engagement per week by type, the inbox's
reply rate by month, CSAT by quarter, for the three months ending with a month.

Building them draws nothing (:class:`shelfpost.metrics.charts.Chart` holds the words and
a painter), so the Markdown of a report words every chart with or without a font; the
HTML and PDF draw them (:func:`pictures`) when the CJK font is there.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from pathlib import Path

from shelfpost.errors import ShelfpostError
from shelfpost.library.dates import Month
from shelfpost.library.model import Library
from shelfpost.metrics import charts
from shelfpost.metrics.charts import Chart


def period_charts(library: Library, month: Month, now: datetime) -> list[Chart]:
    """The four charts of the three months ending with ``month``, as of ``now``."""
    from shelfpost.inbox.report import inbox_month
    from shelfpost.metrics.report import chart_data

    assert library.config is not None
    data = chart_data(library, str(month))
    rates = [inbox_month(library, Month.parse(m), now).total.reply_rate for m in data["months"]]
    names = {cid: c.name for cid, c in library.plan.channels.items()}
    types = library.config.types
    by_type = {(f"{types[t].label} {t}" if t in types else t): v for t, v in data["by_type"].items()}
    return [
        charts.followers(data["followers"], names),
        charts.engagement(data["weeks"], by_type),
        charts.reply_rate(data["months"], rates, library.plan.targets.reply_rate),
        charts.csat(data["quarters"], data["csat"]),
    ]


def pictures(drawn: Sequence[Chart], font_dirs: Iterable[Path]) -> Mapping[str, str] | str:
    """Each chart as a ``data:`` URI of its SVG (self-contained HTML, sharp in the PDF), or
    the reason none could be drawn (no CJK font), to be said in the report in words."""
    if not drawn:
        return {}
    try:
        charts.use_font(charts.find_font(font_dirs))
    except ShelfpostError as exc:
        return exc.summary
    return {
        c.name: "data:image/svg+xml;base64," + base64.b64encode(charts.draw(c)[0]).decode("ascii")
        for c in drawn
    }
