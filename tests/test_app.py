"""The app: its timeline store, its API through gradio_client, and a real browser.

The browser test saves a screenshot of the Score tab into $STANCETRACE_SCREENSHOTS (else a temporary
folder); $STANCETRACE_TEST_MODEL runs the app on another model than the tiny one (the README's
screenshots: STANCETRACE_TEST_MODEL=<default model> STANCETRACE_SCREENSHOTS=docs/screenshots).
"""

import contextlib
import os
import re
import shutil
import socket
import sqlite3
import subprocess
from html import escape
from pathlib import Path
from urllib.parse import urlsplit

import gradio as gr
import pandas as pd
import pytest
from gradio_client import Client

import app as stance_app
from corpus.scale import display_name
from inference.scorer import Scored, Scorer
from stancetrace import render
from stancetrace.store import Statement, TimelineStore

STATEMENT = "上海市国资委召开专题学习会，强调加强对稳定币等数字货币的研究探索，严禁炒作虚拟货币。"
# A municipal notice long enough to be read in several passages: background, legal basis, one
# operative paragraph (a ban on virtual-currency trading services) and closing boilerplate.
NOTICE = "\n".join(
    [
        "滨江市地方金融监督管理局 滨江市公安局 滨江市市场监督管理局关于防范和处置虚拟货币交易炒作风险的通知",
        "各区人民政府，市政府各委、办、局，各有关单位：",
        "近年来，本市金融市场总体运行平稳，各类金融机构服务实体经济的能力持续增强，普惠金融的覆盖面不断扩大，"
        "企业和居民获得金融服务的便利程度明显提升。与此同时，部分新兴金融业态发展较快，业务模式日趋复杂，"
        "跨区域、跨行业、跨市场的风险传导特征更加突出，对地方金融监管工作提出了新的更高要求。",
        "截至去年年底，全市共有小额贷款公司、融资担保公司、融资租赁公司、商业保理公司和典当行等地方金融组织四百余家。"
        "各区、各部门认真落实属地管理责任，定期开展风险排查，完善监测预警机制，健全跨部门协作机制，"
        "稳妥处置了一批重点风险事件，守住了不发生区域性系统性金融风险的底线。",
        "在日常监测中发现，一些不法分子借助社交媒体、即时通讯群组和境外网站，以区块链创新、数字资产投资、"
        "稳定收益等名义开展宣传推广，诱导群众参与所谓的虚拟货币买卖和挖矿合约。部分群众对相关活动的性质和风险认识不足，"
        "盲目跟风投入，个别案件涉及人数多、资金量大、地域分布广，给群众财产安全和社会稳定带来隐患。",
        "市金融风险防控工作领导小组多次召开专题会议，分析研判本市非法金融活动的新情况新特点，"
        "部署开展打击整治专项行动。各区结合本地实际，组织街道、社区和网格员开展入户走访和宣传教育，"
        "在商业楼宇、产业园区和孵化器中排查以科技创新为名开展非法金融活动的市场主体，取得了阶段性成效。",
        "从排查情况看，相关活动呈现出手段隐蔽、传播迅速、跨境操作等特点，一些平台将服务器设在境外，"
        "通过境内代理人员发展客户，利用第三方支付通道和个人银行账户转移资金，给监测发现和调查取证带来较大困难。"
        "部分市场主体在名称和经营范围中使用数字科技、链上服务等字样，实际从事与登记内容不符的业务。",
        "根据《中华人民共和国中国人民银行法》《中华人民共和国商业银行法》《中华人民共和国网络安全法》"
        "《防范和处置非法集资条例》以及国家有关部门关于防范虚拟货币交易炒作风险的规定，结合本市实际，"
        "经市人民政府同意，现就有关事项通知如下。",
        "一、虚拟货币不具有与法定货币等同的法律地位，不得作为货币在市场上流通使用。本市行政区域内，"
        "任何单位和个人一律不得开展法定货币与虚拟货币兑换业务、虚拟货币之间的兑换业务，不得作为中央对手方买卖虚拟货币，"
        "不得为虚拟货币交易提供信息中介、撮合和定价服务，不得开展代币发行融资和虚拟货币衍生品交易。"
        "上述活动一律属于非法金融活动，一经发现，依法予以取缔；涉嫌犯罪的，移送公安机关依法追究刑事责任。",
        "二、各区、各有关部门要提高认识，加强组织领导，明确责任分工，强化协同配合，确保本通知各项要求落实到位。"
        "要充分利用报刊、广播、电视、网站和新媒体平台，广泛开展宣传教育，引导公众树立正确的投资理念，"
        "增强风险防范意识和识别能力。",
        "三、本通知自印发之日起施行。执行中遇到的问题，请及时向市地方金融监督管理局反映。"
        "联系人：风险处置处王科长，联系电话：8765 4321；电子邮箱：fxcz@jrj.binjiang.example。",
        "特此通知。",
        "滨江市地方金融监督管理局 滨江市公安局 滨江市市场监督管理局",
        "2024年3月15日",
    ]
)
BROWSER_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def test_store_persists_and_deletes(tmp_path):
    path = tmp_path / "timeline.sqlite"
    first = TimelineStore(path).add(
        Statement("2025-07-10", "CN-SH", "text one", "explore", 0.5, issuer="SASAC")
    )
    TimelineStore(path).add(Statement("2021-09-24", "CN", "text two", "ban", -0.9))
    reopened = TimelineStore(path)
    assert [r["date"] for r in reopened.all()] == ["2021-09-24", "2025-07-10"]
    assert reopened.delete(first) and not reopened.delete(first)
    assert [r["text"] for r in TimelineStore(path).all()] == ["text two"]


