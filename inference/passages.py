"""Long documents read passage by passage, and the document's level decided by the codebook's rules.

A text that fits one window is one passage. A longer one (a notice, a 20-page PDF) is cut at its
paragraphs (and a long paragraph at its sentences) into passages of at most `passage_tokens`
tokens. The document is not the average of its passages: as the codebook says (rules 1 and 5,
N5), background and boilerplate do not count, the operative parts decide, and of several operative
levels the one with most weight wins, the one nearer 0 when two weigh about the same. The passages
of the winning level are the document's `decisive` passages.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from corpus.scale import LEVELS, class_of, level_of
from corpus.sentences import sentence_spans
from inference.models import Reading, StanceModel, joined

_PARAGRAPH = re.compile(r"\S(?:[^\n]*\S)?")  # a line, without the spaces around it
NEUTRAL = class_of(0)
OPERATIVE = 0.6  # a non-neutral passage is operative when its probability of not being neutral reaches this
EVEN = 0.8  # two levels weigh about the same when the lighter has this share of the heavier's weight


@dataclass(frozen=True)
class Passage:
    """A stretch of the text (character offsets) and the windows the model reads it in."""

    start: int
    end: int
    windows: list


def passages(model: StanceModel, text: str, max_tokens: int, passage_tokens: int) -> list[Passage]:
    """The passages of `text`: the whole text when it fits one window, else paragraphs (long ones cut
    at sentences) packed into passages of at most `passage_tokens` tokens."""
    whole = model.windows(text, max_tokens)
    if len(whole) <= 1:
        return [Passage(0, len(text), whole)]
    spans = []  # (start, end, tokens)
    for line in _PARAGRAPH.finditer(text):
        start, end = line.span()
        tokens = model.count_tokens(text[start:end])
        if tokens <= passage_tokens:
            spans.append((start, end, tokens))
        else:
            spans += [
                (start + a, start + b, model.count_tokens(text[start + a : start + b]))
                for a, b in sentence_spans(text[start:end])
            ]
    return [
        Passage(start, end, model.windows(text[start:end], max_tokens, offset=start))
        for start, end in _packed(spans, passage_tokens)
    ]


def _packed(spans: list[tuple[int, int, int]], budget: int) -> list[tuple[int, int]]:
    """Consecutive spans (start, end, tokens) joined while their tokens stay within `budget`."""
    packed, total = [], 0
    for start, end, tokens in spans:
        if packed and total + tokens <= budget:
            packed[-1], total = (packed[-1][0], end), total + tokens
        else:
            packed.append((start, end))
            total = tokens
    return packed


def decide(reading: Reading, lengths: list[int]) -> tuple[Reading, list[int]]:
    """The document's reading from its passages' (`lengths` in characters), and the passages that
    decided it. Operative passages (surely not neutral) count; each weighs its length times its
    confidence; the level with most weight wins, the one nearer 0 when two weigh about the same.
    With no operative passage the neutral passages decide (every passage, when none is neutral)."""
    levels = level_of(reading.probs)
    operative = (1 - reading.probs[:, NEUTRAL] >= OPERATIVE) & (levels != 0)
    weight = np.asarray(lengths, dtype=float) * reading.probs.max(axis=1)
    if not operative.any():
        decisive = np.flatnonzero(levels == 0) if (levels == 0).any() else np.arange(len(levels))
    else:
        totals = {level: weight[operative & (levels == level)].sum() for level in LEVELS}
        heaviest = max(totals.values())
        winner = min((lv for lv, w in totals.items() if w >= EVEN * heaviest), key=abs)
        decisive = np.flatnonzero(operative & (levels == winner))
    document = joined(reading.rows(decisive), weight[decisive])
    whole = joined(reading, np.asarray(lengths, dtype=float))  # objects: whatever any passage addresses
    return Reading(document.probs, whole.addressed, whole.object_probs), decisive.tolist()
