"""The model layer: load a model folder of any kind, read texts in windows, give probabilities.

A model folder holds `model.json` with the model's `kind` and the `format` version of the folder,
beside the kind's own files. `load_model` reads it and hands the folder to the registered kind;
training saves through `save_model`. Each kind reads a text as windows and gives logits per window
at a chosen precision; `read_logits` turns logits into calibrated probabilities (`Reading`): the five
levels, and for a model with object heads whether each object is addressed and at which level;
`joined` joins the windows of one text or passage. The scorer predicts through it, and `stance eval`
and training's reports through the scorer.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

from corpus.scale import N_LEVELS, softmax

MANIFEST = "model.json"
FORMAT_VERSION = 1


class StanceModel(Protocol):
    """What every kind of model does."""

    kind: str
    temperature: float
    precisions: tuple[str, ...]  # the first is the default
    objects: tuple[str, ...]  # the objects the model has heads for (none for a five-level model only)
    target_temperature: float  # calibrates the levels toward objects

    def windows(self, text: str, max_tokens: int = 512, overlap: int = 64, offset: int = 0) -> list: ...

    def count_tokens(self, text: str) -> int: ...

    def logits(self, windows: list, precision: str, batch_size: int = 16) -> np.ndarray: ...

    def word_weights(
        self, text: str, words: list, windows: list, steps: int = 16, precision: str | None = None
    ) -> np.ndarray: ...

    def settings(self) -> dict: ...

    def finite(self) -> bool: ...

    def save_files(self, folder: Path) -> None: ...


def _kinds() -> dict:
    """The registered kinds: name -> class with `load(folder, settings)`. A new kind is a module
    here with such a class, added to this tuple."""
    from inference.models.baseline import BaselineModel
    from inference.models.transformer import TransformerModel

    return {cls.kind: cls for cls in (TransformerModel, BaselineModel)}


def load_model(folder: Path) -> StanceModel:
    """The model saved in `folder`, of the kind its `model.json` names."""
    folder = Path(folder)
    manifest = folder / MANIFEST
    if not folder.is_dir():
        raise FileNotFoundError(f"{folder}: no model folder here; run `stance train --out {folder}`")
    if not manifest.exists():
        raise ValueError(
            f"{folder}: not a StanceTrace model folder of this version: {MANIFEST} (its kind and format "
            f"version) is missing; retrain it with `stance train`"
        )
    try:
        settings = json.loads(manifest.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise ValueError(f"{manifest}: not a readable manifest ({err})") from None
    if not isinstance(settings, dict):
        raise ValueError(f"{manifest}: expected a JSON object")
    kinds = _kinds()
    missing = [key for key in ("kind", "format") if key not in settings]
    if missing:
        raise ValueError(f"{manifest}: missing {' and '.join(missing)}")
    if settings["kind"] not in kinds:
        raise ValueError(
            f"{manifest}: unknown model kind {settings['kind']!r}; known: {', '.join(sorted(kinds))}"
        )
    if settings["format"] != FORMAT_VERSION:
        raise ValueError(
            f"{manifest}: format version {settings['format']!r}; this StanceTrace reads version "
            f"{FORMAT_VERSION}: retrain the model with `stance train`"
        )
    try:
        return kinds[settings["kind"]].load(folder, settings)
    except Exception as err:  # safetensors, tokenizers, numpy and OS errors of a damaged folder
        raise ValueError(
            f"{folder}: the {settings['kind']} model cannot be loaded ({type(err).__name__}: {err}); its "
            "files may be damaged or cut short: copy the folder again, or retrain it with `stance train`"
        ) from None


def save_model(model: StanceModel, folder: Path) -> None:
    """Write `model` into the existing folder `folder`: its files, then `model.json`."""
    folder = Path(folder)
    model.save_files(folder)
    manifest = {"kind": model.kind, "format": FORMAT_VERSION, **model.settings()}
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=1, ensure_ascii=False), encoding="utf-8")


@dataclass(frozen=True)
class Reading:
    """Calibrated outputs, one row per window, passage or text."""

    probs: np.ndarray  # (n, 5): the five levels
    addressed: np.ndarray  # (n, objects): the probability that each object is addressed
    object_probs: np.ndarray  # (n, objects, 5): the levels toward each object

    def __len__(self) -> int:
        return len(self.probs)

    def rows(self, index) -> Reading:
        """The rows `index` selects (a slice, a list or an array of indices)."""
        return Reading(self.probs[index], self.addressed[index], self.object_probs[index])


def read_logits(model: StanceModel, logits: np.ndarray) -> Reading:
    """Calibrated probabilities from a model's raw outputs: five levels, then per object (if the
    model has object heads) the logit that it is addressed, then its five levels per object."""
    n, k = len(logits), len(model.objects)
    logits = np.asarray(logits, dtype=np.float64)
    addressed = 1 / (1 + np.exp(-logits[:, N_LEVELS : N_LEVELS + k]))
    toward = logits[:, N_LEVELS + k :].reshape(n * k, N_LEVELS)
    object_probs = softmax(toward, model.target_temperature) if k else toward
    return Reading(
        softmax(logits[:, :N_LEVELS], model.temperature), addressed, object_probs.reshape(n, k, N_LEVELS)
    )


def joined(reading: Reading, weights: np.ndarray) -> Reading:
    """One row from several (the windows of a passage): the levels averaged by `weights` (their
    lengths), an object addressed if any row addresses it, its levels averaged over the rows that
    address it (weighted by how surely)."""
    weights = np.asarray(weights, dtype=float)
    probs = np.average(reading.probs, axis=0, weights=weights)[None]
    addressed = reading.addressed.max(axis=0, initial=0.0)[None]
    share = weights[:, None] * reading.addressed + 1e-12
    object_probs = (share[:, :, None] * reading.object_probs).sum(axis=0) / share.sum(axis=0)[:, None]
    return Reading(probs, addressed, object_probs[None])


def join_windows(reading: Reading, windows: list[list]) -> Reading:
    """Per text, its windows' rows of `reading` (in order) joined, weighted by the windows' length
    (tokens, or characters for a model that reads whole texts)."""
    ends = np.cumsum([len(w) for w in windows])
    parts = [
        joined(reading.rows(slice(end - len(w), end)), [len(x) for x in w]) for w, end in zip(windows, ends)
    ]
    return concatenated(parts, reading.addressed.shape[1])


def concatenated(parts: list[Reading], objects: int) -> Reading:
    """The rows of `parts` in order (an empty reading with `objects` columns where there are none)."""
    if not parts:
        return Reading(np.zeros((0, N_LEVELS)), np.zeros((0, objects)), np.zeros((0, objects, N_LEVELS)))
    return Reading(
        *(np.concatenate([getattr(p, f) for p in parts]) for f in ("probs", "addressed", "object_probs"))
    )