def test_statements_split_on_blank_lines_and_size_is_limited(tiny_stance_model, tmp_path):
    assert stance_app.split_statements("一。\n\n  \nTwo.\nstill two\n\n") == ["一。", "Two.\nstill two"]
    assert stance_app.pasted_statements(" 一。\n\nTwo.\n\n", one_document=True) == ["一。\n\nTwo."]
    assert stance_app.pasted_statements(" \n\n ", one_document=True) == []
    application = stance_app.StanceApp(tiny_stance_model[0], tmp_path / "db.sqlite")
    with pytest.raises(gr.Error, match="limit is 100,000"):
        application.score("字" * 100_001)
    with pytest.raises(gr.Error, match="YYYY-MM-DD"):
        application.add_to_timeline([{"text": "x", "label": "ban", "score": -1}], "July 2025", "CN-SH", "")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def served_app(tiny_model: Path, db: Path):
    """The app served on a free port, on $STANCETRACE_TEST_MODEL or `tiny_model`: (url, app)."""
    model = os.environ.get("STANCETRACE_TEST_MODEL") or tiny_model
    application = stance_app.StanceApp(model, db)
    application.timeline.corpus_points()
    port = free_port()
    blocks = application.launch(port, prevent_thread_lock=True)
    yield f"http://127.0.0.1:{port}/", application
    blocks.close()


@pytest.fixture(scope="module")
def running_app(tiny_stance_model, tmp_path_factory):
    with served_app(tiny_stance_model[0], tmp_path_factory.mktemp("db") / "timeline.sqlite") as served:
        yield served


def test_api_through_gradio_client(running_app):
    url, application = running_app
    client = Client(url, verbose=False)
    html, results = client.predict(STATEMENT, None, True, api_name="/score")
    assert results[0]["label"] in html and results[0]["lang"] == "zh"
    message, _ = client.predict(results, "2025-07-10", "CN-SH", "Shanghai SASAC", api_name="/add_to_timeline")
    assert message.startswith("Added 1 statement")
    stored_id = application.store.all()[-1]["id"]
    drawn = client.predict(
        ["CN-SH"], ["overall"], "model", False, True, "", "", "", 180, api_name="/trajectory"
    )
    _, summary, _, _, points, csv_path, _, _, png_path, svg_path = drawn
    assert any(row[9] == "added" for row in points["data"]) and "change point(s)" in summary
    assert len(pd.read_csv(csv_path)) == len(points["data"])
    assert Path(png_path).read_bytes()[:4] == b"\x89PNG" and b"<svg" in Path(svg_path).read_bytes()[:1000]
    client.predict(stored_id, api_name="/delete_statement")
    assert all(r["id"] != stored_id for r in application.store.all())
    saved = client.predict(STATEMENT, "+1 explore", {"stablecoin": "+1 explore"}, api_name="/correct")
    assert saved.startswith("Saved: +1 explore")
    latest = application.labels.all()[-1]
    assert (latest["text"], latest["label"], latest["targets"]) == (STATEMENT, 1, {"stablecoin": 1})


