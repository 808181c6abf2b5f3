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
    evidence_note: str | None = None  # set when a long text was explained in part, or not at all
    error: str | None = None

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class Scorer:
    """Scores texts with a trained stance model (the default model unless `model` names a folder).

    `top_k` evidence words are kept toward each end of the scale when explaining, found in at most
    `explain_windows` windows of a long text, and none for a text over `explain_max_chars`
    characters (the note says so). A text over `max_chars` characters gets an error
    rather than the memory and time it would take. `precision`
    says how a transformer reads (see `inference.models.transformer`): by default "bf16" on a CPU
    with AMX or a GPU, "onnx" (ONNX Runtime fp32) on other CPUs; "fp32" (torch) is the
    reference the others are measured against; "int8" is faster and less accurate.
    """

    model: str | Path | None = None
    batch_size: int = 16
    max_tokens: int = 512
    explain_steps: int = 16
    top_k: int = 5
    precision: str | None = None
    max_chars: int = 500_000
    explain_windows: int = 3
    explain_max_chars: int = 20_000
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
        return self._read([self.stance_model.windows(t, self.max_tokens) for t in texts])[0]

    def _read(self, windows: list[list]) -> tuple[np.ndarray, np.ndarray]:
        """Probabilities per text, and per window (all windows in order)."""
        model = self.stance_model
        flat = [w for text_windows in windows for w in text_windows]
        if not flat:
            return np.zeros((len(windows), N_LEVELS)), np.zeros((0, N_LEVELS))
        window_probs = softmax(
            model.logits(flat, self.precision, batch_size=self.batch_size), model.temperature
        )
        return join_windows(window_probs, windows), window_probs

    def score(self, texts: list[str], explain: bool = False) -> list[Scored]:
        """One result per text, in order; an empty text, or one over `max_chars`, gets an error instead."""
        results = [Scored(error=self._problem(t)) for t in texts]
        todo = [i for i, r in enumerate(results) if r.error is None]
        windows = [self.stance_model.windows(texts[i], self.max_tokens) for i in todo]
        doc_probs, window_probs = self._read(windows)
        ends = np.cumsum([len(w) for w in windows])
        for i, text_windows, probs, end in zip(todo, windows, doc_probs, ends):
            if not np.isfinite(probs).all():
                results[i] = Scored(error=NOT_FINITE)
                continue
            level = int(level_of(probs))
            result = results[i] = Scored(
                label=name_of(level),
                level=level,
                score=float(scores(probs)),
                probs={n: round(float(p), 6) for n, p in zip(NAMES, probs)},
                lang=detect_language(texts[i]),
                chunks=len(text_windows),
            )
            if explain and len(texts[i]) > self.explain_max_chars:
                result.evidence_note = (
                    f"no evidence: the text has more than {self.explain_max_chars:,} characters"
                )
            elif explain:
                own = window_probs[end - len(text_windows) : end]
                result.evidence, result.evidence_note = self._evidence(texts[i], text_windows, own)
        return results

    def count_windows(self, text: str) -> int:
        """How many windows `score` will read for `text` (1 for a text it will refuse)."""
        return 1 if self._problem(text) else len(self.stance_model.windows(text, self.max_tokens))

    def _problem(self, text) -> str | None:
        if not isinstance(text, str):
            return f"text must be a string, got {type(text).__name__}"
        if not text.strip():
            return "empty text: nothing to score"
        if len(text) > self.max_chars:
            return (
                f"the text has {len(text):,} characters, over the limit of {self.max_chars:,} "
                "(--max-chars); split it, or raise the limit"
            )
        return None

    def _evidence(self, text: str, windows: list, window_probs: np.ndarray) -> tuple[dict, str | None]:
        """Evidence words from the `explain_windows` most decisive windows (those whose score lies
        farthest from neutral), and a note when the other windows were not explained."""
        note = None
        if len(windows) > self.explain_windows:
            chosen = sorted(np.argsort(-np.abs(scores(window_probs)))[: self.explain_windows])
            windows = [windows[k] for k in chosen]
            note = f"evidence from the {self.explain_windows} most decisive of {len(window_probs)} windows"
        found = words(text)
        weights = (
            self.stance_model.word_weights(text, found, windows, self.explain_steps, self.precision)
            if found
            else np.zeros(0)
        )
        ranked = [Evidence(w.text, w.start, w.end, float(f"{v:.4g}")) for w, v in zip(found, weights) if v]
        evidence = {
            "toward_ban": sorted((e for e in ranked if e.weight < 0), key=lambda e: e.weight)[: self.top_k],
            "toward_embrace": sorted((e for e in ranked if e.weight > 0), key=lambda e: -e.weight)[
                : self.top_k
            ],
        }
        return evidence, note
