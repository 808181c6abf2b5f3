"""Statements a researcher added to the timeline, kept in a SQLite file across restarts."""

from __future__ import annotations

import contextlib
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
COLUMNS = ("id", "date", "jurisdiction", "issuer", "text", "label", "score")  # as the app shows them
_ADDED = COLUMNS[1:]  # what `add` writes; the id is given by SQLite


def default_store_path() -> Path:
    """$STANCETRACE_DB, else timeline.sqlite in the user's data folder."""
    return Path(os.environ.get("STANCETRACE_DB") or data_dir() / "timeline.sqlite")


class StoreError(ValueError):
    """The timeline database cannot be opened, read or written; the message names the file."""


@dataclass
class TimelineStore:
    path: Path

    def __post_init__(self):
        self.path = Path(self.path)
        if self.path.is_dir():
            raise StoreError(f"{self.path} is a folder; give the timeline database as a file (--db FILE)")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            raise StoreError(f"{self.path}: cannot create its folder ({err.strerror})") from None
        with self._connect() as db:
            db.execute(SCHEMA)
            db.execute("SELECT count(*) FROM statements").fetchone()  # a damaged file fails here

    @contextlib.contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        """A connection that commits on success, and a StoreError naming the file on failure."""
        try:
            with contextlib.closing(sqlite3.connect(self.path)) as db, db:
                yield db
        except sqlite3.Error as err:
            raise StoreError(f"{self.path}: the timeline database cannot be used: {err}") from None

    def add(
        self, date: str, jurisdiction: str, issuer: str | None, text: str, label: str, score: float
    ) -> int:
        with self._connect() as db:
            cursor = db.execute(
                f"INSERT INTO statements ({', '.join(_ADDED)}) VALUES ({', '.join('?' * len(_ADDED))})",
                (date, jurisdiction, issuer or None, text, label, float(score)),
            )
            return int(cursor.lastrowid)

    def delete(self, statement_id: int) -> bool:
        with self._connect() as db:
            return db.execute("DELETE FROM statements WHERE id = ?", (int(statement_id),)).rowcount == 1

    def all(self) -> list[dict]:
        with self._connect() as db:
            rows = db.execute(f"SELECT {', '.join(COLUMNS)} FROM statements ORDER BY date, id").fetchall()
        return [dict(zip(COLUMNS, row)) for row in rows]
