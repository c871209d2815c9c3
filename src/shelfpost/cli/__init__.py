"""The ``shelfpost`` command: thin over the packages below it.

Only this package reads the clock, the environment and the terminal. Each
command opens the library, calls one function and formats the result; errors
meet one boundary (:mod:`shelfpost.cli.app`). One module per command group.
"""

from shelfpost.cli import (  # noqa: F401  (they register their commands)
    digest,
    doctor,
    github,
    inbox,
    init,
    library,
    metrics,
    plan,
    publish,
    report,
    site,
)
from shelfpost.cli.app import main

__all__ = ["main"]
