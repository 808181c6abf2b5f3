"""JSON Lines, read line by line (each line's number and its object, or what is wrong with it), and
written to a new file."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from corpus.atomic import atomic_file


@dataclass(frozen=True)
class Line:
    """One non-blank line of a JSON Lines text: its 1-based number, and its object or a problem."""

    number: int
    record: dict | None = None
    problem: str | None = None


def not_utf8(byte: bytes, offset: int | None = None) -> str:
    """The problem of text with a byte that is not UTF-8 (at `offset`, where known)."""
    where = f" at offset {offset}" if offset is not None else ""
    return f"not UTF-8 (byte {byte!r}{where}); save the file as UTF-8"


def json_lines(raw: bytes, blank_is_problem: bool = False) -> Iterator[Line]:
    """Every line of `raw` that is not blank (a blank line before the last newline is a problem when
    `blank_is_problem`). A line that is not UTF-8 (a byte-order mark is allowed), not JSON or not an
    object gets a problem instead of a record; the other lines are read all the same."""
    lines = raw.split(b"\n")
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            if blank_is_problem and number < len(lines):  # the piece after the final newline is no line
                yield Line(number, problem="blank line")
            continue
        try:
            text = line.decode("utf-8-sig" if number == 1 else "utf-8")
        except UnicodeDecodeError as err:
            yield Line(number, problem=not_utf8(line[err.start : err.start + 1], err.start))
            continue
        try:
            record = json.loads(text)
        except json.JSONDecodeError as err:
            yield Line(number, problem=f"invalid JSON: {err.msg}: column {err.colno}")
            continue
        if not isinstance(record, dict):
            yield Line(number, problem=f"expected a JSON object, got {type(record).__name__}")
            continue
        yield Line(number, record=record)


def write_json_lines(path: Path, records: list[dict], what: str, overwrite: bool = False) -> None:
    """Write `records` to `path` (*.jsonl), atomically; an existing file is replaced only when
    `overwrite`. `what` names the file's content in errors ("the queue")."""
    path = Path(path)
    if path.suffix.lower() != ".jsonl":
        raise ValueError(f"{path}: {what} is written as JSON Lines; name the file *.jsonl")
    if path.exists() and not overwrite:
        raise FileExistsError(f"{path} already exists; pass --overwrite to replace it")
    with atomic_file(path) as tmp:
        tmp.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
