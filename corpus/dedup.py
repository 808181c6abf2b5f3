"""Near-duplicate detection: the same statement written twice, perhaps lightly edited."""

from __future__ import annotations

import re
import unicodedata

from rapidfuzz import fuzz, process

# Two texts of one language whose normalised forms score at least this (0-100) are near-duplicates.
NEAR_DUPLICATE_SCORE = 90.0

_NOT_WORD = re.compile(r"[\W_]+", re.UNICODE)


def normalise(text: str) -> str:
    """Case-fold, unify width (NFKC) and drop punctuation and spacing."""
    return _NOT_WORD.sub("", unicodedata.normalize("NFKC", text).casefold())


def near_duplicate_pairs(
    texts: list[str], threshold: float = NEAR_DUPLICATE_SCORE
) -> list[tuple[int, int, float]]:
    """Index pairs (i < j) of texts whose normalised forms are at least `threshold` similar."""
    if len(texts) < 2:
        return []
    normalised = [normalise(t) for t in texts]
    scores = process.cdist(normalised, normalised, scorer=fuzz.ratio, score_cutoff=threshold, workers=-1)
    return [(int(i), int(j), float(scores[i, j])) for i, j in zip(*scores.nonzero()) if i < j]
