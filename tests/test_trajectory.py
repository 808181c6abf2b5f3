"""The trajectory as an instrument: trend and band in calendar time, change points with confidence,
events, the store's imports, `stance timeline` and the static plots."""

import datetime as dt
import json
import sqlite3
import warnings
import xml.etree.ElementTree as ElementTree

import numpy as np
import pandas as pd
import pytest

from corpus.events import check_events, load_events
from stancetrace import plots, trend
from stancetrace.changes import change_points
from stancetrace.cli import main
from stancetrace.store import Statement, TimelineStore
from stancetrace.trajectory import CHANGE_COLUMNS, analyse
from tests.test_app import STATEMENT

DAY0 = dt.date(2020, 1, 1)


def series(scores, step_days=20, jurisdiction="CN-SH", target="crypto") -> pd.DataFrame:
    """Points of one series, one every `step_days` from 2020-01-01."""
    dates = [pd.Timestamp(DAY0) + pd.Timedelta(days=step_days * i) for i in range(len(scores))]
    return pd.DataFrame(
        {
            "date": dates,
            "jurisdiction": jurisdiction,
            "issuer": "issuer",
            "title": [f"document {i}" for i in range(len(scores))],
            "target": target,
            "score": scores,
            "source": "corpus",
            "text": "text",
        }
    )


def test_the_trend_is_in_calendar_time_with_a_band_and_a_gap_where_nothing_was_said():
    x = np.r_[np.zeros(10), np.full(10, 1000.0)]  # ten documents on one day, ten almost three years on
    y = np.r_[np.full(10, -0.8), np.full(10, 0.6)]
    fitted, low, high = trend.smooth(x, y, np.array([0.0, 500.0, 1000.0]), bandwidth=60)
    assert fitted[0] == pytest.approx(-0.8) and fitted[2] == pytest.approx(0.6)
    assert np.isnan(fitted[1]) and np.isnan(low[1])  # no document within a year: no trend drawn
    noisy = np.random.default_rng(0).normal(0, 0.3, 40)
    x = np.arange(40) * 10.0
    fitted, low, high = trend.smooth(x, noisy, x, bandwidth=60)
    assert np.all(low <= fitted + 1e-9) and np.all(fitted <= high + 1e-9) and np.all(high - low > 0.01)
    wider = trend.smooth(x[:8], noisy[:8], x[:8], bandwidth=60)
    assert np.mean(wider[2] - wider[1]) > np.mean(high - low)  # fewer documents, a wider band


def test_the_quarterly_index_counts_means_and_bands():
    points = series([-1.0, -0.5, 0.5, 0.0], step_days=40)  # 1 Jan, 10 Feb, 21 Mar, 30 Apr 2020
    table = trend.quarterly(points)
    assert list(table["quarter"]) == ["2020Q1", "2020Q2"]
    assert list(table["count"]) == [3, 1]
    assert table["mean_score"].iloc[0] == pytest.approx(-1 / 3, abs=1e-3)
    assert table["band_low"].iloc[0] <= table["mean_score"].iloc[0] <= table["band_high"].iloc[0]
    assert np.isnan(table["band_low"].iloc[1])  # one document: no band


def test_a_change_point_has_a_date_interval_a_confidence_and_the_means_on_either_side():
    rng = np.random.default_rng(1)
    y = np.r_[rng.normal(-0.7, 0.15, 20), rng.normal(0.5, 0.15, 20)]
    x = np.arange(40) * 30.0
    (change,) = change_points(x, y)
    assert change.day == pytest.approx((x[19] + x[20]) / 2)
    assert change.day_low <= change.day <= change.day_high and change.day_high - change.day_low < 400
    assert change.confidence > 0.8
    assert change.mean_before == pytest.approx(y[:20].mean()) and change.mean_after == pytest.approx(
        y[20:].mean()
    )
    assert sorted(change.nearest) == [17, 18, 19, 20, 21, 22]
    assert change_points(x, rng.normal(0, 0.15, 40)) == []


