"""Writing without a terminal: `shelfpost new`, CODEOWNERS from the team, README links."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import yaml
from click.testing import Result

from conftest import REPO, Lib, invoke
from shelfpost import load_library
from shelfpost.library.codeowners import codeowners_text
from shelfpost.library.scaffold import ascii_slug, render_readme, slugify, yaml_scalar

TEAM = """\
members:
  amy: {name: 林艾美, github: amy-lin, roles: [lead, editor]}
  bob: {name: Bob Chen, github: bobchen, roles: [reviewer, analyst]}
  cat: {name: 蔡小貓, github: cat-tsai, roles: [editor, reviewer]}
"""


def cli(*args: str) -> Result:
    return invoke(*args)


def test_new_event_post_passes_check(lib: Lib) -> None:
    lib.write("plan/channels.yml", "channels:\n  mastodon: {kind: mastodon, name: Mastodon}\n")
    result = invoke(
        "new",
        "--type",
        "event",
        "--title",
        "冬至說故事: Winter Solstice #1",
        "--at",
        "2026-12-20 10:00",
        "--root",
        str(lib.root),
    )
    assert result.exit_code == 0, result.output
    rel = "content/posts/2026/2026-12-20-winter-solstice-1.md"  # the title's Latin words: a short link
    assert result.stdout.strip() == rel
    text = (lib.root / rel).read_text(encoding="utf-8")
    front = yaml.safe_load(text.split("---\n")[1])
    assert front["title"] == "冬至說故事: Winter Solstice #1"  # quoted: ": " and " #" would break plain YAML
    assert front["type"] == "event" and front["draft"] is True and front["authors"] == ["amy"]
    assert front["channels"] == ["mastodon"]
    assert str(front["event"]["start"]) == "2026-12-27 14:00"  # a week later, 14:00
    check = invoke("check", "--root", str(lib.root))
    assert check.exit_code == 0, check.output
    library = load_library(lib.root)
    post = next(p for p in library.posts if p.path == rel)
    assert post.event is not None and post.draft and post.type == "event"


def test_new_proposes_a_short_ascii_slug_for_a_chinese_title_and_says_how_to_choose(lib: Lib) -> None:
    """Issue 11, item 2: a Chinese slug makes a 148-character link; `new` proposes Pinyin."""
    args = ["new", "--type", "news", "--at", "2026-12-20 10:00", "--root", str(lib.root)]
    made = invoke(*args, "--title", "冬至說故事與手作燈籠工作坊")
    assert made.exit_code == 0, made.output
    assert made.stdout.strip() == "content/posts/2026/2026-12-20-dongzhi-shuo-gushi-yu-shouzuo.md"
    assert made.stderr.startswith(
        "slug: dongzhi-shuo-gushi-yu-shouzuo (made from the title, in Latin letters"
    )
    assert "run again with --slug NAME, or rename the file (the part after the date)" in made.stderr
    assert made.stderr.strip().endswith("https://lib.example.org/posts/dongzhi-shuo-gushi-yu-shouzuo/")
    own = invoke(*args, "--title", "冬至說故事", "--slug", "winter-tales")
    assert own.exit_code == 0 and own.stdout.strip() == "content/posts/2026/2026-12-20-winter-tales.md"
    assert own.stderr == ""  # the editor chose: nothing to say
    chinese = invoke(*args, "--title", "冬至", "--slug", "冬至說故事與手作燈籠工作坊")
    assert chinese.exit_code == 0
    assert (
        "makes the post's link 148 characters long" in chinese.stderr and "an ASCII --slug" in chinese.stderr
    )


@pytest.mark.parametrize(
    ("title", "slug"),
    [
        ("秋季開放時間調整公告", "qiuji-kaifang-shijian-diaozheng-gonggao"),
        ("圖書館 Wi-Fi 升級", "tushuguan-wi-fi-shengji"),  # more Chinese than Latin: all in Pinyin
        ("冬至說故事: Winter Solstice #1", "winter-solstice-1"),  # mostly Latin: its words
        ("Café crème 咖啡", "cafe-creme"),
        ("2026 年度報告", "2026-niandu-baogao"),
        ("📚", "post"),
    ],
)
def test_ascii_slugs_are_short_and_plain(title: str, slug: str) -> None:
    made = ascii_slug(title)
    assert made == slug and made.isascii() and len(made) <= 40 and slugify(made) == made


def test_new_refuses_what_would_not_check(lib: Lib) -> None:
    args = ["new", "--title", "x", "--root", str(lib.root)]
    unknown = invoke(*args, "--type", "podcast")
    assert unknown.exit_code == 2 and "type 'podcast' is not in shelfpost.yml" in unknown.output
    author = invoke(*args, "--type", "news", "--author", "zed")
    assert author.exit_code == 2 and "known: amy, bob" in author.output
    lib.post("2026-12-01-taken")
    clash = invoke(*args, "--type", "news", "--slug", "taken", "--at", "2026-12-02 10:00")
    assert clash.exit_code == 1 and "slug 'taken' is also used" in clash.output
    assert not (lib.root / "content/posts/2026/2026-12-02-taken.md").exists()  # not kept


def test_new_uses_the_librarys_own_template(lib: Lib) -> None:
    lib.write(
        "templates/new/news.md.j2",
        "---\ntitle: {{ title|yaml }}\npublish_at: {{ publish_at }}\ntype: news\nsummary: 館內自訂範本\n"
        "authors: [{{ author }}]\noriginal: true\ndraft: true\n---\n自訂內文\n",
    )
    result = invoke(
        "new", "--type", "news", "--title", "Hello", "--at", "2026-12-01 09:00", "--root", str(lib.root)
    )
    assert result.exit_code == 0, result.output
    assert "自訂內文" in (lib.root / "content/posts/2026/2026-12-01-hello.md").read_text(encoding="utf-8")


def test_slugs_and_yaml_scalars() -> None:
    assert slugify("Hello, World!  2026") == "hello-world-2026"
    assert slugify("冬季 開館時間") == "冬季-開館時間"
    assert slugify("!!!") == "post"
    for value in ("plain", "a: b", "x #y", "- list", "yes", "123", "'quoted'", "「引號」", "@at"):
        assert yaml.safe_load(f"k: {yaml_scalar(value)}") == {"k": value}, value
    assert yaml_scalar("plain") == "plain"


def test_codeowners_command_matches_the_committed_file() -> None:
    result = cli("codeowners", "--root", str(REPO))
    assert result.exit_code == 0
    committed = (REPO / ".github/CODEOWNERS").read_text(encoding="utf-8")
    assert result.stdout == committed
    assert "/content/    @lin-yawen-qc @shuhui-wang @zhiwei-huang" in committed


def test_check_fails_when_codeowners_is_out_of_date(lib: Lib) -> None:
    lib.write("plan/team.yml", TEAM)
    assert load_library(lib.root).ok  # no CODEOWNERS: nothing to compare
    written = cli("codeowners", "--write", "--root", str(lib.root))
    assert written.exit_code == 0
    text = (lib.root / ".github/CODEOWNERS").read_text(encoding="utf-8")
    assert text == codeowners_text(load_library(lib.root).plan.team)
    assert "*            @amy-lin\n/content/    @bobchen @cat-tsai\n" in text
    assert cli("check", "--root", str(lib.root)).exit_code == 0

    lib.write("plan/team.yml", TEAM.replace("roles: [editor, reviewer]", "roles: [editor]"))
    check = cli("check", "--root", str(lib.root))
    assert check.exit_code == 1
    assert re.search(
        r"\.github/CODEOWNERS:5:1: error: is out of date with plan/team\.yml: line 5 is "
        r"'/content/    @bobchen @cat-tsai', should be '/content/    @bobchen'; run `shelfpost codeowners --write`",
        check.output,
    )


def test_readme_new_post_links_are_current_and_valid() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    library = load_library(REPO)
    assert render_readme(readme, library) == readme, "README.md is out of date: run `make docs`"
    links = re.findall(r"\[new (\w+) post\]\((\.\./\.\./new/main\?[^)]+)\)", readme)
    assert [t for t, _ in links] == ["news", "resource", "event"]
    for type_id, url in links:
        query = parse_qs(urlsplit(url).query)
        assert query["filename"] == ["content/posts/YYYY/YYYY-MM-DD-slug.md"]
        value = query["value"][0]
        front = yaml.safe_load(value.split("---\n")[1])
        assert front["type"] == type_id and front["draft"] is True
        assert ("event" in front) == (type_id == "event")


def test_links_lead_to_a_post_that_checks_once_placeholders_are_filled(lib: Lib, tmp_path: Path) -> None:
    readme = render_readme("<!-- newpost:start -->\n<!-- newpost:end -->", load_library(lib.root))
    url = re.findall(r"\[new event post\]\(([^)]+)\)", readme)[0]
    value = parse_qs(urlsplit(url).query)["value"][0]
    filled = (
        value.replace("YYYY-MM-DD HH:MM", "2026-12-05 10:00", 1)
        .replace("YYYY-MM-DD HH:MM", "2026-12-12 14:00", 1)
        .replace("YYYY-MM-DD HH:MM", "2026-12-12 16:00", 1)
        .replace("your-author-id", "bob")
    )
    lib.post("2026-12-05-from-the-browser", filled)
    as_is = lib.post("2026-12-06-unfilled", value)
    errors = [p for p in load_library(lib.root).problems if p.is_error]
    assert not [p for p in errors if p.path == "content/posts/2026/2026-12-05-from-the-browser.md"]
    unfilled = {
        (p.line, p.message.split(":")[0]) for p in errors if p.path == as_is.relative_to(lib.root).as_posix()
    }
    assert (3, "publish_at") in unfilled  # each placeholder is reported on its line
    assert (14, "event.end") in unfilled
