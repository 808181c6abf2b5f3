"""Output records: the input's own fields, where the row came from, and the results; three formats."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pandas as pd

from corpus.atomic import atomic_file
from corpus.jsonl import json_lines
from corpus.scale import NAMES
from inference.readers import Row
from inference.scorer import Scored

FORMATS = (".jsonl", ".csv", ".parquet")
LOCATION = ("source_file", "source_row")
RESULTS = tuple(Scored.__dataclass_fields__)
# Leading characters that make a spreadsheet read a cell as a formula (OWASP: CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def output_record(row: Row, result: Scored | None) -> dict:
    """The row's own fields (renamed `input_NAME` where a result uses NAME), its location, the results."""
    reserved = set(LOCATION) | set(RESULTS)
    record = {(f"input_{k}" if k in reserved else k): v for k, v in row.fields.items()}
    record.update(source_file=row.source, source_row=row.row)
    record.update((result or Scored(error=row.error)).to_dict())
    return record


def flat(record: dict) -> dict:
    """One column per probability, JSON text for evidence and other nested values (CSV, Parquet)."""
    out = {}
    for key, value in record.items():
        if key == "probs":
            out.update({f"prob_{name}": (value or {}).get(name) for name in NAMES})
        elif isinstance(value, (dict, list)):
            out[key] = json.dumps(value, ensure_ascii=False)
        else:
            out[key] = value
    return out


def spreadsheet_safe(value):
    """Text that a spreadsheet would run as a formula, prefixed with an apostrophe."""
    return "'" + value if isinstance(value, str) and value.startswith(_FORMULA_START) else value


def write_records(path: Path, records: list[dict]) -> None:
    """Write `records` to `path` in the format its suffix names, atomically."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise ValueError(f"{path}: output must end in {', '.join(FORMATS)}")
    with atomic_file(path) as tmp:
        _write(tmp, suffix, records)


def _write(tmp: Path, suffix: str, records: list[dict]) -> None:
    if suffix == ".jsonl":
        with open(tmp, "w", encoding="utf-8") as sink:
            sink.writelines(json.dumps(r, ensure_ascii=False) + "\n" for r in records)
    elif suffix == ".csv":
        rows = [{k: spreadsheet_safe(v) for k, v in flat(r).items()} for r in records]
        columns = list(dict.fromkeys(k for r in rows for k in r))
        with open(tmp, "w", encoding="utf-8", newline="") as sink:
            writer = csv.DictWriter(sink, fieldnames=columns)
            writer.writeheader()
            writer.writerows(rows)
    elif suffix == ".parquet":
        frame = pd.DataFrame([flat(r) for r in records])
        for column in frame.select_dtypes(include="object").columns:  # mixed-type input columns become text
            frame[column] = frame[column].map(
                lambda v: v if v is None or isinstance(v, str) else json.dumps(v)
            )
        frame.to_parquet(tmp, index=False)


def read_records(path: Path) -> list[dict]:
    """Records of an earlier output (any of the three formats), for resuming."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".jsonl":
        lines = list(json_lines(path.read_bytes()))
        damaged = next((line for line in lines if line.problem), None)
        if damaged:
            raise ValueError(f"{path}:{damaged.number}: {damaged.problem}")
        return [line.record for line in lines]
    if suffix == ".csv":
        with open(path, encoding="utf-8", newline="") as source:
            records = list(csv.DictReader(source))
    else:
        records = pd.read_parquet(path).to_dict("records")
    for record in records:  # CSV gives text; the key fields must compare equal to fresh rows
        record["source_row"] = int(record["source_row"])
        record["error"] = record.get("error") or None
    return records
