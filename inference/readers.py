"""Read documents to score from files: every input row becomes a `Row`, readable or not.

A row that cannot be read (broken JSON, wrong encoding, no text field) still becomes a `Row`,
with `error` naming the file and line, so that it reaches the output and nothing is dropped.
"""

from __future__ import annotations

import csv
import io
import re
import sys
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from corpus.jsonl import json_lines, not_utf8

# A .docx is a zip archive: refuse one that would unpack to more than this, before unpacking it.
MAX_UNPACKED_BYTES = 200_000_000
# What decoding with errors="surrogateescape" leaves of a byte that is not UTF-8.
_UNDECODED = re.compile("[\udc80-\udcff]")
SUFFIXES = (".jsonl", ".csv", ".parquet", ".txt", ".pdf", ".docx")


@dataclass
class Row:
    """One document: where it came from, its original fields, its text, or why it has none."""

    source: str
    row: int
    fields: dict = field(default_factory=dict)
    text: str | None = None
    error: str | None = None

    @property
    def key(self) -> tuple[str, int]:
        return self.source, self.row


def expand(inputs: list[str]) -> list[str]:
    """Input paths with folders replaced by the supported files inside them (sorted)."""
    paths = []
    for name in inputs:
        path = Path(name)
        if name == "-":
            paths.append(name)
        elif path.is_dir():
            paths += [str(p) for p in sorted(path.rglob("*")) if p.suffix.lower() in SUFFIXES and p.is_file()]
        elif not path.exists():
            raise FileNotFoundError(f"{name}: no such file or folder")
        elif path.suffix.lower() not in SUFFIXES:
            raise ValueError(
                f"{name}: cannot read {path.suffix or 'files without a suffix'}; supported: "
                f"{', '.join(SUFFIXES)} or -"
            )
        else:
            paths.append(name)
    return paths


def read_rows(inputs: list[str], text_field: str = "text") -> Iterator[Row]:
    """Every row of every input, in order."""
    for name in expand(inputs):
        if name == "-":
            yield from _stdin(text_field)
            continue
        suffix = Path(name).suffix.lower()
        reader = {".jsonl": _jsonl, ".csv": _csv, ".parquet": _parquet}.get(suffix)
        if reader:
            yield from reader(name, text_field)
        else:
            yield _whole_file(name)


def _decode(raw: bytes, name: str, first_line: int = 1) -> tuple[str | None, str | None]:
    """The text of `raw`, or a problem naming the line (counted from `first_line`) that is not UTF-8."""
    try:
        return raw.decode("utf-8-sig"), None
    except UnicodeDecodeError as err:
        line = first_line + raw[: err.start].count(b"\n")
        return None, f"{name}:{line}: {not_utf8(raw[err.start : err.start + 1], err.start)}"


def _record_row(name: str, number: int, record: dict, text_field: str) -> Row:
    row = Row(name, number, fields=record)
    text = record.get(text_field)
    if text_field not in record:
        fields = ", ".join(record) or "none"
        row.error = f"{name}:{number}: no '{text_field}' field (fields: {fields}); use --text-field"
    elif not isinstance(text, str):
        row.error = f"{name}:{number}: '{text_field}' is {type(text).__name__}, not text"
    else:
        row.text = text
    return row


def _json_lines(name: str, raw: bytes, text_field: str) -> Iterator[Row]:
    for line in json_lines(raw):
        if line.problem:
            yield Row(name, line.number, error=f"{name}:{line.number}: {line.problem}")
        else:
            yield _record_row(name, line.number, line.record, text_field)


def _jsonl(name: str, text_field: str) -> Iterator[Row]:
    yield from _json_lines(name, Path(name).read_bytes(), text_field)


