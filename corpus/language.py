"""Which language a text is written in: Chinese, English, or a mix of both; and what a Chinese
character is (the one definition the script check and the scorer share)."""

from __future__ import annotations

import re

HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LATIN_WORD = re.compile(r"[A-Za-z]+")
_KANA_HANGUL = re.compile(r"[\u3040-\u30ff\u31f0-\u31ff\uac00-\ud7af\u1100-\u11ff]")
_OTHER_SHARE = 0.1  # Japanese mixes kana among its characters; Chinese has none
# A Chinese character carries roughly what an English word does; beyond this share a text is one language.
_MAJORITY = 0.8


def detect_language(text: str) -> str:
    """'zh', 'en' or 'mixed', by the share of Chinese characters among characters plus English words;
    'other' for Japanese or Korean (kana or hangul beside the characters), which the model was not
    trained on."""
    han, words, other = (
        len(HAN.findall(text)),
        len(_LATIN_WORD.findall(text)),
        len(_KANA_HANGUL.findall(text)),
    )
    if other > _OTHER_SHARE * (han + other):
        return "other"
    if han + words == 0:
        return "mixed"
    share = han / (han + words)
    return "zh" if share >= _MAJORITY else "en" if share <= 1 - _MAJORITY else "mixed"
