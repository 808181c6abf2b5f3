"""Load the corpus as a Hugging Face `DatasetDict` with its stored train / validation / test splits."""

from __future__ import annotations

from pathlib import Path

import datasets

from corpus.records import corpus_files
from corpus.schema import DATA_DIR, FEATURES, SPLITS, SPLITS_FILE
from corpus.splits import load_splits


def load_all(data_dir: Path = DATA_DIR) -> datasets.Dataset:
    """Every record of every corpus file, as one `Dataset`."""
    files = [str(p) for p in corpus_files(data_dir)]
    if not files:
        raise FileNotFoundError(f"{data_dir}: no *.jsonl corpus files found")
    return datasets.load_dataset("json", data_files=files, features=FEATURES, split="train")


def load_corpus(data_dir: Path = DATA_DIR, splits_file: Path = SPLITS_FILE) -> datasets.DatasetDict:
    """The corpus split as stored in `splits_file`; records without a split are an error."""
    full = load_all(data_dir)
    assignment = load_splits(splits_file)
    unassigned = [i for i in full["id"] if i not in assignment]
    if unassigned:
        raise ValueError(
            f"{splits_file}: {len(unassigned)} records have no split (e.g. {unassigned[0]!r}); run "
            "`stance corpus split`"
        )
    split_of = [assignment[i] for i in full["id"]]
    return datasets.DatasetDict(
        {name: full.select([k for k, s in enumerate(split_of) if s == name]) for name in SPLITS}
    )
