"""Analytics (issue 15): what each channel's accounts and posts did, and what readers said.

``store`` keeps the monthly CSV files under ``data/metrics/``; ``sync`` reads the
counters of Mastodon (``mastodon``) and Bluesky (``bluesky``); ``imports`` reads
Meta Business Suite exports and mapped exports of other platforms; ``surveys``
keeps per-period score counts of satisfaction surveys; ``report`` turns them into
the numbers of ``shelfpost metrics``; ``charts`` draws them; ``evidence`` checks the
metrics ``plan/strategy.yml`` cites. Nothing about people is ever stored: counts only.
"""
