"""Words with their character spans (jieba's segmentation, which keeps English words whole), the
stop words that never count as evidence, and evidence phrases: runs of adjacent words that pull the
score the same way."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

import jieba
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

jieba.setLogLevel(logging.WARNING)
_WORD = re.compile(r"\w", re.UNICODE)

# Words that carry a stance's polarity stay evidence even where a stop-word list has them.
_NEGATIONS = {
    "against",
    "cannot",
    "except",
    "neither",
    "never",
    "no",
    "none",
    "nor",
    "not",
    "nothing",
    "only",
    "without",
}
# Chinese function words: particles, conjunctions, prepositions, pronouns and copulas (no negations:
# 不, 非, 无, 勿 and 禁 decide stances).
_CHINESE_STOP_WORDS = set(
    "的 地 得 了 着 过 和 与 及 以及 并 并且 或 或者 而 而且 在 于 对 对于 向 从 自 由 被 把 将 为 为了 以 "
    "之 其 其中 该 此 这 这些 那 那些 是 有 也 都 又 就 还 等 等等 各 各类 各项 每 个 些 即 则 所 如 如果 "
    "因 因为 所以 但 但是 要 会 可 可以 能 已 已经 我 我们 你 你们 他 他们 它 它们 本 上 下 中 内 外 "
    "方面 有关 相关 进行 一 一个 一些 年 月 日".split()
)
STOP_WORDS = frozenset((ENGLISH_STOP_WORDS - _NEGATIONS) | _CHINESE_STOP_WORDS)


@dataclass(frozen=True)
class Word:
    text: str
    start: int
    end: int


def words(text: str) -> list[Word]:
    """The words of `text` (Chinese by jieba, English as written), without spaces and punctuation."""
    return [Word(w, start, end) for w, start, end in jieba.tokenize(text) if _WORD.search(w)]


def is_stop_word(word: str) -> bool:
    return word.lower() in STOP_WORDS or word.isdigit()


def phrases(text: str, found: list[Word], weights) -> list[tuple[Word, float]]:
    """Evidence phrases: maximal runs of adjacent words (nothing but spaces between them), none a
    stop word, whose weights share a sign; each with the sum of its words' weights."""
    out, run = [], []

    def close():
        if run:
            start, end = found[run[0]].start, found[run[-1]].end
            out.append((Word(text[start:end], start, end), float(sum(weights[i] for i in run))))
            run.clear()

    for i, word in enumerate(found):
        weight = weights[i]
        if not weight or is_stop_word(word.text):
            close()
            continue
        joined = run and not text[found[run[-1]].end : word.start].strip()
        if not (joined and (weights[run[-1]] > 0) == (weight > 0)):
            close()
        run.append(i)
    close()
    return out
