"""Split assignment keeps pairs, documents and near-duplicates together, and is repeatable."""

from __future__ import annotations

from corpus.agreement import object_agreement, ordinal_alpha
from corpus.loader import load_corpus
from corpus.script import detect_script
from corpus.sentences import sentence_count
from corpus.splits import assign_splits, load_splits
from corpus.validate import validate
from tests.conftest import PAIRS, make_record, write_jsonl


def synthetic_records(n_pairs: int) -> list[dict]:
    records = []
    for k in range(n_pairs):
        label, zh, en = PAIRS[k % len(PAIRS)]
        for lang, text in (("zh", zh), ("en", en)):
            records.append(
                {
                    "id": f"syn-{k:03d}-{lang}",
                    "pair_id": f"syn-{k:03d}",
                    "lang": lang,
                    "kind": "synthetic",
                    "label": label,
                    "source": None,
                    "text": f"{text} ({k}号样本，第{k * 7}条，主题{k * 13})",
                }
            )
    return records


def test_assignment_is_repeatable_and_keeps_pairs_together():
    records = synthetic_records(120)
    first, second = assign_splits(records), assign_splits(records)
    assert first == second
    for k in range(120):
        assert first[f"syn-{k:03d}-zh"] == first[f"syn-{k:03d}-en"]
    shares = {
        name: sum(1 for s in first.values() if s == name) / len(first)
        for name in ("train", "validation", "test")
    }
    assert (
        0.55 < shares["train"] < 0.75 and 0.1 < shares["validation"] <= 0.2 and 0.15 < shares["test"] < 0.25
    ), shares


def test_new_records_keep_existing_assignment():
    records = synthetic_records(60)
    existing = assign_splits(records)
    grown = assign_splits(synthetic_records(64), existing)
    assert all(grown[i] == s for i, s in existing.items())
    assert {f"syn-{k:03d}-zh" for k in range(60, 64)} <= set(grown)


def test_near_duplicates_join_their_twin():
    records = synthetic_records(40)
    twin = dict(records[0], id="twin-zh", pair_id="twin", text=records[0]["text"] + "。")
    assignment = assign_splits([*records, twin])
    assert assignment["twin-zh"] == assignment[records[0]["id"]]


def test_loader_returns_stored_splits(small_corpus):
    data, splits, records = small_corpus
    corpus = load_corpus(data, splits)
    assert set(corpus) == {"train", "validation", "test"}
    assert sum(len(part) for part in corpus.values()) == len(records)
    assert corpus["train"].features["label"].dtype == "int8"


def test_ordinal_alpha():
    assert ordinal_alpha([-2, -1, 0, 1, 2, 2], [-2, -1, 0, 1, 2, 2]) == 1.0
    close = ordinal_alpha([-2, -1, 0, 1, 2, 2], [-2, -1, 0, 1, 2, 1])
    far = ordinal_alpha([-2, -1, 0, 1, 2, 2], [-2, -1, 0, 1, 2, -2])
    assert 0 < far < close < 1  # an ordinal alpha penalises a miss by four levels more than by one
    assert ordinal_alpha([-2, 2, -2, 2], [2, -2, 2, -2]) < 0


def test_split_cli_keeps_assignments_and_derives_the_held_out_splits(small_corpus):
    from corpus.splits import load_all_splits
    from stancetrace.cli import main

    data, splits, records = small_corpus
    before = load_splits(splits)
    news = make_record(
        1,
        "en",
        id="news-en",
        pair_id=None,
        doc_id="cn-sh-2025-doc1",
        register="news",
        text="Shanghai's regulators have told the public to beware of fund-raising dressed up as crypto.",
    )
    write_jsonl(data / "more.jsonl", [news])
    assert main(["corpus", "split", "--data-dir", str(data), "--splits", str(splits)]) == 0
    stored = load_all_splits(splits)
    assert {k: v for k, v in stored["stratified"].items() if k in before} == before
    assert stored["stratified"]["news-en"] == before["cn-sh-2025-doc1-en"]  # joins its document
    assert stored["register"]["news-en"] == "test" and stored["temporal"]["news-en"] == "test"
    assert validate(data, splits) == []


def test_object_agreement():
    a = [{"crypto": -2}, {"crypto": -2, "cbdc": 1}, {"stablecoin": 1}, {}]
    b = [{"crypto": -2}, {"crypto": -2}, {"stablecoin": 2}, {}]
    table = object_agreement(a, b)
    assert table["cbdc"]["addressed_a"] == 1 and table["cbdc"]["addressed_b"] == 0
    assert table["crypto"]["detection_kappa"] == 1.0 and table["crypto"]["level_exact"] == 1.0
    assert table["stablecoin"]["level_exact"] == 0.0
    assert table["all"]["detection_f1"] == 2 * 3 / (4 + 3)


def test_sentence_count_and_script():
    assert sentence_count("为防范风险，现通知如下。一、严禁炒作！二、加强监测。") == 3
    assert (
        sentence_count(
            "The U.S. Securities and Exchange Commission acted on Friday. It said so. More follows."
        )
        == 3
    )
    assert detect_script("金管會表示，虛擬資產服務提供者須完成洗錢防制登記。") == "hant"
    assert detect_script("金融监管总局表示，虚拟资产服务提供者须完成登记。") == "hans"
    assert detect_script("The regulator acted.") == "latin"
