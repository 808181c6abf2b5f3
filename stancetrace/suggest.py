"""Which scored statements to label next: those the model is least sure of, varied, never near-duplicates.

Uncertainty is the margin between the two most probable levels of the calibrated probabilities
(1 - margin, so higher is less sure) or their entropy (divided by log 5, in [0, 1]). Statements are
picked greedily by uncertainty minus `redundancy` times their highest similarity (cosine of
character 2-4-gram TF-IDF) to those already picked, and one that is a near-duplicate of a picked
statement (the corpus's own rule, `corpus.dedup`) is never picked.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from rapidfuzz import fuzz
from sklearn.feature_extraction.text import TfidfVectorizer

from corpus.dedup import NEAR_DUPLICATE_SCORE, normalise
from corpus.jsonl import json_lines
from corpus.scale import LEVELS, NAMES
from inference.readers import read_rows
from inference.writers import output_probs, output_targets

MEASURES = ("margin", "entropy")
REDUNDANCY = 0.5  # weight of the similarity to statements already picked
CARRIED = ("date", "jurisdiction", "issuer", "title")  # a scored row's facts the queue keeps


def uncertainty(probs: np.ndarray, measure: str = "margin") -> np.ndarray:
    """How unsure each probability row is, in [0, 1]: 1 - (top - second), or the normalised entropy."""
    probs = np.asarray(probs, dtype=np.float64)
    if measure == "margin":
        top_two = np.sort(probs, axis=1)[:, -2:]
        return 1.0 - (top_two[:, 1] - top_two[:, 0])
    if measure == "entropy":
        safe = np.clip(probs, 1e-12, 1.0)
        return -(probs * np.log(safe)).sum(axis=1) / np.log(probs.shape[1])
    raise ValueError(f"unknown uncertainty measure {measure!r}; use one of {', '.join(MEASURES)}")


def pick(texts: list[str], unsure: np.ndarray, n: int, redundancy: float = REDUNDANCY) -> list[int]:
    """Indices of up to `n` texts, in the order picked: the most unsure, discounted by similarity to
    those picked before, never a near-duplicate of one picked."""
    if not texts or n < 1:
        return []
    vectors = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 4), sublinear_tf=True).fit_transform(
        [normalise(t) or t for t in texts]
    )
    closest = np.zeros(len(texts))  # highest similarity to a picked text
    open_ = np.ones(len(texts), dtype=bool)
    picked: list[int] = []
    picked_forms: list[str] = []
    while len(picked) < n and open_.any():
        gain = np.where(open_, np.asarray(unsure) - redundancy * closest, -np.inf)
        best = int(gain.argmax())
        open_[best] = False
        form = normalise(texts[best])
        if any(fuzz.ratio(form, other) >= NEAR_DUPLICATE_SCORE for other in picked_forms):
            continue
        picked.append(best)
        picked_forms.append(form)
        closest = np.maximum(closest, (vectors @ vectors[best].T).toarray().ravel())
    return picked


def _probs(record: dict) -> list[float] | None:
    """The five calibrated probabilities of a scored row: JSONL `probs` or the `prob_<level>` columns."""
    try:
        numbers = [float(v) for v in output_probs(record)]
    except (TypeError, ValueError):
        return None
    return numbers if all(0 <= p <= 1 for p in numbers) and abs(sum(numbers) - 1) < 0.01 else None


def _model_targets(record: dict) -> dict[str, int]:
    """The model's level for each object it found addressed: JSONL `targets` or `target_<object>_level`."""
    found = {}
    for obj, level in output_targets(record, "level").items():
        try:
            level = int(float(level))
        except (TypeError, ValueError):
            continue
        if level in LEVELS:
            found[obj] = level
    return found


def candidates(files: list[str], text_field: str = "text") -> tuple[list[dict], list[str]]:
    """Every scored row of `files` as a queue item (with its probabilities), and a problem for each
    row that has none (not scored, or not the output of `stance score`)."""
    items, problems = [], []
    for row in read_rows(files, text_field=text_field):
        where = f"{row.source}:{row.row}"
        probs = None if row.error or row.fields.get("error") else _probs(row.fields)
        if probs is None or not (row.text or "").strip():
            reason = (
                row.error or row.fields.get("error") or "no probabilities; give the output of `stance score`"
            )
            problems.append(f"{where}: {reason.removeprefix(where + ': ')}")
            continue
        probabilities = np.array(probs)
        items.append(
            {
                "id": str(row.fields.get("id") or where),
                "text": row.text,
                "model_label": int(LEVELS[int(probabilities.argmax())]),
                "model_score": round(float(probabilities @ np.array(LEVELS)) / max(LEVELS), 4),
                "probs": dict(zip(NAMES, probs)),
                "model_targets": _model_targets(row.fields),
                **{k: row.fields[k] for k in CARRIED if row.fields.get(k) not in (None, "")},
                "source_file": row.source,
                "source_row": row.row,
            }
        )
    return items, problems


def suggest(items: list[dict], n: int, measure: str = "margin", skip: set[str] = frozenset()) -> list[dict]:
    """The `n` items to label first, each with its `uncertainty`; texts in `skip` (already labelled)
    and repeats of one text are left out."""
    seen = set(skip)
    pool = []
    for item in items:
        if item["text"].strip() not in seen:
            seen.add(item["text"].strip())
            pool.append(item)
    if not pool:
        return []
    unsure = uncertainty(np.array([[i["probs"][name] for name in NAMES] for i in pool]), measure)
    chosen = pick([i["text"] for i in pool], unsure, n)
    return [{**pool[k], "uncertainty": round(float(unsure[k]), 4)} for k in chosen]


def read_queue(path: Path) -> list[dict]:
    """The items of a queue file (each needs a non-empty `text`; `id` defaults to its line); a
    ValueError names the file, line and problem of every bad line."""
    items, problems = [], []
    for line in json_lines(Path(path).read_bytes()):
        where = f"{path}:{line.number}"
        if line.problem:
            problems.append(f"{where}: {line.problem}")
        elif not isinstance(line.record.get("text"), str) or not line.record["text"].strip():
            problems.append(f"{where}: 'text' must be a non-empty string")
        else:
            items.append({**line.record, "id": str(line.record.get("id") or where)})
    if problems:
        raise ValueError("\n".join(problems))
    if not items:
        raise ValueError(f"{path}: the queue is empty")
    return items
