"""``python -m shelfpost``: the same as the ``shelfpost`` command."""

from shelfpost.cli import main

main()
