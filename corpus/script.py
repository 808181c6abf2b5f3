"""Which writing system a text is in: Simplified Chinese, Traditional Chinese or Latin."""

from __future__ import annotations

import re
from functools import lru_cache

import opencc

from corpus.language import HAN

_LATIN = re.compile(r"[A-Za-z]")


@lru_cache(maxsize=1)
def _converters() -> tuple[opencc.OpenCC, opencc.OpenCC]:
    return opencc.OpenCC("t2s"), opencc.OpenCC("s2t")


def script_counts(text: str) -> dict[str, int]:
    """Characters only Traditional writing uses, only Simplified writing uses, and Latin letters."""
    to_simplified, to_traditional = _converters()
    chars = set(HAN.findall(text))
    hant = sum(text.count(c) for c in chars if to_simplified.convert(c) != c)
    hans = sum(text.count(c) for c in chars if to_traditional.convert(c) != c)
    return {"hant": hant, "hans": hans, "latin": len(_LATIN.findall(text)), "cjk": len(HAN.findall(text))}


def detect_script(text: str) -> str | None:
    """'hans', 'hant' or 'latin'; None for Chinese text whose characters are common to both scripts."""
    counts = script_counts(text)
    if counts["cjk"] < counts["latin"]:
        return "latin"
    if counts["hant"] == counts["hans"]:
        return None
    return "hant" if counts["hant"] > counts["hans"] else "hans"


def simplified(text: str) -> str:
    """`text` with Traditional characters written in Simplified ones, character for character, so that
    every offset in the result is the same offset in `text`."""
    to_simplified, _ = _converters()
    whole = to_simplified.convert(text)
    if len(whole) == len(text):
        return whole
    return "".join(c if len(s := to_simplified.convert(c)) != 1 else s for c in text)
