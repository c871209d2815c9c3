"""A library adopts shelfpost (issue 20): ``init`` (a new library repository from the
packaged templates), the pin of the tool in that repository, and ``doctor`` (the
settings a library sets on GitHub, checked through the API or listed offline).

Beside ``publish``: it reads the library's files (``library``) and, for ``doctor``,
GitHub through ``github.client``; never ``site`` or ``publish``.
"""
