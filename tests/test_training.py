"""Training end to end on a tiny model, the baseline, the atomic save and the CLIs."""

import json

import numpy as np
import pytest

from corpus import load_corpus
from corpus.schema import OBJECTS, SPLITS_FILE
from corpus.splits import scheme_file
from inference import Scorer
from inference.models import load_model
from stancetrace.cli import main
from tests.conftest import TINY_CONFIG
from training.config import TrainConfig
from training.evaluate import evaluate
from training.train import train

TEXTS = ["央行宣布全面禁止虚拟货币交易。", "The authority will pilot stablecoin payments in a sandbox."]


@pytest.fixture
def tiny_trained(tiny_stance_model):
    return tiny_stance_model


def test_transformer_trains_saves_reloads_and_scores(tiny_trained):
    out, metrics = tiny_trained
    for name in (
        "model.json",
        "model.safetensors",
        "tokenizer.json",
        "config.json",
        "detector.json",
        "detector.npz",
        "metrics.json",
        "README.md",
    ):
        assert (out / name).exists(), name
    config = json.loads((out / "config.json").read_text())
    outputs = list(config["id2label"].values())
    assert outputs[:6] == ["ban", "restrict", "neutral", "explore", "embrace", "crypto:ban"]
    assert outputs[-1] == "tokenization:embrace" and len(outputs) == 5 + 25
    manifest = json.loads((out / "model.json").read_text())
    assert manifest["kind"] == "transformer" and manifest["format"] == 1
    assert manifest["objects"] == list(OBJECTS) and manifest["simplify"] is True
    assert 0.05 <= manifest["target_temperature"] <= 20
    assert manifest["temperature"] == pytest.approx(metrics["temperature"])
    assert metrics["history"][-1]["step"] == 3
    scorer = Scorer(out)
    probs = scorer.probabilities(TEXTS)
    assert probs.shape == (2, 5) and np.allclose(probs.sum(axis=1), 1)
    assert scorer.probabilities(TEXTS[:1]) == pytest.approx(probs[:1], abs=1e-5)  # batching changes nothing
    documents = scorer.documents(TEXTS)
    assert documents.addressed.shape == (2, 5) and documents.object_probs.shape == (2, 5, 5)
    assert np.allclose(documents.object_probs.sum(axis=2), 1)
    for result, addressed in zip(scorer.score(TEXTS), documents.addressed):
        assert set(result.targets) == {o for o, p in zip(OBJECTS, addressed) if p >= 0.5}
        for target in result.targets.values():
            assert set(target) == {"label", "level", "score", "probs", "addressed"}
    card = (out / "README.md").read_text()
    for metric in ("macro_f1", "adjacent_accuracy", "spearman", "ece", "Translation gap"):
        assert metric in card


def test_training_is_repeatable(tiny_trained, tiny_model_dir, tmp_path):
    out, metrics = tiny_trained
    again = train(TrainConfig(base_model=str(tiny_model_dir), **TINY_CONFIG), tmp_path / "again")
    assert again["test"]["overall"] == pytest.approx(metrics["test"]["overall"])


def test_existing_model_is_kept_unless_overwrite(tiny_trained, tiny_model_dir):
    out, _ = tiny_trained
    before = (out / "model.safetensors").read_bytes()
    with pytest.raises(FileExistsError, match="--overwrite"):
        train(TrainConfig(base_model=str(tiny_model_dir), max_steps=1), out)
    not_a_model = out.parent / "not-a-model"
    not_a_model.mkdir()
    with pytest.raises((OSError, ValueError)):  # a run that fails part-way leaves the old model in place
        train(TrainConfig(base_model=str(not_a_model)), out, overwrite=True)
    not_a_model.rmdir()
    assert (out / "model.safetensors").read_bytes() == before
    assert [p.name for p in out.parent.iterdir()] == ["tiny"]  # no staging folders left behind


def test_baseline_round_trip_without_pickle(tmp_path):
    out = tmp_path / "baseline"
    metrics = train(TrainConfig(baseline=True), out)
    assert sorted(p.name for p in out.iterdir()) == [
        "README.md",
        "baseline.json",
        "baseline.npz",
        "metrics.json",
        "model.json",
    ]
    assert metrics["test"]["overall"]["macro_f1"] > 0.5  # words alone carry much of the stance
    test = load_corpus()["test"]
    reloaded = evaluate(Scorer(out), {c: test[c] for c in ("text", "label", "lang", "pair_id")})
    assert reloaded["overall"] == pytest.approx(metrics["test"]["overall"])
    weights = np.load(out / "baseline.npz", allow_pickle=False)  # loads with pickle disabled
    assert sorted(weights.files) == ["coef", "idf", "intercept"]


def test_train_one_language(tmp_path):
    metrics = train(TrainConfig(baseline=True, train_lang="zh"), tmp_path / "zh")
    assert metrics["train_statements"] == len([r for r in load_corpus()["train"] if r["lang"] == "zh"])
    assert set(metrics["test"]["by_language"]) == {"zh", "en"}


def test_eval_cli_on_a_file_and_a_malformed_file(tiny_trained, tmp_path, capsys):
    out, _ = tiny_trained
    data = tmp_path / "labelled.jsonl"
    rows = [{"text": TEXTS[0], "label": -2, "lang": "zh"}, {"text": TEXTS[1], "label": 1, "lang": "en"}]
    data.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    assert main(["eval", "--model", str(out), "--data", str(data), "--out", str(tmp_path / "m.json")]) == 0
    assert json.loads((tmp_path / "m.json").read_text())["overall"]["n"] == 2
    assert "macro_f1" in capsys.readouterr().out
    data.write_text(
        json.dumps(rows[0], ensure_ascii=False) + "\n" + '{"text": "x", "label": 5, "lang": "en"}\n'
    )
    assert main(["eval", "--model", str(out), "--data", str(data)]) == 2
    assert "labelled.jsonl:2: unknown label 5; use a level or its name" in capsys.readouterr().err


