"""Write a synthetic shelfpost library of N posts, for benchmarks.

    python bench/corpus.py N DEST

DEST must not exist yet. The library gets the repository's shelfpost.yml,
mkdocs.yml, content/authors.yml and content/pages/about.md (plus feeds.md, which
about.md links to), plan/channels.yml (plus a manual channel for each channel the
posts name that it lacks), a few of the sample PNGs, and N posts in the sample
posts' front-matter schema. One post every ~8 hours going back from 2026-11-01 00:00
(library time), so with any ``--now`` after that date every post is live.

Everything comes from one ``random.Random(SEED)``: the same N always gives
byte-identical files. Post numbers run oldest first (post-00001 is the oldest),
and bodies link only to earlier posts, so every link resolves.
"""

from __future__ import annotations

import argparse
import json
import posixpath
import random
import re
import shutil
import sys
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
SEED = 20261101
END = datetime(2026, 11, 1, 0, 0)  # library time (Asia/Taipei); the newest post is before this
STEP = timedelta(hours=8)
IMAGES = ("author-talk.png", "ebook-platform.png", "picture-books.png", "reading-room.png", "story-time.png")
# Pages copied as they are; about.md links to feeds.md, so both come along.
PAGES = ("about.md", "feeds.md")

TYPES = (("news", 45), ("resource", 35), ("event", 20))
TAGS = (
    "閱讀推廣",
    "電子書",
    "數位資源",
    "兒童",
    "青少年",
    "講座",
    "作家",
    "展覽",
    "地方文獻",
    "開放時間",
    "館舍整修",
    "說故事",
    "親子",
    "樂齡",
    "工作坊",
    "資料庫",
    "有聲書",
    "Podcast",
    "繪本",
    "漫畫",
    "合作",
    "讀書會",
    "節慶",
    "新書",
    "志工",
    "科學",
    "歷史",
    "藝術",
    "語言學習",
    "環境",
    "book club",
    "e-books",
    "makerspace",
    "local history",
    "English corner",
    "STEM",
    "family",
    "accessibility",
    "open data",
    "library card",
)
CHANNELS = ("mastodon", "bluesky", "facebook", "instagram")
LOCATIONS = (
    "總館三樓多功能室",
    "總館一樓兒童室",
    "東區分館閱覽室",
    "西區分館會議室",
    "南岸分館親子區",
    "北山分館研習教室",
    "總館地下一樓展覽廳",
    "Main Library, Room 301",
)
TOPICS = (
    ("電子書", "e-books"),
    ("繪本", "picture books"),
    ("地方文獻", "local archives"),
    ("有聲書", "audiobooks"),
    ("讀書會", "book clubs"),
    ("科學", "science"),
    ("漫畫", "comics"),
    ("老照片", "old photographs"),
    ("語言學習", "language learning"),
    ("自習室", "study rooms"),
    ("Podcast", "podcasts"),
    ("資料庫", "databases"),
    ("桌遊", "board games"),
    ("詩集", "poetry"),
)
TITLE_ZH = (
    "{zh}新服務上線",
    "本月{zh}推薦",
    "{zh}小教室開放報名",
    "館員帶你認識{zh}",
    "{zh}主題書展",
    "{zh}使用說明",
    "週末{zh}活動",
    "{zh}館藏更新",
    "轉知：{zh}講座",
    "{zh}常見問題",
)
TITLE_EN = (
    "New {en} at the library",
    "{en} picks for this month",
    "Getting started with {en}",
    "Weekend {en} session",
    "{en} update",
)
SUMMARY = (
    "這篇介紹{zh}的重點，以及怎麼在本館找到它們。",
    "{zh}有新消息：時間、地點與報名方式都在這裡。",
    "館員整理了{zh}的入門清單，適合第一次接觸的讀者。",
    "A short guide to {en} at the library, in Chinese and English.",
    "關於{zh}，你想知道的都在這一篇。",
)
HEADINGS = ("重點整理", "怎麼參加", "活動資訊", "館員推薦", "小技巧", "What to know", "How to join")
ITEMS = (
    "借期 14 天，可續借一次。",
    "每人同時可借 **5 本**。",
    "免費參加，名額有限。",
    "請攜帶借書證。",
    "線上報名，額滿為止。",
    "全程使用華語。",
    "Open to all ages.",
    "Bring your library card.",
    "適合國小以上的讀者。",
    "現場提供輕食與飲料。",
    "可以在「推薦採購」填表。",
    "Free, no registration needed.",
    "活動後有問答時間。",
)
SENTENCES = (
    "本館{zh}館藏持續增加，歡迎多加利用。",
    "許多讀者問到{zh}，這次一次說清楚。",
    "如果有任何問題，歡迎到一樓服務台詢問館員。",
    "We hope to see you at the library soon.",
    "English-speaking readers are welcome; librarians can help in English.",
    "我們也會把活動紀錄放上網站，沒空參加的讀者也能看到。",
    "這是館員最常被問到的問題之一。",
    "More {en} will arrive next month.",
    "感謝志工與合作夥伴的協助，讓這個計畫順利進行。",
    "詳細資訊請見本館網站，或追蹤我們的社群帳號。",
)
LINK_LEADS = ("延伸閱讀：", "也可以參考", "之前的介紹：", "See also ", "相關消息：")
EXTERNAL = (
    "https://library.example.org/services",
    "https://www.example.org/reading",
    "https://opendata.example.gov.tw/",
)


