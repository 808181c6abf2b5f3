"""Load the corpus as a Hugging Face `DatasetDict` with its stored train / validation / test splits."""

from __future__ import annotations

from pathlib import Path

import datasets

from corpus.records import Problem, corpus_files, read_jsonl
from corpus.scale import LEVELS
from corpus.schema import DATA_DIR, FEATURES, LANGS, SPLITS, SPLITS_FILE
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


def load_labelled(path: Path) -> dict[str, list]:
    """Columns text, label, lang and pair_id of a labelled JSONL file; faults name file and line."""
    entries, problems = read_jsonl(Path(path))
    for entry in entries:
        record = entry.record
        if not isinstance(record.get("text"), str) or not record["text"].strip():
            problems.append(Problem(entry.path, entry.line, "'text' must be a non-empty string"))
        if type(record.get("label")) is not int or record["label"] not in LEVELS:
            problems.append(
                Problem(
                    entry.path,
                    entry.line,
                    f"'label' must be an integer in -2..2, got {record.get('label')!r}",
                )
            )
        if record.get("lang") not in LANGS:
            problems.append(
                Problem(entry.path, entry.line, f"'lang' must be one of {LANGS}, got {record.get('lang')!r}")
            )
    if problems or not entries:
        raise ValueError("\n".join(str(p) for p in problems) or f"{path}: no statements")
    return {
        "text": [e.record["text"] for e in entries],
        "label": [e.record["label"] for e in entries],
        "lang": [e.record["lang"] for e in entries],
        "pair_id": [e.record.get("pair_id") for e in entries],
    }
