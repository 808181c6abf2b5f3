"""Change points in a series of dated scores, each with a date interval and a bootstrap confidence.

Detection: penalised least squares over the scores in date order (ruptures' KernelCPD with the
linear kernel, the same cost as PELT with l2 and exact, in C), at least 3 days per segment, a
penalty of 3 sigma^2 log(n) with sigma estimated robustly from the differences between
neighbouring days (median absolute difference / (0.6745 sqrt 2)). It runs over daily means: the
passages of one notice count once, and no change falls inside a day. (On 40 days of pure noise the
factor 3 finds a change in 8% of series; BIC's 2 in 17%, 4 in 2%, while missing Shanghai's turn to
blockchain in late 2019.)

Confidence: the days are resampled with replacement, put back in date order and searched
again with the same penalty, BOOTSTRAP times. A change counts as found again when a resample has
a change within its reach (a year either side, and no nearer another change). Its confidence is
the share of resamples that find it; its interval, the 5th to 95th percentile of the dates found
(widened to hold the date itself). A change's date is the midpoint between the last document
before it and the first after.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import ruptures

MIN_SEGMENT = 3
BOOTSTRAP = 200
REACH_DAYS = 365
NEAREST = 3  # documents shown on each side of a change
SEED = 0


@dataclass(frozen=True)
class Change:
    """One change point: where the series steps, how sure that is, and the means on either side."""

    index: int  # position of the first document after the change, in date order
    day: float  # days since the epoch
    day_low: float
    day_high: float
    confidence: float
    mean_before: float
    mean_after: float
    nearest: list[int] = field(default_factory=list)  # positions of the documents nearest the change


def penalty(scores: np.ndarray) -> float:
    noise = np.median(np.abs(np.diff(scores))) / (0.6745 * np.sqrt(2))
    return 3 * max(noise**2, 1e-3) * np.log(len(scores))


def segment_starts(scores: np.ndarray, pen: float) -> list[int]:
    """Positions where a new segment starts, for scores in date order."""
    if len(scores) < 2 * MIN_SEGMENT:
        return []
    ends = (
        ruptures.KernelCPD(kernel="linear", min_size=MIN_SEGMENT).fit(scores.astype(float)).predict(pen=pen)
    )
    return [int(e) for e in ends[:-1]]


def change_points(x: np.ndarray, y: np.ndarray, seed: int = SEED) -> list[Change]:
    """The change points of scores `y` on days `x` (any order), with their confidence."""
    order = np.argsort(x, kind="stable")
    x, y = np.asarray(x, dtype=float)[order], np.asarray(y, dtype=float)[order]
    day, inverse = np.unique(x, return_inverse=True)
    daily = np.bincount(inverse, y) / np.bincount(inverse)
    pen = penalty(daily) if len(daily) > 1 else 0.0
    starts = segment_starts(daily, pen)
    if not starts:
        return []
    when = np.array([_midpoint(day, s) for s in starts])
    reach = _reach(when)
    found = [[] for _ in starts]
    rng = np.random.default_rng(seed)
    for _ in range(BOOTSTRAP):
        pick = np.sort(rng.integers(0, len(day), len(day)))  # days are sorted: sorted picks keep date order
        again = np.array([_midpoint(day[pick], s) for s in segment_starts(daily[pick], pen)])
        for k, (low, high) in enumerate(reach):
            inside = again[(again >= low) & (again <= high)]
            if len(inside):
                found[k].append(inside[np.argmin(np.abs(inside - when[k]))])
    firsts = [int(np.searchsorted(x, day[s])) for s in starts]  # first document after each change
    bounds = [0, *firsts, len(y)]
    changes = []
    for k, first in enumerate(firsts):
        low, high = np.percentile(found[k], (5, 95)) if found[k] else (when[k], when[k])
        changes.append(
            Change(
                index=int(order[first]),
                day=float(when[k]),
                day_low=float(min(low, when[k])),
                day_high=float(max(high, when[k])),
                confidence=len(found[k]) / BOOTSTRAP,
                mean_before=float(y[bounds[k] : first].mean()),
                mean_after=float(y[first : bounds[k + 2]].mean()),
                nearest=[int(order[i]) for i in range(max(0, first - NEAREST), min(len(y), first + NEAREST))],
            )
        )
    return changes


def _midpoint(x: np.ndarray, start: int) -> float:
    return (x[start - 1] + x[start]) / 2


def _reach(days: np.ndarray) -> list[tuple[float, float]]:
    """Each change's reach: a year either side, cut halfway to its neighbouring changes."""
    edges = np.r_[-np.inf, (days[1:] + days[:-1]) / 2, np.inf]
    return [
        (max(day - REACH_DAYS, edges[k]), min(day + REACH_DAYS, edges[k + 1])) for k, day in enumerate(days)
    ]
