"""Scored files (the output of `stance score`: JSONL, CSV or Parquet) read into timeline statements.

Each row needs a date, a jurisdiction and the scorer's score; a row without them is reported with
its file, row and problem, and the others are read all the same. A jurisdiction is a corpus code
(CN-SH), its English name (Shanghai), or any ISO 3166 code (CN-GD). A row's identity is its date,
jurisdiction, issuer, title and text: importing the same row again adds nothing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import re
from dataclasses import dataclass

from corpus.scale import LABEL_NAMES
from corpus.schema import JURISDICTIONS
from inference.readers import Row, read_rows
from inference.writers import output_targets
from stancetrace.store import Statement, TimelineStore

# Dates a statement on the timeline may carry: from the early days of bitcoin to a year ahead.
EARLIEST_DATE = dt.date(1990, 1, 1)
_ISO_CODE = re.compile(r"^[A-Z]{2}(-[A-Z0-9]{1,3})?$")
_BY_NAME = {name.casefold(): code for code, name in JURISDICTIONS.items()}


@dataclass(frozen=True)
class Fields:
    """Which field of a scored row holds each of the statement's facts."""

    date: str = "date"
    jurisdiction: str = "jurisdiction"
    issuer: str = "issuer"
    title: str = "title"
    text: str = "text"


@dataclass(frozen=True)
class ImportReport:
    rows: int
    added: int
    problems: list[str]

    @property
    def already(self) -> int:
        """Rows read cleanly that were stored before."""
        return self.rows - len(self.problems) - self.added


def timeline_date(value) -> dt.date:
    """A date the timeline accepts (YYYY-MM-DD, or the date part of an ISO timestamp), else ValueError."""
    text = str(value if value is not None else "").strip()
    try:
        day = dt.date.fromisoformat(text[:10]) if re.match(r"^\d{4}-\d{2}-\d{2}([T ]|$)", text) else None
    except ValueError:
        day = None
    if day is None:
        raise ValueError(f"the date must be YYYY-MM-DD, got {text!r}" if text else "no date")
    latest = dt.date.today() + dt.timedelta(days=366)
    if not EARLIEST_DATE <= day <= latest:
        raise ValueError(f"the date must lie between {EARLIEST_DATE} and {latest}, got {day}")
    return day


def jurisdiction_code(value) -> str:
    """A corpus code, a corpus jurisdiction's English name or an ISO 3166 code, as a code; else ValueError."""
    text = str(value if value is not None else "").strip()
    if not text:
        raise ValueError("no jurisdiction")
    code = _BY_NAME.get(text.casefold(), text.upper())
    if code not in JURISDICTIONS and not _ISO_CODE.match(code):
        raise ValueError(
            f"unknown jurisdiction {text!r}: give a code such as {', '.join(list(JURISDICTIONS)[:4])} "
            "or an ISO 3166 code"
        )
    return code


def read_scored(files: list[str], fields: Fields = Fields()) -> tuple[list[Statement], int, list[str]]:
    """The statements of the scored files, how many rows were read, and each bad row's problem."""
    statements, problems, rows = [], [], 0
    for row in read_rows(files, text_field=fields.text):
        rows += 1
        try:
            statements.append(_statement(row, fields))
        except ValueError as err:
            problems.append(f"{row.source}:{row.row}: {err}")
    return statements, rows, problems


def import_files(store: TimelineStore, files: list[str], fields: Fields = Fields()) -> ImportReport:
    """Put the scored files' rows on the timeline; rows stored before are left as they are."""
    statements, rows, problems = read_scored(files, fields)
    return ImportReport(rows, store.add_new(statements), problems)


def _statement(row: Row, fields: Fields) -> Statement:
    if row.error:
        raise ValueError(row.error.removeprefix(f"{row.source}:{row.row}: "))
    record = row.fields
    if record.get("error"):
        raise ValueError(f"the row was not scored: {record['error']}")
    score = _number(record.get("score"))
    if score is None or not -1 <= score <= 1:
        raise ValueError(
            f"no score in -1..1 (got {record.get('score')!r}); import the output of `stance score`"
        )
    day = timeline_date(record.get(fields.date))
    jurisdiction = jurisdiction_code(record.get(fields.jurisdiction))
    issuer, title = (_text(record.get(f)) for f in (fields.issuer, fields.title))
    label = _text(record.get("label")) or LABEL_NAMES[round(score * 2)]
    identity = [day.isoformat(), jurisdiction, issuer, title, row.text]
    return Statement(
        date=day.isoformat(),
        jurisdiction=jurisdiction,
        text=row.text,
        label=label,
        score=score,
        issuer=issuer,
        title=title,
        targets=_targets(record),
        source="imported",
        origin=f"{row.source}:{row.row}",
        row_key=hashlib.sha256(json.dumps(identity, ensure_ascii=False).encode()).hexdigest(),
    )


def _targets(record: dict) -> dict[str, float]:
    """{object: score} from JSONL `targets` or the CSV/Parquet `target_<object>_score` columns."""
    found = {obj: _number(score) for obj, score in output_targets(record, "score").items()}
    return {obj: score for obj, score in found.items() if score is not None and -1 <= score <= 1}


def _number(value) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _text(value) -> str | None:
    return str(value).strip() or None if value is not None else None
