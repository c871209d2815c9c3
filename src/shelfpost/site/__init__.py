"""The public site: the docs tree, feeds, events.ics, link-preview meta, the engine
process (mkdocs or Zensical, one subprocess), incremental builds and the preview
server. It renders from the library snapshot and never talks to the network or
publishes anything.
"""
