"""The mailing-list digest: one e-mail per period with the new posts and coming events.

``schedule`` says when a period has come (weekly or monthly, in the library's time
zone); ``plan`` picks what goes in (the posts that went live since the last digest,
the coming events); ``message`` renders it (jinja2 templates the library may edit,
HTML with the CSS inlined plus a plain-text part, the list headers); ``send`` hands
it to an SMTP server; ``run`` does it exactly once, with a record in
``data/digests/`` (:mod:`shelfpost.library.digests`) written before sending.
"""
