"""One training run: fit on the corpus train split, select and calibrate on validation, report, save."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

from transformers import set_seed

from corpus import load_corpus
from corpus.atomic import staged_folder
from corpus.schema import DATA_DIR, SPLITS_FILE
from corpus.splits import scheme_file
from inference import Scorer
from inference.models import save_model
from training.baseline import fit_baseline
from training.card import model_card
from training.config import TrainConfig
from training.evaluate import evaluate
from training.metrics import report_json
from training.own_labels import OwnLabels, text_key
from training.transformer import base_transformer, fit_transformer, train_precision


class TrainingFailed(RuntimeError):
    """A run that produced no usable model."""


COLUMNS = ("text", "label", "lang", "pair_id", "kind", "register", "script", "targets")


def _rows(split, lang: str | None = None) -> dict:
    """The columns training needs, optionally one language only."""
    if lang is not None:
        split = split.filter(lambda r: r["lang"] == lang)
    return {c: split[c] for c in COLUMNS}


def _without(rows: dict, keys: set[str]) -> dict:
    """The rows whose text's key is not in `keys`."""
    keep = [text_key(t) not in keys for t in rows["text"]]
    return {c: [v for v, k in zip(values, keep) if k] for c, values in rows.items()}


def _own_figures(scorer: Scorer, rows: dict) -> dict | None:
    """The metrics on the held-out share of the researcher's statements; None if it is empty."""
    return evaluate(scorer, rows) if rows["text"] else None


def train(
    config: TrainConfig,
    out: Path,
    overwrite: bool = False,
    data_dir: Path = DATA_DIR,
    splits_file: Path = SPLITS_FILE,
    split: str = "stratified",
    added: OwnLabels | None = None,
) -> dict:
    """Train a model into `out` (atomically) on the stored `split` scheme, plus the training part of
    the researcher's `added` statements, and return its metrics (with those on the held-out part)."""
    corpus = load_corpus(data_dir, scheme_file(splits_file, split))
    train_rows, validation_rows = (_rows(corpus[s], config.train_lang) for s in ("train", "validation"))
    test_rows, own_held_out, left_out = _rows(corpus["test"]), None, 0
    if added is not None:
        own = added.part(held=False)
        keep = [config.train_lang in (None, lang) for lang in own["lang"]]
        train_rows = {c: list(train_rows[c]) + [v for v, k in zip(own[c], keep) if k] for c in COLUMNS}
        own_held_out = added.evaluation_rows(held=True)
        given = added.trained_keys()  # corpus statements the researcher trains on are no test
        before = len(validation_rows["text"]) + len(test_rows["text"])
        validation_rows, test_rows = _without(validation_rows, given), _without(test_rows, given)
        left_out = before - len(validation_rows["text"]) - len(test_rows["text"])
    with staged_folder(out, overwrite=overwrite) as staging:
        set_seed(config.seed)  # Python, NumPy and torch: the head's initialisation, dropout, shuffling
        started = time.perf_counter()
        if config.baseline:
            model, history = fit_baseline(train_rows, validation_rows, config.baseline_c, config.seed), []
        else:
            model = base_transformer(config.base_model)
            history = fit_transformer(model, train_rows, validation_rows, config)
        seconds = time.perf_counter() - started
        if not model.finite():
            raise TrainingFailed(
                f"training gave weights or a temperature that are not finite numbers (NaN or infinity); "
                f"nothing was written to {out}. Try a lower learning rate, or check the base model"
            )
        save_model(model, staging)
        scorer = Scorer(staging)  # the figures describe what ships: the scorer's windows and precision
        metrics = {
            "model": model.kind,
            "base_model": None
            if config.baseline
            else (config.base_model or "multilingual-e5-small (packaged, q4, zh+en vocabulary)"),
            "config": config.to_dict(),
            "split": split,
            "train_statements": len(train_rows["text"]),
            "train_synthetic": sum(kind == "synthetic" for kind in train_rows["kind"]),
            "validation_statements": len(validation_rows["text"]),
            "precision": scorer.precision,
            "train_precision": None if config.baseline else train_precision(config, model.network.device),
            "train_seconds": round(seconds, 1),
            "temperature": model.temperature,
            "history": history,
            "validation": evaluate(scorer, validation_rows),
            "test": evaluate(scorer, test_rows),
            "trained_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        }
        if added is not None:
            metrics["added"] = {**added.summary(), "left_out_of_corpus_splits": left_out}
            metrics["own_held_out"] = _own_figures(scorer, own_held_out)
        (staging / "metrics.json").write_text(report_json(metrics), encoding="utf-8")
        (staging / "README.md").write_text(model_card(metrics), encoding="utf-8")
    return metrics