def _csv(name: str, text_field: str) -> Iterator[Row]:
    """Rows of a CSV file, each on its own: a row with bytes that are not UTF-8 gets an error naming
    its line, and the rows around it are read all the same."""
    raw = Path(name).read_bytes().removeprefix(b"\xef\xbb\xbf")
    reader = csv.DictReader(io.StringIO(raw.decode("utf-8", errors="surrogateescape"), newline=""))
    for record in reader:
        extra = record.pop(None, None)
        bad = next((v for v in [*record.values(), *(extra or [])] if _UNDECODED.search(v or "")), None)
        if bad is not None:
            byte = _UNDECODED.search(bad).group().encode("utf-8", errors="surrogateescape")
            error = f"{name}:{reader.line_num}: {not_utf8(byte)}"
            yield Row(name, reader.line_num, error=error)
            continue
        row = _record_row(name, reader.line_num, record, text_field)
        if extra and not row.error:
            row.error = f"{name}:{reader.line_num}: {len(extra)} more value(s) than the header has columns"
            row.text = None
        yield row


def _parquet(name: str, text_field: str) -> Iterator[Row]:
    """Rows of a Parquet file, numbered from 1; a missing value reads as None."""
    import pandas as pd

    try:
        frame = pd.read_parquet(name)
    except (OSError, ValueError) as err:  # not a Parquet file, or a damaged one
        yield Row(name, 1, error=f"{name}: not a readable Parquet file: {err}")
        return
    frame = frame.astype(object).where(frame.notna(), None)
    for number, record in enumerate(frame.to_dict("records"), start=1):
        yield _record_row(name, number, record, text_field)


def document_text(path: str | Path) -> str:
    """The text of a .txt (UTF-8), .pdf or .docx file."""
    suffix = Path(path).suffix.lower()
    if suffix == ".txt":
        text, problem = _decode(Path(path).read_bytes(), str(path))
        if problem:
            raise ValueError(problem)
        return text
    if suffix not in (".pdf", ".docx"):
        raise ValueError(f"{path}: cannot read {suffix or 'files without a suffix'}; use .txt, .pdf or .docx")
    try:
        return _pdf_text(path) if suffix == ".pdf" else _docx_text(path)
    except ValueError:
        raise
    except Exception as err:  # pypdf and python-docx raise many kinds for a damaged or foreign file
        raise ValueError(
            f"{path}: cannot read it as {suffix[1:].upper()} ({type(err).__name__}: {err})"
        ) from None


def _pdf_text(path: str | Path) -> str:
    from pypdf import PdfReader

    return "\n".join(page.extract_text() or "" for page in PdfReader(path).pages)


def _docx_text(path: str | Path) -> str:
    """The paragraphs of a .docx, once its unpacked size is known to be within MAX_UNPACKED_BYTES."""
    from docx import Document

    with zipfile.ZipFile(path) as archive:
        unpacked = sum(member.file_size for member in archive.infolist())
    if unpacked > MAX_UNPACKED_BYTES:
        raise ValueError(
            f"{path}: the .docx unpacks to {unpacked / 1e6:,.0f} MB, over the limit of "
            f"{MAX_UNPACKED_BYTES / 1e6:,.0f} MB; split the document"
        )
    return "\n".join(p.text for p in Document(path).paragraphs)


def _whole_file(name: str) -> Row:
    """A .txt, .pdf or .docx file: one document; a file that cannot be read is one failed row."""
    try:
        return Row(name, 1, text=document_text(name))
    except ValueError as err:
        return Row(name, 1, error=str(err))


def _stdin(text_field: str) -> Iterator[Row]:
    """JSON Lines when the input starts with '{', else one document per line of text."""
    raw = sys.stdin.buffer.read()
    lines = raw.split(b"\n")
    first = next((line.strip() for line in lines if line.strip()), b"")
    if first.startswith(b"{"):
        yield from _json_lines("-", raw, text_field)
        return
    for number, raw in enumerate(lines, start=1):
        if raw.strip():
            text, problem = _decode(raw, "-", number)
            yield Row("-", number, text=text, error=problem)
