"""The baseline kind: TF-IDF over words (jieba for Chinese) and a logistic regression over five levels.

It reads a text whole (one window) and weighs words by occlusion: how far the score moves when a
word is left out. Saved without pickle: the vocabulary and settings as JSON, the weights as .npz.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from corpus.scale import N_LEVELS, scores, softmax
from inference.words import words

VOCABULARY_FILE, WEIGHTS_FILE = "baseline.json", "baseline.npz"


def _terms(text: str) -> list[str]:
    return [w.text for w in words(text.lower())]


def vectorizer(vocabulary: dict | None = None) -> TfidfVectorizer:
    """TF-IDF of word 1-2 grams (a fixed `vocabulary` when loading a trained model)."""
    return TfidfVectorizer(
        tokenizer=_terms,
        token_pattern=None,
        lowercase=False,
        ngram_range=(1, 2),
        sublinear_tf=True,
        vocabulary=vocabulary,
    )


class BaselineModel:
    """Fitted TF-IDF features and logistic regression, with a calibration temperature."""

    kind = "baseline"
    precisions = ("fp64",)
    objects = ()  # the five levels only
    target_temperature = 1.0

    def __init__(
        self, vectorizer: TfidfVectorizer, regression: LogisticRegression, c: float, temperature: float
    ):
        self.vectorizer, self.regression, self.c, self.temperature = vectorizer, regression, c, temperature

    @classmethod
    def load(cls, folder: Path, settings: dict) -> BaselineModel:
        folder = Path(folder)
        terms = json.loads((folder / VOCABULARY_FILE).read_text(encoding="utf-8"))
        weights = np.load(folder / WEIGHTS_FILE, allow_pickle=False)
        fixed = vectorizer({term: i for i, term in enumerate(terms)})
        fixed.fit([""])  # builds the transform's state around the fixed vocabulary
        fixed.idf_ = weights["idf"]
        regression = LogisticRegression()
        regression.coef_, regression.intercept_ = weights["coef"], weights["intercept"]
        regression.classes_ = np.arange(N_LEVELS)
        return cls(fixed, regression, settings["c"], settings["temperature"])

    def settings(self) -> dict:
        return {"c": self.c, "temperature": self.temperature}

    def finite(self) -> bool:
        """Whether every weight and the temperature are finite numbers."""
        weights = (self.vectorizer.idf_, self.regression.coef_, self.regression.intercept_)
        return bool(np.isfinite(self.temperature) and all(np.isfinite(w).all() for w in weights))

    def save_files(self, folder: Path) -> None:
        folder = Path(folder)
        vocabulary = sorted(self.vectorizer.vocabulary_, key=self.vectorizer.vocabulary_.get)
        (folder / VOCABULARY_FILE).write_text(json.dumps(vocabulary, ensure_ascii=False), encoding="utf-8")
        np.savez(
            folder / WEIGHTS_FILE,
            idf=self.vectorizer.idf_,
            coef=self.regression.coef_,
            intercept=self.regression.intercept_,
        )

    def windows(self, text: str, max_tokens: int = 0, overlap: int = 0, offset: int = 0) -> list[str]:
        """The whole text: TF-IDF reads any length at once."""
        return [text]

    def count_tokens(self, text: str) -> int:
        """Words of `text`."""
        return len(words(text))

    def logits(self, windows: list[str], precision: str = "fp64", batch_size: int = 0) -> np.ndarray:
        if precision not in self.precisions:
            raise ValueError(f"the baseline reads at {self.precisions[0]} only, got precision {precision!r}")
        return self.regression.decision_function(self.vectorizer.transform(windows))

    def word_weights(
        self, text: str, found: list, windows: list[str], steps: int = 0, precision: str | None = None
    ) -> np.ndarray:
        """How much the score drops when each word is left out."""
        variants = [text[: w.start] + " " + text[w.end :] for w in found]
        full, *without = scores(softmax(self.logits([text] + variants), self.temperature))
        return full - np.asarray(without)
