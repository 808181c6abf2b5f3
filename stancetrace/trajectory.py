"""The stance trajectory: dated statements as points per jurisdiction and target, their trend in
calendar time with a bootstrap band, change points with confidence, a quarterly index, and the
policy events near each change.

A target is `overall` (the statement's stance) or one of the five objects (its stance on that
object, where it addresses it). Points come from the corpus's dated documents (scored by the
model, or as the annotators labelled them) and from the researcher's store (added or imported).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from corpus import load_all
from corpus.atomic import atomic_file
from corpus.schema import OBJECTS
from inference.paths import cache_dir, model_fingerprint
from stancetrace import changes as change_search
from stancetrace import trend

TARGETS = ("overall", *OBJECTS)
BASES = ("model", "labels")  # the corpus points' scores: the model's, or the annotators' labels
POINT_COLUMNS = ["date", "jurisdiction", "issuer", "title", "target", "score", "source", "text"]
CHANGE_COLUMNS = [
    "jurisdiction",
    "target",
    "date",
    "date_low",
    "date_high",
    "confidence",
    "mean_before",
    "mean_after",
    "nearest_event",
    "days_to_event",
    "nearest_documents",
]
EVENT_DAYS = 90  # a change point this close to an event is counted as near it
GRID_POINTS = 300  # where each trend curve is evaluated
# What a corpus point is made of: a change in any of these scores the corpus anew.
CACHE_KEY_COLUMNS = ("id", "pair_id", "lang", "date", "jurisdiction", "issuer", "title", "text", "label")


def corpus_points(score: Callable[[list[str]], list], model_dir: Path) -> pd.DataFrame:
    """One point per dated corpus document statement and target (zh and en renderings of a pair
    averaged), with the score that `score` (the model in `model_dir` scoring texts) gives and the
    annotators' (`labelled`); cached per model and corpus content: a changed model or a changed
    statement scores anew, and a cached one needs no model loaded."""
    corpus = load_all().filter(lambda r: r["kind"] == "document" and r["date"] is not None)
    content = corpus.select_columns([*CACHE_KEY_COLUMNS, "targets"]).to_pandas().to_json()
    key = hashlib.sha256(content.encode()).hexdigest()[:16]
    cache = cache_dir() / "scores" / f"corpus-points-{model_fingerprint(model_dir)}-{key}.json"
    if cache.exists():
        frame = pd.DataFrame(json.loads(cache.read_text(encoding="utf-8")))
        return frame.assign(date=pd.to_datetime(frame["date"], unit="ms"))
    rows = []
    for record, result in zip(corpus, score(list(corpus["text"]))):
        about = {
            "statement": record["pair_id"] or record["id"],
            "english": record["lang"] == "en",
            **{f: record[f] for f in ("date", "jurisdiction", "issuer", "title", "text")},
        }
        rows.append({**about, "target": "overall", "score": result.score, "labelled": record["label"] / 2})
        for obj in OBJECTS:
            model, level = (result.targets or {}).get(obj), record["targets"][obj]
            if model or level is not None:
                score = model["score"] if model else np.nan
                rows.append({**about, "target": obj, "score": score, "labelled": _half(level)})
    points = _merge_renderings(pd.DataFrame(rows)).assign(source="corpus")
    with atomic_file(cache) as tmp:
        tmp.write_text(points.to_json(orient="records", force_ascii=False), encoding="utf-8")
    return points


def _half(level) -> float:
    return np.nan if level is None else level / 2


def _merge_renderings(frame: pd.DataFrame) -> pd.DataFrame:
    """One row per statement and target: the scores of its renderings averaged, its English text."""
    frame = frame.sort_values("english", ascending=False, kind="stable")  # English text first
    return (
        frame.groupby(["statement", "target"], sort=False)
        .agg(
            date=("date", "first"),
            jurisdiction=("jurisdiction", "first"),
            issuer=("issuer", "first"),
            title=("title", "first"),
            text=("text", "first"),
            score=("score", "mean"),
            labelled=("labelled", "mean"),
        )
        .reset_index()
        .drop(columns="statement")
    )


def stored_points(statements: list[dict]) -> pd.DataFrame:
    """The store's statements as points: overall, and each object they address."""
    rows = []
    for s in statements:
        about = {f: s[f] for f in ("date", "jurisdiction", "issuer", "title", "text", "source")}
        rows.append({**about, "target": "overall", "score": s["score"]})
        rows += [{**about, "target": obj, "score": score} for obj, score in (s["targets"] or {}).items()]
    return pd.DataFrame(rows, columns=POINT_COLUMNS)


@dataclass(frozen=True)
class Selection:
    """Which points to follow: jurisdictions, targets, a date range, an issuer, the corpus's basis."""

    jurisdictions: tuple[str, ...] = ("CN-SH",)
    targets: tuple[str, ...] = ("overall",)
    since: dt.date | None = None
    until: dt.date | None = None
    issuer: str = ""  # kept where the issuer contains this text (any case)
    basis: str = "model"

    def __post_init__(self):
        unknown = sorted(set(self.targets) - set(TARGETS))
        if unknown:
            raise ValueError(f"unknown target(s) {unknown}; known: {', '.join(TARGETS)}")
        if self.basis not in BASES:
            raise ValueError(f"unknown basis {self.basis!r}; known: {', '.join(BASES)}")
        if self.since and self.until and self.since > self.until:
            raise ValueError(f"the date range is empty: {self.since} is after {self.until}")


