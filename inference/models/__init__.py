"""The model layer: load a model folder of any kind, read texts in windows, give probabilities.

A model folder holds `model.json` with the model's `kind` and the `format` version of the folder,
beside the kind's own files. `load_model` reads it and hands the folder to the registered kind;
training saves through `save_model`. Each kind reads a text as windows and gives logits per window
at a chosen precision; `join_windows` joins the windows' probabilities into one row per text. The
scorer predicts through it, and `stance eval` and training's reports through the scorer.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Protocol

import numpy as np

from corpus.scale import N_LEVELS

MANIFEST = "model.json"
FORMAT_VERSION = 1


class StanceModel(Protocol):
    """What every kind of model does."""

    kind: str
    temperature: float
    precisions: tuple[str, ...]  # the first is the default

    def windows(self, text: str, max_tokens: int = 512, overlap: int = 64) -> list: ...

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


def join_windows(window_probs: np.ndarray, windows: list[list]) -> np.ndarray:
    """Per text, the probabilities of its windows (rows of `window_probs`, in order) averaged, weighted
    by the windows' length (tokens, or characters for a model that reads whole texts)."""
    out, position = np.zeros((len(windows), N_LEVELS)), 0
    for i, text_windows in enumerate(windows):
        count = len(text_windows)
        weights = np.array([len(w) for w in text_windows], dtype=float)
        out[i] = np.average(window_probs[position : position + count], axis=0, weights=weights)
        position += count
    return out
