"""The app: its timeline store and change points, its API through gradio_client, and a real browser.

The browser test saves a screenshot of each tab into $STANCETRACE_SCREENSHOTS (else a temporary
folder); $STANCETRACE_TEST_MODEL runs the app on another model than the tiny one (the README's
screenshots: STANCETRACE_TEST_MODEL=<default model> STANCETRACE_SCREENSHOTS=docs/screenshots).
"""

import os
import shutil
import socket
import sqlite3
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

import gradio as gr
import numpy as np
import pandas as pd
import pytest
from gradio_client import Client

import app as stance_app
from stancetrace.store import TimelineStore
from stancetrace.trajectory import change_points

STATEMENT = "上海市国资委召开专题学习会，强调加强对稳定币等数字货币的研究探索，严禁炒作虚拟货币。"
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
    first = TimelineStore(path).add("2025-07-10", "CN-SH", "SASAC", "text one", "explore", 0.5)
    TimelineStore(path).add("2021-09-24", "CN", None, "text two", "ban", -0.9)
    reopened = TimelineStore(path)
    assert [r["date"] for r in reopened.all()] == ["2021-09-24", "2025-07-10"]
    assert reopened.delete(first) and not reopened.delete(first)
    assert [r["text"] for r in TimelineStore(path).all()] == ["text two"]


def test_change_point_at_a_shift():
    rng = np.random.default_rng(0)
    scores = np.r_[rng.normal(-0.6, 0.1, 12), rng.normal(0.6, 0.1, 12)]
    assert change_points(scores) == [12]
    assert change_points(rng.normal(0, 0.1, 24)) == []


def test_statements_split_on_blank_lines_and_size_is_limited(tiny_stance_model, tmp_path):
    assert stance_app.split_statements("一。\n\n  \nTwo.\nstill two\n\n") == ["一。", "Two.\nstill two"]
    application = stance_app.StanceApp(tiny_stance_model[0], tmp_path / "db.sqlite")
    with pytest.raises(gr.Error, match="limit is 100,000"):
        application.score("字" * 100_001)
    with pytest.raises(gr.Error, match="YYYY-MM-DD"):
        application.add_to_timeline([{"text": "x", "label": "ban", "score": -1}], "July 2025", "CN-SH", "")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def running_app(tiny_stance_model, tmp_path_factory):
    model = os.environ.get("STANCETRACE_TEST_MODEL") or tiny_stance_model[0]
    application = stance_app.StanceApp(model, tmp_path_factory.mktemp("db") / "timeline.sqlite")
    application.corpus_points()
    port = free_port()
    blocks = application.launch(port, prevent_thread_lock=True)
    yield f"http://127.0.0.1:{port}/", application
    blocks.close()


def test_api_through_gradio_client(running_app):
    url, application = running_app
    client = Client(url, verbose=False)
    html, results = client.predict(STATEMENT, None, True, api_name="/score")
    assert results[0]["label"] in html and results[0]["lang"] == "zh"
    message, _ = client.predict(results, "2025-07-10", "CN-SH", "Shanghai SASAC", api_name="/add_to_timeline")
    assert message.startswith("Added 1 statement")
    stored_id = application.store.all()[-1]["id"]
    _, points, csv_path, png_path = client.predict(["CN-SH"], api_name="/trajectory")
    assert any(row[6] == "stored" for row in points["data"])
    assert Path(csv_path).read_text(encoding="utf-8").count("\n") == len(points["data"]) + 1
    assert Path(png_path).read_bytes()[:4] == b"\x89PNG"
    client.predict(stored_id, api_name="/delete_statement")
    assert all(r["id"] != stored_id for r in application.store.all())


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
        expect(page.locator("#plot")).to_contain_text(
            "(added)", timeout=30_000
        )  # the legend names the stored point
        page.wait_for_timeout(1000)
        page.screenshot(path=str(shots / "trajectory-tab.png"), full_page=True)
        browser.close()
    assert (shots / "score-tab.png").stat().st_size > 10_000
    outside = [
        u
        for u in requested
        if urlsplit(u).scheme in ("http", "https", "ws", "wss") and urlsplit(u).hostname != "127.0.0.1"
    ]
    assert requested and outside == []  # fonts and scripts are local: nothing leaves the machine


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
    application.store.add("0001-01-01", "CN-SH", None, "far past", "ban", -1.0)
    application.store.add("9999-12-31", "CN-SH", None, "far future", "ban", -1.0)
    application.store.add("2025-07-10", "CN-SH", '=HYPERLINK("http://x")', STATEMENT, "explore", 0.4)
    figure, shown, csv_path, png_path = application.trajectory(["CN-SH"])
    assert "far past" not in set(shown["text"]) and STATEMENT[:80] in set(shown["text"])
    cells = pd.read_csv(csv_path, dtype=str, keep_default_na=False)
    assert '\'=HYPERLINK("http://x")' in set(cells["issuer"])
    again = application.trajectory(["CN-SH"])
    assert Path(again[2]).parent == Path(csv_path).parent  # one folder for the app, not one per plot


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
        with pytest.raises(gr.Error, match=f"{application.store.path}: the timeline database cannot be used"):
            attempt()