@dataclass
class Post:
    number: int
    when: datetime
    path: str  # repository path, content/posts/YYYY/YYYY-MM-DD-post-NNNNN.md
    title: str = ""
    topic: tuple[str, str] = ("", "")


def yaml_text(value: str) -> str:
    """A YAML scalar for one-line text: plain when safe, else JSON (valid YAML) quoting."""
    if re.fullmatch(
        r"[\w\u3000-\u9fff\uff00-\uffef][\w \u3000-\u9fff\uff00-\uffef.,!()'《》「」、，。？！-]*", value
    ) and not value.endswith(" "):
        return value
    return json.dumps(value, ensure_ascii=False)


def flow(items: list[str]) -> str:
    return "[" + ", ".join(yaml_text(i) for i in items) + "]"


def stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M")


def weighted(rng: random.Random, pairs: tuple[tuple[str, int], ...]) -> str:
    return rng.choices([p for p, _ in pairs], weights=[w for _, w in pairs])[0]


def plan(n: int, rng: random.Random) -> list[Post]:
    """Number, moment and path of every post, oldest first."""
    posts = []
    for i in range(1, n + 1):
        # ±90 minutes around the 8-hour grid, on 5-minute marks: order is kept.
        jitter = timedelta(minutes=5 * rng.randint(-18, 18))
        when = END - (n - i + 1) * STEP + jitter
        name = f"{when:%Y-%m-%d}-post-{i:05d}.md"
        posts.append(Post(i, when, f"content/posts/{when:%Y}/{name}"))
    return posts


def body(rng: random.Random, post: Post, earlier: list[Post], zh: str, en: str) -> str:
    target = rng.randint(150, 400)
    head = f"## {rng.choice(HEADINGS)}"
    items = [f"- {item}" for item in rng.sample(ITEMS, rng.randint(2, 4))]
    here = posixpath.dirname(post.path)
    links = []
    for other in rng.sample(earlier, min(len(earlier), rng.randint(0, 3))):
        rel = posixpath.relpath(other.path, here)
        links.append(f"{rng.choice(LINK_LEADS)}[{other.title}]({rel})。")
    if rng.random() < 0.2:
        links.append(f"詳見[本館網站]({rng.choice(EXTERNAL)})。")
    opening = rng.choice(SENTENCES).format(zh=zh, en=en)
    paragraph = [opening, *links]

    def text() -> str:
        return "\n".join([head, "", *items, "", join_sentences(paragraph)])

    # Grow the paragraph to about the target length, never past 400 characters.
    for sentence in rng.sample(SENTENCES, len(SENTENCES)):
        if len(text()) >= target:
            break
        candidate = sentence.format(zh=zh, en=en)
        if len(text()) + len(candidate) + 1 > 400:
            continue
        paragraph.insert(1, candidate)
    while len(text()) > 400 and len(paragraph) > 1:  # many long link titles
        paragraph.pop()
    return text() + "\n"


def join_sentences(sentences: list[str]) -> str:
    """Chinese sentences run on; a space follows an English one."""
    out = ""
    for sentence in sentences:
        if out and out[-1] in ".!?":
            out += " "
        out += sentence
    return out


