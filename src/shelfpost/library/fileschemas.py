"""The schema of every file an editor or the social-media lead edits.

``shelfpost schema`` prints these tables; the docs in README.md are generated from
the same ``doc`` strings, so meaning and validation never drift apart.
"""

from __future__ import annotations

import re
from zoneinfo import ZoneInfo, available_timezones

from shelfpost.library.schema import (
    Choice,
    Context,
    Day,
    Field,
    Flag,
    Ident,
    Integer,
    Invalid,
    ListOf,
    MapOf,
    Moment,
    Nested,
    Number,
    RelPath,
    Reporter,
    Schema,
    Text,
    Url,
    _scalar,
)
from shelfpost.library.yamlnodes import Node

LANG_RE = re.compile(r"^[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})*$")
BLOCKED_TAG_CHARS = re.compile(r"[/#?%\\<>\"']")


class Language(Field):
    """A BCP 47 language tag: what the site, the feeds and the platforms are told."""

    kind = "language tag (BCP 47, e.g. zh-TW, en)"

    def convert(self, node: Node, ctx: Context, rep: Reporter, key: str) -> str:
        value = str(_scalar(node, "a language tag").value).strip()
        if not LANG_RE.match(value):
            raise Invalid(f"{value!r} is not a language tag such as zh-TW or en", node)
        return value


class TimeZone(Field):
    kind = "IANA time zone (e.g. Asia/Taipei)"

    def convert(self, node: Node, ctx: Context, rep: Reporter, key: str) -> str:
        value = str(_scalar(node, "a time zone name").value).strip()
        try:
            ZoneInfo(value)
        except Exception:  # ZoneInfoNotFoundError, ValueError for odd keys
            from shelfpost.library.schema import did_you_mean

            raise Invalid(
                f"{value!r} is not a time zone{did_you_mean(value, available_timezones())}", node
            ) from None
        return value


class Tag(Field):
    kind = "tag"

    def convert(self, node: Node, ctx: Context, rep: Reporter, key: str) -> str:
        value = Text(max_length=40).convert(node, ctx, rep, key)
        if BLOCKED_TAG_CHARS.search(value):
            raise Invalid(f"{value!r}: tags cannot hold / # ? % \\ < > or quotes", node)
        return value


# --- shelfpost.yml -----------------------------------------------------------------


class LibrarySettings(Schema):
    name = Text(
        required=True, max_length=120, doc="The library's public name, shown on the site and in feeds."
    )
    site_url = Url(
        required=True, doc="Where the public site lives; every feed link is made absolute from it."
    )
    language = Language(required=True, doc="Main language of the site and posts (sample: zh-TW).")
    timezone = TimeZone(
        required=True, doc="Where a publish time without an offset is read (sample: Asia/Taipei)."
    )
    description = Text(max_length=300, default="", doc="One sentence for feeds and the home page.")


class TypeSettings(Schema):
    label = Text(required=True, max_length=40, doc="Section name on the site (e.g. 最新消息).")
    path = Ident(required=True, doc="URL folder of the section (e.g. news).")
    events = Flag(default=False, doc="Posts of this type carry an `event:` block.")
    description = Text(max_length=300, default="", doc="Shown at the top of the section.")


class SiteSettings(Schema):
    engine = Choice(
        ("mkdocs", "zensical"),
        default="mkdocs",
        doc="The engine that turns the generated docs tree into HTML.",
    )
    latest = Integer(minimum=1, maximum=100, default=10, doc="Posts on the home page.")
    page_size = Integer(minimum=5, maximum=500, default=20, doc="Posts per list page.")
    feed_entries = Integer(minimum=1, maximum=500, default=50, doc="Entries in each feed.")
    date_format = Text(
        max_length=40, default="%Y-%m-%d %H:%M", doc="strftime format for dates shown on the site."
    )


class InboxSettings(Schema):
    key_env = Text(
        max_length=80,
        default="SHELFPOST_INBOX_KEY",
        doc="NAME of the environment variable holding the inbox's hashing key (never the key).",
    )


class ConfigFile(Schema):
    document_name = "shelfpost.yml"
    library = Nested(LibrarySettings, required=True, doc="Who the library is.")
    types = MapOf(Nested(TypeSettings), doc="Post types; default: news, resource, event.")
    site = Nested(SiteSettings, doc="How the public site is built.")
    inbox = Nested(InboxSettings, doc="The interactions inbox (issue 14): where its key comes from.")


