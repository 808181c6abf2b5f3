"""Evaluate a model on labelled statements through the scorer: overall, per language, per label,
across translations."""

from __future__ import annotations

import numpy as np
import pandas as pd

from corpus.scale import LEVELS, display_name, scores
from corpus.schema import LANGS
from inference import Scorer
from training.metrics import per_label, stance_metrics, translation_gap

HEADLINE = ["n", "accuracy", "macro_f1", "adjacent_accuracy", "mae_levels", "spearman", "ece"]


def evaluate(scorer: Scorer, rows: dict) -> dict:
    """Every metric of `scorer` (the path `stance score` takes) on `rows` (columns text, label, lang,
    pair_id)."""
    return metrics_report(rows, scorer.probabilities(list(rows["text"])))


def metrics_report(rows: dict, probs: np.ndarray) -> dict:
    """The metrics of probabilities `probs` for `rows`."""
    levels, langs, score = np.array(rows["label"]), np.array(rows["lang"]), scores(probs)
    return {
        "overall": stance_metrics(levels, probs, score),
        "by_language": {
            lang: stance_metrics(levels[langs == lang], probs[langs == lang], score[langs == lang])
            for lang in LANGS
            if (langs == lang).any()
        },
        "per_label": per_label(levels, probs),
        "translation": translation_gap(list(rows["pair_id"]), list(langs), score),
    }


def format_report(report: dict) -> str:
    """The report as plain-text tables."""
    headline = (
        pd.DataFrame({"all": report["overall"], **report["by_language"]}).T[HEADLINE].astype({"n": int})
    )
    labels = report["per_label"]
    names = [display_name(v) for v in LEVELS]
    per = pd.DataFrame({k: labels[k] for k in ("precision", "recall", "f1", "support")}, index=names)
    confusion = pd.DataFrame(labels["confusion"], index=names, columns=[f"{v:+d}" for v in LEVELS])
    gap = report["translation"]
    return "\n".join(
        [
            headline.round(3).to_string(),
            "",
            "Per label",
            per.round(3).to_string(),
            "",
            "Confusion (rows: true level, columns: predicted)",
            confusion.to_string(),
            "",
            f"Translation consistency: mean |score(zh) - score(en)| = {gap['mean_abs_score_gap']:.3f} "
            f"over {gap['pairs']} pairs",
        ]
    )