def test_the_passages_of_one_notice_count_once():
    rng = np.random.default_rng(0)
    days = np.arange(30) * 30.0
    y = np.r_[rng.normal(0, 0.3, 30), np.full(8, -1.0)]  # a notice of eight passages, all at ban
    on_one_day = np.r_[days, np.full(8, 460.0)]
    on_eight_days = np.r_[days, 460.0 + np.arange(8)]
    assert change_points(on_one_day, y) == []
    assert len(change_points(on_eight_days, y)) >= 2  # eight documents in a row are a segment


def test_a_change_near_an_event_is_counted_and_named():
    rng = np.random.default_rng(3)
    points = series(np.r_[rng.normal(-0.7, 0.1, 15), rng.normal(0.5, 0.1, 15)])
    change_day = DAY0 + dt.timedelta(days=20 * 14 + 10)
    events = [
        {
            "id": "e1",
            "date": str(change_day + dt.timedelta(days=30)),
            "jurisdiction": "CN",
            "objects": ["crypto"],
            "title": "A notice",
            "source": "https://x",
        },
        {
            "id": "e2",
            "date": "2020-03-01",
            "jurisdiction": "US",
            "objects": ["crypto"],
            "title": "Elsewhere",
            "source": "https://x",
        },
        {
            "id": "e3",
            "date": "2020-03-01",
            "jurisdiction": "CN-SH",
            "objects": ["cbdc"],
            "title": "Other object",
            "source": "https://x",
        },
    ]
    shown = analyse(points, events)
    (row,) = shown.changes.to_dict("records")
    assert list(shown.changes.columns) == CHANGE_COLUMNS
    assert row["nearest_event"].endswith("A notice") and abs(row["days_to_event"]) <= 90
    assert shown.near_events() == (1, 1)
    assert [e["id"] for e in shown.events] == ["e1"]  # CN bears on CN-SH; US and another object do not
    assert "document 14" in row["nearest_documents"] and "document 15" in row["nearest_documents"]


def test_the_shipped_events_are_checked_and_hold_the_milestones():
    assert check_events() == []
    dates = {(e["jurisdiction"], e["date"]) for e in load_events()}
    for milestone in [
        ("CN", "2017-09-04"),
        ("CN", "2021-09-24"),
        ("CN-SH", "2025-07-10"),
        ("HK", "2025-08-01"),
        ("US", "2025-07-18"),
        ("EU", "2023-06-29"),
        ("EU", "2024-06-30"),
        ("EU", "2024-12-30"),
    ]:
        assert milestone in dates
    assert any(e["date"].startswith("2013-12") and e["jurisdiction"] == "CN" for e in load_events())
    assert sum("cbdc" in e["objects"] and e["jurisdiction"].startswith("CN") for e in load_events()) >= 3


def test_a_bad_events_file_is_reported_by_line(tmp_path, capsys):
    good = {
        "id": "cn-x",
        "date": "2020-01-01",
        "jurisdiction": "CN",
        "objects": ["crypto"],
        "title": "T",
        "source": "https://x",
    }
    lines = [
        good,
        {**good, "id": "cn-y", "date": "2020-13-01"},
        {**good, "id": "cn-x"},
        {**good, "id": "cn-z", "jurisdiction": "XX"},
    ]
    bad = tmp_path / "events.jsonl"
    bad.write_text("\n".join(json.dumps(e) for e in lines) + "\n{broken\n")
    messages = [str(p) for p in check_events(bad)]
    assert f"{bad}:2: 'date' '2020-13-01' is not a calendar date" in messages
    assert f"{bad}:3: id 'cn-x' repeats line 1" in messages
    assert any(m.startswith(f"{bad}:4: 'jurisdiction' 'XX'") for m in messages)
    assert any(m.startswith(f"{bad}:5: invalid JSON") for m in messages)
    assert main(["corpus", "validate", "--events", str(bad)]) == 1
    assert f"{bad}:3:" in capsys.readouterr().err


