"""A researcher's timeline: the corpus's points beside their own store's, selected, analysed and
written out. `stance timeline` and the app's Trajectory tab both work through `Timeline`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from corpus.atomic import atomic_file
from corpus.events import load_events
from inference.writers import spreadsheet_safe
from stancetrace import trajectory
from stancetrace.store import TimelineStore
from stancetrace.trajectory import Selection, Trajectory
from stancetrace.trend import BANDWIDTH_DAYS

POINTS_CSV = [
    "date",
    "jurisdiction",
    "issuer",
    "title",
    "target",
    "score",
    "trend",
    "band_low",
    "band_high",
    "source",
    "text",
]
CHANGES_CSV = trajectory.CHANGE_COLUMNS


@dataclass
class Timeline:
    """The corpus scored by one model, and one store."""

    score: Callable[[list[str]], list]  # the model in model_dir scoring texts (Scorer.score)
    model_dir: Path
    store: TimelineStore
    events: list[dict] = field(default_factory=load_events)
    _corpus: pd.DataFrame | None = None

    def corpus_points(self) -> pd.DataFrame:
        """The corpus's points (scored once per model and corpus, then read from the cache)."""
        if self._corpus is None:
            self._corpus = trajectory.corpus_points(self.score, self.model_dir)
        return self._corpus

    def trajectory(self, selection: Selection, bandwidth: float = BANDWIDTH_DAYS) -> Trajectory:
        stored = trajectory.stored_points(self.store.all())
        points = trajectory.select(self.corpus_points(), stored, selection)
        return trajectory.analyse(points, self.events, bandwidth)

    def jurisdictions(self) -> list[str]:
        """Every jurisdiction with a point: the corpus's first, then those only in the store."""
        stored = [s["jurisdiction"] for s in self.store.all()]
        return list(dict.fromkeys([*self.corpus_points()["jurisdiction"], *stored]))


def points_table(path: Path, shown: Trajectory) -> Path:
    """One row per point: date, jurisdiction, issuer, title, target, score, trend, band, source, text."""
    frame = shown.points.assign(date=shown.points["date"].dt.strftime("%Y-%m-%d"))
    return _csv(frame[POINTS_CSV], path)


def changes_table(path: Path, shown: Trajectory) -> Path:
    """One row per change point, with its interval, confidence, means and nearest event."""
    return _csv(shown.changes[CHANGES_CSV], path)


def quarterly_table(path: Path, shown: Trajectory) -> Path:
    """The quarterly index: mean score, count and 90% band per series and quarter."""
    return _csv(shown.quarterly, path)


def _csv(frame: pd.DataFrame, path: Path) -> Path:
    path = Path(path)
    if path.suffix.lower() != ".csv":
        raise ValueError(f"{path}: the output must be a .csv file")
    with atomic_file(path) as tmp:
        frame.map(spreadsheet_safe).to_csv(tmp, index=False)
    return path
