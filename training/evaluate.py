"""Evaluate a model on labelled statements through the scorer: overall, per language, per label,
across translations, and by register, script, length and object where the rows carry them."""

from __future__ import annotations

import numpy as np
import pandas as pd

from corpus.scale import LEVELS, display_name, scores
from corpus.schema import LANGS, OBJECTS
from corpus.sentences import sentence_count
from inference import Scorer
from training.metrics import per_label, stance_metrics, target_metrics, translation_gap

HEADLINE = ["n", "accuracy", "macro_f1", "adjacent_accuracy", "mae_levels", "spearman", "ece"]


def evaluate(scorer: Scorer, rows: dict) -> dict:
    """Every metric of `scorer` (the path `stance score` takes) on `rows` (columns text, label, lang,
    pair_id; targets for the stance per object)."""
    return evaluated(scorer, rows)[0]


def evaluated(scorer: Scorer, rows: dict) -> tuple[dict, np.ndarray]:
    """The report of `evaluate`, and the probabilities it was computed from (statements x levels)."""
    documents = scorer.documents(list(rows["text"]))
    report = metrics_report(rows, documents.probs)
    objects = scorer.stance_model.objects
    if objects and "targets" in _columns(rows):
        report["targets"] = target_metrics(
            list(rows["targets"]), documents.addressed, documents.object_probs, objects
        )
    return report, documents.probs


def _columns(rows) -> set:
    """The column names of a datasets.Dataset or a dict of columns."""
    return set(getattr(rows, "column_names", None) or rows)


def metrics_report(rows: dict, probs: np.ndarray) -> dict:
    """The metrics of probabilities `probs` for `rows`."""
    levels, langs, score = np.array(rows["label"]), np.array(rows["lang"]), scores(probs)
    return {
        "overall": stance_metrics(levels, probs, score),
        "by_language": {
            lang: _metrics_where(langs == lang, levels, probs, score)
            for lang in LANGS
            if (langs == lang).any()
        },
        "per_label": per_label(levels, probs),
        "translation": translation_gap(list(rows["pair_id"]), list(langs), score),
        "breakdown": breakdown(rows, levels, probs, score),
    }


def _metrics_where(where: np.ndarray, levels: np.ndarray, probs: np.ndarray, score: np.ndarray) -> dict:
    """The metrics of the statements that `where` (a boolean mask) selects."""
    return stance_metrics(levels[where], probs[where], score[where])


def _length(text: str) -> str:
    count = sentence_count(text)
    return "1 sentence" if count == 1 else "2-3 sentences" if count <= 3 else "4+ sentences"


def breakdown(rows: dict, levels: np.ndarray, probs: np.ndarray, score: np.ndarray) -> dict:
    """Metrics per register, script, length (sentences) and object addressed (a statement counts
    under each object its targets name), for whichever of those the rows carry."""
    columns = _columns(rows)
    groups = {"length": np.array([_length(t) for t in rows["text"]])}
    for column in ("register", "script"):
        if column in columns:
            groups[column] = np.array(rows[column])
    out = {
        name: {
            value: _metrics_where(values == value, levels, probs, score)
            for value in sorted(set(values.tolist()))
        }
        for name, values in groups.items()
    }
    if "targets" in columns:  # a Dataset gives every object, None where not addressed
        addressed = [{o for o, level in (t or {}).items() if level is not None} for t in rows["targets"]]
        out["object"] = {
            obj: _metrics_where(where, levels, probs, score)
            for obj in OBJECTS
            if (where := np.array([obj in a for a in addressed])).any()
        }
    return out


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
    parts = pd.DataFrame(
        [
            {"by": name, "group": group, **{k: figures[k] for k in ("n", "macro_f1", "adjacent_accuracy")}}
            for name, groups in report.get("breakdown", {}).items()
            for group, figures in groups.items()
        ]
    )
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
            "",
            "By register, script, length and object (a statement counts under each object it addresses)",
            parts.set_index(["by", "group"]).round(3).to_string() if len(parts) else "(none)",
            *_targets_table(report.get("targets")),
        ]
    )


TARGET_COLUMNS = [
    "addressed",
    "detection_precision",
    "detection_recall",
    "detection_f1",
    "level_n",
    "level_accuracy",
    "level_adjacent_accuracy",
]


def _targets_table(targets: dict | None) -> list[str]:
    """Lines of the stance-per-object table, none for a model without object heads."""
    if not targets:
        return []
    table = pd.DataFrame({"all": targets["overall"], **targets["per_object"]}).T[TARGET_COLUMNS]
    return [
        "",
        "Stance per object: detection over (statement, object) pairs; level where both say addressed",
        table.round(3).to_string(),
    ]


HELD_OUT_COLUMNS = ["n", "macro_f1", "adjacent_accuracy", "spearman", "ece", "detection_f1", "level_accuracy"]


def format_held_out(held_out: dict, report: dict, name: str) -> str:
    """The figures that generalise (the held-out splits) first, then this evaluation's own."""
    from training.held_out import SCHEMES

    rows = {SCHEMES[scheme]: figures for scheme, figures in held_out.items()}
    rows[f"this model on {name}"] = report
    table = pd.DataFrame(
        {
            label: {**figures["overall"], **(figures.get("targets") or {}).get("overall", {})}
            for label, figures in rows.items()
        }
    ).T.reindex(columns=HELD_OUT_COLUMNS)
    return (
        "Held out: the model's settings trained without the test's kind of text\n"
        + table.round(3).to_string()
    )


def format_faithfulness(found: dict) -> str:
    """ERASER's comprehensiveness (higher: more faithful) and sufficiency (lower) beside random phrases."""
    table = pd.DataFrame(
        {
            "comprehensiveness": [found["comprehensiveness"], found["random_comprehensiveness"]],
            "sufficiency": [found["sufficiency"], found["random_sufficiency"]],
        },
        index=["evidence", "random phrases"],
    )
    return (
        f"Faithfulness of the evidence on {found['texts']} statements (ERASER; comprehensiveness: higher "
        f"is better, sufficiency: lower is better)\n{table.round(3).to_string()}"
    )


COMPARED = ["accuracy", "macro_f1", "adjacent_accuracy", "mae_levels", "spearman", "ece"]


def format_comparison(new: dict, old: dict, names: tuple[str, str], bootstrap: dict) -> str:
    """Two models' headline metrics side by side with their difference, then the macro-F1 difference's
    paired bootstrap interval."""
    rows = {"all": ("overall", None), **{lang: ("by_language", lang) for lang in new["by_language"]}}
    lines = []
    for group, (key, lang) in rows.items():
        a, b = (report[key] if lang is None else report[key].get(lang, {}) for report in (new, old))
        table = pd.DataFrame(
            {names[0]: [a.get(m) for m in COMPARED], names[1]: [b.get(m) for m in COMPARED]}, index=COMPARED
        )
        table["difference"] = table[names[0]] - table[names[1]]
        lines += [
            f"{group} ({a.get('n', 0)} statements)",
            (table.astype(float).round(3) + 0.0).to_string(),
            "",
        ]
    unclear = bootstrap["low"] <= 0 <= bootstrap["high"]
    lines.append(
        f"macro-F1 difference ({names[0]} - {names[1]}): {bootstrap['difference']:+.3f}, paired bootstrap "
        f"95% interval [{bootstrap['low']:+.3f}, {bootstrap['high']:+.3f}] over {bootstrap['resamples']} "
        f"resamples of the {bootstrap['n']} statements"
        + (" (the interval holds 0: no clear difference)" if unclear else "")
    )
    return "\n".join(lines)