def test_a_cjk_font_is_installed():
    listed = subprocess.run(["fc-list", ":lang=zh"], capture_output=True, text=True).stdout
    assert "CJK" in listed, "install fonts-noto-cjk, or Chinese renders as empty boxes"


def test_in_a_real_browser(running_app, tmp_path):
    from playwright.sync_api import expect, sync_playwright

    assert shutil.which("chromium"), "Debian chromium is missing: scripts/test.sh installs it"
    url, application = running_app
    requested = []
    shots = Path(os.environ.get("STANCETRACE_SCREENSHOTS") or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=shutil.which("chromium"), args=BROWSER_FLAGS)
        page = browser.new_page(viewport={"width": 1280, "height": 1100})
        page.on("request", lambda request: requested.append(request.url))
        page.goto(url)
        page.locator("#statement textarea").fill(STATEMENT)
        page.locator("#score-button").click()
        expect(page.locator("#result .st-label")).to_be_visible(timeout=60_000)
        assert page.locator("#result .st-label").inner_text() in {
            "ban",
            "restrict",
            "neutral",
            "explore",
            "embrace",
        }
        assert page.locator("#result mark.ev-ban, #result mark.ev-embrace").count() > 0
        page.locator("#date textarea, #date input").first.fill("2025-07-10")
        page.locator("#add-button").click()
        expect(page.locator("#message")).to_contain_text("Added 1 statement", timeout=30_000)
        page.screenshot(path=str(shots / "score-tab.png"), full_page=True)
        page.get_by_role("tab", name="Trajectory").click()
        expect(page.locator("#plot .js-plotly-plot")).to_be_visible(timeout=60_000)
        page.locator("#targets").get_by_label("overall").check()
        expect(page.locator("#plot")).to_contain_text(
            "Shanghai · overall (added)", timeout=30_000
        )  # the legend names the stored point
        browser.close()
    assert (shots / "score-tab.png").stat().st_size > 10_000
    outside = [
        u
        for u in requested
        if urlsplit(u).scheme in ("http", "https", "ws", "wss") and urlsplit(u).hostname != "127.0.0.1"
    ]
    assert requested and outside == []  # fonts and scripts are local: nothing leaves the machine


def test_cards_escape_passages_and_objects_and_note_when_none_is_addressed():
    text = "<b>bold</b>\n" * 40
    probs = {"ban": 1.0, "restrict": 0.0, "neutral": 0.0, "explore": 0.0, "embrace": 0.0}
    level = {"label": "ban", "level": -2, "score": -1.0}
    result = Scored(
        **level,
        probs=probs,
        lang="en",
        chunks=2,
        targets={"<i>crypto</i>": {**level, "probs": probs, "addressed": 0.9}},
        decisive=[{"start": 12, "end": len(text), **level}],
    )
    card, shown = render.card(text, result), render.shortened(text[12:])
    assert "<b>" not in card and "<i>" not in card
    assert "&lt;i&gt;crypto&lt;/i&gt; -2 ban</span>" in card and "characters 12–480" in card
    assert shown.endswith("…") and len(shown) <= render.PASSAGE_CHARS + 1 and text[12:].startswith(shown[:-1])
    assert f'<div class="st-passage-text">{escape(shown)}</div>' in card
    assert "no object addressed" in render.card("text", Scored(**level, probs=probs, targets={}))
    quiet = render.card("text", Scored(**level, probs=probs))
    assert "st-objects" not in quiet and "st-decisive" not in quiet