def test_an_old_timeline_database_is_brought_up_to_date_and_keeps_its_statements(tmp_path):
    path = tmp_path / "old.sqlite"
    with sqlite3.connect(path) as db:  # the first schema, as StanceTrace 1 made it
        db.execute(
            "CREATE TABLE statements (id INTEGER PRIMARY KEY AUTOINCREMENT, date TEXT NOT NULL, jurisdiction "
            "TEXT NOT NULL, issuer TEXT, text TEXT NOT NULL, label TEXT NOT NULL, score REAL NOT NULL, added "
            "TEXT NOT NULL DEFAULT (datetime('now')))"
        )
        db.execute(
            "INSERT INTO statements (date, jurisdiction, text, label, score) "
            "VALUES ('2021-09-24', 'CN', 'old', 'ban', -1)"
        )
    store = TimelineStore(path)
    (old,) = store.all()
    assert (old["text"], old["source"], old["targets"]) == ("old", "added", {})
    new = Statement(
        "2025-07-10",
        "CN-SH",
        "new",
        "explore",
        0.4,
        targets={"stablecoin": 0.5},
        source="imported",
        row_key="k",
    )
    assert store.add_new([new, new]) == 1 and TimelineStore(path).add_new([new]) == 0
    assert TimelineStore(path).all()[-1]["targets"] == {"stablecoin": 0.5}


@pytest.fixture(scope="module")
def scored_files(tiny_stance_model, tmp_path_factory):
    """The same four statements scored by `stance score` into JSONL, CSV and Parquet; rows 3 and 4 lack a
    date and a known jurisdiction."""
    folder = tmp_path_factory.mktemp("scored")
    rows = [
        {
            "text": STATEMENT,
            "published": "2025-07-10",
            "jurisdiction": "CN-SH",
            "issuer": "上海市国资委",
            "title": "学习会",
        },
        {
            "text": "All virtual currency trading platforms in the city must close.",
            "published": "2017-09-14",
            "jurisdiction": "Shanghai",
            "issuer": "FSO",
            "title": "closure",
        },
        {"text": "Undated.", "published": "", "jurisdiction": "CN-SH", "issuer": "x", "title": "x"},
        {
            "text": "Nowhere.",
            "published": "2020-01-01",
            "jurisdiction": "Atlantis",
            "issuer": "x",
            "title": "x",
        },
    ]
    return scored_by(tiny_stance_model[0], rows, folder, (".jsonl", ".csv", ".parquet"))


def scored_by(model, rows: list[dict], folder, suffixes) -> dict:
    """`rows` written as JSON Lines and scored by `stance score` with `model` into each format."""
    source = folder / "statements.jsonl"
    source.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n", encoding="utf-8")
    files = {suffix: folder / f"scored{suffix}" for suffix in suffixes}
    for out in files.values():
        assert main(["score", str(source), "--out", str(out), "--model", str(model)]) == 0
    return files


@pytest.mark.parametrize("suffix", [".jsonl", ".csv", ".parquet"])
def test_stance_timeline_import_adds_each_row_once_and_reports_the_bad_ones(
    scored_files, suffix, tmp_path, capsys
):
    db, scored = tmp_path / "t.sqlite", scored_files[suffix]
    args = ["timeline", "import", str(scored), "--db", str(db), "--date-field", "published"]
    assert main(args) == 1  # two rows failed
    out, err = capsys.readouterr()
    assert "2 statement(s) imported, 0 already there, 2 row(s) not imported (of 4)" in out
    first_bad = 4 if suffix == ".csv" else 3  # a line of the file (after the CSV header); a Parquet row
    assert (
        f"{scored}:{first_bad}: no date" in err
        and f"{scored}:{first_bad + 1}: unknown jurisdiction 'Atlantis'" in err
    )
    stored = TimelineStore(db).all()
    assert [(s["date"], s["jurisdiction"], s["source"]) for s in stored] == [
        ("2017-09-14", "CN-SH", "imported"),
        ("2025-07-10", "CN-SH", "imported"),
    ]
    assert (
        stored[1]["issuer"] == "上海市国资委"
        and stored[1]["title"] == "学习会"
        and stored[1]["text"] == STATEMENT
    )
    assert main(args) == 1
    assert "0 statement(s) imported, 2 already there" in capsys.readouterr().out
    assert len(TimelineStore(db).all()) == 2


