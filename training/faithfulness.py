"""How faithful evidence is: ERASER's comprehensiveness and sufficiency (DeYoung et al., 2020),
read on the stance score and set beside random phrases of the same lengths in words.

Comprehensiveness: how far the score moves back when the evidence is deleted (the words toward
embrace pulled it up, those toward ban pulled it down); higher is more faithful. Sufficiency: how
far the score of the evidence alone lies from the score of the whole text; lower is more faithful.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import numpy as np

from inference.scorer import Scorer
from inference.words import words


def without(text: str, spans: list) -> str:
    """`text` with the characters of `spans` (anything with start and end) deleted."""
    keep = np.ones(len(text), dtype=bool)
    for span in spans:
        keep[span.start : span.end] = False
    return "".join(c for c, k in zip(text, keep) if k)


def only(text: str, spans: list) -> str:
    """The characters of `spans`, in text order, joined by spaces."""
    return " ".join(text[s.start : s.end] for s in sorted(spans, key=lambda s: s.start))


def faithfulness(scorer: Scorer, texts: list[str], seed: int = 0) -> dict:
    """Mean comprehensiveness and sufficiency of `scorer`'s evidence over `texts`, and of random
    phrases: for each evidence phrase, a run of as many adjacent words drawn at random from the text."""
    explained = scorer.score(texts, explain=True)
    rng = random.Random(seed)
    variants, kept = [], []
    for text, result in zip(texts, explained):
        if result.error or not result.evidence:
            continue
        up, down = result.evidence["toward_embrace"], result.evidence["toward_ban"]
        pool = words(text)
        random_up, random_down = (_random_phrases(pool, side, rng) for side in (up, down))
        drawn = random_up + random_down
        kept.append(result.score)
        variants += [
            without(text, up),
            without(text, down),
            only(text, up + down),
            without(text, random_up),
            without(text, random_down),
            only(text, drawn),
        ]
    moved = np.array([r.score if r.score is not None else np.nan for r in scorer.score(variants)])
    no_up, no_down, alone, no_random_up, no_random_down, random_alone = moved.reshape(-1, 6).T
    full = np.array(kept)
    return {
        "texts": len(kept),
        "comprehensiveness": _mean((full - no_up) + (no_down - full)),
        "sufficiency": _mean(np.abs(full - alone)),
        "random_comprehensiveness": _mean((full - no_random_up) + (no_random_down - full)),
        "random_sufficiency": _mean(np.abs(full - random_alone)),
    }


def _random_phrases(pool: list, phrases: list, rng: random.Random) -> list[Span]:
    """For each phrase, a run of as many adjacent words of `pool` (the text's words), placed at random."""
    out = []
    for phrase in phrases:
        size = max(1, sum(phrase.start <= w.start < phrase.end for w in pool))
        first = rng.randrange(max(len(pool) - size + 1, 1))
        run = pool[first : first + size]
        if run:
            out.append(Span(run[0].start, run[-1].end))
    return out


@dataclass(frozen=True)
class Span:
    start: int
    end: int


def _mean(values: np.ndarray) -> float:
    return round(float(np.nanmean(values)), 4)