# --- content/authors.yml -----------------------------------------------------------


class AuthorEntry(Schema):
    name = Text(required=True, max_length=80, doc="Name shown on posts.")
    role = Text(max_length=80, default="", doc="Role or team, shown beside the name.")


class AuthorsFile(Schema):
    document_name = "content/authors.yml"
    authors = MapOf(Nested(AuthorEntry), required=True, doc="Authors by id.")


# --- posts and pages ------------------------------------------------------------------


class EventBlock(Schema):
    start = Moment(required=True, doc="When the event starts.")
    end = Moment(required=True, doc="When it ends; must be after start.")
    location = Text(required=True, max_length=200, doc="Where it happens.")
    registration_url = Url(doc="Where to sign up (https).")


class PostFrontMatter(Schema):
    document_name = "post front matter"
    title = Text(required=True, max_length=200, doc="The headline, plain text.")
    publish_at = Moment(
        required=True, doc="When the post goes live; without an offset, in the library's time zone."
    )
    type = Choice(
        from_context="type", required=True, doc="news, resource, event, or a type from shelfpost.yml."
    )
    summary = Text(
        required=True, max_length=300, doc="One or two plain-text sentences for lists, feeds and cards."
    )
    tags = ListOf(Tag(), doc="Topics; each gets a tag page.")
    authors = ListOf(Ident(), min_items=1, required=True, doc="Author ids from content/authors.yml.")
    original = Flag(
        required=True,
        doc="true for the library's own content; false for a share (the plan counts originals).",
    )
    image = RelPath(doc="An image file, relative to the post (or /media/... from content/).")
    image_alt = Text(max_length=1000, doc="Alt text for the image; required whenever `image` is given.")
    channels = ListOf(Ident(), doc="Where the post will be syndicated (e.g. mastodon, bluesky).")
    partners = ListOf(Ident(), doc="Partner ids this post promotes with.")
    draft = Flag(default=False, doc="true keeps the post out of every output.")
    lang = Language(doc="Language of this post when it differs from the site's.")
    updated = Moment(doc="When the post was last meaningfully changed (feeds show it).")
    withdrawn = Flag(
        default=False, doc="true takes a published post down: off the site and feeds, deleted on channels."
    )
    texts = MapOf(
        Text(multiline=True, max_length=3000),
        doc="Per-channel text instead of the channel's template (e.g. mastodon: ...).",
    )
    event = Nested(EventBlock, doc="For event posts: start, end, location, registration_url.")


class PageFrontMatter(Schema):
    document_name = "page front matter"
    title = Text(required=True, max_length=200, doc="The page title.")
    summary = Text(max_length=300, default="", doc="One sentence describing the page.")
    order = Integer(minimum=0, maximum=1000, default=100, doc="Position in the site's navigation.")
    nav = Flag(default=True, doc="false keeps the page out of the navigation (still reachable by link).")
    draft = Flag(default=False, doc="true keeps the page out of the site.")
    lang = Language(doc="Language of this page when it differs from the site's.")


def schema_tables() -> dict[str, list[tuple[str, str, bool, str]]]:
    """Every editable file's fields, for ``shelfpost schema`` and the docs."""
    return {
        "post front matter": PostFrontMatter.document(),
        "event block (event posts)": EventBlock.document(),
        "page front matter": PageFrontMatter.document(),
        "content/authors.yml (each author)": AuthorEntry.document(),
        "shelfpost.yml: library": LibrarySettings.document(),
        "shelfpost.yml: types (each type)": TypeSettings.document(),
        "shelfpost.yml: site": SiteSettings.document(),
        **plan_tables(),
    }


def schema_markdown() -> str:
    """The schema tables as Markdown (README.md holds this output; a test keeps it current)."""
    out = []
    for title, rows in schema_tables().items():
        out.append(f"**{title}**\n\n| key | kind | required | meaning |\n|---|---|---|---|")
        for name, kind, required, doc in rows:
            out.append(f"| `{name}` | {kind} | {'yes' if required else ''} | {doc} |")
        out.append("")
    return "\n".join(out)


# --- the plan as code -------------------------------------------------------------------