@contextlib.contextmanager
def scored_in_browser(url: str, text: str, one_document: bool = False, cards: int = 1):
    """A headless Debian chromium page of the app at `url` with `text` pasted and scored, read as one
    document when `one_document`, once `cards` cards are shown."""
    from playwright.sync_api import expect, sync_playwright

    assert shutil.which("chromium"), "Debian chromium is missing: scripts/test.sh installs it"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=shutil.which("chromium"), args=BROWSER_FLAGS)
        page = browser.new_page(viewport={"width": 1280, "height": 1100})
        page.goto(url)
        page.locator("#statement textarea").fill(text)
        if one_document:  # else the box is left as the app starts: unticked
            page.locator("#one-document input").check()
        page.locator("#score-button").click()
        expect(page.locator("#result .st-card")).to_have_count(cards, timeout=60_000)
        yield page
        browser.close()


def test_the_objects_a_statement_addresses_are_drawn_as_chips(running_app):
    from playwright.sync_api import expect

    url, application = running_app
    scorer = Scorer(application.model_dir)
    assert scorer.stance_model.objects, "the test model has no object heads"
    (expected,) = scorer.score([STATEMENT])
    assert expected.targets, "the test model addresses no object in the statement: choose another one"
    with scored_in_browser(url, STATEMENT) as page:
        chips = page.locator("#result .st-object")
        expect(chips).to_have_count(len(expected.targets))
        for name, target in expected.targets.items():
            chip = page.locator(f'#result .st-object[data-object="{name}"]')
            expect(chip).to_have_text(f"{name} {display_name(target['level'])}")
            expect(chip).to_have_class(re.compile(rf"\bst-{target['label']}\b"))
            assert chip.evaluate("e => getComputedStyle(e).backgroundColor") != "rgba(0, 0, 0, 0)"
        expect(page.locator("#result .st-decisive")).to_have_count(0)  # a short statement is read whole


def test_a_long_notice_shows_the_passages_that_decided_it(running_app):
    from playwright.sync_api import expect

    url, application = running_app
    (expected,) = Scorer(application.model_dir).score([NOTICE])
    assert expected.decisive, "the notice must be read in several passages"
    with scored_in_browser(url, NOTICE) as page:
        section = page.locator("#result .st-decisive")
        expect(section).to_contain_text("Decisive passages")
        items = section.locator(".st-passage")
        expect(items).to_have_count(len(expected.decisive))
        for item, passage in zip(items.all(), expected.decisive):
            start, end = passage["start"], passage["end"]
            expect(item.locator(".st-chip")).to_have_text(display_name(passage["level"]))
            expect(item.locator(".st-offsets")).to_have_text(f"characters {start}–{end}")
            shown, whole = item.locator(".st-passage-text").inner_text(), NOTICE[start:end]
            if len(whole) <= render.PASSAGE_CHARS:
                assert shown == whole
            else:
                assert shown.endswith("…") and whole.startswith(shown[:-1])
                assert len(shown) <= render.PASSAGE_CHARS + 1


def test_a_notice_with_blank_lines_is_read_whole_when_asked(running_app):
    from playwright.sync_api import expect

    url, application = running_app
    notice = NOTICE.replace("\n", "\n\n")  # its paragraphs separated by blank lines
    (expected,) = Scorer(application.model_dir).score([notice])
    assert expected.decisive, "the notice must be read in several passages"
    paragraphs = len(NOTICE.splitlines())
    with scored_in_browser(url, notice, cards=paragraphs) as page:
        expect(page.locator("#result .st-decisive")).to_have_count(0)  # each paragraph is read alone
    with scored_in_browser(url, notice, one_document=True) as page:
        expect(page.locator("#result .st-decisive")).to_contain_text("Decisive passages")
        expect(page.locator("#result .st-decisive .st-passage")).to_have_count(len(expected.decisive))


def test_stance_app_passes_its_options_to_the_app(monkeypatch):
    from stancetrace.cli import main

    seen = []
    monkeypatch.setattr(stance_app, "main", seen.append)
    assert main(["app", "--no-browser", "--port", "7999"]) == 0
    assert seen == [["--no-browser", "--port", "7999"]]