def test_eval_on_the_temporal_split_says_when_the_model_saw_its_test_set(baseline_model, tmp_path, capsys):
    assert (
        main(
            ["eval", "--model", str(baseline_model), "--split", "temporal", "--out", str(tmp_path / "t.json")]
        )
        == 0
    )
    report = json.loads((tmp_path / "t.json").read_text())
    temporal_test = load_corpus(splits_file=scheme_file(SPLITS_FILE, "temporal"))["test"]
    assert report["overall"]["n"] == len(temporal_test) and all(
        d >= "2025-01-01" for d in temporal_test["date"]
    )
    assert "was trained on the stratified split" in capsys.readouterr().err


def test_train_on_the_register_split_holds_out_every_news_report(tmp_path):
    metrics = train(TrainConfig(baseline=True), tmp_path / "register", split="register")
    corpus = load_corpus(splits_file=scheme_file(SPLITS_FILE, "register"))
    assert metrics["split"] == "register" and metrics["test"]["overall"]["n"] == len(corpus["test"])
    assert set(corpus["test"]["register"]) == {"news"} and "news" not in set(corpus["train"]["register"])
    assert "register split" in (tmp_path / "register" / "README.md").read_text()


@pytest.mark.parametrize("kind", ["transformer", "baseline"])
def test_eval_and_score_give_the_same_levels_on_the_test_split(kind, tiny_trained, baseline_model, tmp_path):
    model = tiny_trained[0] if kind == "transformer" else baseline_model
    test = load_corpus()["test"]
    data = tmp_path / "test.jsonl"
    data.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in test), encoding="utf-8")
    assert (
        main(["eval", "--model", str(model), "--data", str(data), "--out", str(tmp_path / "eval.json")]) == 0
    )
    confusion = np.array(json.loads((tmp_path / "eval.json").read_text())["per_label"]["confusion"])
    assert main(["score", str(data), "--out", str(tmp_path / "scored.jsonl"), "--model", str(model)]) == 0
    scored = [json.loads(line) for line in (tmp_path / "scored.jsonl").read_text().splitlines()]
    levels = [-2, -1, 0, 1, 2]
    from_score = np.zeros((5, 5), dtype=int)
    for truth, row in zip(test["label"], scored, strict=True):
        from_score[levels.index(truth), levels.index(row["level"])] += 1
    assert (from_score == confusion).all()
    if kind == "baseline":
        assert (confusion.sum(axis=0) > 0).sum() >= 4  # predictions spread over the scale: a real check


def test_a_folder_without_kind_or_with_an_unknown_kind_is_refused_by_name(tiny_trained, tmp_path):
    out, _ = tiny_trained
    with pytest.raises(ValueError, match=f"{tmp_path}: not a StanceTrace model folder .*model.json"):
        load_model(tmp_path)
    (tmp_path / "model.json").write_text('{"kind": "crystal-ball", "format": 1}')
    with pytest.raises(ValueError, match="unknown model kind 'crystal-ball'; known: baseline, transformer"):
        load_model(tmp_path)
    (tmp_path / "model.json").write_text('{"kind": "transformer"}')
    with pytest.raises(ValueError, match="model.json: missing format"):
        load_model(tmp_path)
    assert main(["score", "-", "--out", str(tmp_path / "x.jsonl"), "--model", str(tmp_path)]) == 2


def test_the_report_breaks_metrics_down_by_register_script_length_and_object():
    import numpy as np

    from corpus import load_corpus
    from training.evaluate import format_report, metrics_report

    test = load_corpus()["test"]
    probs = np.full((len(test), 5), 0.2)
    probs[np.arange(len(test)), np.array(test["label"]) + 2] = 0.6  # every level right
    breakdown = metrics_report(test, probs)["breakdown"]
    for by in ("register", "script", "length"):
        assert sum(group["n"] for group in breakdown[by].values()) == len(test)
    assert "news" in breakdown["register"] and "hant" in breakdown["script"]
    addressed = sum(1 for t in test["targets"] for level in t.values() if level is not None)
    assert sum(group["n"] for group in breakdown["object"].values()) == addressed
    assert all(group["macro_f1"] == 1.0 for group in breakdown["object"].values())
    printed = format_report(metrics_report(test, probs))
    assert "By register, script, length and object" in printed and "tokenization" in printed


def test_eval_reports_held_out_splits_first_and_the_faithfulness_of_evidence(tiny_stance_model, capsys):
    model = tiny_stance_model[0]
    command = ["eval", "--model", str(model), "--held-out", "--explain", "--explain-max", "4"]
    assert main(command) == 0
    out = capsys.readouterr().out
    assert out.count("training the model's settings") == 2
    assert out.index("Held out") < out.index("Per label") < out.index("Faithfulness")
    for text in (
        "temporal: trained before 2025",
        "leave one register out",
        "random phrases",
        "Stance per object",
    ):
        assert text in out
    report = json.loads((model / "eval-test.json").read_text())
    assert set(report["held_out"]) == {"temporal", "register"}
    assert list(report["held_out"]["register"]["breakdown"]["register"]) == ["news"]  # tested on news only
    assert 0 < report["faithfulness"]["texts"] <= 4
    assert set(report["targets"]["per_object"]) == set(OBJECTS)
    assert main(command) == 0
    assert "training the model's settings" not in capsys.readouterr().out  # kept from the first run
