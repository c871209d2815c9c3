"""`shelfpost metrics import` and `shelfpost survey import` on fixtures in each
export's own format (tests/fixtures/metrics/): Meta's post export with a BOM in
English and in Traditional Chinese with drifting columns, Meta's UTF-16 daily page
export, a WeChat export through a column mapping, and Google Forms, LimeSurvey
and KoboToolbox surveys with e-mail, IP, tokens and free text that must not survive."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pytest

from conftest import Lib, post_text, run_cli

FIXTURES = Path(__file__).parent / "fixtures" / "metrics"
QUESTION = "整體而言，您對圖書館社群貼文的滿意度？(1-5)"
NOW = "2026-12-02T09:00:00+08:00"

CHANNELS = """\
channels:
  facebook:
    kind: manual
    name: Facebook 粉絲專頁
    handle: 晴川市立圖書館
  wechat:
    kind: manual
    name: 微信公众号
    metrics_columns: {post: 文章ID, published: 发表时间, reach: 阅读人数, views: 阅读次数, likes: 点赞人数, shares: 分享人数, replies: 留言数}
"""

METRICS = f"""\
surveys:
  forms:
    tool: google-forms
    question: "{QUESTION}"
  lime:
    tool: limesurvey
    question: "{QUESTION}"
  kobo:
    tool: kobotoolbox
    question: satisfaction
