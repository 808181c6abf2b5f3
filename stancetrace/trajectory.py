"""The stance trajectory: dated corpus documents and stored statements, trend lines and change points.

Trend: a centred moving average over 5 consecutive points of a jurisdiction. Change points:
PELT (ruptures) on a jurisdiction's scores in date order, least-squares cost, at least 3 points
per segment and a conservative penalty of 4 sigma^2 log(n), sigma estimated robustly from the
differences between neighbouring documents (median absolute difference / (0.6745 sqrt 2)).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import ruptures

from corpus import load_all
from corpus.atomic import atomic_file
from corpus.schema import JURISDICTIONS
from inference.paths import cache_dir, model_fingerprint
from stancetrace.store import COLUMNS

# What a corpus point is made of: a change in any of these scores the corpus anew.
CACHE_KEY_COLUMNS = ("id", "pair_id", "lang", "date", "jurisdiction", "issuer", "title", "text")
PLOTTABLE = (pd.Timestamp("1900-01-01"), pd.Timestamp("2199-12-31"))
OVERLAYS = ["CN-SH", "CN", "HK", "US", "EU"]
TREND_WINDOW = 5
MIN_SEGMENT = 3
COLOURS = {"CN-SH": "#c0392b", "CN": "#e67e22", "HK": "#8e44ad", "US": "#2471a3", "EU": "#16a085"}


def corpus_points(scorer, model_dir: Path) -> pd.DataFrame:
    """One point per dated corpus document statement (zh and en renderings of a pair averaged), cached
    per model and corpus content: a changed model or a changed statement scores anew."""
    corpus = load_all().filter(lambda r: r["kind"] == "document" and r["date"] is not None)
    content = hashlib.sha256(corpus.select_columns(list(CACHE_KEY_COLUMNS)).to_pandas().to_json().encode())
    cache = cache_dir() / "scores" / f"corpus-{model_fingerprint(model_dir)}-{content.hexdigest()[:16]}.json"
    if cache.exists():
        return pd.DataFrame(json.loads(cache.read_text(encoding="utf-8")))
    results = scorer.score(corpus["text"])
    frame = pd.DataFrame(
        {  # one statement: a zh/en pair, or a statement written in one language only
            "pair_id": [p or i for p, i in zip(corpus["pair_id"], corpus["id"])],
            "lang": corpus["lang"],
            "date": corpus["date"],
            "jurisdiction": corpus["jurisdiction"],
            "issuer": corpus["issuer"],
            "title": corpus["title"],
            "text": corpus["text"],
            "score": [r.score for r in results],
        }
    )
    english = frame[frame["lang"] == "en"].set_index("pair_id")
    points = frame.groupby("pair_id").agg(
        date=("date", "first"),
        jurisdiction=("jurisdiction", "first"),
        issuer=("issuer", "first"),
        title=("title", "first"),
        score=("score", "mean"),
    )
    points["text"] = english["text"].reindex(points.index).fillna(frame.groupby("pair_id")["text"].first())
    points = points.reset_index(drop=True).assign(source="corpus")
    with atomic_file(cache) as tmp:
        tmp.write_text(points.to_json(orient="records", force_ascii=False), encoding="utf-8")
    return points


def stored_points(statements: list[dict]) -> pd.DataFrame:
    frame = pd.DataFrame(statements, columns=list(COLUMNS))
    return frame.assign(title="(added by you)", source="stored").drop(columns=["label"])


def table(corpus: pd.DataFrame, stored: pd.DataFrame, jurisdictions: list[str]) -> pd.DataFrame:
    """The points to plot, in date order, with their trend value."""
    frame = pd.concat([corpus, stored.drop(columns=["id"])], ignore_index=True)
    frame = frame[frame["jurisdiction"].isin(jurisdictions)].copy()
    # A stored row dated outside 1900-2199 (year 1 or 9999: a plot cannot place it) or with a score
    # that is not a number is left off the plot rather than breaking it.
    frame["date"] = pd.to_datetime(frame["date"], format="ISO8601", errors="coerce")
    frame["score"] = pd.to_numeric(frame["score"], errors="coerce")
    frame = frame[frame["date"].between(*PLOTTABLE) & frame["score"].between(-1, 1)]
    frame = frame.sort_values(["jurisdiction", "date"], kind="stable").reset_index(drop=True)
    frame["trend"] = frame.groupby("jurisdiction")["score"].transform(
        lambda s: s.rolling(TREND_WINDOW, center=True, min_periods=1).mean()
    )
    frame["score"] = frame["score"].round(3)
    frame["trend"] = frame["trend"].round(3)
    return frame[["date", "jurisdiction", "issuer", "title", "score", "trend", "source", "text"]]


def change_points(scores: np.ndarray) -> list[int]:
    """Indices where a new segment starts (PELT, least squares, the penalty above)."""
    if len(scores) < 2 * MIN_SEGMENT:
        return []
    noise = np.median(np.abs(np.diff(scores))) / (
        0.6745 * np.sqrt(2)
    )  # robust sigma from neighbour differences
    penalty = 4 * max(noise**2, 1e-3) * np.log(len(scores))
    ends = (
        ruptures.Pelt(model="l2", min_size=MIN_SEGMENT, jump=1)
        .fit(np.asarray(scores, dtype=float))
        .predict(pen=penalty)
    )
    return ends[:-1]


def figure(points: pd.DataFrame) -> go.Figure:
    """Points, trend line and change points per jurisdiction; hover shows date, issuer, words, score."""
    fig = go.Figure()
    for jurisdiction, part in points.groupby("jurisdiction", sort=False):
        colour = COLOURS.get(jurisdiction, "#555555")
        name = JURISDICTIONS.get(jurisdiction, jurisdiction)
        hover = (
            part["date"].dt.strftime("%Y-%m-%d")
            + "<br>"
            + part["issuer"].fillna("")
            + "<br>"
            + part["text"].str.slice(0, 60)
            + "…<br>score "
            + part["score"].map("{:+.2f}".format)
        )
        for source, symbol in (("corpus", "circle"), ("stored", "star")):
            mask = part["source"] == source
            if mask.any():
                fig.add_trace(
                    go.Scatter(
                        x=part["date"][mask],
                        y=part["score"][mask],
                        mode="markers",
                        name=f"{name}{'' if source == 'corpus' else ' (added)'}",
                        marker={"color": colour, "symbol": symbol, "size": 9 if source == "corpus" else 14},
                        hovertext=hover[mask],
                        hoverinfo="text",
                    )
                )
        fig.add_trace(
            go.Scatter(
                x=part["date"],
                y=part["trend"],
                mode="lines",
                name=f"{name} trend",
                line={"color": colour, "width": 2},
                hoverinfo="skip",
            )
        )
        for index in change_points(part["score"].to_numpy()):
            when = part["date"].iloc[index]
            fig.add_vline(
                x=when.timestamp() * 1000,
                line={"color": colour, "dash": "dash"},
                annotation_text=f"{jurisdiction} shift {when:%Y-%m}",
                annotation_position="top left",
            )
    fig.update_layout(
        yaxis={"range": [-1.1, 1.1], "title": "stance score (ban -1 … +1 embrace)"},
        xaxis={"title": "date"},
        height=520,
        margin={"l": 60, "r": 20, "t": 40, "b": 40},
        legend={"orientation": "h", "y": -0.15},
    )
    return fig


def png(points: pd.DataFrame, path: Path) -> Path:
    """The same plot as a static PNG (matplotlib; a CJK font renders Chinese issuers if installed)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.rcParams["font.sans-serif"] = ["Noto Sans CJK SC", "DejaVu Sans"]
    fig, ax = plt.subplots(figsize=(11, 5.5), dpi=110)
    for jurisdiction, part in points.groupby("jurisdiction", sort=False):
        colour = COLOURS.get(jurisdiction, "#555555")
        ax.scatter(
            part["date"],
            part["score"],
            color=colour,
            s=18,
            label=JURISDICTIONS.get(jurisdiction, jurisdiction),
        )
        ax.plot(part["date"], part["trend"], color=colour, linewidth=1.8)
        for index in change_points(part["score"].to_numpy()):
            ax.axvline(part["date"].iloc[index], color=colour, linestyle="--", linewidth=1)
    ax.set_ylim(-1.1, 1.1)
    ax.set_ylabel("stance score (ban -1 … +1 embrace)")
    ax.legend(loc="lower right")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return Path(path)
