"""``shelfpost survey import``: satisfaction surveys exported from Google Forms,
LimeSurvey or KoboToolbox. Only the count of each score (1-5) per month is kept;
e-mail, IP address, token, times finer than the day and free text are never read
into anything that is written. An export replaces the months it covers, so
importing the same (or a longer, later) export again gives the same counts.

A score that is empty or "N/A" is no answer (counted as skipped); a score off the
1-5 scale (a 6, "very") is left out and named by line, and the others are kept.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

from shelfpost.errors import ShelfpostError
from shelfpost.metrics import store
from shelfpost.metrics.config import Survey
from shelfpost.metrics.imports import decode

#: Where each tool writes the time of an answer (the first found is used).
TIME_COLUMNS = {
    "google-forms": ("Timestamp", "時間戳記"),
    "limesurvey": ("submitdate", "Date submitted", "datestamp", "Date last action", "提交日期"),
    "kobotoolbox": ("_submission_time", "end", "today"),
}
NO_ANSWER = {"", "n/a", "na", "-", "不適用", "無意見"}
SCORE = re.compile(r"^\s*A?([0-9]+)(?:\s*[-:.(（)）].*)?\s*$")
DATE = (
    re.compile(r"(?P<y>\d{4})[-/.](?P<m>\d{1,2})[-/.](?P<d>\d{1,2})"),
    re.compile(r"(?P<m>\d{1,2})/(?P<d>\d{1,2})/(?P<y>\d{4})"),
)


@dataclass
class SurveyImport:
    responses: int = 0
    skipped: int = 0  # no answer to the question (empty, N/A)
    refused: list[str] = field(default_factory=list)  # "line 7: 6 is not on the 1-5 scale"
    months: dict[str, dict[int, int]] = field(default_factory=dict)


def _month(text: str) -> str | None:
    for pattern in DATE:
        m = pattern.search(text)
        if m:
            year, month = int(m["y"]), int(m["m"])
            if 1 <= month <= 12:
                return f"{year}-{month:02d}"
    return None


def read_export(path: Path, survey: Survey) -> SurveyImport:
    text = decode(path.read_bytes())
    reader = csv.reader(io.StringIO(text), delimiter=survey.delimiter)
    header = [h.strip().strip('"') for h in next(reader, [])]
    if survey.question not in header:
        raise ShelfpostError(
            [],
            f"{path.name}: the question {survey.question!r} (plan/metrics.yml surveys.{survey.id}.question) "
            f"is not a column; it has: {', '.join(header[:12])}{' ...' if len(header) > 12 else ''}"
            f" (is the delimiter {survey.delimiter!r} right?)",
        )
    names = (survey.time_column,) if survey.time_column else TIME_COLUMNS[survey.tool]
    time_col = next((n for n in names if n in header), None)
    if time_col is None:
        raise ShelfpostError(
            [], f"{path.name}: no time column ({' or '.join(names)}): set surveys.{survey.id}.time_column"
        )
    q, t = header.index(survey.question), header.index(time_col)
    out = SurveyImport()
    for row in reader:
        line = reader.line_num
        if not any(c.strip() for c in row):
            continue
        answer = row[q].strip() if q < len(row) else ""
        if answer.casefold() in NO_ANSWER:
            out.skipped += 1
            continue
        m = SCORE.match(answer)
        if not m or not 1 <= int(m[1]) <= 5:
            out.refused.append(f"line {line}: {answer[:20]!r} is not on the 1-5 scale")
            continue
        month = _month(row[t] if t < len(row) else "")
        if month is None:
            out.refused.append(f"line {line}: the time {time_col} is not a date")
            continue
        out.responses += 1
        scores = out.months.setdefault(month, {})
        scores[int(m[1])] = scores.get(int(m[1]), 0) + 1
    return out


def import_survey(root: Path, path: Path, survey: Survey) -> SurveyImport:
    got = read_export(path, survey)
    counts = store.read_survey(root, survey.id)
    before = {k: dict(v) for k, v in counts.items()}
    counts.update(got.months)
    if counts != before or not store.survey_path(root, survey.id).is_file():
        store.write_survey(root, survey.id, counts)
    return got
