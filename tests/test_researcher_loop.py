"""The researcher's loop from end to end, in a real browser and through the command line: correct two
scores in the app, export the labels, train with them, compare the models, switch the default, score."""

import json
import shutil

import numpy as np
import pytest

from inference.scorer import Scorer
from stancetrace.cli import main
from stancetrace.labels import LabelStore
from tests.conftest import TINY_CONFIG
from tests.test_app import BROWSER_FLAGS, scored_in_browser, served_app
from training.own_labels import held_out, read_own_labels

FIRST = "上海市国资委召开专题学习会，加强对稳定币的研究。"
SECOND = "The authority bans every token offering and orders the platforms to close."


@pytest.fixture
def own_home(tmp_path, monkeypatch):
    """A data folder of the test's own, so that choosing a default model here changes no other test."""
    monkeypatch.setenv("STANCETRACE_HOME", str(tmp_path / "home"))
    return tmp_path / "home"


def correct_in_browser(page, number: int, level: str, objects: dict[str, str]) -> None:
    """Open card `number`'s "correct" control, choose the level and objects' levels, save."""
    from playwright.sync_api import expect

    page.get_by_text(f"Correct #{number}").click()
    for elem, choice in {
        f"correct-level-{number}": level,
        **{f"correct-{o}-{number}": c for o, c in objects.items()},
    }.items():
        box = page.locator(f"#{elem} input")
        box.click()
        page.locator(f'#{box.get_attribute("aria-controls")} [aria-label="{choice}"]').click()
    page.locator(f"#correct-save-{number}").click()
    expect(page.locator("#correct-message")).to_contain_text(f"Saved: {level}", timeout=30_000)


def test_correct_export_train_compare_use_score(
    own_home, tiny_stance_model, tiny_model_dir, tmp_path, capsys
):
    old = tiny_stance_model[0]
    assert main(["models", "use", str(old)]) == 0
    db = tmp_path / "app.sqlite"
    with served_app(old, db) as (url, _), scored_in_browser(url, f"{FIRST}\n\n{SECOND}", cards=2) as page:
        correct_in_browser(page, 1, "+1 explore", {"stablecoin": "+1 explore"})
        correct_in_browser(page, 2, "-2 ban", {"crypto": "-2 ban"})
    stored = LabelStore(db).all()
    assert [(r["text"], r["label"], r["targets"], r["source"]) for r in stored] == [
        (FIRST, 1, {"stablecoin": 1}, "correction"),
        (SECOND, -2, {"crypto": -2}, "correction"),
    ]
    assert all(r["model"] == str(old) and r["labelled"] for r in stored)

    labels = tmp_path / "labels.jsonl"
    assert main(["labels", "export", "--db", str(db), "--out", str(labels)]) == 0
    exported = [json.loads(line) for line in labels.read_text(encoding="utf-8").splitlines()]
    assert [(r["text"], r["label"], r["targets"]) for r in exported] == [
        (FIRST, 1, {"stablecoin": 1}),
        (SECOND, -2, {"crypto": -2}),
    ]
    assert main(["labels", "export", "--db", str(db), "--out", str(labels)]) == 2  # never overwritten unasked

    new = tmp_path / "new"
    settings = ["--epochs", "1", "--max-steps", str(TINY_CONFIG["max_steps"]), "--seed", "8"]
    assert (
        main(
            ["train", "--out", str(new), "--add", str(labels), "--base-model", str(tiny_model_dir), *settings]
        )
        == 0
    )
    card = (new / "README.md").read_text(encoding="utf-8")
    assert (
        "## Your own statements" in card
        and __import__("hashlib").sha256(labels.read_bytes()).hexdigest() in card
    )
    capsys.readouterr()

    assert main(["eval", "--model", str(new), "--compare", str(old), "--out", str(tmp_path / "c.json")]) == 0
    printed = capsys.readouterr().out
    assert "difference" in printed and "paired bootstrap 95% interval" in printed
    assert (
        main(["eval", "--model", str(new), "--data", str(labels), "--out", str(tmp_path / "own.json")]) == 0
    )
    trained_on = sum(not held_out(s) for s in read_own_labels([labels]).statements)
    assert (f"trained on {trained_on} of these 2 statements" in capsys.readouterr().err) == (trained_on > 0)
    comparison = json.loads((tmp_path / "c.json").read_text())
    interval = comparison["macro_f1_difference"]
    assert interval["low"] <= interval["difference"] <= interval["high"]

    assert main(["models", "use", str(new)]) == 0
    assert main(["models", "list"]) == 0
    listed = [line for line in capsys.readouterr().out.splitlines() if str(new) in line]
    assert listed and listed[-1].lstrip().startswith("*")

    texts = tmp_path / "texts.jsonl"
    texts.write_text("".join(json.dumps({"text": t}, ensure_ascii=False) + "\n" for t in (FIRST, SECOND)))
    assert main(["score", str(texts), "--out", str(tmp_path / "scored.jsonl")]) == 0
    scored = [json.loads(line) for line in (tmp_path / "scored.jsonl").read_text().splitlines()]
    probs = np.array([[r["probs"][k] for k in r["probs"]] for r in scored])
    by_new = np.array([list(r.probs.values()) for r in Scorer(new).score([FIRST, SECOND])])
    by_old = np.array([list(r.probs.values()) for r in Scorer(old).score([FIRST, SECOND])])
    assert np.allclose(probs, by_new, atol=1e-5) and not np.allclose(probs, by_old, atol=1e-5)


