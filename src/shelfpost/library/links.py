"""Where a link in a post or page points: the one resolver the checks and the
renderers share, so that what ``check`` accepts is what the site links.
"""

from __future__ import annotations

import posixpath
from urllib.parse import unquote, urlsplit

CONTENT = "content"


def resolve_target(doc_path: str, target: str) -> str | None:
    """A link target as a repository path, or ``None`` if it leaves ``content/``.

    Relative targets are read from the linking file's folder, like GitHub's preview
    does; ``/media/x.png`` is read from ``content/``.
    """
    path = unquote(urlsplit(target).path)
    if not path:
        return None
    if path.startswith("/"):
        joined = posixpath.normpath(CONTENT + path)
    else:
        joined = posixpath.normpath(posixpath.join(posixpath.dirname(doc_path), path))
    if not joined.startswith(CONTENT + "/"):
        return None
    return joined
