"""The trend of a series of dated scores in calendar time, with a bootstrap band, and a quarterly index.

Trend: a Gaussian kernel (Nadaraya-Watson) smoother over dates, bandwidth in days, so that ten
notices in one week weigh as one stretch of time and a gap of years is a gap. Where the kernel
holds less than half a document's weight (no document within about 1.2 bandwidths), the trend is
not drawn. Band: the 5th and 95th percentiles of the smoother over bootstrap resamples of the
documents (a 90% band).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

BANDWIDTH_DAYS = 180
BOOTSTRAP = 300
BAND = (5.0, 95.0)  # percentiles: a 90% band
MIN_WEIGHT = 0.5  # kernel weight below which the trend is left undrawn
SEED = 0


def days(dates) -> np.ndarray:
    """Dates as days since the epoch (floats)."""
    return pd.to_datetime(pd.Series(dates)).to_numpy("datetime64[D]").astype(float)


def smooth(
    x: np.ndarray, y: np.ndarray, at: np.ndarray, bandwidth: float = BANDWIDTH_DAYS, seed: int = SEED
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Trend, band low and band high at days `at`, from scores `y` on days `x` (NaN where undrawn)."""
    x, y, at = (np.asarray(a, dtype=float) for a in (x, y, at))
    if len(x) == 0:
        return (np.full(len(at), np.nan),) * 3
    kernel = np.exp(-0.5 * ((at[:, None] - x[None, :]) / bandwidth) ** 2)  # (at, documents)
    weight = kernel.sum(axis=1)
    drawn = weight >= MIN_WEIGHT
    with np.errstate(invalid="ignore", divide="ignore"):
        trend = np.where(drawn, kernel @ y / weight, np.nan)
        counts = np.random.default_rng(seed).multinomial(len(x), np.full(len(x), 1 / len(x)), size=BOOTSTRAP)
        resampled = (counts * y) @ kernel.T / (counts @ kernel.T)  # (bootstrap, at)
    low, high = np.nanpercentile(np.where(np.isfinite(resampled), resampled, np.nan), BAND, axis=0)
    return trend, np.where(drawn, low, np.nan), np.where(drawn, high, np.nan)


def quarterly(points: pd.DataFrame, seed: int = SEED) -> pd.DataFrame:
    """Mean score, count and a bootstrap 90% band of the mean per series and calendar quarter.
    `points` has columns jurisdiction, target, date and score; a quarter of one document has no band."""
    rng = np.random.default_rng(seed)
    rows = []
    quarters = pd.to_datetime(points["date"]).dt.to_period("Q")
    for (jurisdiction, target, quarter), part in points.groupby(
        [points["jurisdiction"], points["target"], quarters], sort=True
    ):
        scores = part["score"].to_numpy(float)
        low = high = np.nan
        if len(scores) > 1:
            means = rng.choice(scores, size=(BOOTSTRAP, len(scores))).mean(axis=1)
            low, high = np.percentile(means, BAND)
        rows.append(
            {
                "jurisdiction": jurisdiction,
                "target": target,
                "quarter": str(quarter),
                "mean_score": scores.mean(),
                "count": len(scores),
                "band_low": low,
                "band_high": high,
            }
        )
    columns = ["jurisdiction", "target", "quarter", "mean_score", "count", "band_low", "band_high"]
    return pd.DataFrame(rows, columns=columns).round({"mean_score": 3, "band_low": 3, "band_high": 3})
