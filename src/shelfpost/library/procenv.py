"""The environment a subprocess (the site engine, git) gets: an allow-list, never
the whole environment, so no token in the CLI's environment reaches mkdocs, its
plugins or a Git hook.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

#: Variables a child may need to run at all: where programs and the home folder are,
#: the language and time zone, temporary folders, and Python's own settings.
ALLOWED = frozenset(
    {
        "PATH",
        "HOME",
        "USER",
        "LOGNAME",
        "LANG",
        "LANGUAGE",
        "TZ",
        "TMPDIR",
        "TEMP",
        "TMP",
        "SYSTEMROOT",  # Windows cannot start Python without it
        "PYTHONPATH",
        "PYTHONHASHSEED",
        "PYTHONDONTWRITEBYTECODE",
        "VIRTUAL_ENV",
        "XDG_CACHE_HOME",
        "SOURCE_DATE_EPOCH",
        "NO_COLOR",
    }
)
PREFIXES = ("LC_",)


def child_env(env: Mapping[str, str], extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The allowed variables of ``env`` plus ``extra`` (which the caller vouches for)."""
    out = {k: v for k, v in env.items() if k in ALLOWED or k.startswith(PREFIXES)}
    out.setdefault("PATH", os.defpath)
    out.update(extra or {})
    return out
