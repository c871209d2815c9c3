"""The library: everything read from and written to a library repository's files.

The model (frozen dataclasses), the loader that builds one validated snapshot,
the schema engine and the schema of every file a person edits, the content and
plan checks, the body scan, YAML nodes with positions, the check cache, the
channel texts, and the small files runs write back under ``data/`` (publication
records, run logs). Pure: it imports no other shelfpost package, no CLI, no
network client and no renderer; it never reads the clock or the environment.
"""
