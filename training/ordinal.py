"""The ordinal side of training: the expected-level loss and the calibration temperature.

Training adds to cross-entropy the squared error of the expected level (the probability-weighted
level) so that mistaking "ban" for "embrace" costs more than mistaking it for "restrict".
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from corpus.scale import LEVELS
from inference.models.transformer import expected_level

_LEVEL_VALUES = torch.tensor(LEVELS, dtype=torch.float32)


def ordinal_loss(logits: torch.Tensor, classes: torch.Tensor, weight: float) -> torch.Tensor:
    """Cross-entropy plus `weight` x squared error of the expected level against the true level."""
    expected = expected_level(logits)
    true_level = _LEVEL_VALUES.to(logits.device)[classes]
    return F.cross_entropy(logits, classes) + weight * F.mse_loss(expected, true_level)


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
