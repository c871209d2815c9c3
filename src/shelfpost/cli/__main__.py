"""``python -m shelfpost.cli``: the same as the ``shelfpost`` command."""

from shelfpost.cli import main

main()
