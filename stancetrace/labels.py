"""The researcher's labels, kept in the app's SQLite file: corrections of scores and labels given
while walking a queue, each with the text, the time and the model that scored it.

`export` writes them in the `stance train --add` format; where one text was labelled more than
once, the latest label counts.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from corpus.jsonl import write_json_lines
from corpus.scale import LEVELS
from corpus.schema import OBJECTS
from stancetrace.store import connect
from training.own_labels import COLUMNS

SCHEMA = """
CREATE TABLE IF NOT EXISTS labels (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    text TEXT NOT NULL,
    label INTEGER NOT NULL,
    targets TEXT,
    lang TEXT,
    date TEXT,
    jurisdiction TEXT,
    model TEXT,
    model_label INTEGER,
    source TEXT NOT NULL,
    item TEXT,
    labelled TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
)
"""
SOURCES = ("correction", "queue")  # a score corrected on the Score tab, or a queue item labelled


@dataclass(frozen=True)
class Label:
    """One label given by the researcher: the level of `text`, and the objects' levels where set."""

    text: str
    label: int
    source: str
    targets: dict[str, int] | None = None
    model: str | None = None
    model_label: int | None = None
    lang: str | None = None
    date: str | None = None
    jurisdiction: str | None = None
    item: str | None = None  # the queue item's id

    def __post_init__(self):
        if not self.text.strip():
            raise ValueError("a label needs the statement's text")
        if self.label not in LEVELS:
            raise ValueError(f"the level must be one of {LEVELS}, got {self.label!r}")
        if self.source not in SOURCES:
            raise ValueError(f"the source must be one of {SOURCES}, got {self.source!r}")
        unknown = set(self.targets or {}) - set(OBJECTS)
        if unknown or any(v not in LEVELS for v in (self.targets or {}).values()):
            raise ValueError(f"objects' levels must be {{object: level}} over {OBJECTS}, got {self.targets}")


_FIELDS = (
    *("text", "label", "targets", "lang", "date", "jurisdiction"),
    *("model", "model_label", "source", "item"),
)


@dataclass
class LabelStore:
    path: Path

    def __post_init__(self):
        self.path = Path(self.path)
        with connect(self.path) as db:
            db.execute(SCHEMA)

    def add(self, label: Label) -> int:
        """Store one label; its id."""
        values = [getattr(label, f) for f in _FIELDS]
        if label.targets is not None:  # stored as JSON text
            values[_FIELDS.index("targets")] = json.dumps(label.targets, sort_keys=True)
        with connect(self.path) as db:
            insert = f"INSERT INTO labels ({', '.join(_FIELDS)}) VALUES ({', '.join('?' * len(_FIELDS))})"
            return int(db.execute(insert, values).lastrowid)

    def all(self) -> list[dict]:
        """Every label in the order given, `targets` read back into a dict (None where not set)."""
        columns = ("id", *_FIELDS, "labelled")
        with connect(self.path) as db:
            rows = db.execute(f"SELECT {', '.join(columns)} FROM labels ORDER BY id").fetchall()
        records = [dict(zip(columns, row)) for row in rows]
        for record in records:
            record["targets"] = json.loads(record["targets"]) if record["targets"] else None
        return records

    def labelled_texts(self) -> set[str]:
        return {r["text"].strip() for r in self.all()}

    def latest(self) -> list[dict]:
        """The latest label of each text, in the order and with the id of its first label (so that the
        held-out share, chosen by id, does not move when a label is changed)."""
        by_text: dict[str, dict] = {}
        for record in self.all():  # a later label replaces an earlier one, keeping its place and id
            key = record["text"].strip()
            by_text[key] = {**record, "id": by_text[key]["id"]} if key in by_text else record
        return list(by_text.values())

    def export(self, out: Path, overwrite: bool = False) -> int:
        """Write the latest label of each text to `out` (JSONL, the `--add` format); how many."""
        records = [_add_format(r) for r in self.latest()]
        write_json_lines(out, records, "the labels' export", overwrite)
        return len(records)


def _add_format(record: dict) -> dict:
    """A stored label as a row of the `--add` format, with where it came from."""
    row = {
        "id": record["item"] or f"label-{record['id']}",
        "text": record["text"],
        "label": record["label"],
        "targets": record["targets"],
        "lang": record["lang"],
        "date": record["date"],
        "jurisdiction": record["jurisdiction"],
    }
    row = {k: row[k] for k in COLUMNS if row[k] is not None}
    return {**row, "source": record["source"], "model": record["model"], "labelled": record["labelled"]}
