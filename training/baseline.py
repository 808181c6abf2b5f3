"""A baseline without a transformer: TF-IDF over jieba words (zh) and words (en), logistic regression.

Saved without pickle: the vocabulary and settings as JSON, the weights as .npz.
"""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path

import jieba
import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from corpus.schema import LEVELS
from training.ordinal import fit_temperature, level_to_class, softmax

jieba.setLogLevel(logging.WARNING)
_WORD = re.compile(r"\w", re.UNICODE)
SETTINGS_FILE, WEIGHTS_FILE = "baseline.json", "baseline.npz"


def words(text: str) -> list[str]:
    """jieba's segmentation: Chinese words, and English words as they stand (lower-cased)."""
    return [w for w in jieba.lcut(text.lower()) if _WORD.search(w)]


def _vectorizer(vocabulary: dict | None = None) -> TfidfVectorizer:
    return TfidfVectorizer(
        tokenizer=words,
        token_pattern=None,
        lowercase=False,
        ngram_range=(1, 2),
        sublinear_tf=True,
        vocabulary=vocabulary,
    )


class TfidfBaseline:
    """TF-IDF features and a multinomial logistic regression over the five levels."""

    kind = "baseline"

    def __init__(self, c: float = 10.0):
        self.vectorizer, self.regression, self.c, self.temperature = _vectorizer(), None, c, 1.0

    def fit(self, train: dict, validation: dict, seed: int = 0) -> None:
        features = self.vectorizer.fit_transform(train["text"])
        self.regression = LogisticRegression(C=self.c, max_iter=2000, random_state=seed)
        self.regression.fit(features, [level_to_class(v) for v in train["label"]])
        classes = np.array([level_to_class(v) for v in validation["label"]])
        self.temperature = fit_temperature(self.logits(validation["text"]), classes)

    def logits(self, texts: list[str]) -> np.ndarray:
        return self.regression.decision_function(self.vectorizer.transform(texts))

    def predict_proba(self, texts: list[str]) -> np.ndarray:
        return softmax(self.logits(texts), self.temperature)

    def save(self, folder: Path) -> None:
        folder = Path(folder)
        vocabulary = sorted(self.vectorizer.vocabulary_, key=self.vectorizer.vocabulary_.get)
        settings = {
            "kind": self.kind,
            "levels": list(LEVELS),
            "c": self.c,
            "temperature": self.temperature,
            "vocabulary": vocabulary,
        }
        (folder / SETTINGS_FILE).write_text(json.dumps(settings, ensure_ascii=False), encoding="utf-8")
        np.savez(
            folder / WEIGHTS_FILE,
            idf=self.vectorizer.idf_,
            coef=self.regression.coef_,
            intercept=self.regression.intercept_,
        )

    @classmethod
    def load(cls, folder: Path) -> TfidfBaseline:
        folder = Path(folder)
        settings = json.loads((folder / SETTINGS_FILE).read_text(encoding="utf-8"))
        weights = np.load(folder / WEIGHTS_FILE, allow_pickle=False)
        model = cls(settings["c"])
        model.temperature = settings["temperature"]
        model.vectorizer = _vectorizer({term: i for i, term in enumerate(settings["vocabulary"])})
        model.vectorizer.fit([""])  # builds the transform's state around the fixed vocabulary
        model.vectorizer.idf_ = weights["idf"]
        model.regression = LogisticRegression()
        model.regression.coef_, model.regression.intercept_ = weights["coef"], weights["intercept"]
        model.regression.classes_ = np.arange(len(settings["levels"]))
        return model