"""


@pytest.fixture
def mlib(lib: Lib) -> Lib:
    lib.write("plan/channels.yml", CHANNELS)
    lib.write("plan/metrics.yml", METRICS)
    lib.write("plan/targets.yml", "satisfaction_change: 0.05\nsatisfaction_baseline: 2026-Q3\n")
    lib.post(
        "2026-11-02-third-floor", post_text(publish_at="2026-11-02 10:00", extra="channels: [facebook]\n")
    )
    lib.post("2026-11-06-seniors", post_text(publish_at="2026-11-06 14:30", extra="channels: [facebook]\n"))
    return lib


def rows(root: Path, kind: str) -> list[dict[str, str]]:
    out: list[dict[str, str]] = []
    for path in sorted((root / "data/metrics" / kind).glob("*.csv")):
        with path.open(encoding="utf-8", newline="") as handle:
            out.extend(csv.DictReader(handle))
    return out


def imp(lib: Lib, name: str, channel: str = "facebook") -> tuple[int, str, str]:
    done = run_cli(
        "metrics", "import", str(FIXTURES / name), "--channel", channel, "--now", NOW, cwd=lib.root
    )
    return done.returncode, done.stdout, done.stderr


def snapshot(root: Path) -> dict[str, bytes]:
    return {str(p): p.read_bytes() for p in (root / "data/metrics").rglob("*.csv")}


def test_meta_post_export_in_english_imports_the_totals_and_twice_changes_nothing(mlib: Lib) -> None:
    code, out, err = imp(mlib, "meta-facebook-posts-en.csv")
    assert code == 0, err
    assert "facebook: 3 post(s), 2 matched to the library's posts; 3 changed, 0 unchanged" in out
    got = {r["post"]: r for r in rows(mlib.root, "posts")}
    assert set(got) == {"third-floor", "seniors", "facebook:900000000000103"}
    third = got["third-floor"]
    assert (third["reach"], third["views"], third["likes"], third["replies"], third["shares"], third["clicks"]) == (
        "1240", "1820", "64", "9", "7", "88",
    )  # fmt: skip
    assert third["published"] == "2026-11-02T02:00:00Z"  # 10:00 in the page's zone (Asia/Taipei)
    text = (mlib.root / "data/metrics/posts/2026-12.csv").read_text(encoding="utf-8")
    assert "三樓" not in text and "Permalink" not in text and "facebook.example" not in text
    before = snapshot(mlib.root)
    code, out, _ = imp(mlib, "meta-facebook-posts-en.csv")
    assert code == 0 and "0 changed, 3 unchanged" in out
    assert snapshot(mlib.root) == before


def test_the_chinese_export_with_drifted_columns_is_the_same_data(mlib: Lib) -> None:
    assert imp(mlib, "meta-facebook-posts-en.csv")[0] == 0
    before = snapshot(mlib.root)
    code, out, err = imp(mlib, "meta-facebook-posts-zh-tw.csv")
    assert code == 0, err
    assert "0 changed, 3 unchanged" in out  # 32 columns in another order and language: same numbers
    assert snapshot(mlib.root) == before


def test_the_utf16_daily_page_export_gives_followers_per_day(mlib: Lib) -> None:
    code, out, err = imp(mlib, "meta-facebook-followers-daily.csv")
    assert code == 0, err
    assert "facebook: 7 day(s) of followers; 7 changed, 0 unchanged" in out
    got = rows(mlib.root, "accounts")
    assert [(r["date"], r["followers"]) for r in got][:2] == [("2026-11-01", "1503"), ("2026-11-02", "1506")]
    assert got[-1]["following"] == ""  # not in the export: not available
    assert "0 changed, 7 unchanged" in imp(mlib, "meta-facebook-followers-daily.csv")[1]


def test_an_export_that_is_not_one_names_its_columns_and_the_missing_ones(mlib: Lib) -> None:
    code, _, err = imp(mlib, "not-an-export.csv")
    assert code == 1
    assert (
        "not-an-export.csv: not a Meta Business Suite post export: it has the columns Name, Email, Comment; "
        "missing: post (Post ID / 貼文編號), published (Publish time / 發佈時間), reach (Reach / 觸及人數)"
    ) in err
    assert not (mlib.root / "data").exists()


def test_another_accounts_export_is_refused(mlib: Lib) -> None:
    code, _, err = imp(mlib, "meta-facebook-posts-other-page.csv")
    assert code == 1
    assert "an export of another account (Page name: Another Library 別館)" in err
    assert not (mlib.root / "data").exists()


def test_a_mapped_export_of_another_platform(mlib: Lib) -> None:
    code, out, err = imp(mlib, "wechat-articles.csv", "wechat")
    assert code == 0, err
    assert "wechat: 2 post(s), 0 matched" in out
    got = {r["post"]: r for r in rows(mlib.root, "posts")}
    assert (got["wechat:wx-2026110201"]["reach"], got["wechat:wx-2026110201"]["likes"]) == ("530", "40")


def test_surveys_keep_only_score_counts_per_month(mlib: Lib) -> None:
    for survey, name in (
        ("forms", "survey-google-forms.csv"),
        ("lime", "survey-limesurvey.csv"),
        ("kobo", "survey-kobotoolbox.csv"),
    ):
        done = run_cli("survey", "import", str(FIXTURES / name), "--survey", survey, cwd=mlib.root)
        assert done.returncode == 0, done.stderr
        if survey == "forms":
            assert "forms: 4 answer(s) (2026-11: 3, 2026-12: 1); 1 without an answer" in done.stdout
            assert "survey-google-forms.csv: line 6: '6' is not on the 1-5 scale: left out" in done.stderr
    forms = (mlib.root / "data/metrics/surveys/forms.csv").read_text(encoding="utf-8")
    assert forms == "period,score,count\n2026-11,2,1\n2026-11,4,1\n2026-11,5,1\n2026-12,3,1\n"
    lime = (mlib.root / "data/metrics/surveys/lime.csv").read_text(encoding="utf-8")
    assert lime == "period,score,count\n2026-10,3,1\n2026-10,4,1\n2026-10,5,1\n"
    written = "".join(p.read_text(encoding="utf-8") for p in (mlib.root / "data").rglob("*") if p.is_file())
    for secret in ("zq.reader", "198.51.100", "tokZQ", "zq-free-text", "zq kobo", "uuid-zq", "謝謝", "10:15"):
        assert secret not in written
    before = snapshot(mlib.root)
    again = run_cli(
        "survey", "import", str(FIXTURES / "survey-google-forms.csv"), "--survey", "forms", cwd=mlib.root
    )
    assert again.returncode == 0
    assert snapshot(mlib.root) == before

    # CSAT in the report: Q4 (Oct-Dec) against the Q3 baseline (KoboToolbox, September).
    report = run_cli("metrics", "--month", "2026-11", "--format", "json", cwd=mlib.root)
    assert report.returncode == 0, report.stderr
    data = json.loads(report.stdout)["csat"]
    assert data["forms"]["responses"] == 3 and data["forms"]["csat"] == pytest.approx(2 / 3, abs=1e-4)
    assert (data["forms"]["low"], data["forms"]["high"]) == (0.2077, 0.9385)  # Wilson, 95%
    assert data["kobo"]["baseline"]["csat"] == pytest.approx(2 / 3, abs=1e-4)
    assert data["kobo"]["quarter"]["responses"] == 0
    assert data["forms"]["against_baseline"]["change"] is None  # no Q3 answers in that survey


def test_a_missing_survey_question_names_the_columns(mlib: Lib, tmp_path: Path) -> None:
    bad = tmp_path / "export.csv"
    shutil.copyfile(FIXTURES / "survey-kobotoolbox.csv", bad)
    done = run_cli("survey", "import", str(bad), "--survey", "forms", cwd=mlib.root)
    assert done.returncode == 1
    assert (
        f"export.csv: the question '{QUESTION}' (plan/metrics.yml surveys.forms.question) is not a column"
        in done.stderr
    )
