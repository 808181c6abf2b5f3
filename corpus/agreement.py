"""Inter-annotator agreement on the ordinal stance scale."""

from __future__ import annotations

import krippendorff
import numpy as np


def ordinal_alpha(labels_a: list[int], labels_b: list[int]) -> float:
    """Krippendorff's alpha (ordinal) for two annotators who labelled the same statements."""
    if len(labels_a) != len(labels_b):
        raise ValueError("both annotators must label the same statements")
    data = np.array([labels_a, labels_b], dtype=float)
    if np.unique(data).size < 2:
        return float("nan")  # alpha is undefined when every label is the same
    return float(krippendorff.alpha(reliability_data=data, level_of_measurement="ordinal", value_domain=[-2, -1, 0, 1, 2]))
