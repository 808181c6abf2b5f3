"""The metrics on cases small enough to compute by hand."""

import numpy as np
import pytest

from corpus.scale import scores, softmax
from training.metrics import expected_calibration_error, stance_metrics, translation_gap
from training.ordinal import fit_temperature


def one_hot(classes, confidence=1.0):
    probs = np.full((len(classes), 5), (1 - confidence) / 4)
    probs[np.arange(len(classes)), classes] = confidence
    return probs


def test_metrics_by_hand():
    levels = np.array([-2, -1, 0, 1, 2])
    predicted_classes = np.array([0, 2, 2, 4, 0])  # levels -2, 0, 0, 2, -2
    probs = one_hot(predicted_classes)
    m = stance_metrics(levels, probs, scores(probs))
    assert m["accuracy"] == pytest.approx(2 / 5)
    assert m["adjacent_accuracy"] == pytest.approx(4 / 5)  # all but +2 predicted as -2
    assert m["mae_levels"] == pytest.approx((0 + 1 + 0 + 1 + 4) / 5)
    # per-class F1: -2: p=1/2 r=1 -> 2/3; -1: 0; 0: p=1/2 r=1 -> 2/3; +1: 0; +2: 0
    assert m["macro_f1"] == pytest.approx((2 / 3 + 2 / 3) / 5)
    assert m["ece"] == pytest.approx(1 - 2 / 5)  # every prediction at confidence 1, 2 of 5 right


def test_score_is_the_expected_level_halved():
    probs = np.array([[0.5, 0, 0, 0, 0.5], [0, 0, 0, 0, 1.0], [0.25, 0.75, 0, 0, 0]])
    assert scores(probs).tolist() == pytest.approx([0.0, 1.0, -0.625])


def test_ece_of_a_calibrated_bin_is_zero():
    probs = one_hot(np.array([0, 0, 0, 0]), confidence=0.75)
    assert expected_calibration_error(probs, np.array([0, 0, 0, 1])) == pytest.approx(0.0)


def test_translation_gap_pairs_renderings():
    gap = translation_gap(
        ["a", "a", "b", "b", "c"], ["zh", "en", "zh", "en", "zh"], np.array([0.5, 0.1, -1, -1, 0.9])
    )
    assert gap == {"pairs": 2, "mean_abs_score_gap": pytest.approx(0.2)}


def test_temperature_recovers_overconfidence():
    rng = np.random.default_rng(0)
    true_logits = rng.normal(size=(4000, 5))
    classes = np.array([rng.choice(5, p=p) for p in softmax(true_logits)])
    assert fit_temperature(3.0 * true_logits, classes) == pytest.approx(3.0, rel=0.1)
