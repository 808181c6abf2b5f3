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

_PARAGRAPH = re.compile(r"[^\n]+")
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
    spans = []
    for start, end in _paragraphs(text):
        if model.count_tokens(text[start:end]) <= passage_tokens:
            spans.append((start, end))
        else:
            spans += [(start + a, start + b) for a, b in sentence_spans(text[start:end])]
    return [
        Passage(start, end, model.windows(text[start:end], max_tokens, offset=start))
        for start, end in _packed(model, text, spans, passage_tokens)
    ]


def _paragraphs(text: str) -> list[tuple[int, int]]:
    """Spans of the lines of `text`, without the spaces around them, none empty."""
    spans = []
    for match in _PARAGRAPH.finditer(text):
        piece = match.group()
        start = match.start() + len(piece) - len(piece.lstrip())
        end = match.end() - (len(piece) - len(piece.rstrip()))
        if end > start:
            spans.append((start, end))
    return spans


def _packed(model: StanceModel, text: str, spans: list, budget: int) -> list[tuple[int, int]]:
    """Consecutive spans joined while the tokens of the joined stretch stay within `budget`."""
    packed, tokens = [], 0
    for start, end in spans:
        size = model.count_tokens(text[start:end])
        if packed and tokens + size <= budget:
            packed[-1], tokens = (packed[-1][0], end), tokens + size
        else:
            packed.append((start, end))
            tokens = size
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
