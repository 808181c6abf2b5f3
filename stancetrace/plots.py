"""The trajectory drawn: an interactive plotly figure for the app, and the same plot as PNG or SVG
(matplotlib, CJK text in Noto Sans CJK where installed).

Each series (a jurisdiction and a target) has its points, its trend and 90% band, and its change
points: a dashed line at the date, the date interval shaded, and a marker whose hover gives the
confidence, the means before and after and the nearest documents. Events are dotted lines with
their titles on hover, one legend entry to switch them all off.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from corpus.schema import JURISDICTIONS, JURISDICTIONS_ZH
from stancetrace.trajectory import Trajectory, concerns

JURISDICTION_COLOURS = {
    "CN-SH": "#c0392b",
    "CN": "#e67e22",
    "HK": "#8e44ad",
    "US": "#2471a3",
    "EU": "#16a085",
}
TARGET_COLOURS = {
    "overall": "#2c3e50",
    "crypto": "#c0392b",
    "stablecoin": "#2471a3",
    "cbdc": "#1e8449",
    "blockchain": "#8e44ad",
    "tokenization": "#d68910",
}
OTHER_COLOURS = ["#7f8c8d", "#a04000", "#117a65", "#5b2c6f", "#1a5276", "#7d6608"]
SYMBOLS = {"corpus": "circle", "imported": "diamond", "added": "star"}
EVENT_COLOUR = "#555555"
CJK_FONT = "Noto Sans CJK SC"
Y_AXIS = "stance score (ban -1 … +1 embrace)"


def label(jurisdiction: str, target: str) -> str:
    return f"{JURISDICTIONS.get(jurisdiction, jurisdiction)} · {target}"


def colours(trajectory: Trajectory) -> dict[tuple[str, str], str]:
    """A colour per series: by target when one jurisdiction is shown, else by jurisdiction."""
    series = list(trajectory.points.groupby(["jurisdiction", "target"], sort=False).groups)
    by_target = len({j for j, _ in series}) == 1
    out = {}
    for k, (jurisdiction, target) in enumerate(series):
        own = TARGET_COLOURS.get(target) if by_target else JURISDICTION_COLOURS.get(jurisdiction)
        out[jurisdiction, target] = own or OTHER_COLOURS[k % len(OTHER_COLOURS)]
    return out


def panels(trajectory: Trajectory, side_by_side: bool) -> list[tuple[str, str | None, str | None]]:
    """The panels to draw, each as (title, the column and value it shows): one panel, or side by side
    one per jurisdiction (when several are shown) else one per target."""
    points = trajectory.points
    if not side_by_side or points.empty:
        return [("", None, None)]
    column = "jurisdiction" if points["jurisdiction"].nunique() > 1 else "target"
    values = list(dict.fromkeys(points[column]))
    titles = [JURISDICTIONS.get(v, v) if column == "jurisdiction" else v for v in values]
    return [(title, column, value) for title, value in zip(titles, values)]


def figure(trajectory: Trajectory, show_events: bool = True, side_by_side: bool = False) -> go.Figure:
    """The interactive plot, with the trajectory's events unless `show_events` is off."""
    events = trajectory.events if show_events else []
    shown = panels(trajectory, side_by_side)
    fig = make_subplots(
        rows=1, cols=len(shown), shared_yaxes=True, subplot_titles=[t for t, _, _ in shown] or None
    )
    colour = colours(trajectory)
    legend_seen = set()
    for col, (_, column, value) in enumerate(shown, start=1):
        for (jurisdiction, target), part in _series(trajectory.points, column, value):
            name, hue = label(jurisdiction, target), colour[jurisdiction, target]
            curve = _of(trajectory.curves, jurisdiction, target)
            first = name not in legend_seen
            legend_seen.add(name)
            for trace in _series_traces(name, hue, part, curve, first):
                fig.add_trace(trace, row=1, col=col)
            for change in _of(trajectory.changes, jurisdiction, target).itertuples():
                _add_change(fig, change, hue, col)
        series = _series(trajectory.points, column, value)
        near = [e for e in events if any(concerns(e, j, t) for (j, t), _ in series)]
        for trace in _event_traces(near, first=col == 1):
            fig.add_trace(trace, row=1, col=col)
    fig.update_yaxes(range=[-1.1, 1.15])
    fig.update_yaxes(title_text=Y_AXIS, row=1, col=1)
    fig.update_layout(
        height=560,
        margin={"l": 60, "r": 20, "t": 50, "b": 40},
        legend={"orientation": "h", "y": -0.12},
        hovermode="closest",
    )
    return fig


