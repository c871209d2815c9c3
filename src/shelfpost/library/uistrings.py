"""The words shelfpost shows readers, in the library's language: one table per language.

The site (``site.docs``, ``site.build``) and the mailing-list digest (``digest.message``)
both take their labels from :data:`STRINGS` through :func:`strings_for`, and their days
and times from :func:`day_with_weekday` and :func:`moment`, so a label or a date reads the
same on the site and in the e-mail. A library's templates see the table as ``s``
(``{{ s.when }}``). Languages are matched on the primary subtag (``zh-TW`` -> ``zh``);
any other falls back to English.
"""

from __future__ import annotations

from datetime import datetime

#: Weekday names, Monday first, in the library's language (``datetime.weekday()`` order).
WEEKDAYS: dict[str, tuple[str, ...]] = {
    "en": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"),
    "zh": ("一", "二", "三", "四", "五", "六", "日"),
}
#: An event under way: ``{end}`` is when it closes.
ONGOING: dict[str, str] = {"en": "Ongoing until {end}", "zh": "進行中，至 {end}"}


def language_code(language: str) -> str:
    """``zh`` for ``zh-TW``, ``zh-Hant``...; ``en`` for a language shelfpost has no words for."""
    code = language.split("-")[0].lower()
    return code if code in WEEKDAYS else "en"


def day_with_weekday(dt: datetime, language: str, year: bool = True) -> str:
    """``2026-12-12（六）`` in Chinese, ``2026-12-12 Sat`` in English; ``12-12（六）`` without the year."""
    lang = language_code(language)
    name = WEEKDAYS[lang][dt.weekday()]
    day = f"{dt:%Y-%m-%d}" if year else f"{dt:%m-%d}"
    return f"{day}（{name}）" if lang == "zh" else f"{day} {name}"


def moment(dt: datetime, language: str, year: bool = True) -> str:
    """A day and a time: ``2026-12-12（六）10:30``, ``2026-12-12 Sat 10:30``."""
    sep = "" if language_code(language) == "zh" else " "  # the full-width bracket already separates
    return f"{day_with_weekday(dt, language, year)}{sep}{dt:%H:%M}"


STRINGS: dict[str, dict[str, str]] = {
    "en": {
        # the site and the digest
        "when": "When",
        "where": "Where",
        "register": "Register",
        "newsletter_archive": "Past newsletters",
        # the site
        "home": "Home",
        "latest": "Latest posts",
        "upcoming": "Upcoming events",
        "no_upcoming": "No upcoming events.",
        "all_posts": "All posts",
        "tags": "Tags",
        "archive": "Archive",
        "by": "By",
        "tagged": "Tags",
        "posts_in": "Posts in",
        "tag": "Tag",
        "page": "Page",
        "newer": "Newer posts",
        "older": "Older posts",
        "feeds": "Feeds",
        "draft": "Draft: not public",
        "scheduled": "Scheduled: goes live",
        "share": "A share from another source",
        "posts_count": "posts",
        "subscribe": "Subscribe to upcoming events (iCalendar)",
        "add_to_calendar": "Add this event to my calendar (.ics)",
        "partners": "Partners",
        "partners_intro": "Organisations we work with to bring reading and culture to more people.",
        "partner_posts": "Posts with this partner:",
        "nothing": "No posts yet.",
        "more": "More",
        "reading_time": "{n} min read",
        "newsletter_subscribe": "Subscribe to the newsletter",
        "digests_intro": "Every newsletter we sent: the new posts and coming events, by e-mail.",
        "digests_none": "No newsletter has been sent yet.",
        # the digest (templates/digest/)
        "new_posts": "New posts",
        "coming_events": "Coming events",
        "read_more": "Read more",
        "unsubscribe": "Unsubscribe",
        "why": "You receive this because you subscribed to the mailing list of",
        "period": "New from {start} to {end}",
        "subject": "{name}: new posts and events, {end}",
        "no_events": "No events in the coming weeks.",
    },
    "zh": {
        # the site and the digest
        "when": "時間",
        "where": "地點",
        "register": "報名",
        "newsletter_archive": "過去的電子報",
        # the site
        "home": "首頁",
        "latest": "最新文章",
        "upcoming": "近期活動",
        "no_upcoming": "目前沒有即將舉行的活動。",
        "all_posts": "所有文章",
        "tags": "標籤",
        "archive": "文章彙整",
        "by": "作者",
        "tagged": "標籤",
        "posts_in": "文章：",
        "tag": "標籤",
        "page": "第",
        "newer": "較新的文章",
        "older": "較舊的文章",
        "feeds": "訂閱",
        "draft": "草稿：尚未公開",
        "scheduled": "排程中：將於以下時間公開",
        "share": "轉載分享",
        "posts_count": "篇",
        "subscribe": "訂閱活動行事曆（iCalendar）",
        "add_to_calendar": "將這個活動加入我的行事曆（.ics）",
        "partners": "合作夥伴",
        "partners_intro": "我們與這些單位合作，讓閱讀與文化走進更多人的生活。",
        "partner_posts": "合作文章：",
        "nothing": "還沒有文章。",
        "more": "更多",
        "reading_time": "閱讀時間約 {n} 分鐘",
        "newsletter_subscribe": "訂閱電子報",
        "digests_intro": "我們寄出的每一期電子報：新文章與近期活動，寄到您的信箱。",
        "digests_none": "還沒有寄出的電子報。",
        # the digest (templates/digest/)
        "new_posts": "新文章",
        "coming_events": "近期活動",
        "read_more": "閱讀全文",
        "unsubscribe": "取消訂閱",
        "why": "您收到這封信，是因為您訂閱了以下單位的電子報：",
        "period": "{start} 至 {end} 的新內容",
        "subject": "{name}電子報：{end} 新文章與近期活動",
        "no_events": "近期沒有活動。",
    },
}


def strings_for(language: str) -> dict[str, str]:
    """The table for ``language`` (``zh-TW`` -> ``zh``), English when there is none."""
    return STRINGS[language_code(language)]