ENV_NAME_RE = re.compile(r"^[A-Z][A-Z0-9_]{2,63}$")
TOKEN_HINTS = re.compile(
    r"(?:^(?:ghp_|github_pat_|gho_|xox[abp]-|sk-|glpat-|AKIA)|[a-z].*[0-9]|[0-9].*[a-z]|[-_.=/+])"
)
PHONE_RE = re.compile(r"^\+?[\d\s().-]{7,}$")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class EnvName(Field):
    """The NAME of an environment variable that holds a credential, never the credential."""

    kind = "environment variable name (e.g. SHELFPOST_MASTODON_TOKEN)"

    def convert(self, node: Node, ctx: Context, rep: Reporter, key: str) -> str:
        value = str(_scalar(node, "an environment variable name").value).strip()
        if ENV_NAME_RE.match(value):
            return value
        if len(value) >= 16 and TOKEN_HINTS.search(value):
            # Never echo the value: it may be a live secret, and logs are public.
            raise Invalid(
                "holds something that looks like a credential, not the NAME of an environment "
                "variable: delete it from this file, revoke it at the platform (it is now in the Git "
                "history), and write the variable's name instead, e.g. SHELFPOST_MASTODON_TOKEN",
                node,
            )
        raise Invalid(
            "must be an environment variable name in capitals, digits and _ (e.g. SHELFPOST_MASTODON_TOKEN)",
            node,
        )


class ContactChannel(Field):
    """How to reach a partner: an organisation's e-mail address or web address."""

    kind = "e-mail address or https URL"

    def convert(self, node: Node, ctx: Context, rep: Reporter, key: str) -> str:
        value = str(_scalar(node, "an e-mail address or URL").value).strip()
        if PHONE_RE.match(value):
            raise Invalid(
                "looks like a phone number: record an organisation's e-mail address or web "
                "address instead (never a private person's phone)",
                node,
            )
        if EMAIL_RE.match(value):
            return value
        return Url(schemes=("https", "http")).convert(node, ctx, rep, key)


class SlotEntry(Schema):
    date = Day(required=True, doc="The day the post should go out (inside the file's month).")
    type = Choice(from_context="type", required=True, doc="The post type planned.")
    topic = Text(required=True, max_length=200, doc="What the post will be about.")
    owner = Ident(required=True, doc="Team member id (plan/team.yml) who writes it.")
    channels = ListOf(Ident(), doc="Where it should be syndicated (ids from plan/channels.yml).")
    post = Ident(doc="The slug of the post that fills the slot, once it is written.")
    original = Flag(default=True, doc="false when the slot is planned as a share.")


class CalendarFile(Schema):
    document_name = "calendar/YYYY-MM.yml"
    slots = ListOf(Nested(SlotEntry), unique=False, required=True, doc="The planned posts of the month.")


class PartnerContact(Schema):
    role = Text(required=True, max_length=120, doc="The contact's role (not a private person's name).")
    channel = ContactChannel(required=True, doc="An organisation's e-mail or web address.")


class PartnerFile(Schema):
    document_name = "partners/<id>.yml"
    name = Text(required=True, max_length=120, doc="The partner's public name.")
    kind = Choice(("organisation", "person"), required=True, doc="organisation or person.")
    status = Choice(
        ("prospect", "active", "paused", "ended"), required=True, doc="Where the partnership stands."
    )
    since = Day(required=True, doc="When the partnership (or the talks) began.")
    url = Url(doc="The partner's public web site (shown on the Partners page).")
    contact = Nested(
        PartnerContact, required=True, doc="Who to contact: a role and an organisation's address."
    )
    activities = ListOf(Text(max_length=200), doc="What was agreed (co-promotion, events...).")
    last_contact = Day(required=True, doc="When the library last spoke with the partner.")
    next_meeting = Day(doc="The next meeting, if one is set.")
    cadence_days = Integer(minimum=1, maximum=366, default=30, doc="Contact at least this often (days).")
    public = Flag(default=True, doc="false keeps the partner off the public Partners page.")