def _series(points: pd.DataFrame, column: str | None, value) -> list:
    part = points if column is None else points[points[column] == value]
    return list(part.groupby(["jurisdiction", "target"], sort=False))


def _of(frame: pd.DataFrame, jurisdiction: str, target: str) -> pd.DataFrame:
    return frame[(frame["jurisdiction"] == jurisdiction) & (frame["target"] == target)]


def _series_traces(name: str, hue: str, part: pd.DataFrame, curve: pd.DataFrame, first: bool) -> list:
    hover = (
        part["date"].dt.strftime("%Y-%m-%d")
        + " · "
        + part["issuer"].fillna("")
        + "<br>"
        + part["title"].fillna("").str.slice(0, 60)
        + "<br>"
        + part["text"].fillna("").str.slice(0, 80)
        + "…<br>score "
        + part["score"].map("{:+.2f}".format)
        + " · "
        + part["source"]
    )
    traces = [
        go.Scatter(
            x=pd.concat([curve["date"], curve["date"][::-1]]),
            y=pd.concat([curve["band_high"], curve["band_low"][::-1]]),
            fill="toself",
            fillcolor=hue,
            opacity=0.15,
            line={"width": 0},
            name=f"{name} 90% band",
            legendgroup=name,
            showlegend=False,
            hoverinfo="skip",
        ),
        go.Scatter(
            x=curve["date"],
            y=curve["trend"],
            mode="lines",
            name=f"{name} trend",
            legendgroup=name,
            showlegend=False,
            line={"color": hue, "width": 2.5},
            hoverinfo="skip",
        ),
    ]
    for source, symbol in SYMBOLS.items():
        mask = part["source"] == source
        if mask.any():
            traces.append(
                go.Scatter(
                    x=part["date"][mask],
                    y=part["score"][mask],
                    mode="markers",
                    name=name if source == "corpus" else f"{name} ({source})",
                    legendgroup=name,
                    showlegend=first,
                    marker={"color": hue, "symbol": symbol, "size": 8 if source == "corpus" else 12},
                    opacity=0.75,
                    hovertext=hover[mask],
                    hoverinfo="text",
                )
            )
    return traces


def _add_change(fig: go.Figure, change, hue: str, col: int) -> None:
    when = pd.Timestamp(change.date)
    fig.add_vrect(
        x0=change.date_low, x1=change.date_high, fillcolor=hue, opacity=0.08, line_width=0, row=1, col=col
    )
    fig.add_vline(x=when.timestamp() * 1000, line={"color": hue, "dash": "dash", "width": 1}, row=1, col=col)
    documents = "<br>".join(change.nearest_documents.split(" | "))
    event = (
        f"<br>nearest event: {change.nearest_event} ({change.days_to_event:+.0f} days)"
        if isinstance(change.nearest_event, str)
        else ""
    )
    fig.add_trace(
        go.Scatter(
            x=[when],
            y=[1.08],
            mode="markers",
            marker={"color": hue, "symbol": "triangle-down", "size": 13},
            name="change point",
            showlegend=False,
            hovertext=[
                f"change {change.date} ({change.date_low} … {change.date_high})<br>"
                f"confidence {change.confidence:.0%}<br>"
                f"mean {change.mean_before:+.2f} → {change.mean_after:+.2f}{event}<br>"
                f"nearest documents:<br>{documents}"
            ],
            hoverinfo="text",
        ),
        row=1,
        col=col,
    )


