"""The parts of the researcher's loop: the --add format, the held-out share, the queue, the label
store and its export, the choice of the default model, and the paired comparison."""

import json

import numpy as np
import pytest
from sklearn.metrics import f1_score

from inference.paths import built_in_model_dir, default_model_dir
from stancetrace.cli import main
from stancetrace.labels import Label, LabelStore
from stancetrace.suggest import candidates, pick, read_queue, suggest, uncertainty
from training.metrics import macro_f1_of, paired_bootstrap
from training.own_labels import HELD_OUT_PERCENT, held_out, parse_level, parse_targets, read_own_labels


@pytest.mark.parametrize(
    "given, level",
    [
        (-2, -2),
        ("2", 2),
        ("+1", 1),
        ("ban", -2),
        ("Explore", 1),
        ("+1 explore", 1),
        (" -1 restrict ", -1),
        (0.0, 0),
    ],
)
def test_a_label_is_a_level_or_its_name(given, level):
    assert parse_level(given) == level


@pytest.mark.parametrize("given", [3, "maybe", "+1 ban", True, None, "", 1.5])
def test_an_unknown_label_names_the_allowed_ones(given):
    with pytest.raises(ValueError, match="unknown label .*-2 or ban.*2 or embrace"):
        parse_level(given)


def test_targets_are_json_or_pairs():
    assert parse_targets('{"crypto": -2, "cbdc": null}') == {"crypto": -2}
    assert parse_targets("crypto:-2; stablecoin: explore") == {"crypto": -2, "stablecoin": 1}
    assert parse_targets("") == {} and parse_targets(None) == {}
    with pytest.raises(ValueError, match="unknown object"):
        parse_targets({"bitcoin": 1})


def test_every_bad_row_is_named_and_nothing_is_trained(tmp_path, capsys):
    good = tmp_path / "good.jsonl"
    good.write_text(json.dumps({"text": "The bank studies a digital currency.", "label": "explore"}) + "\n")
    bad = tmp_path / "bad.csv"
    bad.write_text('text,label,targets\nFine,ban,\n,restrict,\nOther,maybe,\nMore,1,"bitcoin:1"\n')
    broken = tmp_path / "broken.jsonl"
    broken.write_text('{"text": "ok", "label": 0}\n{"text": "cut short\n')
    out = tmp_path / "model"
    assert (
        main(
            [
                "train",
                "--baseline",
                "--out",
                str(out),
                "--add",
                str(good),
                "--add",
                str(bad),
                "--add",
                str(broken),
            ]
        )
        == 2
    )
    err = capsys.readouterr().err
    assert f"{bad}:3: 'text' is empty" in err
    assert f"{bad}:4: unknown label 'maybe'" in err
    assert f"{bad}:5: unknown object(s) bitcoin" in err
    assert f"{broken}:2: invalid JSON" in err
    assert not out.exists()


def test_the_held_out_share_is_fixed_by_id_or_text():
    statements = [{"id": f"s{i}", "text": f"statement {i}"} for i in range(1000)]
    chosen = [held_out(s) for s in statements]
    assert abs(sum(chosen) / len(chosen) - HELD_OUT_PERCENT / 100) < 0.04
    assert chosen == [held_out(s) for s in statements]  # the same every run
    assert held_out({"id": None, "text": "x "}) == held_out({"id": None, "text": "x"})
    pairs = [
        (
            {"id": f"p{i}-zh", "pair_id": f"p{i}", "text": "甲"},
            {"id": f"p{i}-en", "pair_id": f"p{i}", "text": "a"},
        )
        for i in range(50)
    ]
    assert all(held_out(zh) == held_out(en) for zh, en in pairs)  # a translation never tests its own pair


def test_own_labels_count_by_label_and_hash_each_file(tmp_path):
    data = tmp_path / "mine.csv"
    data.write_text(
        "id,text,label\na,一项禁令,ban\nb,A pilot,explore\nc,Another pilot,+1\n", encoding="utf-8"
    )
    own = read_own_labels([data])
    (entry,) = own.files
    assert entry["by_label"] == {"ban": 1, "restrict": 0, "neutral": 0, "explore": 2, "embrace": 0}
    assert len(entry["sha256"]) == 64 and [s["lang"] for s in own.statements] == ["zh", "en", "en"]
    train, held = own.part(held=False), own.part(held=True)
    assert len(train["text"]) + len(held["text"]) == 3 and set(train) >= {"text", "label", "targets", "kind"}


def test_a_repeated_id_is_refused(tmp_path):
    data = tmp_path / "mine.jsonl"
    data.write_text('{"id": "a", "text": "x", "label": 0}\n{"id": "a", "text": "y", "label": 1}\n')
    with pytest.raises(ValueError, match="mine.jsonl:2: id 'a' is used before"):
        read_own_labels([data])


def test_macro_f1_matches_sklearn_and_the_paired_interval_holds_the_difference():
    rng = np.random.default_rng(1)
    truth = rng.integers(-2, 3, 300)
    good = np.where(rng.random(300) < 0.8, truth, rng.integers(-2, 3, 300))
    poor = np.where(rng.random(300) < 0.4, truth, rng.integers(-2, 3, 300))
    assert macro_f1_of(truth + 2, good + 2, 5) == pytest.approx(
        f1_score(truth, good, labels=sorted(set(truth)), average="macro")
    )
    same = paired_bootstrap(truth, good, good, resamples=200)
    assert same["difference"] == 0 and same["low"] == same["high"] == 0
    better = paired_bootstrap(truth, good, poor, resamples=500)
    assert 0 < better["low"] <= better["difference"] <= better["high"]


