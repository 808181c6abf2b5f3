"""The corpus as shipped: valid, and at or above every coverage bar."""

from corpus import load_corpus
from corpus.records import read_corpus
from corpus.schema import SPLITS_FILE
from corpus.splits import load_all_splits
from corpus.stats import coverage, frame
from corpus.validate import validate


def test_shipped_corpus_is_valid():
    assert [str(p) for p in validate()] == []


def test_shipped_corpus_meets_every_bar():
    entries, _ = read_corpus()
    df = frame([e.record for e in entries], load_all_splits(SPLITS_FILE))
    unmet = [f"{bar.name}: {bar.value} < {bar.minimum}" for bar in coverage(df) if not bar.met]
    assert unmet == []


def test_seed_case_is_a_dated_shanghai_document():
    corpus = load_corpus()
    rows = [
        r
        for split in corpus.values()
        for r in split
        if r["pair_id"] == "cn-sh-2025-sasac-stablecoin-study-p1"
    ]
    assert {r["lang"] for r in rows} == {"zh", "en"}
    assert all(
        r["jurisdiction"] == "CN-SH" and r["kind"] == "document" and r["date"].startswith("2025-07")
        for r in rows
    )
    assert any("稳定币" in r["text"] for r in rows)