def select(corpus: pd.DataFrame, stored: pd.DataFrame, selection: Selection) -> pd.DataFrame:
    """The points of `selection`, in date order. A stored row that is not a plottable date or a score
    in -1..1 is left out rather than breaking the plot."""
    if selection.basis == "labels":
        corpus = corpus.assign(score=corpus["labelled"])
    frame = pd.concat([corpus[POINT_COLUMNS], stored[POINT_COLUMNS]], ignore_index=True)
    frame["date"] = pd.to_datetime(frame["date"], format="ISO8601", errors="coerce")
    frame["score"] = pd.to_numeric(frame["score"], errors="coerce")
    keep = (
        frame["jurisdiction"].isin(selection.jurisdictions)
        & frame["target"].isin(selection.targets)
        & frame["date"].between(pd.Timestamp("1900-01-01"), pd.Timestamp("2199-12-31"))
        & frame["score"].between(-1, 1)
    )
    if selection.since:
        keep &= frame["date"] >= pd.Timestamp(selection.since)
    if selection.until:
        keep &= frame["date"] <= pd.Timestamp(selection.until)
    if selection.issuer.strip():
        keep &= (
            frame["issuer"]
            .fillna("")
            .str.casefold()
            .str.contains(selection.issuer.strip().casefold(), regex=False)
        )
    return frame[keep].sort_values(["jurisdiction", "target", "date"], kind="stable").reset_index(drop=True)


@dataclass
class Trajectory:
    """What the trajectory of some points shows: the points with their trend and band, the trend
    curves on a grid of dates, the change points, and the quarterly index."""

    points: pd.DataFrame
    curves: pd.DataFrame
    changes: pd.DataFrame
    quarterly: pd.DataFrame
    events: list[dict]  # the events that bear on a series shown, within its dates

    def near_events(self) -> tuple[int, int]:
        """How many change points lie within EVENT_DAYS of an event, and how many there are."""
        near = self.changes["days_to_event"].abs() <= EVENT_DAYS
        return int(near.sum()), len(self.changes)


def analyse(
    points: pd.DataFrame, events: list[dict] = (), bandwidth: float = trend.BANDWIDTH_DAYS
) -> Trajectory:
    """Trend, band and change points of each (jurisdiction, target) series of `points`."""
    with_trend, curves, changes, shown_events = [], [], [], {}
    for (jurisdiction, target), part in points.groupby(["jurisdiction", "target"], sort=False):
        x, y = trend.days(part["date"]), part["score"].to_numpy(float)
        grid = np.linspace(x.min(), x.max(), GRID_POINTS) if len(x) > 1 else x
        at = np.r_[x, grid]
        fitted, low, high = trend.smooth(x, y, at, bandwidth)
        with_trend.append(
            part.assign(trend=fitted[: len(x)], band_low=low[: len(x)], band_high=high[: len(x)])
        )
        curves.append(
            pd.DataFrame(
                {
                    "jurisdiction": jurisdiction,
                    "target": target,
                    "date": _dates(grid),
                    "trend": fitted[len(x) :],
                    "band_low": low[len(x) :],
                    "band_high": high[len(x) :],
                }
            )
        )
        relevant = [e for e in events if concerns(e, jurisdiction, target)]
        span = (
            part["date"].min() - pd.Timedelta(days=EVENT_DAYS),
            part["date"].max() + pd.Timedelta(days=EVENT_DAYS),
        )
        shown_events.update((e["id"], e) for e in relevant if span[0] <= pd.Timestamp(e["date"]) <= span[1])
        changes += [
            _change_row(jurisdiction, target, c, part, relevant) for c in change_search.change_points(x, y)
        ]
    rounded = {"trend": 3, "band_low": 3, "band_high": 3}
    return Trajectory(
        points=_concat(with_trend, [*POINT_COLUMNS, *rounded]).round(rounded),
        curves=_concat(curves, ["jurisdiction", "target", "date", *rounded]),
        changes=pd.DataFrame(changes, columns=CHANGE_COLUMNS),
        quarterly=trend.quarterly(points),
        events=sorted(shown_events.values(), key=lambda e: (e["date"], e["id"])),
    )


def _concat(frames: list[pd.DataFrame], columns: list[str]) -> pd.DataFrame:
    return pd.concat(frames, ignore_index=True)[columns] if frames else pd.DataFrame(columns=columns)


def _dates(day_numbers) -> pd.DatetimeIndex:
    return pd.to_datetime(np.round(np.asarray(day_numbers, dtype=float)).astype("int64"), unit="D")


def concerns(event: dict, jurisdiction: str, target: str) -> bool:
    """An event bears on a series of its own jurisdiction or a part of it (CN on CN-SH), about the
    series' object (every event bears on `overall`)."""
    place = jurisdiction == event["jurisdiction"] or jurisdiction.startswith(event["jurisdiction"] + "-")
    return place and (target == "overall" or target in event["objects"])


def _change_row(jurisdiction: str, target: str, change, part: pd.DataFrame, events: list[dict]) -> dict:
    day, low, high = _dates([change.day, change.day_low, change.day_high])
    nearest_event, days_to_event = None, None
    if events:
        gaps = [(pd.Timestamp(e["date"]) - day).days for e in events]
        k = int(np.argmin(np.abs(gaps)))
        nearest_event, days_to_event = f"{events[k]['date']} {events[k]['title']}", gaps[k]
    documents = part.iloc[change.nearest]
    return {
        "jurisdiction": jurisdiction,
        "target": target,
        "date": day.date().isoformat(),
        "date_low": low.date().isoformat(),
        "date_high": high.date().isoformat(),
        "confidence": round(change.confidence, 3),
        "mean_before": round(change.mean_before, 3),
        "mean_after": round(change.mean_after, 3),
        "nearest_event": nearest_event,
        "days_to_event": days_to_event,
        "nearest_documents": " | ".join(
            f"{d:%Y-%m-%d} {t or ''} ({s:+.2f})".replace("  ", " ")
            for d, t, s in zip(documents["date"], documents["title"], documents["score"])
        ),
    }