class TargetsFile(Schema):
    document_name = "plan/targets.yml"
    posts_per_month = Integer(minimum=0, maximum=1000, default=10, doc="Posts published each month.")
    originals_per_month = Integer(minimum=0, maximum=1000, default=10, doc="Original posts each month.")
    reply_rate = Number(
        minimum=0, maximum=1, default=0.9, doc="Share of comments and messages answered each month."
    )
    satisfaction_change = Number(
        minimum=-1, maximum=1, default=0.05, doc="Rise in survey satisfaction to reach."
    )
    strategy_changes_per_month = Integer(
        minimum=0, maximum=100, default=1, doc="Strategy changes logged each month."
    )
    active_partners = Integer(minimum=0, maximum=1000, default=3, doc="Partners with status active.")
    ready_channels = Integer(
        minimum=0, maximum=100, default=2, doc="Social platforms whose readiness checklist is complete."
    )
    response_hours = Number(
        minimum=0.1, maximum=24 * 31, default=24, doc="First answer to a comment or message within (hours)."
    )
    follower_growth = Number(
        minimum=-1,
        maximum=10,
        default=0.02,
        doc="Share of followers gained each month, social channels together.",
    )
    satisfaction_baseline = Text(
        max_length=7, doc="The survey period satisfaction_change is measured against (YYYY-Qn or YYYY-MM)."
    )


class Readiness(Schema):
    profile_complete = Flag(default=False, doc="Name, bio and contact filled in.")
    avatar = Flag(default=False, doc="The library's logo or photo is set.")
    links_to_site = Flag(default=False, doc="The profile links to the site.")
    verified = Flag(default=False, doc="Verified as the library's account (platform badge or rel=me link).")
    tested = Flag(default=False, doc="A test post was published and removed.")


class MailAddress(Field):
    """One e-mail address, optionally with a display name (``晴川市立圖書館 <news@library.example.org>``)."""

    kind = "e-mail address"

    def convert(self, node: Node, ctx: Context, rep: Reporter, key: str) -> str:
        from email.headerregistry import Address
        from email.utils import parseaddr

        value = str(_scalar(node, "an e-mail address").value).strip()
        name, address = parseaddr(value)
        local, _, domain = address.rpartition("@")
        ok = bool(local) and "." in domain and not _CONTROL_OR_SPACE.search(address)
        if ok:
            try:
                Address(display_name=name, addr_spec=address)
            except (ValueError, IndexError):
                ok = False
        if not ok:
            raise Invalid(
                f"{value!r} is not an e-mail address: write it as name@example.org, "
                "or Name <name@example.org>",
                node,
            )
        return value


_CONTROL_OR_SPACE = re.compile(r"[\x00-\x20\x7f]")
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


class ChannelEntry(Schema):
    kind = Choice(
        ("site", "feed", "mastodon", "bluesky", "facebook", "instagram", "threads", "manual", "email"),
        required=True,
        doc="site, feed, mastodon, bluesky, facebook (a Page), instagram, threads, manual (copied by "
        "hand: WeChat, LINE...), or email (the mailing-list digest, sent by `shelfpost digest`).",
    )
    name = Text(required=True, max_length=80, doc="The platform's name as people know it.")
    handle = Text(max_length=120, doc="The account's handle (e.g. @library@mastodon.example).")
    profile_url = Url(doc="The account's public page.")
    instance = Url(doc="Mastodon: the server's address.")
    credentials = MapOf(EnvName(), doc="Names of the environment variables that hold this channel's secrets.")
    max_characters = Integer(
        minimum=50, maximum=100000, doc="Mastodon: the instance's max_characters (default 500)."
    )
    url_length = Integer(
        minimum=1, maximum=200, default=23, doc="Mastodon: characters a link counts as (default 23)."
    )
    service = Url(
        doc="Bluesky: the PDS address (default https://bsky.social); Facebook, Instagram, Threads: "
        "the Graph API address (default https://graph.facebook.com/, Threads https://graph.threads.net/)."
    )
    account_id = Text(
        max_length=40,
        doc="Facebook: the Page id; Instagram: the IG user id (GET /{page-id}?fields=instagram_business_account); "
        "Threads: the Threads user id (GET /me).",
    )
    repo = Text(
        max_length=140, doc="Manual channels: OWNER/NAME of the GitHub repository for copy-ready issues."
    )
    readiness = Nested(Readiness, doc="The readiness checklist; all true = ready.")
    metrics_columns = MapOf(
        Text(max_length=200),
        doc="`shelfpost metrics import`: for a platform without a known export, which column holds "
        "post, published, reach, views, likes, shares, replies, clicks.",
    )
    # The mailing-list digest (kind: email). The list server keeps the subscribers.
    smtp_host = Text(
        max_length=253, doc="Email: the SMTP server that takes the digest (e.g. smtp.example.org)."
    )
    smtp_port = Integer(
        minimum=1, maximum=65535, doc="Email: its port (default 587 for starttls, 465 for ssl, 25 for none)."
    )
    security = Choice(
        ("starttls", "ssl", "none"),
        default="starttls",
        doc="Email: starttls (port 587), ssl (port 465) or none (a relay on this machine only).",
    )
    locals()["from"] = MailAddress(doc="Email: the sender, e.g. 晴川市立圖書館 <news@library.example.org>.")
    to = MailAddress(doc="Email: the list's posting address (Mailman 3 or a Google Group sends it on).")
    username_env = EnvName(doc="Email: the environment variable holding the SMTP user name.")
    password_env = EnvName(doc="Email: the environment variable holding the SMTP password.")
    unsubscribe_url = Url(
        schemes=("https",), doc="Email: the list's one-click unsubscribe page (List-Unsubscribe, RFC 8058)."
    )
    unsubscribe_email = MailAddress(
        doc="Email: the list's leave address (Mailman 3: LIST-leave@host; Google Groups: LIST+unsubscribe@googlegroups.com)."
    )
    list_id = Text(max_length=200, doc="Email: the List-Id, e.g. news.library.example.org (RFC 2919).")
    subscribe_url = Url(doc="Email: the list's sign-up page, linked from the site.")
    period = Choice(("weekly", "monthly"), default="weekly", doc="Email: one digest a week or a month.")
    day = Text(max_length=10, doc="Email: weekly: a weekday (friday); monthly: a day of the month (1-28).")
    time = Text(max_length=5, doc="Email: when the digest goes, HH:MM in the library's time zone.")
    events_days = Integer(
        minimum=1, maximum=120, default=28, doc="Email: coming events within this many days are listed."
    )


