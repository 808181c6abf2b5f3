"""Reading the corpus files line by line, keeping where each record came from."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from corpus.jsonl import json_lines
from corpus.schema import DATA_DIR


@dataclass(frozen=True)
class Problem:
    """One fault, located by file and (where it has one) line."""

    path: Path
    line: int | None
    message: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else f"{self.path}"
        return f"{where}: {self.message}"


@dataclass(frozen=True)
class Entry:
    """A record with the file and 1-based line it was read from."""

    path: Path
    line: int
    record: dict


def corpus_files(data_dir: Path = DATA_DIR) -> list[Path]:
    """The corpus's JSON Lines files, in a fixed order."""
    return sorted(Path(data_dir).glob("*.jsonl"))


def read_jsonl(path: Path) -> tuple[list[Entry], list[Problem]]:
    """Parse one JSON Lines file; every line that is not a JSON object becomes a Problem."""
    entries, problems = [], []
    for line in json_lines(Path(path).read_bytes(), blank_is_problem=True):
        if line.problem:
            problems.append(Problem(path, line.number, line.problem))
        else:
            entries.append(Entry(Path(path), line.number, line.record))
    return entries, problems


def read_corpus(data_dir: Path = DATA_DIR) -> tuple[list[Entry], list[Problem]]:
    """All entries of all corpus files, and the problems met while reading them."""
    entries, problems = [], []
    for path in corpus_files(data_dir):
        found, faults = read_jsonl(path)
        entries += found
        problems += faults
    if not entries and not problems:
        problems.append(Problem(Path(data_dir), None, "no *.jsonl corpus files found"))
    return entries, problems
