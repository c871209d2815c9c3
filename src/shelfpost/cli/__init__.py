"""The ``shelfpost`` command: thin over the packages below it.

Only this package reads the clock, the environment and the terminal. Each
command opens the library, calls one function and formats the result; errors
meet one boundary (:mod:`shelfpost.cli.app`).
"""

from shelfpost.cli.commands import main

__all__ = ["main"]