class ChannelsFile(Schema):
    document_name = "plan/channels.yml"
    channels = MapOf(
        Nested(ChannelEntry), required=True, doc="Every account the library publishes to, by id."
    )


class RiskEntry(Schema):
    id = Ident(required=True, doc="A short id for the risk.")
    title = Text(required=True, max_length=200, doc="The risk in a few words.")
    impact = Choice(("high", "medium", "low"), required=True, doc="high, medium or low.")
    likelihood = Choice(("high", "medium", "low"), required=True, doc="high, medium or low.")
    owner = Ident(required=True, doc="Team member id responsible for the response.")
    response = Text(required=True, max_length=1000, doc="What the library does about it.")
    window_start = Day(required=True, doc="When the response starts.")
    window_end = Day(required=True, doc="When the response window ends.")
    review_every_days = Integer(
        minimum=1, maximum=366, default=30, doc="Review the risk at least this often."
    )
    last_review = Day(required=True, doc="When it was last reviewed.")
    status = Choice(("open", "watching", "closed"), default="open", doc="open, watching or closed.")


class RisksFile(Schema):
    document_name = "plan/risks.yml"
    risks = ListOf(Nested(RiskEntry), unique=False, required=True, doc="The risk register.")


class BudgetLineEntry(Schema):
    label = Text(required=True, max_length=120, doc="What the money is for.")
    amount = Number(positive=True, required=True, doc="Money planned for the period.")


class SpendEntry(Schema):
    date = Day(required=True, doc="When the money was spent.")
    line = Ident(required=True, doc="The budget line it comes from.")
    amount = Number(positive=True, required=True, doc="How much.")
    note = Text(max_length=200, default="", doc="What it bought.")


class BudgetFile(Schema):
    document_name = "plan/budget.yml"
    currency = Text(required=True, max_length=8, doc="e.g. TWD.")
    start = Day(required=True, doc="First day of the budget period.")
    end = Day(required=True, doc="Last day of the budget period.")
    lines = MapOf(Nested(BudgetLineEntry), required=True, doc="Budget lines by id.")
    spending = ListOf(Nested(SpendEntry), unique=False, doc="The ledger: every amount spent.")


class StrategyMetric(Schema):
    name = Choice(
        ("followers", "follower_growth", "engagement_rate", "interactions", "posts", "csat", "responses"),
        required=True,
        doc="A metric of `shelfpost metrics` (csat and responses come from the surveys).",
    )
    period = Text(required=True, max_length=8, doc="YYYY-MM, YYYY-Www or YYYY-Qn.")
    channel = Ident(doc="The channel (plan/channels.yml id); none = all channels.")
    value = Number(doc="The value cited; `check` compares it with the data (within 0.5%).")


