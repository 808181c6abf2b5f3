"""A researcher's own labelled statements (CSV, JSONL or Parquet): the `stance train --add` format.

Each row needs `text` and `label` (a level -2..2 or its name, ban..embrace); it may carry `targets`
(a JSON object {object: level}, or "crypto:-2; stablecoin:explore"), `lang` (zh or en; detected when
absent), `date` (YYYY-MM-DD), `jurisdiction`, `id` and `pair_id` (shared with its translation).
Every bad row is reported with its file, line and problem, and then nothing is used. A fixed share
of the statements, chosen by a hash of each one's pair_id, id or text, is held out for evaluation,
the same share on every run.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from corpus.language import HAN, detect_language
from corpus.scale import LABEL_NAMES, LEVELS, name_of
from corpus.schema import LANGS, OBJECTS
from inference.readers import read_rows

COLUMNS = ("id", "text", "label", "targets", "lang", "date", "jurisdiction")  # in the order written
EXTRA = ("register", "script")  # read where given (a corpus file), for evaluation by register and script
HELD_OUT_PERCENT = 20  # of the researcher's statements, kept for evaluation
SUFFIXES = (".csv", ".jsonl", ".parquet")
_BY_NAME = {name: level for level, name in LABEL_NAMES.items()}


def parse_level(value) -> int:
    """A level from -2, "-2", "+1", "ban", "Explore" or "+1 explore"; else a ValueError naming the
    allowed values."""
    if isinstance(value, bool):
        value = None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int) and value in LEVELS:
        return value
    if isinstance(value, str):
        words = value.strip().casefold().split()
        if words and words[-1] in _BY_NAME:
            level = _BY_NAME[words[-1]]
            if len(words) == 1 or (len(words) == 2 and _number(words[0]) == level):
                return level
        elif len(words) == 1 and _number(words[0]) in LEVELS:
            return _number(words[0])
    allowed = ", ".join(f"{level} or {name}" for level, name in LABEL_NAMES.items())
    raise ValueError(f"unknown label {value!r}; use a level or its name: {allowed}")


def _number(word: str) -> int | None:
    try:
        return int(word)
    except ValueError:
        return None


def parse_targets(value) -> dict[str, int]:
    """{object: level} from a dict, its JSON text, or "object:level" pairs separated by ";"."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return {}
    if isinstance(value, str) and value.strip().startswith("{"):
        try:
            value = json.loads(value)
        except json.JSONDecodeError as err:
            raise ValueError(f"'targets' is not valid JSON: {err.msg}") from None
    if isinstance(value, str):
        pairs = [part.split(":", 1) for part in value.split(";") if part.strip()]
        if any(len(pair) != 2 for pair in pairs):
            raise ValueError(
                f"'targets' must be a JSON object or pairs such as 'crypto:-2; cbdc:1', got {value!r}"
            )
        value = {name.strip(): level.strip() for name, level in pairs}
    if not isinstance(value, dict):
        raise ValueError(f"'targets' must be an object {{object: level}}, got {type(value).__name__}")
    unknown = sorted(set(value) - set(OBJECTS))
    if unknown:
        raise ValueError(f"unknown object(s) {', '.join(unknown)} in 'targets'; known: {', '.join(OBJECTS)}")
    try:
        return {obj: parse_level(value[obj]) for obj in OBJECTS if value.get(obj) is not None}
    except ValueError as err:
        raise ValueError(f"in 'targets': {err}") from None


def _lang(value, text: str) -> str:
    if value is not None and str(value).strip():
        if value not in LANGS:
            raise ValueError(f"'lang' must be one of {', '.join(LANGS)} (or left empty), got {value!r}")
        return value
    found = detect_language(text)
    return found if found in LANGS else "zh" if HAN.search(text) else "en"


def _date(value) -> str | None:
    if value is None or not str(value).strip():
        return None
    try:
        return dt.date.fromisoformat(str(value).strip()[:10]).isoformat()
    except ValueError:
        raise ValueError(f"'date' must be YYYY-MM-DD, got {value!r}") from None


def _optional_text(value) -> str | None:
    return (str(value).strip() or None) if value is not None else None