def test_stance_timeline_export_and_changes_write_the_named_columns(
    scored_files, tiny_stance_model, tmp_path, capsys
):
    db, model = tmp_path / "t.sqlite", str(tiny_stance_model[0])
    main(["timeline", "import", str(scored_files[".jsonl"]), "--db", str(db), "--date-field", "published"])
    points, changes, quarterly = tmp_path / "points.csv", tmp_path / "changes.csv", tmp_path / "quarterly.csv"
    common = ["--db", str(db), "--model", model, "--jurisdiction", "CN-SH", "CN"]
    assert main(["timeline", "export", "--out", str(points), *common]) == 0
    table = pd.read_csv(points)
    assert list(table.columns)[:10] == [
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
    ]
    assert set(table["source"]) == {"corpus", "imported"} and set(table["jurisdiction"]) == {"CN-SH", "CN"}
    assert set(table["target"]) == {"overall"} and table["score"].between(-1, 1).all()
    drawn = table.dropna(subset=["trend"])
    assert len(drawn) > 0.9 * len(table) and (drawn["band_low"] <= drawn["band_high"]).all()
    assert main(["timeline", "changes", "--out", str(changes), *common]) == 0
    assert list(pd.read_csv(changes).columns)[:8] == [
        "jurisdiction",
        "target",
        "date",
        "date_low",
        "date_high",
        "confidence",
        "mean_before",
        "mean_after",
    ]
    narrowed = [
        "--target",
        "crypto",
        "--since",
        "2019-01-01",
        "--until",
        "2021-12-31",
        "--issuer",
        "Shanghai",
    ]
    assert main(["timeline", "quarterly", "--out", str(quarterly), *common, *narrowed]) == 0
    index = pd.read_csv(quarterly)
    assert (
        set(index["target"]) == {"crypto"} and index["quarter"].str[:4].astype(int).between(2019, 2021).all()
    )
    with pytest.MonkeyPatch.context() as patch:  # the corpus points are cached: no model is loaded
        patch.setattr("inference.Scorer", None)
        assert main(["timeline", "export", "--out", str(points), *common, *narrowed]) == 0
    narrow = pd.read_csv(points)
    assert narrow["issuer"].str.contains("Shanghai", case=False).all() and len(narrow) < len(table)
    assert main(["timeline", "export", "--out", str(tmp_path / "x.txt"), *common]) == 2
    assert "must be a .csv file" in capsys.readouterr().err


def test_the_static_plot_renders_chinese_and_draws_panels_and_events(tmp_path):
    rng = np.random.default_rng(4)
    points = pd.concat(
        [
            series(np.r_[rng.normal(-0.7, 0.1, 15), rng.normal(0.5, 0.1, 15)], target=t)
            for t in ("crypto", "cbdc")
        ]
    )
    events = [
        {
            "id": "e",
            "date": "2020-09-01",
            "jurisdiction": "CN-SH",
            "objects": ["crypto"],
            "title": "事件",
            "source": "https://x",
        }
    ]
    shown = analyse(points, events)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a missing glyph is a warning: here, a failure
        png = plots.static(shown, tmp_path / "plot.png", side_by_side=True)
        svg = plots.static(shown, tmp_path / "plot.svg")
    assert png.read_bytes()[:4] == b"\x89PNG"
    root = ElementTree.parse(svg).getroot()
    assert root.tag.endswith("svg") and len(root.findall(".//{http://www.w3.org/2000/svg}path")) > 50
    figure = plots.figure(shown, show_events=True, side_by_side=True)
    assert {t.name for t in figure.data} >= {"events", "Shanghai · crypto", "Shanghai · cbdc"}
    assert figure.layout.xaxis2 is not None and [a.text for a in figure.layout.annotations][:2] == [
        "crypto",
        "cbdc",
    ]
    assert "events" not in {t.name for t in plots.figure(shown, show_events=False).data}
