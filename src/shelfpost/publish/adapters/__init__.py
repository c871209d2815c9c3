"""One module per platform. Each imports the library and the channel interface
(:mod:`shelfpost.publish.channel`), never another adapter; the registry
(:mod:`shelfpost.publish.registry`) maps a channel's ``kind`` to its factory.
"""
