"""shelfpost: run a library's social-media program from a Git repository."""

from .loader import load_library
from .model import Library, Page, Post
from .problems import Problem, ShelfpostError

__all__ = ["Library", "Page", "Post", "Problem", "ShelfpostError", "load_library"]
__version__ = "0.1.0"
