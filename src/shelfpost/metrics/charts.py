"""The charts of ``shelfpost metrics chart``: follower growth, engagement per week by
type, reply rate by month, CSAT by quarter.

Each chart is written as SVG with every glyph drawn as a path (``svg.fonttype:
path``: Chinese shows on any machine, with or without the font) and as PNG (for
issues), with a text alternative: a sentence and a small table with the numbers
(``<name>.md``). Colours differ in lightness as well as hue, and each series also
has its own marker, line style or hatch, so a grey-scale print still tells them
apart. The CJK font is Debian's Noto Sans CJK (fonts-noto-cjk, Traditional Chinese
face), found in the folders the caller passes; without it the chart is refused
rather than drawn with tofu boxes.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from shelfpost.errors import ShelfpostError
from shelfpost.library.atomic import write_atomically

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure


def _plt() -> Any:
    """matplotlib's pyplot, imported on the first drawing (a second of start-up a report's
    Markdown, which only words the charts, does not pay)."""
    import matplotlib

    matplotlib.use("Agg")  # no screen: render to files only
    from matplotlib import pyplot

    return pyplot


FONT_FILES = ("NotoSansCJK-Regular.ttc", "NotoSansCJKtc-Regular.otf", "NotoSansTC-Regular.otf")
FAMILY = "Noto Sans CJK TC"
#: Dark, middle, light and very dark: apart in grey as well as in hue (luminance 0.05, 0.44, 0.69, 0.21).
COLOURS = ("#1f3b73", "#f0a04b", "#c6dbef", "#7f7f7f")
MARKERS = ("o", "s", "^", "D")
LINES = ("-", "--", ":", "-.")
HATCHES = ("", "//", "..", "xx")


def luminance(colour: str) -> float:
    """Relative luminance (WCAG) of ``#rrggbb``: what a grey-scale print keeps."""
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    lin = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def find_font(folders: Iterable[Path]) -> Path:
    for folder in folders:
        for name in FONT_FILES:
            path = folder / name
            if path.is_file():
                return path
    raise ShelfpostError(
        [],
        "no CJK font found (Noto Sans CJK, Debian's fonts-noto-cjk): run `make fonts`, or set "
        "SHELFPOST_FONT_DIR to a folder holding NotoSansCJK-Regular.ttc; no chart was drawn",
    )


def missing_glyphs(font: Path, text: str, face: int = 0) -> list[str]:
    """The characters of ``text`` the font has no glyph for (they would be tofu)."""
    from matplotlib.ft2font import FT2Font

    ft = FT2Font(str(font), face_index=face)
    return sorted({ch for ch in text if not ch.isspace() and ft.get_char_index(ord(ch)) == 0})


def use_font(font: Path) -> str:
    plt = _plt()
    from matplotlib import font_manager

    font_manager.fontManager.addfont(str(font))
    names = {e.name for e in font_manager.fontManager.ttflist if Path(e.fname) == font}
    family = FAMILY if FAMILY in names else sorted(names)[0]
    plt.rcParams.update(
        {
            "font.family": "sans-serif",
            "font.sans-serif": [family, "DejaVu Sans"],
            "svg.fonttype": "path",  # glyphs as paths, not <text> (fonttype none needs the font to view)
            "svg.hashsalt": "shelfpost",  # the same chart, the same bytes
            "axes.unicode_minus": False,
        }
    )
    return family


@dataclass(frozen=True)
class Chart:
    """One chart: its words (title, a sentence with the numbers, a small table: the text
    alternative) and ``paint``, which draws it (only called by :func:`draw`, after
    :func:`use_font`). Building a chart draws nothing, so a report can word it without a font."""

    name: str
    title: str
    alt: str  # one sentence with the numbers
    table: list[list[str]]  # header first: the text alternative
    paint: Callable[[], Figure] = field(repr=False, compare=False)

    def text_alternative(self) -> str:
        """The sentence and the table, as Markdown."""
        head, *rows = self.table
        return "\n".join(
            [
                self.alt,
                "",
                "| " + " | ".join(head) + " |",
                "|" + "---|" * len(head),
                *("| " + " | ".join(r) + " |" for r in rows),
            ]
        )


def draw(chart: Chart) -> tuple[bytes, bytes]:
    """The chart as SVG (glyphs as paths, the same bytes for the same chart) and PNG."""
    fig = chart.paint()
    svg, png = io.BytesIO(), io.BytesIO()
    fig.savefig(svg, format="svg", metadata={"Date": None, "Creator": None})
    fig.savefig(png, format="png", dpi=150, metadata={"Software": None})
    _plt().close(fig)
    return svg.getvalue(), png.getvalue()