def statement(fields: dict, text: str | None) -> dict:
    """One row as a statement: the `COLUMNS`, checked; a ValueError names the first problem."""
    if not isinstance(text, str) or not text.strip():
        raise ValueError("'text' is empty")
    if "label" not in fields:
        raise ValueError(f"no 'label' (columns: {', '.join(fields)})")
    return {
        "id": _optional_text(fields.get("id")),
        "text": text,
        "label": parse_level(fields["label"]),
        "targets": parse_targets(fields.get("targets")),
        "lang": _lang(fields.get("lang"), text),
        "date": _date(fields.get("date")),
        "jurisdiction": _optional_text(fields.get("jurisdiction")),
        "pair_id": _optional_text(fields.get("pair_id")),
        **{column: _optional_text(fields.get(column)) for column in EXTRA},
    }


def held_out(record: dict) -> bool:
    """Whether a statement belongs to the held-out share: a hash of its pair (a statement and its
    translation share a `pair_id`, so both fall on one side), else of its id, else of its text."""
    key = record.get("pair_id") or record["id"] or record["text"].strip()
    return int(hashlib.sha256(key.encode("utf-8")).hexdigest()[:8], 16) % 100 < HELD_OUT_PERCENT


@dataclass(frozen=True)
class OwnLabels:
    """The statements of the files given, and for each file its sha256 and counts by label."""

    statements: list[dict]
    files: list[dict]

    def _chosen(self, held: bool | None) -> list[dict]:
        return [s for s in self.statements if held is None or held_out(s) == held]

    def part(self, held: bool) -> dict[str, list]:
        """The training part (held=False) or the held-out part, in the columns training reads."""
        chosen = self._chosen(held)
        columns = {c: [s.get(c) for s in chosen] for c in ("text", "label", "lang", "pair_id", *EXTRA)}
        columns["targets"] = [s["targets"] or None for s in chosen]
        return {**columns, "kind": ["own"] * len(chosen)}

    def evaluation_rows(self, held: bool | None = None) -> dict[str, list]:
        """The held-out part, the training part or (None) all, in the columns evaluation reads: the
        objects, the register and the script only where every statement gives them."""
        chosen = self._chosen(held)
        rows = {c: [s.get(c) for s in chosen] for c in ("text", "label", "lang", "pair_id")}
        for column in ("targets", *EXTRA):
            if chosen and all(s.get(column) for s in chosen):
                rows[column] = [s[column] for s in chosen]
        return rows

    def summary(self) -> dict:
        """The files, the counts, and a fingerprint of each statement trained on (`text_key`), by
        which `stance eval` tells when a model was trained on statements it is evaluated on."""
        held = sum(held_out(s) for s in self.statements)
        trained = sorted(self.trained_keys())
        return {"files": self.files, "statements": len(self.statements), "held_out": held, "trained": trained}

    def trained_keys(self) -> set[str]:
        """The `text_key` of each statement of the training part."""
        return {text_key(s["text"]) for s in self._chosen(held=False)}


def text_key(text: str) -> str:
    """A short fingerprint of a statement's text."""
    return hashlib.sha256(text.strip().encode("utf-8")).hexdigest()[:16]


def read_own_labels(paths: list[str | Path]) -> OwnLabels:
    """The statements of `paths`; a ValueError listing every bad row (file:line: problem)."""
    statements, files, problems, seen_ids = [], [], [], {}
    for path in map(str, paths):
        if Path(path).suffix.lower() not in SUFFIXES:
            raise ValueError(f"{path}: labelled statements must be {', '.join(SUFFIXES)}")
        counts = Counter()
        for row in read_rows([path]):
            where = f"{row.source}:{row.row}"
            try:
                if row.error:
                    raise ValueError(row.error.removeprefix(f"{where}: "))
                record = statement(row.fields, row.text)
            except ValueError as err:
                problems.append(f"{where}: {err}")
                continue
            if record["id"] and record["id"] in seen_ids:
                problems.append(f"{where}: id {record['id']!r} is used before, at {seen_ids[record['id']]}")
                continue
            if record["id"]:
                seen_ids[record["id"]] = where
            statements.append(record)
            counts[name_of(record["label"])] += 1
        digest = hashlib.sha256(Path(path).read_bytes()).hexdigest()
        by_label = {name: counts[name] for name in LABEL_NAMES.values()}
        files.append({"path": path, "sha256": digest, "by_label": by_label})
        if not counts and not any(p.startswith(f"{path}:") for p in problems):
            problems.append(f"{path}: no statements")
    if problems:
        raise ValueError("\n".join(problems))
    return OwnLabels(statements, files)