def test_the_label_tab_walks_a_queue(tiny_stance_model, tmp_path):
    from playwright.sync_api import expect, sync_playwright

    queue = tmp_path / "queue.jsonl"
    items = [
        {"id": "q1", "text": FIRST, "model_label": 0, "uncertainty": 0.9, "model_targets": {"stablecoin": 0}},
        {"id": "q2", "text": SECOND, "model_label": -1, "uncertainty": 0.8, "date": "2024-05-01"},
        {"id": "q3", "text": "The central bank studies a retail digital currency.", "model_label": 0},
    ]
    queue.write_text("".join(json.dumps(i, ensure_ascii=False) + "\n" for i in items), encoding="utf-8")
    db = tmp_path / "app.sqlite"
    with served_app(tiny_stance_model[0], db) as (url, _), sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=shutil.which("chromium"), args=BROWSER_FLAGS)
        page = browser.new_page(viewport={"width": 1280, "height": 1100})
        page.goto(url)
        page.get_by_role("tab", name="Label").click()
        page.locator("#queue-upload input[type=file]").set_input_files(str(queue))
        page.locator("#load-queue").click()
        expect(page.locator("#queue-progress")).to_contain_text("Statement 1 of 3", timeout=30_000)
        expect(page.locator("#queue-text textarea")).to_have_value(FIRST)
        expect(page.locator("#queue-stablecoin input")).to_have_value("+0 neutral")  # the model's, to amend
        page.locator("#queue-level").get_by_label("+1 explore").check()
        page.locator("#queue-save").click()
        expect(page.locator("#queue-progress")).to_contain_text("Statement 2 of 3", timeout=30_000)
        page.locator("#queue-skip").click()
        expect(page.locator("#queue-progress")).to_contain_text("Statement 3 of 3", timeout=30_000)
        page.locator("#queue-save").click()  # no level chosen: refused
        expect(page.locator("body")).to_contain_text(
            "Choose the level of this statement first", timeout=30_000
        )
        page.locator("#queue-level").get_by_label("+0 neutral").check()
        page.locator("#queue-save").click()
        expect(page.locator("#queue-progress")).to_contain_text("Queue done", timeout=30_000)
        page.reload()  # a queue loaded again starts at the first statement not labelled: the skipped one
        page.get_by_role("tab", name="Label").click()
        page.locator("#queue-upload input[type=file]").set_input_files(str(queue))
        page.locator("#load-queue").click()
        expect(page.locator("#queue-progress")).to_contain_text("Statement 2 of 3", timeout=30_000)
        browser.close()
    stored = LabelStore(db).all()
    assert [(r["item"], r["label"], r["targets"], r["source"]) for r in stored] == [
        ("q1", 1, {"stablecoin": 0}, "queue"),
        ("q3", 0, {}, "queue"),
    ]
