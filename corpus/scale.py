"""The five-level stance scale: levels, their names, classes and the continuous score.

Models have five classes, the levels -2..2 in order. The continuous score of a probability row is
its probability-weighted level divided by 2, in [-1, 1].
"""

from __future__ import annotations

import numpy as np

LEVELS = (-2, -1, 0, 1, 2)
LABEL_NAMES = {-2: "ban", -1: "restrict", 0: "neutral", 1: "explore", 2: "embrace"}
NAMES = tuple(LABEL_NAMES[level] for level in LEVELS)  # in class order
N_LEVELS = len(LEVELS)


def class_of(level: int) -> int:
    """Class index 0..4 of a level -2..2."""
    return LEVELS.index(level)


def level_of(probs: np.ndarray) -> np.ndarray:
    """The most probable level of each probability row."""
    return np.asarray(LEVELS)[np.asarray(probs).argmax(axis=-1)]


def name_of(level: int) -> str:
    """ "ban" .. "embrace"."""
    return LABEL_NAMES[level]


def display_name(level: int) -> str:
    """The level with its sign and name, e.g. "-2 ban"."""
    return f"{level:+d} {LABEL_NAMES[level]}"


def scores(probs: np.ndarray) -> np.ndarray:
    """The continuous stance in [-1, 1] of each probability row: the probability-weighted level / 2."""
    return np.asarray(probs) @ np.asarray(LEVELS, dtype=np.float64) / max(LEVELS)


def softmax(logits: np.ndarray, temperature: float = 1.0) -> np.ndarray:
    """Probabilities over the levels: the row-wise softmax of logits divided by `temperature`."""
    z = np.asarray(logits, dtype=np.float64) / temperature
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)
