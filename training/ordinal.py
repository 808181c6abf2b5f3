"""The ordinal side of training: the expected-level loss and the calibration temperature.

Training adds to cross-entropy the squared error of the expected level (the probability-weighted
level) so that mistaking "ban" for "embrace" costs more than mistaking it for "restrict". A model
with object heads learns beside it the level toward each object the text addresses (the same
ordinal loss).
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from corpus.scale import N_LEVELS
from inference.models.transformer import LEVEL_VALUES, expected_level


def ordinal_loss(logits: torch.Tensor, classes: torch.Tensor, weight: float) -> torch.Tensor:
    """Cross-entropy plus `weight` x squared error of the expected level against the true level."""
    expected = expected_level(logits)
    true_level = LEVEL_VALUES.to(logits.device)[classes]
    return F.cross_entropy(logits, classes) + weight * F.mse_loss(expected, true_level)


def stance_loss(
    logits: torch.Tensor,
    classes: torch.Tensor,
    object_classes: torch.Tensor,
    ordinal_weight: float,
    target_weight: float,
) -> torch.Tensor:
    """The ordinal loss of the five levels (the first outputs), plus `target_weight` x that of each
    addressed object's levels (the outputs after, five per object): `object_classes` (rows x objects)
    holds each object's class, -1 where it is not addressed."""
    loss = ordinal_loss(logits[:, :N_LEVELS], classes, ordinal_weight)
    addressed = object_classes >= 0
    if not target_weight or not addressed.any():
        return loss
    toward = logits[:, N_LEVELS:].reshape(len(logits), object_classes.shape[1], N_LEVELS)[addressed]
    return loss + target_weight * ordinal_loss(toward, object_classes[addressed], ordinal_weight)


def fit_temperature(logits: np.ndarray, classes: np.ndarray) -> float:
    """The temperature in [0.05, 20] that minimises negative log-likelihood on held-out logits
    (Guo et al., 2017), searched on a log grid: always finite, whatever the logits."""
    x = np.nan_to_num(np.asarray(logits, dtype=np.float64), posinf=1e6, neginf=-1e6)
    x = x - x.max(axis=1, keepdims=True)
    rows = np.arange(len(x))
    best, best_nll = 1.0, np.inf
    for temperature in np.geomspace(0.05, 20.0, 241):
        z = x / temperature
        nll = float(np.mean(np.log(np.exp(z).sum(axis=1)) - z[rows, classes]))
        if nll < best_nll:
            best, best_nll = float(temperature), nll
    return best
