"""shelfpost: run a library's social-media program from a Git repository."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from shelfpost.version import __version__

if TYPE_CHECKING:
    from shelfpost.errors import ShelfpostError
    from shelfpost.library.loader import load_library
    from shelfpost.library.model import Library, Page, Post
    from shelfpost.library.problems import Problem

__all__ = ["__version__", "Library", "Page", "Post", "Problem", "ShelfpostError", "load_library"]

# Imported on first use (PEP 562): every `import shelfpost.<anything>` runs this file, and
# importing the loader here made each of them (the CLI's start-up, a build's engine
# plugin) pay for the whole loader, Jinja2 included.
_LAZY = {
    "ShelfpostError": "shelfpost.errors",
    "load_library": "shelfpost.library.loader",
    "Library": "shelfpost.library.model",
    "Page": "shelfpost.library.model",
    "Post": "shelfpost.library.model",
    "Problem": "shelfpost.library.problems",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'shelfpost' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value
