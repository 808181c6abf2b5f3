"""Agreement of two annotators: on the ordinal stance scale, and on which objects a text addresses."""

from __future__ import annotations

import krippendorff
import numpy as np
from sklearn.metrics import cohen_kappa_score

from corpus.scale import LEVELS
from corpus.schema import OBJECTS


def ordinal_alpha(labels_a: list, labels_b: list) -> float:
    """Krippendorff's alpha (ordinal) for two annotators; a None or NaN is a value not given."""
    if len(labels_a) != len(labels_b):
        raise ValueError("both annotators must label the same statements")
    data = np.array([labels_a, labels_b], dtype=float)
    paired = data[:, ~np.isnan(data).any(axis=0)]
    if paired.shape[1] < 2 or np.unique(paired).size < 2:
        return float("nan")  # alpha is undefined without two paired units and two distinct values
    return float(
        krippendorff.alpha(reliability_data=paired, level_of_measurement="ordinal", value_domain=list(LEVELS))
    )


def object_agreement(targets_a: list[dict], targets_b: list[dict]) -> dict[str, dict]:
    """Per object: how often each annotator says it is addressed, Cohen's kappa on that, and the
    ordinal alpha of the levels where both say it is addressed; under "all", the F1 of the two
    annotators' (statement, object) pairs."""
    table = {}
    for name in OBJECTS:
        said_a = np.array([name in t for t in targets_a], dtype=bool)
        said_b = np.array([name in t for t in targets_b], dtype=bool)
        both = said_a & said_b
        table[name] = {
            "addressed_a": int(said_a.sum()),
            "addressed_b": int(said_b.sum()),
            "addressed_both": int(both.sum()),
            "detection_kappa": float(cohen_kappa_score(said_a, said_b))
            if said_a.any() or said_b.any()
            else float("nan"),
            "level_alpha": ordinal_alpha([t.get(name) for t in targets_a], [t.get(name) for t in targets_b]),
            "level_exact": float(
                np.mean([a[name] == b[name] for a, b in zip(targets_a, targets_b) if name in a and name in b])
            )
            if both.any()
            else float("nan"),
        }
    pairs_a = sum(len(t) for t in targets_a)
    pairs_b = sum(len(t) for t in targets_b)
    shared = sum(len(set(a) & set(b)) for a, b in zip(targets_a, targets_b))
    table["all"] = {
        "addressed_a": pairs_a,
        "addressed_b": pairs_b,
        "addressed_both": shared,
        "detection_f1": 2 * shared / (pairs_a + pairs_b) if pairs_a + pairs_b else float("nan"),
    }
    return table
