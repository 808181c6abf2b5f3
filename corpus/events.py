"""Policy milestones (corpus/events.jsonl): dated, sourced events drawn as markers on the trajectory.

Each line: id, date (YYYY-MM-DD), jurisdiction (a corpus code), objects (those of the five it is
about), title (a short English title) and source (the URL it was checked against).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from corpus.jsonl import json_lines
from corpus.records import Problem
from corpus.schema import EVENTS_FILE, JURISDICTIONS, OBJECTS
from corpus.validate import SLUG, check_date

FIELDS = ("id", "date", "jurisdiction", "objects", "title", "source")


def check_event(event: dict, today: dt.date | None = None) -> list[str]:
    """What is wrong with one event record (empty when nothing is)."""
    missing = [f for f in FIELDS if f not in event]
    unknown = sorted(set(event) - set(FIELDS))
    if missing or unknown:
        return [f"missing field(s) {missing}" if missing else f"unknown field(s) {unknown}"]
    problems = []
    if not isinstance(event["id"], str) or not SLUG.match(event["id"]):
        problems.append(f"'id' must be lowercase words joined by '-', got {event['id']!r}")
    problems += (
        check_date(event["date"], today or dt.date.today())
        if isinstance(event["date"], str)
        else [f"'date' must be text YYYY-MM-DD, got {event['date']!r}"]
    )
    if event["jurisdiction"] not in JURISDICTIONS:
        problems.append(f"'jurisdiction' {event['jurisdiction']!r} is not one of {', '.join(JURISDICTIONS)}")
    objects = event["objects"]
    if not isinstance(objects, list) or not objects or not set(objects) <= set(OBJECTS):
        problems.append(f"'objects' must be a non-empty list of {', '.join(OBJECTS)}, got {objects!r}")
    if not isinstance(event["title"], str) or not event["title"].strip():
        problems.append("'title' must be non-empty text")
    if not isinstance(event["source"], str) or not event["source"].startswith(("https://", "http://")):
        problems.append(f"'source' must be an http(s) URL, got {event['source']!r}")
    return problems


def check_events(path: Path = EVENTS_FILE) -> list[Problem]:
    """Every problem of the events file, by line: bad JSON, bad fields, repeated ids, dates out of order."""
    path = Path(path)
    if not path.exists():
        return [Problem(path, None, "events file not found")]
    problems, seen, last = [], {}, ("", "")
    for line in json_lines(path.read_bytes(), blank_is_problem=True):
        faults = [line.problem] if line.problem else check_event(line.record)
        problems += [Problem(path, line.number, fault) for fault in faults]
        if faults:
            continue
        event = line.record
        if event["id"] in seen:
            problems.append(
                Problem(path, line.number, f"id {event['id']!r} repeats line {seen[event['id']]}")
            )
        seen.setdefault(event["id"], line.number)
        if (event["date"], event["id"]) < last:
            problems.append(Problem(path, line.number, "events must be sorted by date, then id"))
        last = max(last, (event["date"], event["id"]))
    return problems


def load_events(path: Path = EVENTS_FILE) -> list[dict]:
    """The events, checked: a file with any problem raises ValueError naming the first."""
    problems = check_events(path)
    if problems:
        raise ValueError(f"{problems[0]}" + (f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""))
    return [line.record for line in json_lines(Path(path).read_bytes())]