def test_uncertainty_ranks_the_unsure_first():
    probs = np.array([[0.9, 0.05, 0.05, 0, 0], [0.4, 0.35, 0.25, 0, 0], [0.2, 0.2, 0.2, 0.2, 0.2]])
    for measure in ("margin", "entropy"):
        assert list(np.argsort(-uncertainty(probs, measure))) == [2, 1, 0]
    with pytest.raises(ValueError, match="margin, entropy"):
        uncertainty(probs, "variance")


def test_the_queue_never_holds_near_duplicates():
    texts = [
        "The central bank bans all crypto trading platforms.",
        "The central bank bans all crypto-trading platforms!",
        "Hong Kong licenses its first stablecoin issuers.",
        "A report counts CBDC pilots worldwide.",
    ]
    picked = pick(texts, np.array([0.99, 0.98, 0.5, 0.4]), 3)
    assert picked == [0, 2, 3]


def test_suggest_reads_scored_files_and_skips_what_is_labelled(tmp_path):
    names = ["ban", "restrict", "neutral", "explore", "embrace"]
    rows = [
        {
            "id": "a",
            "text": "sure",
            "probs": dict(zip(names, [0.96, 0.01, 0.01, 0.01, 0.01])),
            "date": "2025-01-02",
        },
        {"id": "b", "text": "unsure", "probs": dict(zip(names, [0.35, 0.3, 0.15, 0.1, 0.1]))},
        {"id": "c", "text": "labelled", "probs": dict(zip(names, [0.2] * 5))},
        {"id": "d", "text": "failed", "error": "could not read"},
    ]
    scored = tmp_path / "scored.jsonl"
    scored.write_text("".join(json.dumps(r) + "\n" for r in rows))
    items, problems = candidates([str(scored)])
    assert [i["id"] for i in items] == ["a", "b", "c"] and problems == [f"{scored}:4: could not read"]
    queue = suggest(items, 5, skip={"labelled"})
    assert [i["id"] for i in queue] == ["b", "a"] and queue[1]["date"] == "2025-01-02"
    out = tmp_path / "queue.jsonl"
    assert (
        main(["suggest", str(scored), "--out", str(out), "-n", "1", "--db", str(tmp_path / "db.sqlite")]) == 0
    )
    assert [i["id"] for i in read_queue(out)] == ["c"]  # nothing labelled in this database
    assert main(["suggest", str(scored), "--out", str(out)]) == 2  # an existing queue is kept


def test_the_export_keeps_each_texts_latest_label_and_trains_as_added(tmp_path):
    store = LabelStore(tmp_path / "app.sqlite")
    store.add(Label(text="First", label=1, source="correction", model="m", model_label=0))
    store.add(
        Label(text="Second", label=-2, source="queue", targets={"crypto": -2}, item="q7", date="2024-01-02")
    )
    store.add(Label(text="First", label=2, source="correction", targets={}, model="m"))
    out = tmp_path / "labels.jsonl"
    assert store.export(out) == 2
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [(r["id"], r["text"], r["label"]) for r in rows] == [("label-1", "First", 2), ("q7", "Second", -2)]
    own = read_own_labels([out])
    assert [s["targets"] for s in own.statements] == [{}, {"crypto": -2}] and own.statements[1][
        "date"
    ] == "2024-01-02"
    with pytest.raises(ValueError, match="level must be"):
        Label(text="x", label=5, source="queue")


def test_models_use_sets_the_default_and_refuses_a_folder_without_a_model(
    tmp_path, monkeypatch, baseline_model, capsys
):
    monkeypatch.setenv("STANCETRACE_HOME", str(tmp_path / "home"))
    assert default_model_dir() == built_in_model_dir()
    assert main(["models", "use", str(tmp_path)]) == 2
    assert "not a model folder" in capsys.readouterr().err
    assert main(["models", "use", str(baseline_model)]) == 0
    assert default_model_dir() == baseline_model.resolve()
    assert main(["models", "list"]) == 0
    listed = " ".join(capsys.readouterr().out.split())
    assert f"* {baseline_model.resolve()}" in listed and "None" not in listed  # a missing figure is "-"
    moved = tmp_path / "moved"
    baseline_model.rename(moved)
    try:
        assert main(["prepare"]) == 2  # the chosen model is gone: said, not silently retrained
        assert "chosen with `stance models use` is missing" in capsys.readouterr().err
    finally:
        moved.rename(baseline_model)


def test_corpus_statements_added_for_training_leave_the_test_split(tmp_path):
    from corpus import load_corpus
    from training.config import TrainConfig
    from training.train import train

    test = load_corpus()["test"]
    rows = [{"id": r["id"], "text": r["text"], "label": r["label"]} for r in test]
    trained = [r for r in rows if not held_out(r)][:3]
    added = tmp_path / "added.jsonl"
    added.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in trained), encoding="utf-8")
    metrics = train(TrainConfig(baseline=True), tmp_path / "m", added=read_own_labels([added]))
    assert metrics["test"]["overall"]["n"] == len(test) - 3
    assert metrics["added"]["left_out_of_corpus_splits"] == 3
    assert (
        "3 corpus validation and test statements that you added" in (tmp_path / "m" / "README.md").read_text()
    )
