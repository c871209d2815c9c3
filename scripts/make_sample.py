"""The sample library is `shelfpost init`'s output plus the sample's own content.

`make sample` (this script) renders what `shelfpost init` writes for the sample's
answers (SAMPLE) and writes every file of it into the repository, except those the
sample replaces with its own (OVERLAY: its posts, plan, calendar, partners, data/)
and those the repository keeps for the tool (TOOL: its README, .gitignore, CI).
CODEOWNERS is derived from the sample's plan/team.yml as `init` derives it from the
lead. `--check` writes nothing and exits 1 with a diff when the committed tree has
drifted from that; `--out DIR` writes the whole sample library (init's files with
the sample's content laid over them) into a new folder. tests/test_sample.py runs both.

A file in the library's layout that is neither init's nor declared here fails the
check: a new workflow or page of the sample belongs in src/shelfpost/templates/init/
(so every new library gets it), or, if it is the sample's fictional content, in OVERLAY.
"""

from __future__ import annotations

import argparse
import difflib
import sys
from dataclasses import dataclass
from datetime import date
from fnmatch import fnmatchcase
from pathlib import Path

import yaml

from shelfpost.adopt.init import Answers, render_library, validate
from shelfpost.library.codeowners import CODEOWNERS_PATH, codeowners_text
from shelfpost.library.loader import load_library

ROOT = Path(__file__).resolve().parents[1]

#: The sample's answers to `shelfpost init` (晴川市立圖書館 is fictional).
SAMPLE = Answers(
    name="晴川市立圖書館",
    site_url="https://library.example.org/",
    language="zh-TW",
    timezone="Asia/Taipei",
    lead_name="林雅雯",
    lead_github="lin-yawen-qc",
)
#: The day the answers are rendered on: only init's example posts and risk windows
#: depend on it, and the sample has its own of both.
RENDERED_ON = date(2026, 9, 1)

#: The sample's own content (glob patterns, `**` for any depth): these files are the
#: sample's, never init's, and are laid over init's output as they are committed.
OVERLAY: dict[str, str] = {
    "shelfpost.yml": "its description and section labels (keys: the same as init's)",
    "plan/*.yml": "its fictional plan: channels, team, risks, budget, metrics, strategy log, targets",
    "content/authors.yml": "its five authors",
    "content/pages/about.md": "its about page",
    "content/posts/**": "its 39 posts (init's example drafts are left out)",
    "content/media/**": "the posts' images",
    "calendar/????-??.yml": "its content calendar, September to December 2026",
    "partners/*.yml": "its four partners",
    "data/**": "what its runs wrote back (scripts/make_sample_*.py)",
    "requirements.txt": "this repository installs its own checkout (`.`), not a pinned tag",
}
#: Files of init's output that this repository keeps for the tool, not the library.
TOOL: dict[str, str] = {
    "README.md": "the repository's README is the tool's (init's README is a new library's)",
    ".gitignore": "the tool's; it holds every line of init's",
}
#: Files in the library's layout that are the tool's own, not the sample library's.
TOOL_ONLY: dict[str, str] = {
    ".github/workflows/ci.yml": "the tool's test suite, not a workflow a library runs",
}
#: Where the library's files live (the rest of the repository is the tool).
LAYOUT: tuple[str, ...] = ("shelfpost.yml", "mkdocs.yml", "requirements.txt", "plan", "calendar")
LAYOUT += ("content", "partners", "data", "templates", ".github")
#: Keys of the sample's YAML overlays that init's version leaves commented out.
COMMENTED_IN_INIT = {"plan/targets.yml": {"satisfaction_baseline"}}
#: Overlays whose keys must be init's (a setting the sample uses, every new library gets).
SAME_KEYS = ("shelfpost.yml", "plan/targets.yml")


@dataclass(frozen=True)
class Drift:
    path: str
    problem: str
    diff: str = ""


def _matches(rel: str, patterns: dict[str, str]) -> bool:
    return any(rel == p or fnmatchcase(rel, p) for p in patterns)


def is_overlay(rel: str) -> bool:
    return _matches(rel, OVERLAY)


def init_files() -> dict[str, str]:
    """What `shelfpost init` writes for the sample (its example drafts fall under
    content/posts/, the sample's own)."""
    return render_library(validate(SAMPLE), RENDERED_ON)


def layout_files(root: Path) -> list[str]:
    found: list[str] = []
    for top in LAYOUT:
        path = root / top
        if path.is_file():
            found.append(top)
        elif path.is_dir():
            found += [p.relative_to(root).as_posix() for p in path.rglob("*") if p.is_file()]
    return sorted(found)


