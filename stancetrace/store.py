"""Statements on a researcher's timeline, kept in a SQLite file across restarts: those added in the
app one by one and those imported from scored files.

A database made by an earlier StanceTrace (without titles, per-object scores or import keys) is
brought up to date in place when opened; its statements are kept and count as added.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from inference.paths import data_dir

SCHEMA = """
CREATE TABLE IF NOT EXISTS statements (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    date TEXT NOT NULL,
    jurisdiction TEXT NOT NULL,
    issuer TEXT,
    text TEXT NOT NULL,
    label TEXT NOT NULL,
    score REAL NOT NULL,
    added TEXT NOT NULL DEFAULT (datetime('now'))
)
"""
# Columns added since the first schema, each with its type: ALTER TABLE brings an old file up to date.
LATER_COLUMNS = {
    "title": "TEXT",
    "targets": "TEXT",  # JSON {object: score} for the objects the statement addresses
    "source": "TEXT NOT NULL DEFAULT 'added'",  # 'added' in the app or 'imported' from a file
    "origin": "TEXT",  # file:row of an imported statement
    "row_key": "TEXT",  # identity of an imported row: importing it again adds nothing
}
UNIQUE_ROWS = "CREATE UNIQUE INDEX IF NOT EXISTS statements_row_key ON statements(row_key)"
COLUMNS = ("id", "date", "jurisdiction", "issuer", "title", "text", "label", "score", "targets", "source")
SHOWN = ("id", "date", "jurisdiction", "issuer", "text", "label", "score", "source")  # as the app lists them
_WRITTEN = (*COLUMNS[1:], "origin", "row_key")  # what a new row sets; the id is given by SQLite


def default_store_path() -> Path:
    """$STANCETRACE_DB, else timeline.sqlite in the user's data folder."""
    return Path(os.environ.get("STANCETRACE_DB") or data_dir() / "timeline.sqlite")


class StoreError(ValueError):
    """The database cannot be opened, read or written; the message names the file."""


@contextlib.contextmanager
def connect(path: Path) -> Iterator[sqlite3.Connection]:
    """A connection to the SQLite file at `path` that commits on success, and a StoreError naming the
    file on failure."""
    path = Path(path)
    if path.is_dir():
        raise StoreError(f"{path} is a folder; give the database as a file (--db FILE)")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise StoreError(f"{path}: cannot create its folder ({err.strerror})") from None
    try:
        with contextlib.closing(sqlite3.connect(path)) as db, db:
            yield db
    except sqlite3.Error as err:
        raise StoreError(f"{path}: the database cannot be used: {err}") from None


@dataclass(frozen=True)
class Statement:
    """One statement to put on the timeline; `row_key` is set for imported rows."""

    date: str
    jurisdiction: str
    text: str
    label: str
    score: float
    issuer: str | None = None
    title: str | None = None
    targets: dict[str, float] | None = None
    source: str = "added"
    origin: str | None = None
    row_key: str | None = None

    def values(self) -> tuple:
        targets = json.dumps(self.targets, sort_keys=True) if self.targets else None
        return (
            self.date,
            self.jurisdiction,
            self.issuer or None,
            self.title or None,
            self.text,
            self.label,
            float(self.score),
            targets,
            self.source,
            self.origin,
            self.row_key,
        )


@dataclass
class TimelineStore:
    path: Path

    def __post_init__(self):
        self.path = Path(self.path)
        with self._connect() as db:
            db.execute(SCHEMA)
            present = {row[1] for row in db.execute("PRAGMA table_info(statements)")}
            for name, kind in LATER_COLUMNS.items():
                if name not in present:
                    db.execute(f"ALTER TABLE statements ADD COLUMN {name} {kind}")
            db.execute(UNIQUE_ROWS)
            db.execute("SELECT count(*) FROM statements").fetchone()  # a damaged file fails here

    def _connect(self):
        return connect(self.path)

    def add(self, statement: Statement) -> int:
        """Store one statement; its id."""
        with self._connect() as db:
            return int(db.execute(_INSERT, statement.values()).lastrowid)

    def add_new(self, statements: list[Statement]) -> int:
        """Store the statements whose `row_key` is not stored yet, in one transaction; how many were new."""
        with self._connect() as db:
            return sum(
                db.execute(_INSERT.replace("INSERT", "INSERT OR IGNORE"), s.values()).rowcount
                for s in statements
            )

    def delete(self, statement_id: int) -> bool:
        with self._connect() as db:
            return db.execute("DELETE FROM statements WHERE id = ?", (int(statement_id),)).rowcount == 1

    def all(self) -> list[dict]:
        """Every stored statement in date order, `targets` read back into a dict."""
        with self._connect() as db:
            rows = db.execute(f"SELECT {', '.join(COLUMNS)} FROM statements ORDER BY date, id").fetchall()
        records = [dict(zip(COLUMNS, row)) for row in rows]
        for record in records:
            record["targets"] = json.loads(record["targets"]) if record["targets"] else {}
        return records


_INSERT = f"INSERT INTO statements ({', '.join(_WRITTEN)}) VALUES ({', '.join('?' * len(_WRITTEN))})"