class StrategyEntry(Schema):
    date = Day(required=True, doc="When the change was made.")
    change = Text(required=True, max_length=500, doc="What changed.")
    evidence = Text(required=True, max_length=1000, doc="The data behind it.")
    owner = Ident(required=True, doc="Team member id who owns the change.")
    verdict = Choice(
        ("pending", "worked", "mixed", "did-not-work"),
        default="pending",
        doc="pending until the effect is known.",
    )
    verdict_note = Text(max_length=1000, default="", doc="What the data said afterwards.")
    metric = Nested(
        StrategyMetric, doc="The metric the evidence cites; `check` verifies it exists for that period."
    )


class StrategyFile(Schema):
    document_name = "plan/strategy.yml"
    changes = ListOf(Nested(StrategyEntry), unique=False, required=True, doc="The strategy-change log.")


class SurveyEntry(Schema):
    question = Text(required=True, max_length=500, doc="The column header of the 1-5 satisfaction question.")
    delimiter = Choice(
        (",", ";", "tab"),
        default=None,
        doc="The export's separator (default: ',' for Google Forms, ';' otherwise).",
    )
    tool = Choice(
        ("google-forms", "limesurvey", "kobotoolbox"), required=True, doc="Which tool exported the file."
    )
    time_column = Text(max_length=200, doc="The column with each answer's time (default: the tool's own).")


class MetricsFile(Schema):
    document_name = "plan/metrics.yml"
    post_days = Integer(
        minimum=1,
        maximum=366,
        default=30,
        doc="`metrics sync` reads the counters of posts this recent (days).",
    )
    older_posts = Integer(
        minimum=0,
        maximum=2500,
        default=0,
        doc="`metrics sync` also reads this many older posts a run, in rotation (within each platform's rate limit).",
    )
    surveys = MapOf(Nested(SurveyEntry), doc="Satisfaction surveys by id (`shelfpost survey import`).")


class ManualChannelCounts(Schema):
    received = Integer(minimum=0, maximum=1_000_000, required=True, doc="Comments and messages received.")
    answered = Integer(minimum=0, maximum=1_000_000, required=True, doc="Of those, answered.")
    excluded = Integer(
        minimum=0, maximum=1_000_000, default=0, doc="Of those, needing no reply, moderated or spam."
    )
    median_hours = Number(minimum=0, maximum=24 * 31, doc="Median time to the first answer (hours).")


class ManualCountsFile(Schema):
    document_name = "data/interactions/manual/YYYY-MM.yml"
    channels = MapOf(
        Nested(ManualChannelCounts),
        required=True,
        doc="A month's counts per manual channel (ids from plan/channels.yml), entered by hand.",
    )


class MemberEntry(Schema):
    name = Text(required=True, max_length=80, doc="The member's name.")
    github = Text(required=True, max_length=39, doc="GitHub user name (for review rules and CODEOWNERS).")
    roles = ListOf(
        Choice(("lead", "editor", "reviewer", "analyst")),
        min_items=1,
        required=True,
        doc="lead, editor, reviewer, analyst.",
    )


class TeamFile(Schema):
    document_name = "plan/team.yml"
    members = MapOf(Nested(MemberEntry), required=True, doc="Team members by id.")


def plan_tables() -> dict[str, list[tuple[str, str, bool, str]]]:
    return {
        "calendar/YYYY-MM.yml: each slot": SlotEntry.document(),
        "partners/<id>.yml": PartnerFile.document(),
        "partners/<id>.yml: contact": PartnerContact.document(),
        "plan/targets.yml": TargetsFile.document(),
        "plan/channels.yml: each channel": ChannelEntry.document(),
        "plan/channels.yml: readiness": Readiness.document(),
        "plan/risks.yml: each risk": RiskEntry.document(),
        "plan/budget.yml": BudgetFile.document(),
        "plan/budget.yml: each line": BudgetLineEntry.document(),
        "plan/budget.yml: each spending entry": SpendEntry.document(),
        "plan/strategy.yml: each change": StrategyEntry.document(),
        "plan/strategy.yml: a change's metric": StrategyMetric.document(),
        "plan/metrics.yml": MetricsFile.document(),
        "plan/metrics.yml: each survey": SurveyEntry.document(),
        "plan/team.yml: each member": MemberEntry.document(),
        "data/interactions/manual/YYYY-MM.yml: each channel": ManualChannelCounts.document(),
    }