def expected(root: Path) -> dict[str, bytes]:
    """The files of the sample library that init's output decides, with their bytes:
    init's (but the overlays and the tool's) and CODEOWNERS from the sample's team."""
    out = {
        rel: text.encode("utf-8")
        for rel, text in init_files().items()
        if not is_overlay(rel) and rel not in TOOL and rel != CODEOWNERS_PATH
    }
    library = load_library(root)
    if library.config is not None:  # else check() says the sample does not load
        out[CODEOWNERS_PATH] = codeowners_text(library.plan.team).encode("utf-8")
    return out


def _keys(data: object, prefix: str = "") -> set[str]:
    if not isinstance(data, dict):
        return set()
    keys: set[str] = set()
    for key, value in data.items():
        path = f"{prefix}{key}"
        keys.add(path)
        if prefix != "" or key != "types":  # post types are the library's own
            keys |= _keys(value, path + ".")
    return keys


def check(root: Path) -> list[Drift]:
    """Every way the committed sample differs from init's output plus its content."""
    drifts: list[Drift] = []
    init = init_files()
    want_files = expected(root)
    if CODEOWNERS_PATH not in want_files:
        drifts.append(
            Drift(CODEOWNERS_PATH, "cannot be derived: the sample does not load (run `shelfpost check`)")
        )
    for rel, want in want_files.items():
        path = root / rel
        have = path.read_bytes() if path.is_file() else None
        if have == want:
            continue
        diff = "".join(
            difflib.unified_diff(
                (have or b"").decode("utf-8", "replace").splitlines(keepends=True),
                want.decode("utf-8").splitlines(keepends=True),
                f"{rel} (committed)",
                f"{rel} (init + the sample's team)" if rel == CODEOWNERS_PATH else f"{rel} (init)",
            )
        )
        drifts.append(Drift(rel, "missing" if have is None else "differs from init's", diff))
    for rel in init:
        if is_overlay(rel) and not rel.startswith("content/posts/") and not (root / rel).is_file():
            drifts.append(Drift(rel, "init writes it and the sample has no version of its own"))
    known = set(init) | set(TOOL_ONLY) | {CODEOWNERS_PATH}
    for rel in layout_files(root):
        if rel not in known and not is_overlay(rel):
            drifts.append(
                Drift(
                    rel,
                    "is neither init's nor the sample's content: add it to src/shelfpost/templates/init/ "
                    "(every new library gets it) or to OVERLAY in scripts/make_sample.py",
                )
            )
    gitignore = (root / ".gitignore").read_text(encoding="utf-8").splitlines()
    for line in init[".gitignore"].splitlines():
        if line not in gitignore:
            drifts.append(Drift(".gitignore", f"lacks init's line {line!r}"))
    for rel in SAME_KEYS:
        theirs = _keys(yaml.safe_load(init[rel])) | COMMENTED_IN_INIT.get(rel, set())
        ours = _keys(yaml.safe_load((root / rel).read_text(encoding="utf-8")))
        for key in sorted(ours - theirs):
            drifts.append(Drift(rel, f"the sample sets {key!r}, which init does not write"))
        for key in sorted(theirs - ours - COMMENTED_IN_INIT.get(rel, set())):
            drifts.append(Drift(rel, f"init writes {key!r}, which the sample lacks"))
    return drifts


def write(root: Path) -> list[str]:
    """Write init's files into the sample; the paths that changed."""
    changed = []
    for rel, data in expected(root).items():
        path = root / rel
        if path.is_file() and path.read_bytes() == data:
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        changed.append(rel)
    return changed


def write_library(root: Path, out: Path) -> int:
    """The whole sample library into ``out`` (new or empty): init's files, then the
    sample's content over them. The number of files written."""
    if out.exists() and any(out.iterdir()):
        raise SystemExit(f"make_sample: {out} is not empty")
    files = dict(expected(root))
    for rel in layout_files(root):
        if is_overlay(rel):
            files[rel] = (root / rel).read_bytes()
    for rel, data in files.items():
        path = out / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return len(files)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare only; exit 1 on drift")
    parser.add_argument("--out", type=Path, help="write the whole sample library into this new folder")
    parser.add_argument(
        "--root", type=Path, default=ROOT, help="the sample library (default: this repository)"
    )
    args = parser.parse_args(argv)
    root: Path = args.root
    if args.out:
        count = write_library(root, args.out)
        sys.stdout.write(f"wrote the sample library ({count} files) to {args.out}\n")
        return 0
    if not args.check:
        for rel in write(root):
            sys.stdout.write(f"wrote {rel}\n")
    drifts = check(root)
    for drift in drifts:
        sys.stderr.write(f"{drift.path}: {drift.problem}\n{drift.diff}")
    if drifts:
        fix = "fix the files above" if not args.check else "run `make sample`, then fix what it cannot"
        sys.stderr.write(f"the sample library has drifted from `shelfpost init`'s output: {fix}\n")
        return 1
    if args.check:
        sys.stdout.write("the sample library is init's output plus its content\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
