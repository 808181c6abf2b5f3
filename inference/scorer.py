"""The scoring library: load a model once, score many texts in batches."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from inference.backends import BaselineBackend, TransformerBackend
from inference.language import detect_language
from inference.words import words
from training.classifiers import load_classifier
from training.ordinal import NAMES, scores
from training.paths import default_model_dir
from training.transformer import TransformerClassifier


@dataclass
class Evidence:
    """A word or phrase, where it stands in the text, and how far it moved the score."""

    text: str
    start: int
    end: int
    weight: float


@dataclass
class Scored:
    """The result for one text; `error` is set (and the rest empty) when it could not be scored."""

    label: str | None = None
    level: int | None = None
    score: float | None = None
    probs: dict[str, float] | None = None
    lang: str | None = None
    chunks: int = 0
    evidence: dict[str, list[Evidence]] | None = None
    error: str | None = None

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class Scorer:
    """Scores texts with a trained stance model (the default model unless `model` names a folder).

    `top_k` evidence words are kept toward each end of the scale when explaining. `precision`
    says how a transformer reads: "onnx" (ONNX Runtime, the default on a CPU), "fp32" (torch, the
    default on a GPU) or "int8" (torch dynamic quantisation; faster, less accurate).
    """

    model: str | Path | None = None
    batch_size: int = 16
    max_tokens: int = 512
    explain_steps: int = 16
    top_k: int = 5
    precision: str | None = None
    backend: object = field(init=False, repr=False)

    def __post_init__(self):
        classifier = load_classifier(Path(self.model) if self.model else default_model_dir())
        self.kind = classifier.kind
        if isinstance(classifier, TransformerClassifier):
            precision = self.precision or ("fp32" if classifier.model.device.type == "cuda" else "onnx")
            self.backend = TransformerBackend(
                classifier,
                self.max_tokens,
                batch_size=self.batch_size,
                explain_steps=self.explain_steps,
                precision=precision,
            )
        else:
            self.backend = BaselineBackend(classifier)

    def score(self, texts: list[str], explain: bool = False) -> list[Scored]:
        """One result per text, in order; empty texts get an error instead of a score."""
        results = [Scored(error=_problem(t)) for t in texts]
        todo = [i for i, r in enumerate(results) if r.error is None]
        windows = {i: self.backend.windows(texts[i]) for i in todo}
        flat = [w for i in todo for w in windows[i]]
        probs = self.backend.probabilities(flat) if flat else np.zeros((0, 5))
        position = 0
        for i in todo:
            count = len(windows[i])
            weights = np.array([len(w) for w in windows[i]], dtype=float)  # tokens (or characters)
            doc = np.average(probs[position : position + count], axis=0, weights=weights)
            position += count
            level = int(np.argmax(doc)) - 2
            results[i] = Scored(
                label=NAMES[level + 2],
                level=level,
                score=float(scores(doc[None])[0]),
                probs={n: round(float(p), 6) for n, p in zip(NAMES, doc)},
                lang=detect_language(texts[i]),
                chunks=count,
            )
            if explain:
                results[i].evidence = self._evidence(texts[i], windows[i])
        return results

    def _evidence(self, text: str, windows: list) -> dict[str, list[Evidence]]:
        found = words(text)
        weights = self.backend.word_weights(text, found, windows) if found else np.zeros(0)
        ranked = [Evidence(w.text, w.start, w.end, float(f"{v:.4g}")) for w, v in zip(found, weights)]
        return {
            "toward_ban": sorted((e for e in ranked if e.weight < 0), key=lambda e: e.weight)[: self.top_k],
            "toward_embrace": sorted((e for e in ranked if e.weight > 0), key=lambda e: -e.weight)[
                : self.top_k
            ],
        }


def _problem(text) -> str | None:
    if not isinstance(text, str):
        return f"text must be a string, got {type(text).__name__}"
    if not text.strip():
        return "empty text: nothing to score"
    return None
