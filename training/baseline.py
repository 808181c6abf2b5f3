"""Fit the baseline kind: TF-IDF over words and a logistic regression, calibrated on validation."""

from __future__ import annotations

import numpy as np
from sklearn.linear_model import LogisticRegression

from corpus.scale import class_of
from inference.models.baseline import BaselineModel, vectorizer
from training.ordinal import fit_temperature


def fit_baseline(train: dict, validation: dict, c: float, seed: int = 0) -> BaselineModel:
    """A baseline fitted on `train` (texts, labels) with inverse regularisation `c`, its temperature
    fitted on `validation`."""
    features = vectorizer()
    regression = LogisticRegression(C=c, max_iter=2000, random_state=seed)
    regression.fit(features.fit_transform(train["text"]), [class_of(v) for v in train["label"]])
    model = BaselineModel(features, regression, c, temperature=1.0)
    classes = np.array([class_of(v) for v in validation["label"]])
    model.temperature = fit_temperature(model.logits(validation["text"]), classes)  # one window per text
    return model
