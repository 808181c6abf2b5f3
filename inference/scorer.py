"""The scoring library: load a model once, score many texts in batches."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from corpus.language import detect_language
from corpus.scale import NAMES, level_of, name_of, scores
from inference.models import Reading, StanceModel, concatenated, join_windows, load_model, read_logits
from inference.passages import Passage, decide, passages
from inference.paths import default_model_dir
from inference.words import phrases, words

NOT_FINITE = "the model gave probabilities that are not finite numbers: it is damaged; retrain it"


@dataclass
class Evidence:
    """A phrase (adjacent words, never a stop word, pulling one way), where it stands in the text,
    and how far it moved the score."""

    text: str
    start: int
    end: int
    weight: float


@dataclass(frozen=True)
class TextReading:
    """How one text was read: its passages, the rows of its windows and passages, the document's
    row and the passages that decided it."""

    passages: list[Passage]
    windows: Reading
    by_passage: Reading
    document: Reading
    decisive: list[int]


@dataclass
class Scored:
    """The result for one text; `error` is set (and the rest empty) when it could not be scored.

    `targets` holds, for each object the text addresses (probability >= 0.5), its level, score,
    probabilities and that probability (`addressed`). `decisive` names the passages (character
    offsets, level) that decided a text read in several passages; None for a text read whole.
    """

    label: str | None = None
    level: int | None = None
    score: float | None = None
    probs: dict[str, float] | None = None
    targets: dict[str, dict] | None = None
    lang: str | None = None
    chunks: int = 0
    decisive: list[dict] | None = None
    evidence: dict[str, list[Evidence]] | None = None
    evidence_note: str | None = None  # set when a long text was explained in part, or not at all
    error: str | None = None

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class Scorer:
    """Scores texts with a trained stance model (the default model unless `model` names a folder).

    A text longer than one window of `max_tokens` tokens is read in passages of at most
    `passage_tokens` tokens (`inference.passages`). `top_k` evidence words are kept toward each end
    of the scale when explaining, found in at most `explain_windows` windows of the decisive
    passages, and none for a text over `explain_max_chars` characters (the note says so). A text
    over `max_chars` characters gets an error rather than the memory and time it would take.
    `precision` says how a transformer reads (see `inference.models.transformer`): by default "bf16"
    on a CPU with AMX or a GPU, "onnx" (ONNX Runtime fp32) on other CPUs; "fp32" (torch) is the
    reference the others are measured against; "int8" is faster and less accurate.
    """

    model: str | Path | None = None
    batch_size: int = 16
    max_tokens: int = 512
    passage_tokens: int = 256
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
        return self.documents(texts).probs

    def documents(self, texts: list[str]) -> Reading:
        """The documents' readings (levels, and objects addressed and their levels), one row per text."""
        return concatenated([r.document for r in self.read(texts)], len(self.stance_model.objects))

    def read(self, texts: list[str]) -> list[TextReading]:
        """Each text read in passages, and each document decided from its passages."""
        if not texts:
            return []
        model = self.stance_model
        split = [passages(model, t, self.max_tokens, self.passage_tokens) for t in texts]
        flat = [w for text_passages in split for p in text_passages for w in p.windows]
        window_reading = read_logits(model, model.logits(flat, self.precision, batch_size=self.batch_size))
        out, position = [], 0
        for text_passages in split:
            count = sum(len(p.windows) for p in text_passages)
            own = window_reading.rows(slice(position, position + count))
            position += count
            by_passage = join_windows(own, [p.windows for p in text_passages])
            document, decisive = decide(by_passage, [p.end - p.start for p in text_passages])
            out.append(TextReading(text_passages, own, by_passage, document, decisive))
        return out

    def score(self, texts: list[str], explain: bool = False) -> list[Scored]:
        """One result per text, in order; an empty text, or one over `max_chars`, gets an error instead."""
        results = [Scored(error=self._problem(t)) for t in texts]
        todo = [i for i, r in enumerate(results) if r.error is None]
        for i, reading in zip(todo, self.read([texts[i] for i in todo])):
            probs = reading.document.probs[0]
            if not np.isfinite(probs).all():
                results[i] = Scored(error=NOT_FINITE)
                continue
            result = results[i] = Scored(
                **_levels(probs),
                targets=self._targets(reading.document),
                lang=detect_language(texts[i]),
                chunks=len(reading.windows),
                decisive=_decisive(reading) if len(reading.passages) > 1 else None,
            )
            if explain and len(texts[i]) > self.explain_max_chars:
                result.evidence_note = (
                    f"no evidence: the text has more than {self.explain_max_chars:,} characters"
                )
            elif explain:
                result.evidence, result.evidence_note = self._evidence(texts[i], reading)
        return results

    def _targets(self, document: Reading) -> dict[str, dict] | None:
        """The objects the document addresses, each with its level, score and probabilities; None for
        a model without object heads."""
        if not self.stance_model.objects:
            return None
        return {
            obj: {**_levels(document.object_probs[0, k]), "addressed": round(float(addressed), 6)}
            for k, (obj, addressed) in enumerate(zip(self.stance_model.objects, document.addressed[0]))
            if addressed >= 0.5
        }

    def count_windows(self, text: str) -> int:
        """How many windows `score` will read for `text` (1 for a text it will refuse)."""
        if self._problem(text):
            return 1
        return sum(
            len(p.windows) for p in passages(self.stance_model, text, self.max_tokens, self.passage_tokens)
        )

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

    def _evidence(self, text: str, reading: TextReading) -> tuple[dict, str | None]:
        """Evidence words from the windows of the decisive passages, at most `explain_windows` of them
        (those whose score lies farthest from neutral), and a note when other windows were not explained."""
        starts = np.cumsum([0] + [len(p.windows) for p in reading.passages])
        index = [k for p in reading.decisive for k in range(starts[p], starts[p + 1])]
        note = None
        if len(index) > self.explain_windows:
            farthest = np.argsort(-np.abs(scores(reading.windows.probs[index])), kind="stable")
            index = sorted(index[k] for k in farthest[: self.explain_windows])
        if len(index) < len(reading.windows):
            note = f"evidence from the {len(index)} most decisive of {len(reading.windows)} windows"
        every = [w for p in reading.passages for w in p.windows]
        windows = [every[k] for k in index]
        found = words(text)
        weights = (
            self.stance_model.word_weights(text, found, windows, self.explain_steps, self.precision)
            if found
            else np.zeros(0)
        )
        ranked = [
            Evidence(p.text, p.start, p.end, float(f"{v:.4g}")) for p, v in phrases(text, found, weights)
        ]
        evidence = {
            "toward_ban": sorted((e for e in ranked if e.weight < 0), key=lambda e: e.weight)[: self.top_k],
            "toward_embrace": sorted((e for e in ranked if e.weight > 0), key=lambda e: -e.weight)[
                : self.top_k
            ],
        }
        return evidence, note


def _levels(probs: np.ndarray) -> dict:
    """The level, its name, the score and the rounded probabilities of a row over the five levels."""
    level = int(level_of(probs))
    return {
        "label": name_of(level),
        "level": level,
        "score": float(scores(probs)),
        "probs": {n: round(float(p), 6) for n, p in zip(NAMES, probs)},
    }


def _decisive(reading: TextReading) -> list[dict]:
    """The passages that decided the document: their character offsets, level and score."""
    out = []
    for k in reading.decisive:
        passage, probs = reading.passages[k], reading.by_passage.probs[k]
        level = int(level_of(probs))
        out.append(
            {
                "start": passage.start,
                "end": passage.end,
                "level": level,
                "label": name_of(level),
                "score": round(float(scores(probs)), 6),
            }
        )
    return out
