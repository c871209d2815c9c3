"""When the last successful publish run happened, and whether that is too long ago.

GitHub delays scheduled runs (by hours at busy times) and switches schedules off in
public repositories after 60 days without activity. A run that succeeds writes
``data/runs/last-publish.yml`` (:func:`record_publish_run`, committed with the other
records); ``shelfpost status`` warns through :func:`last_publish_warning` when that
time is older than the schedule allows.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import yaml

from shelfpost.library.atomic import write_atomically

LAST_PUBLISH = "data/runs/last-publish.yml"


def record_publish_run(root: Path, now: datetime, run: str | None = None) -> Path:
    """Write the time of a successful publish run (atomically)."""
    path = root / LAST_PUBLISH
    path.parent.mkdir(parents=True, exist_ok=True)
    data: dict[str, str] = {"at": now.astimezone(UTC).isoformat(timespec="seconds")}
    if run:
        data["run"] = run
    text = "# Written by the publish run: do not edit by hand.\n" + yaml.safe_dump(data, sort_keys=False)
    return write_atomically(path, text)


def last_publish(root: Path) -> datetime | None:
    """The recorded time, or ``None`` when there is no (readable) record."""
    path = root / LAST_PUBLISH
    if not path.is_file():
        return None
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        at = data["at"] if isinstance(data, dict) else None
        when = at if isinstance(at, datetime) else datetime.fromisoformat(str(at))
    except (yaml.YAMLError, KeyError, TypeError, ValueError):
        return None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def last_publish_warning(root: Path, now: datetime, expected_minutes: float = 15) -> str | None:
    """A warning when the last successful publish run is older than expected, else ``None``.

    "Expected" allows one missed run and an hour of GitHub's usual delay
    (``2 * expected_minutes + 60``). No record at all gives ``None``: a library that
    never published has nothing to be late with.
    """
    when = last_publish(root)
    if when is None:
        return None
    age = now - when
    if age <= timedelta(minutes=2 * expected_minutes + 60):
        return None
    hours = age.total_seconds() / 3600
    ago = f"{hours:.0f} hours" if hours >= 2 else f"{age.total_seconds() / 60:.0f} minutes"
    return (
        f"the last successful publish run was {ago} ago ({when:%Y-%m-%d %H:%M} UTC); runs are "
        f"expected every {expected_minutes:g} minutes: look at the publish workflow in the Actions "
        "tab (GitHub delays scheduled runs and turns schedules off after 60 days without activity; "
        "run it by hand to catch up)"
    )
