"""Words with their character spans: jieba's segmentation, which keeps English words whole."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

import jieba

jieba.setLogLevel(logging.WARNING)
_WORD = re.compile(r"\w", re.UNICODE)


@dataclass(frozen=True)
class Word:
    text: str
    start: int
    end: int


def words(text: str) -> list[Word]:
    """The words of `text` (Chinese by jieba, English as written), without spaces and punctuation."""
    return [Word(w, start, end) for w, start, end in jieba.tokenize(text) if _WORD.search(w)]
