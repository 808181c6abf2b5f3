"""The scoring library: load a model once, score many texts in batches."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from corpus.language import detect_language
from corpus.scale import N_LEVELS, NAMES, level_of, name_of, scores, softmax
from inference.models import StanceModel, join_windows, load_model
from inference.paths import default_model_dir
from inference.words import words

NOT_FINITE = "the model gave probabilities that are not finite numbers: it is damaged; retrain it"


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
    stance_model: StanceModel = field(init=False, repr=False)

    def __post_init__(self):
        self.stance_model = load_model(Path(self.model) if self.model else default_model_dir())
        self.precision = self.precision or self.stance_model.precisions[0]
        if self.precision not in self.stance_model.precisions:
            raise ValueError(
                f"precision must be one of {', '.join(self.stance_model.precisions)} for a "
                f"{self.stance_model.kind} model, got {self.precision!r}"
            )

    def probabilities(self, texts: list[str]) -> np.ndarray:
        """Calibrated probabilities over the five levels per text: the path every score takes."""
        return self._read([self.stance_model.windows(t, self.max_tokens) for t in texts])

    def _read(self, windows: list[list]) -> np.ndarray:
        model = self.stance_model
        flat = [w for text_windows in windows for w in text_windows]
        if not flat:
            return np.zeros((len(windows), N_LEVELS))
        logits = model.logits(flat, self.precision, batch_size=self.batch_size)
        return join_windows(softmax(logits, model.temperature), windows)

    def score(self, texts: list[str], explain: bool = False) -> list[Scored]:
        """One result per text, in order; empty texts get an error instead of a score."""
        results = [Scored(error=_problem(t)) for t in texts]
        todo = [i for i, r in enumerate(results) if r.error is None]
        windows = [self.stance_model.windows(texts[i], self.max_tokens) for i in todo]
        for i, text_windows, probs in zip(todo, windows, self._read(windows)):
            if not np.isfinite(probs).all():
                results[i] = Scored(error=NOT_FINITE)
                continue
            level = int(level_of(probs))
            results[i] = Scored(
                label=name_of(level),
                level=level,
                score=float(scores(probs)),
                probs={n: round(float(p), 6) for n, p in zip(NAMES, probs)},
                lang=detect_language(texts[i]),
                chunks=len(text_windows),
            )
            if explain:
                results[i].evidence = self._evidence(texts[i], text_windows)
        return results

    def _evidence(self, text: str, windows: list) -> dict[str, list[Evidence]]:
        found = words(text)
        weights = (
            self.stance_model.word_weights(text, found, windows, self.explain_steps) if found else np.zeros(0)
        )
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