def save(chart: Chart, out: Path) -> list[Path]:
    """``<name>.svg``, ``<name>.png`` and the text alternative ``<name>.md`` in ``out``."""
    svg, png = draw(chart)
    paths = [out / f"{chart.name}.svg", out / f"{chart.name}.png", out / f"{chart.name}.md"]
    write_atomically(paths[0], svg.decode("utf-8"))
    write_atomically(paths[1], png)
    write_atomically(paths[2], f"# {chart.title}\n\n{chart.text_alternative()}\n")
    return paths


def _pct(v: float | None) -> str:
    return "-" if v is None else f"{v * 100:.1f}%"


def _figure(title: str) -> tuple[Figure, Axes]:
    fig, ax = _plt().subplots(figsize=(8, 4.5), layout="constrained")
    ax.set_title(title)
    ax.grid(axis="y", color="#cccccc", linewidth=0.6)
    ax.spines[["top", "right"]].set_visible(False)
    return fig, ax


def followers(series: Mapping[str, Sequence[tuple[str, int]]], names: Mapping[str, str]) -> Chart:
    """Followers per channel by day: ``series[channel] = [(YYYY-MM-DD, followers)]``."""
    drawn = [(cid, points) for cid, points in sorted(series.items()) if points]
    rows = [["頻道 Channel", "首日 First", "末日 Last", "增減 Change"]]
    for cid, points in drawn:
        rows.append(
            [
                names.get(cid, cid),
                f"{points[0][0]}: {points[0][1]}",
                f"{points[-1][0]}: {points[-1][1]}",
                f"{points[-1][1] - points[0][1]:+d}",
            ]
        )

    def paint() -> Figure:
        fig, ax = _figure("追蹤人數 Followers")
        for i, (cid, points) in enumerate(sorted(series.items())):
            if not points:
                continue
            days, values = [p[0] for p in points], [p[1] for p in points]
            k = i % len(COLOURS)
            ax.plot(
                days,
                values,
                color=COLOURS[k],
                linestyle=LINES[k],
                marker=MARKERS[k],
                markevery=max(1, len(days) // 8),
                label=names.get(cid, cid),
            )
        ax.set_xlabel("日期 Date")
        ax.set_ylabel("追蹤人數 Followers")
        ticks = sorted({p[0] for pts in series.values() for p in pts})
        ax.set_xticks(ticks[:: max(1, len(ticks) // 6)])
        ax.legend(frameon=False)
        return fig

    alt = (
        "Followers per channel: "
        + "; ".join(f"{r[0]} from {r[1]} to {r[2]} ({r[3]})" for r in rows[1:])
        + "."
        if drawn
        else "Followers per channel: no follower counts recorded for these months."
    )
    return Chart("followers", "追蹤人數 Followers", alt, rows, paint)


def _bar_rows(groups: Sequence[str], series: Mapping[str, Sequence[float | None]]) -> list[list[str]]:
    return [["", *groups], *([label, *(_pct(v) for v in values)] for label, values in series.items())]


def _bars(
    title: str,
    ylabel: str,
    groups: Sequence[str],
    series: Mapping[str, Sequence[float | None]],
    errors: Mapping[str, Sequence[tuple[float, float] | None]] | None = None,
) -> tuple[Figure, Axes]:
    fig, ax = _figure(title)
    width = 0.8 / max(1, len(series))
    for i, (label, values) in enumerate(series.items()):
        k = i % len(COLOURS)
        xs = [g + (i - (len(series) - 1) / 2) * width for g in range(len(groups))]
        heights = [v or 0 for v in values]
        yerr = None
        if errors and errors.get(label):
            e = errors[label]
            yerr = [
                [
                    (h - lo) * 100 if b else 0
                    for h, b, (lo, _) in zip(heights, e, [x or (0, 0) for x in e], strict=True)
                ],
                [
                    (hi - h) * 100 if b else 0
                    for h, b, (_, hi) in zip(heights, e, [x or (0, 0) for x in e], strict=True)
                ],
            ]
        ax.bar(
            xs,
            [h * 100 for h in heights],
            width,
            color=COLOURS[k],
            hatch=HATCHES[k],
            edgecolor="#222222",
            linewidth=0.6,
            label=label,
            yerr=yerr,
            capsize=3,
        )
    ax.set_xticks(range(len(groups)), groups)
    ax.set_ylabel(ylabel)
    if len(series) > 1:
        ax.legend(frameon=False)
    return fig, ax


def engagement(weeks: Sequence[str], by_type: Mapping[str, Sequence[float | None]]) -> Chart:
    """Engagement rate per ISO week, one bar per post type. The table has a row per week
    (it fits a printed page and reads row by row); a dash is a week without such a post."""
    rows = [
        ["週 Week", *by_type],
        *([w, *(_pct(values[i]) for values in by_type.values())] for i, w in enumerate(weeks)),
    ]
    peaks = [
        (v, label, weeks[i])
        for label, values in by_type.items()
        for i, v in enumerate(values)
        if v is not None
    ]
    if peaks:
        top = max(peaks, key=lambda p: p[0])
        means = "; ".join(
            f"{label} {_pct(sum(x for x in values if x is not None) / len([x for x in values if x is not None]))}"
            for label, values in by_type.items()
            if any(x is not None for x in values)
        )
        alt = (
            f"Engagement rate by week and post type, {weeks[0]} to {weeks[-1]}: the weekly average by type is "
            f"{means}; the highest is {top[1]} in {top[2]} at {_pct(top[0])}. The table gives every week "
            "(a dash: no post of that type that week)."
        )
    else:
        alt = "Engagement rate by week and post type: no post numbers recorded for these weeks."

    def paint() -> Figure:
        return _bars(
            "每週互動率（依類型）Engagement by week and type",
            "互動率 Engagement rate (%)",
            [w.replace("-W", "\nW") for w in weeks],
            by_type,
        )[0]

    return Chart("engagement", "每週互動率 Engagement by week and type", alt, rows, paint)


def reply_rate(months: Sequence[str], rates: Sequence[float | None], target: float) -> Chart:
    """The inbox's reply rate by month against the target; a month without records says so."""
    rows = _bar_rows(months, {"回覆率 Reply rate": rates})
    rows[0][0] = "月 Month"
    alt = (
        "Reply rate by month: "
        + ", ".join(
            f"{m} {_pct(r) if r is not None else 'no data'}" for m, r in zip(months, rates, strict=True)
        )
        + f"; the target is {target * 100:.0f}%."
    )

    def paint() -> Figure:
        fig, ax = _bars(
            "每月回覆率 Reply rate by month", "回覆率 Reply rate (%)", months, {"回覆率 Reply rate": rates}
        )
        for i, rate in enumerate(rates):
            if rate is None:  # said, not drawn as a zero
                ax.text(i, 2, "無資料\nno data", ha="center", va="bottom", color="#333333")
        ax.axhline(target * 100, color="#000000", linestyle="--", linewidth=1)
        ax.text(len(months) - 0.5, target * 100, f"目標 target {target * 100:.0f}%", ha="right", va="bottom")
        return fig

    return Chart("reply-rate", "每月回覆率 Reply rate by month", alt, rows, paint)


def csat(
    quarters: Sequence[str], values: Sequence[tuple[float | None, int, tuple[float, float] | None]]
) -> Chart:
    """CSAT by quarter with the 95% Wilson interval as error bars and n under each bar."""
    labels = [f"{q}\n(n={n})" for q, (_, n, _) in zip(quarters, values, strict=True)]
    rows = _bar_rows(labels, {"CSAT": [v[0] for v in values]})
    rows[0] = ["季 Quarter", *quarters]
    rows.append(["n", *(str(v[1]) for v in values)])
    rows.append(["95%", *((f"{_pct(v[2][0])}-{_pct(v[2][1])}" if v[2] else "-") for v in values)])
    alt = (
        "CSAT (share of 4 and 5) by quarter: "
        + "; ".join(
            f"{q} {_pct(v[0])} of {v[1]} answers (95% interval {_pct(v[2][0]) if v[2] else '-'} to {_pct(v[2][1]) if v[2] else '-'})"
            for q, v in zip(quarters, values, strict=True)
        )
        + "."
    )

    def paint() -> Figure:
        return _bars(
            "滿意度（每季）CSAT by quarter",
            "滿意（4-5 分）Satisfied (%)",
            labels,
            {"CSAT": [v[0] for v in values]},
            {"CSAT": [v[2] for v in values]},
        )[0]

    return Chart("csat", "滿意度 CSAT by quarter", alt, rows, paint)
