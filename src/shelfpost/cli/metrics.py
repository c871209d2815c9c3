"""Analytics: metrics (the period's numbers), metrics sync, metrics import, metrics
chart, and survey import."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from shelfpost.cli.app import main
from shelfpost.cli.options import (
    channel_option,
    environment,
    file_cache,
    format_option,
    now_option,
    open_library,
    parse_now,
    record_reader,
    root_option,
    stage,
)
from shelfpost.errors import ShelfpostError
from shelfpost.library.loader import default_jobs
from shelfpost.library.model import Channel

if TYPE_CHECKING:
    from shelfpost.metrics.sync import Reader


def _secret(channel: Channel, env: Mapping[str, str], name: str) -> tuple[str, str]:
    from shelfpost.metrics.sync import SyncError

    var = channel.credentials.get(name)
    if not var:
        raise SyncError(
            "no credentials", f"plan/channels.yml names no environment variable for credentials.{name}"
        )
    value = env.get(var)
    if not value:
        raise SyncError("no credentials", f"the environment variable {var} is not set")
    return var, value


def _reader(channel: Channel, env: Mapping[str, str]) -> Reader:
    if channel.kind == "mastodon":
        from shelfpost.metrics.mastodon import MastodonCounts

        var, token = _secret(channel, env, "access_token")
        return MastodonCounts(channel.instance or "", token, token_name=var)
    if channel.kind in ("facebook", "instagram", "threads"):
        from shelfpost.metrics.meta import MetaCounts

        var, token = _secret(channel, env, "access_token")
        return MetaCounts(channel, token, var)
    from shelfpost.metrics.bluesky import BlueskyCounts

    id_var, identifier = _secret(channel, env, "identifier")
    pw_var, password = _secret(channel, env, "app_password")
    return BlueskyCounts(
        channel.service or "https://bsky.social", identifier, password, f"{id_var} and {pw_var}"
    )


@main.group(invoke_without_command=True)
@click.option(
    "--month",
    "month_text",
    metavar="YYYY-MM",
    default=None,
    help="The month to report (default: this month).",
)
@click.option("--week", "week_text", metavar="YYYY-Www", default=None, help="An ISO week instead of a month.")
@now_option()
@format_option(["text", "json"], "text for people, json for machines (the same data).")
@root_option
@click.pass_context
def metrics(
    ctx: click.Context,
    month_text: str | None,
    week_text: str | None,
    now_text: str | None,
    fmt: str,
    root: Path,
) -> None:
    """Follower growth per channel, engagement rate per post and channel, the best and
    worst posts, engagement by type, tag, weekday and hour, co-promoted posts against
    the rest, and satisfaction (CSAT with its sample size and 95% interval). Reach and
    impressions are shown only where a platform reports them (Meta imports)."""
    if ctx.invoked_subcommand is not None:
        return
    from shelfpost.metrics.report import Period, metrics_report

    library = open_library(root, cache=file_cache(root), jobs=default_jobs())
    now = parse_now(now_text, library)
    assert library.config is not None
    try:
        period = Period.parse(week_text or month_text, now, library.config.timezone, week=bool(week_text))
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--week" if week_text else "--month") from None
    with stage("computing the metrics"):
        report = metrics_report(library, period)
        from shelfpost.metrics.evidence import verdicts

        report["strategy"] = verdicts(library)
    if fmt == "json":
        click.echo(json.dumps(report, ensure_ascii=False, indent=2))
    else:
        metrics_screen(report)


@metrics.command("sync")
@now_option("Record the counters as of this moment (default: the clock).")
@channel_option
@root_option
def metrics_sync(now_text: str | None, only: str | None, root: Path) -> None:
    """Read each Mastodon and Bluesky account's followers, following and posts (one
    row per day in data/metrics/accounts/YYYY-MM.csv) and the counters of the posts
    the library published there in the last post_days days (plan/metrics.yml, default
    30): a row in data/metrics/posts/YYYY-MM.csv when a counter changed. Exit code 1
    when any channel failed; the others are still written."""
    from shelfpost.metrics.config import load_config
    from shelfpost.metrics.sync import Result, SyncError, sync_channel

    library = open_library(root, cache=file_cache(root), jobs=default_jobs())
    assert library.config is not None
    now = parse_now(now_text, library)
    config = load_config(root)
    env = environment()
    channels = [
        c
        for c in library.plan.channels.values()
        if c.kind in ("mastodon", "bluesky", "facebook", "instagram", "threads")
    ]
    if only:
        if only not in library.plan.channels:
            raise click.BadParameter(f"{only!r} is not in plan/channels.yml", param_hint="--channel")
        channels = [c for c in channels if c.id == only]
        if not channels:
            raise click.BadParameter(
                f"{only} has no API for counters: use `shelfpost metrics import FILE --channel {only}`",
                param_hint="--channel",
            )
    from shelfpost.cli.progress import progress_display
    from shelfpost.library.records import RECORDS_DIR

    # Every record once for all channels, through the per-file cache publish uses (a
    # 10,000-post library parsed 10,000 YAML files per channel).
    reader_of = record_reader(root)
    records = {p.stem: reader_of(p.stem) for p in sorted((root / RECORDS_DIR).glob("*.yml"))}
    reader_of.save()
    failed = False
    with progress_display(env) as progress:
        for channel in sorted(channels, key=lambda c: c.id):
            with stage(f"syncing the metrics of {channel.id}"):
                try:
                    reader = _reader(channel, env)
                    result = sync_channel(
                        library,
                        channel.id,
                        reader,
                        now,
                        library.config.timezone,
                        config.post_days,
                        older=config.older_posts,
                        records=records,
                        progress=progress,
                    )
                except SyncError as exc:
                    result = Result(channel.id, error=exc.category, hint=exc.hint)
            if result.error:
                failed = True
                kept = f" ({result.changed} post(s) changed so far, kept)" if result.changed else ""
                click.secho(
                    f"{channel.id}: not synced: {result.error}: {result.hint}{kept}", fg="red", err=True
                )
                continue
            extra = "".join(
                f", {n} {what}"
                for n, what in (
                    (result.deleted, "deleted"),
                    (result.decreased, "with a counter that went down"),
                    (result.rotated, "read in the rotation of older posts"),
                )
                if n
            )
            click.echo(
                f"{channel.id}: {result.followers} followers; {result.changed} post(s) changed, "
                f"{result.unchanged} unchanged{extra}"
            )
    if failed:
        raise ShelfpostError([], "some channels were not synced")


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:.1f}%"


def metrics_screen(report: dict[str, Any]) -> None:
    """The report as text: a few lines per section, numbers only."""
    click.secho(f"Metrics {report['period']} ({report['start']} to {report['end']})", bold=True)
    if not report["total"]["posts"] and not any(c["followers_end"] for c in report["channels"].values()):
        click.echo("  no metrics for this period yet (shelfpost metrics sync / metrics import)")
    for cid, ch in report["channels"].items():
        growth = "-" if ch["growth"] is None else f"{ch['growth']:+d} ({_pct(ch['growth_rate'])})"
        click.echo(
            f"  {cid:<12} followers {ch['followers_start'] or '-'} -> {ch['followers_end'] or '-'}  growth {growth}  "
            f"posts {ch['posts']}  interactions {ch['interactions']}  engagement {_pct(ch['engagement_rate'])} "
            f"(of {ch['basis']})  reach {ch['reach']}"
        )
    for title, key in (("Best posts", "best"), ("Worst posts", "worst")):
        if report[key]:
            click.secho(title, bold=True)
            for p in report[key]:
                click.echo(f"  {_pct(p['engagement_rate']):>7}  {p['channel']:<10} {p['post']}")
    for title, key in (("By type", "by_type"), ("By weekday", "by_weekday"), ("By hour", "by_hour")):
        if report[key]:
            click.secho(title, bold=True)
            click.echo(
                "  "
                + "  ".join(
                    f"{k}: {_pct(v['engagement_rate'])} ({v['posts']})" for k, v in report[key].items()
                )
            )
    co = report["co_promoted"]
    click.echo(
        f"Co-promoted with a partner: {_pct(co['with_partner']['engagement_rate'])} "
        f"({co['with_partner']['posts']} posts); the rest: {_pct(co['rest']['engagement_rate'])} ({co['rest']['posts']})"
    )
    for survey, s in report["csat"].items():
        line = (
            f"CSAT {survey}: {_pct(s['csat'])} (n={s['responses']}, 95% {_pct(s['low'])}-{_pct(s['high'])})"
        )
        q = s["quarter"]
        line += f"; {q['period']}: {_pct(q['csat'])} (n={q['responses']})"
        cmp = s.get("against_baseline")
        if cmp and cmp["change"] is not None:
            noise = ", within the noise" if cmp["within_noise"] else ""
            line += f"; vs {s['baseline']['period']}: {cmp['change'] * 100:+.1f} points (target +{cmp['target'] * 100:.0f}){noise}"
        click.echo(line)
    for v in report.get("strategy", []):
        before, after = v["before"], v["after"]
        click.echo(
            f"Strategy change {v['date']}: {v['metric']}{' of ' + v['channel'] if v['channel'] else ''} "
            f"{before['period']} {_num(before['value'])} -> {after['period']} {_num(after['value'])} ({v['verdict']})"
        )


def _num(value: float | None) -> str:
    return "no data yet" if value is None else f"{value:g}"


@metrics.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--channel", "channel_id", required=True, metavar="ID", help="The channel (plan/channels.yml) it is of."
)
@now_option("Record the counters as of this moment (default: the clock).")
@root_option
def metrics_import(file: Path, channel_id: str, now_text: str | None, root: Path) -> None:
    """Import FILE, an export of a platform without an open API: a Meta Business
    Suite post export (Facebook, Instagram; English or Traditional Chinese headers),
    Meta's daily page export (UTF-16, sep=,: followers per day), or any export the
    channel maps in plan/channels.yml (metrics_columns). Only numbers are kept;
    importing the same file again changes nothing."""
    from shelfpost.metrics.imports import import_file

    library = open_library(root, cache=file_cache(root), jobs=default_jobs())
    now = parse_now(now_text, library)
    channel = library.plan.channels.get(channel_id)
    if channel is None:
        raise click.BadParameter(f"{channel_id!r} is not in plan/channels.yml", param_hint="--channel")
    from shelfpost.cli.progress import progress_display

    with stage(f"importing {file.name}"), progress_display(environment()) as progress:
        got = import_file(library, file, channel, now, progress=progress)
    if got.kind == "followers":
        click.echo(
            f"{channel_id}: {got.rows} day(s) of followers; {got.changed} changed, {got.unchanged} unchanged"
        )
    else:
        click.echo(
            f"{channel_id}: {got.rows} post(s), {got.matched} matched to the library's posts; "
            f"{got.changed} changed, {got.unchanged} unchanged"
        )


@main.group()
def survey() -> None:
    """Satisfaction surveys (plan/metrics.yml surveys): only score counts are kept."""


@survey.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--survey", "survey_id", required=True, metavar="ID", help="The survey (plan/metrics.yml surveys)."
)
@root_option
def survey_import(file: Path, survey_id: str, root: Path) -> None:
    """Import FILE, a Google Forms, LimeSurvey or KoboToolbox export: the count of each
    score (1-5) per month goes to data/metrics/surveys/ID.csv; e-mail, IP, token,
    free text and times finer than the day are never written. An export replaces
    the months it covers, so importing it again changes nothing."""
    from shelfpost.metrics.config import load_config
    from shelfpost.metrics.surveys import import_survey

    config = load_config(root)
    survey_cfg = config.surveys.get(survey_id)
    if survey_cfg is None:
        known = ", ".join(sorted(config.surveys)) or "none"
        raise click.BadParameter(
            f"{survey_id!r} is not in plan/metrics.yml surveys (known: {known})", param_hint="--survey"
        )
    with stage(f"importing {file.name}"):
        got = import_survey(root, file, survey_cfg)
    months = ", ".join(f"{m}: {sum(c.values())}" for m, c in sorted(got.months.items()))
    click.echo(
        f"{survey_id}: {got.responses} answer(s) ({months or 'none'}); {got.skipped} without an answer"
    )
    for refused in got.refused:
        click.secho(f"{file.name}: {refused}: left out", fg="yellow", err=True)


def font_dirs(env: Mapping[str, str]) -> list[Path]:
    """Where the CJK font may be: $SHELFPOST_FONT_DIR, the cache `make fonts` fills, Debian's folder."""
    cache = (
        Path(env.get("XDG_CACHE_HOME") or Path(env.get("HOME", "~")) / ".cache").expanduser()
        / "shelfpost/fonts"
    )
    dirs = [Path(env["SHELFPOST_FONT_DIR"])] if env.get("SHELFPOST_FONT_DIR") else []
    return [*dirs, cache, Path("/usr/share/fonts/opentype/noto")]


@metrics.command("chart")
@click.option(
    "--month",
    "month_text",
    metavar="YYYY-MM",
    default=None,
    help="The last month shown (default: this month).",
)
@click.option(
    "--out",
    "out",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="The folder to write to.",
)
@now_option()
@root_option
def metrics_chart(month_text: str | None, out: Path, now_text: str | None, root: Path) -> None:
    """Draw the charts of the three months ending with --month: follower growth,
    engagement per week by type, reply rate by month (the inbox), CSAT by quarter.
    Each as SVG (text as paths) and PNG, with a text alternative (NAME.md)."""
    from shelfpost.library.dates import Month
    from shelfpost.metrics import charts
    from shelfpost.metrics.report import Period
    from shelfpost.reports.figures import period_charts

    library = open_library(root)
    assert library.config is not None
    now = parse_now(now_text, library)
    try:
        month = Period.parse(month_text, now, library.config.timezone).label
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--month") from None
    font = charts.find_font(font_dirs(environment()))
    with stage("drawing the charts"):
        charts.use_font(font)
        out.mkdir(parents=True, exist_ok=True)
        written = [
            path
            for chart in period_charts(library, Month.parse(month), now)
            for path in charts.save(chart, out)
        ]
    for path in written:
        click.echo(str(path))
