"""Output records: the input's own fields, where the row came from, and the results; three formats."""

from __future__ import annotations

import csv
import json
import re
import shutil
import time
from pathlib import Path

import pandas as pd

from corpus.atomic import atomic_file
from corpus.jsonl import json_lines
from corpus.scale import NAMES
from corpus.schema import OBJECTS
from inference.readers import Row
from inference.scorer import Scored

FORMATS = (".jsonl", ".csv", ".parquet")
LOCATION = ("source_file", "source_row")
RESULTS = tuple(Scored.__dataclass_fields__)
# Leading characters that make a spreadsheet read a cell as a formula (OWASP: CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?")


def output_record(row: Row, result: Scored | None) -> dict:
    """The row's own fields (renamed `input_NAME` where a result uses NAME), its location, the results."""
    reserved = set(LOCATION) | set(RESULTS)
    record = {(f"input_{k}" if k in reserved else k): v for k, v in row.fields.items()}
    record.update(source_file=row.source, source_row=row.row)
    record.update((result or Scored(error=row.error)).to_dict())
    return record


def flat(record: dict) -> dict:
    """One column per probability, `target_<object>_level` and `_score` per object (empty where the
    text does not address it), JSON text for evidence and other nested values (CSV, Parquet)."""
    out = {}
    for key, value in record.items():
        if key == "probs":
            out.update({f"prob_{name}": (value or {}).get(name) for name in NAMES})
        elif key == "targets":
            for obj in OBJECTS:
                target = (value or {}).get(obj) or {}
                out.update(
                    {f"target_{obj}_level": target.get("level"), f"target_{obj}_score": target.get("score")}
                )
        elif isinstance(value, (dict, list)):
            out[key] = json.dumps(value, ensure_ascii=False)
        else:
            out[key] = value
    return out


def output_probs(record: dict) -> list:
    """The five probabilities of an output record, in level order, as written: from JSONL's `probs`
    or the `prob_<level>` columns of CSV and Parquet (`flat` read back); None where one is missing."""
    nested = record.get("probs")
    if isinstance(nested, dict):
        return [nested.get(name) for name in NAMES]
    return [record.get(f"prob_{name}") for name in NAMES]


def output_targets(record: dict, field: str) -> dict:
    """{object: its `field` (level or score)} of an output record, as written: from JSONL's
    `targets` or the `target_<object>_<field>` columns (`flat` read back); None where not addressed."""
    nested = record.get("targets")
    if isinstance(nested, dict):
        return {obj: (nested.get(obj) or {}).get(field) for obj in OBJECTS}
    return {obj: record.get(f"target_{obj}_{field}") for obj in OBJECTS}


def spreadsheet_safe(value):
    """Text that a spreadsheet would run as a formula, prefixed with an apostrophe; numbers, and text
    that is only a number, stay as they are."""
    if not isinstance(value, str) or not value.startswith(_FORMULA_START) or _NUMBER.fullmatch(value):
        return value
    return "'" + value


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
    """Records of an earlier output (any of the three formats); a damaged one is an error naming the
    file and line."""
    records, dropped = _read_output(Path(path))
    if dropped:
        number, problem = dropped[0]
        raise ValueError(f"{path}:{number}: {problem}")
    return records


def recover_records(path: Path, keep_damaged: bool = True) -> tuple[list[dict], list[str]]:
    """The readable records of an earlier output, and a note for each line dropped. A damaged file
    is first copied beside itself (when `keep_damaged`), so nothing the user had is lost. A file that
    holds no output of `stance score` at all is an error: it is not ours to replace."""
    path = Path(path)
    records, dropped = _read_output(path)
    if not dropped:
        return records, []
    notes = [f"{path}:{number}: dropped an unreadable line ({problem})" for number, problem in dropped]
    if keep_damaged:
        backup = path.with_name(f"{path.name}.damaged-{time.strftime('%Y%m%d-%H%M%S')}")
        shutil.copy2(path, backup)
        notes.append(f"{path}: the file as it was is kept at {backup}")
    return records, notes


def _read_output(path: Path) -> tuple[list[dict], list[tuple[int, str]]]:
    """Records and (line, problem) of every line that could not be read."""
    suffix = path.suffix.lower()
    if suffix == ".jsonl":
        lines = list(json_lines(path.read_bytes()))
        records = [line.record for line in lines if line.record is not None]
        dropped = [(line.number, line.problem) for line in lines if line.problem]
    elif suffix == ".csv":
        records, dropped = _read_csv(path)
    else:
        try:
            records, dropped = pd.read_parquet(path).to_dict("records"), []
        except Exception as err:  # pyarrow raises several kinds for a damaged file
            raise ValueError(
                f"{path} is not an output of `stance score` (cannot read it as Parquet: {err}); "
                "move it away or choose another --out"
            ) from None
    if (dropped and not records) or any(not set(LOCATION) <= set(r) for r in records):
        first = (
            f"line {dropped[0][0]}: {dropped[0][1]}" if dropped else f"no {' and '.join(LOCATION)} columns"
        )
        raise ValueError(
            f"{path} is not an output of `stance score` ({first}); move it away or choose another --out"
        )
    for record in records:
        record["error"] = record.get("error") or None
    return records, dropped


def _read_csv(path: Path) -> tuple[list[dict], list[tuple[int, str]]]:
    """CSV records with their numbers as numbers again, and the rows that are not whole."""
    records, dropped = [], []
    with open(path, encoding="utf-8", errors="replace", newline="") as source:
        reader = csv.DictReader(source)
        for record in reader:
            try:
                records.append(_typed(record))
            except (TypeError, ValueError):
                dropped.append((reader.line_num, "a row cut short or with a field that is not a number"))
    return records, dropped


_INTEGERS = ("source_row", "level", "chunks", *(f"target_{obj}_level" for obj in OBJECTS))
_REALS = ("score", *(f"prob_{name}" for name in NAMES), *(f"target_{obj}_score" for obj in OBJECTS))


def _typed(record: dict) -> dict:
    if None in record or any(v is None for v in record.values()):
        raise ValueError("the row has a different number of fields than the header")
    for column in _INTEGERS + _REALS:
        if record.get(column) not in (None, ""):
            record[column] = (int if column in _INTEGERS else float)(record[column])
        elif column in record:
            record[column] = None
    return record