def post_text(
    rng: random.Random, post: Post, earlier: list[Post], authors: list[str], images: list[str]
) -> str:
    zh, en = post.topic
    ptype = weighted(rng, TYPES)
    lines = [
        "---",
        f"title: {yaml_text(post.title)}",
        f"publish_at: {stamp(post.when)}",
        f"type: {ptype}",
        f"summary: {yaml_text(rng.choice(SUMMARY).format(zh=zh, en=en))}",
        f"tags: {flow(rng.sample(TAGS, rng.randint(1, 4)))}",
        f"authors: {flow(rng.sample(authors, 1 if rng.random() < 0.85 else 2))}",
        f"original: {'true' if rng.random() < 0.8 else 'false'}",
    ]
    if rng.random() < 0.3:
        image = rng.choice(images)
        lines.append(f"image: ../../media/{image}")
        lines.append(f"image_alt: 插圖：{zh}主題的示意圖，{image.removesuffix('.png')}。")
    lines.append(f"channels: {flow(sorted(rng.sample(CHANNELS, rng.randint(1, 3)), key=CHANNELS.index))}")
    if ptype == "event":
        start = (post.when + timedelta(days=rng.randint(3, 20))).replace(
            hour=rng.choice((10, 14, 19)), minute=0
        )
        end = start + timedelta(hours=rng.randint(1, 3))
        lines += [
            "event:",
            f"  start: {stamp(start)}",
            f"  end: {stamp(end)}",
            f"  location: {yaml_text(rng.choice(LOCATIONS))}",
        ]
        if rng.random() < 0.5:
            lines.append(f"  registration_url: https://library.example.org/register/post-{post.number:05d}")
    lines += ["---", "", body(rng, post, earlier, zh, en)]
    return "\n".join(lines)


def channels_yml() -> str:
    """The repository's plan/channels.yml, with a manual channel for each of CHANNELS it lacks.

    With it, ``check`` validates every post's channels and the text each gets (as in
    a real library), and ``publish`` has somewhere to send.
    """
    plan = yaml.safe_load((ROOT / "plan" / "channels.yml").read_text(encoding="utf-8"))
    for cid in CHANNELS:
        plan["channels"].setdefault(
            cid,
            {
                "kind": "manual",
                "name": cid.capitalize(),
                "handle": "qingchuanlib",
                "profile_url": f"https://{cid}.example/qingchuanlib",
                "readiness": dict.fromkeys(
                    ("profile_complete", "avatar", "links_to_site", "verified", "tested"), True
                ),
            },
        )
    header = (
        "# The repository's plan/channels.yml and a manual channel for each one the posts name it lacks.\n"
    )
    return header + yaml.safe_dump(plan, allow_unicode=True, sort_keys=False)


def generate(n: int, dest: Path) -> None:
    if dest.exists():
        raise SystemExit(f"{dest} exists: give a new folder")
    rng = random.Random(SEED)
    (dest / "content" / "pages").mkdir(parents=True)
    (dest / "content" / "media").mkdir()
    (dest / "plan").mkdir()
    (dest / "plan" / "channels.yml").write_text(channels_yml(), encoding="utf-8")
    for name in ("shelfpost.yml", "mkdocs.yml", "content/authors.yml"):
        shutil.copyfile(ROOT / name, dest / name)
    for name in PAGES:
        shutil.copyfile(ROOT / "content" / "pages" / name, dest / "content" / "pages" / name)
    for name in IMAGES:
        shutil.copyfile(ROOT / "content" / "media" / "2026" / name, dest / "content" / "media" / name)
    authors = list(yaml.safe_load((ROOT / "content" / "authors.yml").read_text(encoding="utf-8"))["authors"])

    posts = plan(n, rng)
    for post in posts:
        post.topic = zh, en = rng.choice(TOPICS)
        title = (
            rng.choice(TITLE_ZH).format(zh=zh) if rng.random() < 0.75 else rng.choice(TITLE_EN).format(en=en)
        )
        post.title = title[0].upper() + title[1:]
    for i, post in enumerate(posts):
        # Links go to posts up to 200 back, so the link graph stays local like a real library's.
        earlier = posts[max(0, i - 200) : i]
        target = dest / post.path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(post_text(rng, post, earlier, authors, list(IMAGES)), encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("n", type=int, help="number of posts")
    parser.add_argument("dest", type=Path, help="a new folder for the library")
    args = parser.parse_args(argv)
    generate(args.n, args.dest)
    print(f"wrote {args.n} posts to {args.dest}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
