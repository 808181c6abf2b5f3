"""Split assignment keeps pairs, documents and near-duplicates together, and is repeatable."""

from __future__ import annotations

from corpus.agreement import ordinal_alpha
from corpus.loader import load_corpus
from corpus.splits import assign_splits
from tests.conftest import PAIRS


def synthetic_records(n_pairs: int) -> list[dict]:
    records = []
    for k in range(n_pairs):
        label, zh, en = PAIRS[k % len(PAIRS)]
        for lang, text in (("zh", zh), ("en", en)):
            records.append({
                "id": f"syn-{k:03d}-{lang}", "pair_id": f"syn-{k:03d}", "lang": lang, "kind": "synthetic",
                "label": label, "source": None, "text": f"{text} ({k}号样本，第{k * 7}条，主题{k * 13})",
            })
    return records


def test_assignment_is_repeatable_and_keeps_pairs_together():
    records = synthetic_records(120)
    first, second = assign_splits(records), assign_splits(records)
    assert first == second
    for k in range(120):
        assert first[f"syn-{k:03d}-zh"] == first[f"syn-{k:03d}-en"]
    shares = {name: sum(1 for s in first.values() if s == name) / len(first) for name in ("train", "validation", "test")}
    assert 0.55 < shares["train"] < 0.75 and 0.1 < shares["validation"] <= 0.2 and 0.15 < shares["test"] < 0.25, shares


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
