"""``plan/metrics.yml``: how far back sync reads posts, and the satisfaction surveys."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from shelfpost.errors import ShelfpostError
from shelfpost.library.fileschemas import MetricsFile
from shelfpost.library.loader import read_yaml
from shelfpost.library.schema import Context, Reporter, Validated

FILE = "plan/metrics.yml"


@dataclass(frozen=True)
class Survey:
    id: str
    tool: str  # google-forms | limesurvey | kobotoolbox
    question: str
    delimiter: str
    time_column: str | None = None


@dataclass(frozen=True)
class MetricsConfig:
    post_days: int = 30
    older_posts: int = 0  # older posts read a run, in rotation (issue 18)
    surveys: dict[str, Survey] = field(default_factory=dict)


def load_config(root: Path) -> MetricsConfig:
    path = root / FILE
    if not path.is_file():
        return MetricsConfig()
    rep = Reporter(FILE)
    node = read_yaml(path, FILE, rep)
    data = MetricsFile.validate(node, Context(), rep, label=FILE) if node is not False else None
    if rep.problems or data is None:
        raise ShelfpostError(rep.problems, f"{FILE} has problems: fix them and run again")
    surveys = {}
    for sid, entry in (data.get("surveys") or {}).items():
        if isinstance(entry, Validated):
            sep = entry.get("delimiter") or ("," if entry["tool"] == "google-forms" else ";")
            surveys[sid] = Survey(
                sid, entry["tool"], entry["question"], "\t" if sep == "tab" else sep, entry.get("time_column")
            )
    return MetricsConfig(int(data.get("post_days") or 30), int(data.get("older_posts") or 0), surveys)