def _event_traces(events: list[dict], first: bool) -> list:
    if not events:
        return []
    dates = [pd.Timestamp(e["date"]) for e in events]
    hover = [f"{e['date']} · {e['jurisdiction']}<br>{e['title']}" for e in events]
    lines_x = [x for d in dates for x in (d, d, None)]
    lines_y = [y for _ in dates for y in (-1.1, 1.0, None)]
    common = {"legendgroup": "events", "name": "events"}
    return [
        go.Scatter(
            x=lines_x,
            y=lines_y,
            mode="lines",
            line={"color": EVENT_COLOUR, "dash": "dot", "width": 1},
            hoverinfo="skip",
            showlegend=False,
            **common,
        ),
        go.Scatter(
            x=dates,
            y=[1.0] * len(dates),
            mode="markers",
            marker={"color": EVENT_COLOUR, "symbol": "diamond-wide", "size": 9},
            hovertext=hover,
            hoverinfo="text",
            showlegend=first,
            **common,
        ),
    ]


def _find_cjk_font() -> None:
    """Make the CJK font known to matplotlib even when its font list was cached before the font was
    installed."""
    from matplotlib import font_manager

    if not any(f.name == CJK_FONT for f in font_manager.fontManager.ttflist):
        for path in font_manager.findSystemFonts():
            if "NotoSansCJK" in Path(path).name:
                font_manager.fontManager.addfont(path)


def static(trajectory: Trajectory, path: Path, show_events: bool = True, side_by_side: bool = False) -> Path:
    """The plot as a static file, PNG or SVG by `path`'s suffix, Chinese text in a CJK font."""
    events = trajectory.events if show_events else []
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    _find_cjk_font()
    plt.rcParams["font.sans-serif"] = [CJK_FONT, "DejaVu Sans"]
    plt.rcParams["svg.fonttype"] = "path"  # text drawn as outlines: the SVG looks the same anywhere
    shown = panels(trajectory, side_by_side)
    fig, axes = plt.subplots(
        1, len(shown), figsize=(6 + 5 * len(shown), 5.8), dpi=110, sharey=True, squeeze=False
    )
    colour = colours(trajectory)
    for ax, (title, column, value) in zip(axes[0], shown):
        for (jurisdiction, target), part in _series(trajectory.points, column, value):
            hue, curve = colour[jurisdiction, target], _of(trajectory.curves, jurisdiction, target)
            ax.scatter(
                part["date"], part["score"], color=hue, s=14, alpha=0.6, label=label(jurisdiction, target)
            )
            ax.plot(curve["date"], curve["trend"], color=hue, linewidth=2)
            ax.fill_between(
                curve["date"], curve["band_low"], curve["band_high"], color=hue, alpha=0.15, linewidth=0
            )
            for change in _of(trajectory.changes, jurisdiction, target).itertuples():
                ax.axvspan(
                    pd.Timestamp(change.date_low), pd.Timestamp(change.date_high), color=hue, alpha=0.08
                )
                ax.axvline(pd.Timestamp(change.date), color=hue, linestyle="--", linewidth=1)
                ax.annotate(
                    f"{change.date[:7]} · {change.confidence:.0%}",
                    (pd.Timestamp(change.date), 1.06),
                    fontsize=7,
                    color=hue,
                    ha="center",
                )
        series = _series(trajectory.points, column, value)
        for event in (e for e in events if any(concerns(e, j, t) for (j, t), _ in series)):
            ax.axvline(pd.Timestamp(event["date"]), color=EVENT_COLOUR, linestyle=":", linewidth=0.8)
        places = dict.fromkeys(trajectory.points["jurisdiction"]) if column != "jurisdiction" else [value]
        names = " / ".join(f"{JURISDICTIONS_ZH.get(j, j)} {JURISDICTIONS.get(j, j)}" for j in places)
        ax.set_title(f"{names}{' · ' + title if column == 'target' else ''}", fontsize=11)
        ax.set_ylim(-1.1, 1.15)
        ax.grid(alpha=0.3)
        ax.legend(loc="lower right", fontsize=8)
    axes[0][0].set_ylabel(Y_AXIS)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return Path(path)
