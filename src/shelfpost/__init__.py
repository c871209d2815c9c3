"""shelfpost: run a library's social-media program from a Git repository."""

from shelfpost.errors import ShelfpostError
from shelfpost.library.loader import load_library
from shelfpost.library.model import Library, Page, Post
from shelfpost.library.problems import Problem
from shelfpost.version import __version__

__all__ = ["__version__", "Library", "Page", "Post", "Problem", "ShelfpostError", "load_library"]
