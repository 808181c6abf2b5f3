"""One training run: fit on the corpus train split, select and calibrate on validation, report, save."""

from __future__ import annotations

import json
import time
from pathlib import Path

from transformers import set_seed

from corpus import load_corpus
from corpus.schema import DATA_DIR, SPLITS_FILE
from corpus.splits import scheme_file
from training.atomic import staged_folder
from training.baseline import TfidfBaseline
from training.card import model_card
from training.config import TrainConfig
from training.evaluate import evaluate
from training.transformer import TransformerClassifier

COLUMNS = ("text", "label", "lang", "pair_id")


def _rows(split, lang: str | None = None) -> dict:
    """The columns training needs, optionally one language only."""
    if lang is not None:
        split = split.filter(lambda r: r["lang"] == lang)
    return {c: split[c] for c in COLUMNS}


def train(
    config: TrainConfig,
    out: Path,
    overwrite: bool = False,
    data_dir: Path = DATA_DIR,
    splits_file: Path = SPLITS_FILE,
    split: str = "stratified",
) -> dict:
    """Train a model into `out` (atomically) on the stored `split` scheme and return its metrics."""
    corpus = load_corpus(data_dir, scheme_file(splits_file, split))
    train_rows, validation_rows = (_rows(corpus[s], config.train_lang) for s in ("train", "validation"))
    with staged_folder(out, overwrite=overwrite) as staging:
        set_seed(config.seed)  # Python, NumPy and torch: the head's initialisation, dropout, shuffling
        started = time.perf_counter()
        if config.baseline:
            classifier, history = TfidfBaseline(config.baseline_c), []
            classifier.fit(train_rows, validation_rows, seed=config.seed)
        else:
            classifier = TransformerClassifier.from_base(config.base_model)
            history = classifier.fit(train_rows, validation_rows, config)
        seconds = time.perf_counter() - started
        classifier.save(staging)
        metrics = {
            "model": classifier.kind,
            "base_model": None
            if config.baseline
            else (config.base_model or "multilingual-e5-small (packaged, q4, zh+en vocabulary)"),
            "config": config.to_dict(),
            "split": split,
            "train_statements": len(train_rows["text"]),
            "train_seconds": round(seconds, 1),
            "temperature": classifier.temperature,
            "history": history,
            "validation": evaluate(classifier, validation_rows),
            "test": evaluate(classifier, _rows(corpus["test"])),
        }
        (staging / "metrics.json").write_text(
            json.dumps(metrics, indent=1, ensure_ascii=False), encoding="utf-8"
        )
        (staging / "README.md").write_text(model_card(metrics), encoding="utf-8")
    return metrics
