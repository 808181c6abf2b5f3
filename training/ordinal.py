"""The ordinal side of the classifier: levels, the expected-score loss, the score and calibration.

The five classes are the levels -2..2 in order. Training adds to cross-entropy the squared error
of the expected level (the probability-weighted level) so that mistaking "ban" for "embrace"
costs more than mistaking it for "restrict". The continuous score is that expected level / 2.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from corpus.schema import LABEL_NAMES, LEVELS

N_LEVELS = len(LEVELS)
NAMES = [LABEL_NAMES[level] for level in LEVELS]
_LEVEL_VALUES = torch.tensor(LEVELS, dtype=torch.float32)


def level_to_class(level: int) -> int:
    """Class index 0..4 of a level -2..2."""
    return LEVELS.index(level)


def expected_level(logits: torch.Tensor, temperature: float = 1.0) -> torch.Tensor:
    """The probability-weighted level (-2..2) of each row of logits, differentiably."""
    return F.softmax(logits / temperature, dim=-1) @ _LEVEL_VALUES.to(logits.device)


def ordinal_loss(logits: torch.Tensor, classes: torch.Tensor, weight: float) -> torch.Tensor:
    """Cross-entropy plus `weight` x squared error of the expected level against the true level."""
    expected = expected_level(logits)
    true_level = _LEVEL_VALUES.to(logits.device)[classes]
    return F.cross_entropy(logits, classes) + weight * F.mse_loss(expected, true_level)


def scores(probs: np.ndarray) -> np.ndarray:
    """The continuous stance in [-1, 1]: the probability-weighted level scaled by 1/2."""
    return probs @ np.asarray(LEVELS, dtype=np.float64) / max(LEVELS)


def softmax(logits: np.ndarray, temperature: float = 1.0) -> np.ndarray:
    """Row-wise softmax of logits divided by `temperature`."""
    z = logits / temperature
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def fit_temperature(logits: np.ndarray, classes: np.ndarray) -> float:
    """The temperature that minimises negative log-likelihood on held-out logits (Guo et al., 2017)."""
    log_t = torch.zeros(1, requires_grad=True)
    x, y = torch.as_tensor(logits, dtype=torch.float32), torch.as_tensor(classes, dtype=torch.long)
    optimiser = torch.optim.LBFGS([log_t], lr=0.1, max_iter=200)

    def closure() -> torch.Tensor:
        optimiser.zero_grad()
        loss = F.cross_entropy(x / log_t.exp(), y)
        loss.backward()
        return loss

    optimiser.step(closure)
    return float(log_t.detach().exp().clamp(0.05, 20.0))
