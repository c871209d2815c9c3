"""``shelfpost init``: a new library repository from ``templates/init/``.

The templates are the one source of a new library: ``init`` writes them, and the
template repository layout (``make template``) is generated from them too. Files
ending in ``.j2`` are rendered with the answers; the others are copied. ``dot-``
at the start of a path part stands for ``.`` (package data drops dot-files).
Pure but for :func:`write_library`, which writes the files into an empty folder.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date, time, timedelta
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, available_timezones

from jinja2 import Environment, StrictUndefined

from shelfpost.adopt.pin import TOOL_SOURCE, pin_line, source_problem, tool_home
from shelfpost.errors import ShelfpostError
from shelfpost.library.codeowners import CODEOWNERS_PATH, codeowners_text
from shelfpost.library.crons import daily_cron, offsets, report_crons
from shelfpost.library.fileschemas import LANG_RE
from shelfpost.library.model import Member
from shelfpost.library.schema import did_you_mean
from shelfpost.version import __version__

TEMPLATES = Path(__file__).resolve().parent.parent / "templates" / "init"
EXAMPLES = "examples"  # one example post per type, placed under content/posts/YYYY/
#: When the metrics workflow syncs each day, in the library's time (before the working day).
METRICS_AT = time(6, 23)

#: Languages Material for MkDocs' search can segment (lunr-languages, plus jieba for zh).
SEARCH_LANGUAGES = frozenset(
    {"ar", "da", "de", "du", "en", "es", "fi", "fr", "hi", "hu", "hy", "it", "ja", "kn"}
    | {"ko", "nl", "no", "pt", "ro", "ru", "sa", "sv", "ta", "te", "th", "tr", "vi", "zh"}
)

#: The plan's five risks (plan.md, "Risk register"), each with its response.
RISKS = (
    {
        "id": "platform-policy",
        "title": "平台政策變動 Platform policy changes",
        "impact": "high",
        "likelihood": "medium",
        "response": "每月檢視各平台政策公告；網站與 RSS 為主要發布管道，社群平台可隨時替換；保留應變計畫。",
        "review_every_days": 30,
    },
    {
        "id": "content-quality",
        "title": "內容品質不符標準 Content quality below standard",
        "impact": "medium",
        "likelihood": "medium",
        "response": "每篇貼文經拉取請求審閱（作者以外的審閱者核准）；每季辦理寫作培訓。",
        "review_every_days": 30,
    },
    {
        "id": "slow-replies",
        "title": "回覆用戶速度慢 Slow replies to users",
        "impact": "medium",
        "likelihood": "high",
        "response": "訂定回覆準則；平日每天兩次檢查留言與私訊；兩個工作天內回覆。",
        "review_every_days": 14,
    },
    {
        "id": "partner-communication",
        "title": "與合作夥伴溝通不良 Poor communication with partners",
        "impact": "medium",
        "likelihood": "low",
        "response": "每月與每個合作夥伴聯繫一次；合作期間以會議與電子郵件定期溝通。",
        "review_every_days": 30,
    },
    {
        "id": "budget-overrun",
        "title": "預算超支 Budget overrun",
        "impact": "high",
        "likelihood": "medium",
        "response": "每月核對支出與預算；超過進度的項目需組長同意才能再支出。",
        "review_every_days": 30,
    },
)

GITHUB_NAME_RE = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$")


@dataclass(frozen=True)
class Answers:
    """What ``init`` asks; :func:`validate` turns bad answers into one clear error."""

    name: str = "Our Library 我們的圖書館"
    site_url: str = "https://library.example.org/"
    language: str = "zh-TW"
    timezone: str = "Asia/Taipei"
    lead_name: str = "Social-media lead"
    lead_github: str = "your-github-name"
    tool_source: str = TOOL_SOURCE
    warnings: tuple[str, ...] = field(default=(), compare=False)


def validate(answers: Answers) -> Answers:
    """The answers, normalised, with warnings; a ShelfpostError for each bad one."""
    problems: list[str] = []
    warnings: list[str] = []
    name = answers.name.strip()
    if not name:
        problems.append("--name: the library's name is empty")
    url = answers.site_url.strip()
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.netloc:
        problems.append(
            f"--url: {url!r} is not a full address; give the scheme and the host, "
            f"e.g. https://{url.split('://')[-1].strip('/') or 'library.example.org'}/"
        )
    elif not url.endswith("/"):
        url += "/"
    language = answers.language.strip()
    if not LANG_RE.match(language):
        problems.append(f"--language: {language!r} is not a language tag such as zh-TW or en")
    elif language.split("-")[0].lower() not in SEARCH_LANGUAGES:
        warnings.append(
            f"the site's search cannot segment {language!r}: it falls back to English "
            "word rules, so words of that language may not be found"
        )
    tz = answers.timezone.strip()
    try:
        ZoneInfo(tz)
    except Exception:  # ZoneInfoNotFoundError, ValueError for odd keys
        problems.append(
            f"--timezone: {tz!r} is not a time zone{did_you_mean(tz, available_timezones())} "
            "(an IANA name such as Asia/Taipei)"
        )
    lead_github = answers.lead_github.strip().lstrip("@")
    if not GITHUB_NAME_RE.match(lead_github):
        problems.append(f"--lead-github: {lead_github!r} is not a GitHub user name")
    source = answers.tool_source.strip()
    problem = source_problem(source)
    if problem:
        problems.append(f"--tool-source: {problem}")
    if problems:
        raise ShelfpostError(summary="init: " + "; ".join(problems), exit_code=2)
    return Answers(
        name=name,
        site_url=url,
        language=language,
        timezone=tz,
        lead_name=answers.lead_name.strip() or "Social-media lead",
        lead_github=lead_github,
        tool_source=source,
        warnings=tuple(warnings),
    )


def member_id(github: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", github.lower()).strip("-") or "lead"


def _target(rel: str) -> str:
    parts = [("." + p[4:]) if p.startswith("dot-") else p for p in rel.split("/")]
    out = "/".join(parts)
    return out[:-3] if out.endswith(".j2") else out


def yaml_string(value: object) -> str:
    """A YAML double-quoted scalar that keeps Chinese readable (tojson would write \\uXXXX):
    JSON's escapes are YAML's, and every character that is not printable is escaped."""
    text = json.dumps(str(value), ensure_ascii=False)
    return "".join(c if c.isprintable() or c.isascii() else f"\\u{ord(c):04x}" for c in text)


def render_library(answers: Answers, today: date) -> dict[str, str]:
    """Every file of the new library (path relative to its root -> text)."""
    env = Environment(undefined=StrictUndefined, keep_trailing_newline=True, autoescape=False)  # noqa: S701  (YAML and Markdown, not HTML)
    env.filters["yaml"] = yaml_string
    lead_id = member_id(answers.lead_github)
    first = today + timedelta(days=7)
    zone = ZoneInfo(answers.timezone)
    crons = report_crons(zone)
    metrics_cron, metrics_offset = daily_cron(zone, METRICS_AT)
    if len(offsets(zone)) > 1:
        metrics_offset += "; an hour later in summer time"
    values = {
        "name": answers.name,
        "site_url": answers.site_url,
        "language": answers.language,
        "timezone": answers.timezone,
        "lead_id": lead_id,
        "lead_name": answers.lead_name,
        "lead_github": answers.lead_github,
        "risks": RISKS,
        "start": today.isoformat(),
        "end": (today.replace(year=today.year + 1) - timedelta(days=1)).isoformat()
        if not (today.month == 2 and today.day == 29)
        else (today + timedelta(days=364)).isoformat(),
        "pin": pin_line(__version__, answers.tool_source),
        "tool_home": tool_home(answers.tool_source),
        "version": __version__,
        "report_crons": crons,
        "weekly": [line for name, line in crons if name == "weekly"],
        "month_end": [line for name, line in crons if name == "month-end"],
        "metrics_cron": metrics_cron,
        "metrics_offset": metrics_offset,
    }
    files: dict[str, str] = {}
    for path in sorted(TEMPLATES.rglob("*")):
        if not path.is_file() or "__pycache__" in path.parts:
            continue
        rel = path.relative_to(TEMPLATES).as_posix()
        text = path.read_text(encoding="utf-8")
        if rel.startswith(EXAMPLES + "/"):
            continue
        files[_target(rel)] = env.from_string(text).render(values) if rel.endswith(".j2") else text
    for offset, kind in enumerate(("news", "resource", "event")):
        day = first + timedelta(days=offset * 2)
        text = (TEMPLATES / EXAMPLES / f"{kind}.md.j2").read_text(encoding="utf-8")
        files[f"content/posts/{day.year}/{day.isoformat()}-example-{kind}.md"] = env.from_string(text).render(
            values,
            publish_at=f"{day.isoformat()} 10:00",
            event_start=f"{(day + timedelta(days=14)).isoformat()} 14:00",
            event_end=f"{(day + timedelta(days=14)).isoformat()} 16:00",
        )
    team = {lead_id: Member(lead_id, answers.lead_name, answers.lead_github, ("lead", "editor", "reviewer"))}
    files[CODEOWNERS_PATH] = codeowners_text(team)
    return files


def ensure_empty(root: Path) -> None:
    """Refuse a folder that exists and is not empty (before asking anything)."""
    if root.exists():
        if not root.is_dir():
            raise ShelfpostError(
                summary=f"init: {root} is a file, not a folder; pick a new folder", exit_code=2
            )
        if any(root.iterdir()):
            raise ShelfpostError(
                summary=f"init: {root} is not empty; nothing was written. Give a new or empty folder",
                exit_code=2,
            )


def write_library(root: Path, files: dict[str, str]) -> None:
    """Write into ``root``, which must be missing or empty: nothing is touched otherwise."""
    ensure_empty(root)
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
