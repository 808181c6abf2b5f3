"""Sentences of a Chinese or English text, found by their end punctuation (an approximation)."""

from __future__ import annotations

import re

# A sentence ends at 。！？ (Chinese), or at . ! ? followed by a space and a capital, digit or quote and not
# closing an initial or a common abbreviation (English).
_SENTENCE_END = re.compile(
    r"[。！？]+[”」』）)]*"
    r"|(?<!\b[A-Z])(?<!\bNo)(?<!\bCo)(?<!\bMr)(?<!\bMs)(?<!\bDr)(?<!\bSt)(?<!\bInc)(?<!\bvs)"
    r"[.!?]+[\"'”’)]*\s+(?=[A-Z0-9\"“‘(])"
)


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Character spans of the sentences of `text`, end punctuation included, spaces around left out."""
    spans, start = [], 0
    for end in [m.end() for m in _SENTENCE_END.finditer(text)] + [len(text)]:
        piece = text[start:end]
        lead, trail = len(piece) - len(piece.lstrip()), len(piece) - len(piece.rstrip())
        if piece.strip():
            spans.append((start + lead, end - trail))
        start = end
    return spans


def sentence_count(text: str) -> int:
    """Sentences in a Chinese or English text."""
    return len(sentence_spans(text))