@pytest.fixture
def application(tiny_stance_model, tmp_path):
    return stance_app.StanceApp(tiny_stance_model[0], tmp_path / "db.sqlite")


def test_the_timeline_stores_the_models_label_and_score_not_the_clients(application):
    forged = [{"text": STATEMENT, "label": "<b>FORGED</b>", "score": 999}]
    application.add_to_timeline(forged, "2025-07-10", "CN-SH", "")
    (stored,) = application.store.all()
    assert stored["label"] in {"ban", "restrict", "neutral", "explore", "embrace"}
    assert -1 <= stored["score"] <= 1
    with pytest.raises(gr.Error, match="needs its text"):
        application.add_to_timeline([{"label": "ban", "score": -1}], "2025-07-10", "CN-SH", "")


@pytest.mark.parametrize("given", ["1.5", "abc", "1e30", "-1", "0", "", None])
def test_only_whole_positive_ids_are_deleted(application, given):
    application.add_to_timeline([{"text": STATEMENT}], "2025-07-10", "CN-SH", "")
    application.add_to_timeline([{"text": STATEMENT}], "2025-07-11", "CN-SH", "")
    with pytest.raises(gr.Error, match="whole number"):
        application.delete_statement(given)
    assert len(application.store.all()) == 2


@pytest.mark.parametrize("date", ["0001-01-01", "9999-12-31", "1989-12-31"])
def test_dates_out_of_range_are_refused(application, date):
    with pytest.raises(gr.Error, match="must lie between 1990-01-01"):
        application.add_to_timeline([{"text": STATEMENT}], date, "CN-SH", "")


def test_the_trajectory_survives_any_stored_row_and_its_csv_is_safe(application):
    application.store.add(Statement("0001-01-01", "CN-SH", "far past", "ban", -1.0))
    application.store.add(Statement("9999-12-31", "CN-SH", "far future", "ban", -1.0))
    application.store.add(
        Statement("2025-07-10", "CN-SH", STATEMENT, "explore", 0.4, issuer='=HYPERLINK("http://x")')
    )
    drawn = application.trajectory(["CN-SH"], ["overall"])
    shown, csv_path = drawn[4], drawn[5]
    assert "far past" not in set(shown["text"]) and STATEMENT[:80] in set(shown["text"])
    cells = pd.read_csv(csv_path, dtype=str, keep_default_na=False)
    assert '\'=HYPERLINK("http://x")' in set(cells["issuer"])
    again = application.trajectory(["CN-SH"], ["overall"])
    assert Path(again[5]).parent == Path(csv_path).parent  # one folder for the app, not one per plot


def test_a_file_that_is_not_a_pdf_gets_a_message(application, tmp_path):
    fake = tmp_path / "statement.pdf"
    fake.write_text("plain text, not a PDF")
    with pytest.raises(
        gr.Error, match="Cannot read the uploaded file: .*statement.pdf: cannot read it as PDF"
    ):
        application.score("", str(fake))


def test_scoring_runs_several_requests_at_once(application):
    blocks = application.build()
    (score,) = [fn for fn in blocks.fns.values() if fn.api_name == "score"]
    assert score.concurrency_limit == stance_app.SCORE_CONCURRENCY > 1


def test_a_database_that_refuses_writes_gives_a_message(application):
    application.add_to_timeline([{"text": STATEMENT}], "2025-07-10", "CN-SH", "")
    with sqlite3.connect(application.store.path) as db:  # as a read-only file would: every write fails
        for action in ("INSERT", "DELETE"):
            db.execute(
                f"CREATE TRIGGER refuse_{action.lower()} BEFORE {action} ON statements "
                "BEGIN SELECT RAISE(ABORT, 'attempt to write a readonly database'); END"
            )
    for attempt in (
        lambda: application.add_to_timeline([{"text": STATEMENT}], "2025-07-11", "CN-SH", ""),
        lambda: application.delete_statement("1"),
    ):
        with pytest.raises(gr.Error, match=f"{application.store.path}: the database cannot be used"):
            attempt()
