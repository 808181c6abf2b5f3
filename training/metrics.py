"""Evaluation metrics for five-level stance predictions."""

from __future__ import annotations

import json
import math

import numpy as np
from scipy.stats import spearmanr
from sklearn.metrics import accuracy_score, confusion_matrix, f1_score, precision_recall_fscore_support

from corpus.scale import LEVELS, class_of, level_of


def expected_calibration_error(probs: np.ndarray, classes: np.ndarray, bins: int = 10) -> float:
    """Top-label ECE: the bin-weighted gap between confidence and accuracy over equal-width bins."""
    confidence = probs.max(axis=1)
    correct = probs.argmax(axis=1) == classes
    edges = np.linspace(0.0, 1.0, bins + 1)
    which = np.clip(np.digitize(confidence, edges[1:-1], right=True), 0, bins - 1)
    gap = 0.0
    for b in range(bins):
        members = which == b
        if members.any():
            gap += members.mean() * abs(correct[members].mean() - confidence[members].mean())
    return float(gap)


def stance_metrics(levels: np.ndarray, probs: np.ndarray, scores: np.ndarray) -> dict:
    """Accuracy, macro-F1, adjacent accuracy, MAE in levels, Spearman of score vs level, and ECE."""
    levels = np.asarray(levels)
    predicted = level_of(probs)
    classes = np.array([class_of(v) for v in levels])
    present = sorted(set(levels.tolist()))
    rho = spearmanr(scores, levels).statistic if len(set(levels.tolist())) > 1 else float("nan")
    return {
        "n": int(len(levels)),
        "accuracy": float(accuracy_score(levels, predicted)),
        "macro_f1": float(f1_score(levels, predicted, labels=present, average="macro", zero_division=0)),
        "adjacent_accuracy": float(np.mean(np.abs(predicted - levels) <= 1)),
        "mae_levels": float(np.mean(np.abs(predicted - levels))),
        "spearman": float(rho),
        "ece": expected_calibration_error(probs, classes),
    }


def per_label(levels: np.ndarray, probs: np.ndarray) -> dict:
    """Precision, recall, F1 and support per level, and the confusion matrix (rows: true level)."""
    predicted = level_of(probs)
    f1 = f1_score(levels, predicted, labels=list(LEVELS), average=None, zero_division=0)
    matrix = confusion_matrix(levels, predicted, labels=list(LEVELS))
    recall = np.divide(
        matrix.diagonal(), matrix.sum(axis=1), out=np.zeros(len(LEVELS)), where=matrix.sum(axis=1) > 0
    )
    precision = np.divide(
        matrix.diagonal(), matrix.sum(axis=0), out=np.zeros(len(LEVELS)), where=matrix.sum(axis=0) > 0
    )
    return {
        "levels": list(LEVELS),
        "f1": f1.round(4).tolist(),
        "precision": precision.round(4).tolist(),
        "recall": recall.round(4).tolist(),
        "support": matrix.sum(axis=1).tolist(),
        "confusion": matrix.tolist(),
    }


def translation_gap(pair_ids: list, langs: list, scores: np.ndarray) -> dict:
    """Mean |score(zh) - score(en)| over statements present in both languages."""
    by_pair: dict = {}
    for pair_id, lang, score in zip(pair_ids, langs, scores):
        if pair_id:
            by_pair.setdefault(pair_id, {})[lang] = float(score)
    gaps = [abs(s["zh"] - s["en"]) for s in by_pair.values() if "zh" in s and "en" in s]
    return {"pairs": len(gaps), "mean_abs_score_gap": float(np.mean(gaps)) if gaps else float("nan")}


def target_metrics(
    true_targets: list, addressed: np.ndarray, object_probs: np.ndarray, objects: tuple[str, ...]
) -> dict:
    """Stance per object: detection of the objects addressed over (statement, object) pairs
    (precision, recall, F1), and where both the labels and the model say an object is addressed,
    the accuracy and adjacent accuracy of its level; overall and per object."""
    truth = np.array([[(t or {}).get(o) is not None for o in objects] for t in true_targets], dtype=bool)
    said = np.asarray(addressed) >= 0.5
    true_levels = np.array(
        [[(t or {}).get(o) if (t or {}).get(o) is not None else 0 for o in objects] for t in true_targets]
    ).reshape(len(truth), len(objects))
    predicted = level_of(object_probs) if len(truth) else np.zeros_like(true_levels)

    def figures(column) -> dict:
        t, s = truth[:, column].ravel(), said[:, column].ravel()
        both = (truth & said)[:, column].ravel()
        gap = np.abs(predicted[:, column].ravel() - true_levels[:, column].ravel())[both]
        p, r, f, _ = precision_recall_fscore_support(t, s, average="binary", zero_division=0)
        return {
            "pairs": int(t.size),
            "addressed": int(t.sum()),
            "detection_precision": float(p),
            "detection_recall": float(r),
            "detection_f1": float(f),
            "level_n": int(both.sum()),
            "level_accuracy": float(np.mean(gap == 0)) if gap.size else float("nan"),
            "level_adjacent_accuracy": float(np.mean(gap <= 1)) if gap.size else float("nan"),
        }

    return {"overall": figures(slice(None)), "per_object": {o: figures([k]) for k, o in enumerate(objects)}}


def macro_f1_of(true_classes: np.ndarray, predicted_classes: np.ndarray, k: int) -> float:
    """Macro-F1 over the classes 0..k-1 present in `true_classes` (the definition `stance_metrics` uses)."""
    confusion = np.bincount(true_classes * k + predicted_classes, minlength=k * k).reshape(k, k)
    present = confusion.sum(axis=1) > 0
    tp = confusion.diagonal()
    f1 = np.divide(2 * tp, confusion.sum(axis=0) + confusion.sum(axis=1), out=np.zeros(k), where=tp > 0)
    return float(f1[present].mean())


def paired_bootstrap(
    levels: np.ndarray, predicted_a: np.ndarray, predicted_b: np.ndarray, resamples: int = 2000, seed: int = 0
) -> dict:
    """The macro-F1 difference a - b on these statements and its paired bootstrap 95% interval: both
    models are scored on the same resamples of the statements, so the interval is of the difference."""
    true, a, b = (np.array([class_of(v) for v in x]) for x in (levels, predicted_a, predicted_b))
    k, rng = len(LEVELS), np.random.default_rng(seed)
    differences = np.empty(resamples)
    for r in range(resamples):
        pick = rng.integers(0, len(true), len(true))
        differences[r] = macro_f1_of(true[pick], a[pick], k) - macro_f1_of(true[pick], b[pick], k)
    low, high = np.percentile(differences, [2.5, 97.5])
    return {
        "difference": macro_f1_of(true, a, k) - macro_f1_of(true, b, k),
        "low": float(low),
        "high": float(high),
        "resamples": resamples,
        "n": int(len(true)),
    }


def report_json(report) -> str:
    """`report` as strict JSON: a figure that is undefined (NaN, such as Spearman's rho of constant
    predictions) is written as null, never as a bare NaN that JSON readers refuse."""

    def defined(value):
        if isinstance(value, float) and not math.isfinite(value):
            return None
        if isinstance(value, dict):
            return {k: defined(v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [defined(v) for v in value]
        return value

    return json.dumps(defined(report), indent=1, ensure_ascii=False, allow_nan=False)
