"""Every rule a corpus record and the corpus as a whole must follow, checked with file and line."""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from pathlib import Path

from corpus.dedup import near_duplicate_pairs, normalise
from corpus.language import detect_language
from corpus.records import Entry, Problem, read_corpus
from corpus.scale import LEVELS
from corpus.schema import (
    DATA_DIR,
    DOCUMENT_SHARED,
    FIELDS,
    JURISDICTIONS,
    KINDS,
    LANGS,
    NULLABLE,
    OBJECTS,
    PAIR_SHARED,
    REGISTERS,
    SCRIPTS,
    SPLITS_FILE,
    group_key,
)
from corpus.script import detect_script
from corpus.splits import SCHEMES, derive_split, load_splits, scheme_file

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_ANNOTATIONS = (("label", "targets"), ("label_a", "targets_a"), ("label_b", "targets_b"))
EARLIEST_YEAR = 2008  # the Bitcoin white paper; no statement on the subject predates it


def check_record(record: dict, today: dt.date | None = None) -> list[str]:
    """Problems of one record taken alone (schema, ranges, formats)."""
    today = today or dt.date.today()
    missing = [f for f in FIELDS if f not in record]
    unknown = sorted(set(record) - set(FIELDS))
    problems = [f"missing field '{f}'" for f in missing] + [f"unknown field '{f}'" for f in unknown]
    for field in FIELDS:
        value = record.get(field)
        if field in missing or (value is None and field in NULLABLE):
            continue
        if field.startswith(("label", "targets")):
            if value is None and field not in ("label", "targets"):
                problems.append(f"'{field}' is missing: every statement is annotated twice")
            elif field.startswith("label") and (type(value) is not int or value not in LEVELS):
                problems.append(f"'{field}' must be an integer in -2..2, got {value!r}")
            elif field.startswith("targets"):
                problems += _check_targets(field, value)
        elif not isinstance(value, str) or not value.strip():
            problems.append(f"'{field}' must be a non-empty string, got {value!r}")
    if problems:
        return problems

    if not SLUG.match(record["id"]):
        problems.append(f"'id' {record['id']!r} is not a lowercase slug (a-z, 0-9, '-')")
    if record["lang"] not in LANGS:
        problems.append(f"'lang' must be one of {LANGS}, got {record['lang']!r}")
    else:
        problems += _check_language(record["text"], record["lang"])
        problems += _check_script(record["text"], record["lang"], record["script"])
    if record["register"] not in REGISTERS:
        problems.append(f"'register' must be one of {REGISTERS}, got {record['register']!r}")
    if problems:
        return problems
    for label_field, targets_field in _ANNOTATIONS:
        problems += _check_label_in_targets(record, label_field, targets_field)
    if record["jurisdiction"] not in JURISDICTIONS:
        problems.append(
            f"unknown jurisdiction {record['jurisdiction']!r} (known: {', '.join(JURISDICTIONS)})"
        )
    if record["kind"] not in KINDS:
        problems.append(f"'kind' must be one of {KINDS}, got {record['kind']!r}")
    disagree = record["label_a"] != record["label_b"] or (
        record["targets_b"] is not None and record["targets_a"] != record["targets_b"]
    )
    if disagree and not record["adjudication"]:
        problems.append("the two annotators disagree but 'adjudication' gives no note")
    if record["date"] is not None:
        problems += check_date(record["date"], today)
    if record["kind"] == "document":
        problems += [
            f"a document needs '{f}'"
            for f in ("doc_id", "date", "source", "issuer", "title")
            if not record[f]
        ]
        if record["doc_id"] and not SLUG.match(record["doc_id"]):
            problems.append(f"'doc_id' {record['doc_id']!r} is not a lowercase slug (a-z, 0-9, '-')")
    elif record["doc_id"] is not None:
        problems.append("a synthetic statement renders no real document: 'doc_id' must be null")
    return problems


def _check_targets(field: str, value) -> list[str]:
    if not isinstance(value, dict):
        return [f"'{field}' must be an object {{object: level}}, got {value!r}"]
    problems = [
        f"'{field}' names unknown object {name!r} (known: {', '.join(OBJECTS)})"
        for name in value
        if name not in OBJECTS
    ]
    return problems + [
        f"'{field}.{name}' must be an integer in -2..2, got {level!r}"
        for name, level in value.items()
        if type(level) is not int or level not in LEVELS
    ]


def _check_label_in_targets(record: dict, label_field: str, targets_field: str) -> list[str]:
    label, targets = record[label_field], record[targets_field]
    if label is None or targets is None:
        return []
    if targets and label not in targets.values():
        return [f"'{label_field}' {label:+d} is none of the levels in '{targets_field}' {targets}"]
    if not targets and label != 0:
        return [
            f"'{targets_field}' is empty (no object addressed), so '{label_field}' must be 0, got {label:+d}"
        ]
    return []


def _check_language(text: str, lang: str) -> list[str]:
    found = detect_language(text)
    if lang == "zh" and found == "en":
        return ["'lang' is zh but the text is mostly not Chinese"]
    if lang == "en" and found == "zh":
        return ["'lang' is en but the text is largely Chinese"]
    return []


def _check_script(text: str, lang: str, script) -> list[str]:
    if script not in SCRIPTS[lang]:
        return [f"'script' must be one of {SCRIPTS[lang]} for lang {lang}, got {script!r}"]
    found = detect_script(text)
    if lang == "zh" and found is not None and found != script:
        return [f"'script' is {script} but the characters are {found}"]
    return []


def check_date(value: str, today: dt.date) -> list[str]:
    if not _ISO_DATE.match(value):
        return [f"'date' must be ISO YYYY-MM-DD, got {value!r}"]
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        return [f"'date' {value!r} is not a calendar date"]
    if not EARLIEST_YEAR <= day.year or day > today:
        return [f"'date' {value} lies outside {EARLIEST_YEAR}-01-01..{today}"]
    return []


def check_corpus(entries: list[Entry], splits: dict[str, str] | None) -> list[Problem]:
    """Problems that involve several records: ids, pairs, duplicates, splits."""
    problems: list[Problem] = []
    by_id: dict[str, Entry] = {}
    for entry in entries:
        record_id = entry.record["id"]
        if record_id in by_id:
            first = by_id[record_id]
            problems.append(
                Problem(
                    entry.path, entry.line, f"duplicate id {record_id!r} (first at {first.path}:{first.line})"
                )
            )
        else:
            by_id[record_id] = entry
    problems += _check_pairs(entries)
    problems += _check_documents(entries)
    problems += _check_duplicates(entries, splits)
    if splits is not None:
        problems += _check_split_membership(entries, splits)
    return problems


def _check_pairs(entries: list[Entry]) -> list[Problem]:
    problems = []
    pairs: dict[str, list[Entry]] = defaultdict(list)
    for entry in entries:
        if entry.record["pair_id"]:
            pairs[entry.record["pair_id"]].append(entry)
    for pair_id, members in pairs.items():
        langs = [m.record["lang"] for m in members]
        head, rest = members[0], members[1:]
        if len(members) > 2 or len(set(langs)) != len(langs):
            problems.append(
                Problem(
                    head.path,
                    head.line,
                    f"pair {pair_id!r} must hold at most one zh and one en statement, has {langs}",
                )
            )
        for other in rest:
            problems += _differences(f"pair {pair_id!r}", other, head, PAIR_SHARED)
    return problems


def _check_documents(entries: list[Entry]) -> list[Problem]:
    problems = []
    first_of: dict[str, Entry] = {}
    for entry in entries:
        doc_id = entry.record["doc_id"]
        if doc_id:
            problems += _differences(
                f"document {doc_id!r}", entry, first_of.setdefault(doc_id, entry), DOCUMENT_SHARED
            )
    return problems


def _differences(unit: str, entry: Entry, head: Entry, fields: tuple[str, ...]) -> list[Problem]:
    """A problem at `entry` for each of `fields` it does not share with `head`, the first of its `unit`."""
    return [
        Problem(
            entry.path,
            entry.line,
            f"{unit}: '{field}' is {entry.record[field]!r} here but {head.record[field]!r} at "
            f"{head.path}:{head.line}",
        )
        for field in fields
        if entry.record[field] != head.record[field]
    ]


def _check_derived_splits(
    entries: list[Entry], splits: dict[str, str], splits_file: Path, read_ids: set
) -> list[Problem]:
    """Each held-out split file exists and holds what its rule derives from the stratified split."""
    problems = []
    records = [e.record for e in entries]
    for scheme in SCHEMES[1:]:
        path = scheme_file(splits_file, scheme)
        if not path.exists():
            problems.append(Problem(path, None, "split file not found; run `stance corpus split`"))
            continue
        stored, expected = load_splits(path), derive_split(records, splits, scheme)
        wrong = sorted(i for i in expected if stored.get(i) != expected[i])
        extra = sorted(set(stored) - read_ids)
        if wrong or extra:
            example = wrong[0] if wrong else extra[0]
            problems.append(
                Problem(
                    path,
                    None,
                    f"{len(wrong) + len(extra)} statement(s) not where the {scheme} rule puts them "
                    f"(e.g. {example!r}: {stored.get(example)} instead of {expected.get(example)}); run "
                    "`stance corpus split`",
                )
            )
    return problems


def _check_duplicates(entries: list[Entry], splits: dict[str, str] | None) -> list[Problem]:
    problems = []
    seen: dict[str, Entry] = {}
    for entry in entries:
        first = seen.setdefault(normalise(entry.record["text"]), entry)
        if first is not entry:
            problems.append(
                Problem(
                    entry.path,
                    entry.line,
                    f"duplicate text of {first.record['id']!r} ({first.path}:{first.line})",
                )
            )
    if splits is None:
        return problems
    for lang in LANGS:
        same_lang = [e for e in entries if e.record["lang"] == lang]
        for i, j, score in near_duplicate_pairs([e.record["text"] for e in same_lang]):
            a, b = same_lang[i], same_lang[j]
            split_a, split_b = splits.get(a.record["id"]), splits.get(b.record["id"])
            if split_a and split_b and split_a != split_b:
                problems.append(
                    Problem(
                        b.path,
                        b.line,
                        f"near-duplicate ({score:.0f}/100) of {a.record['id']!r} ({a.path}:{a.line}) "
                        f"across splits: {split_b} vs {split_a}",
                    )
                )
    return problems


def _check_split_membership(entries: list[Entry], splits: dict[str, str]) -> list[Problem]:
    problems = []
    for entry in entries:
        if entry.record["id"] not in splits:
            problems.append(
                Problem(
                    entry.path,
                    entry.line,
                    f"id {entry.record['id']!r} has no split; run `stance corpus split`",
                )
            )
    split_of_group: dict[str, tuple[str, Entry]] = {}
    for entry in entries:
        split = splits.get(entry.record["id"])
        if split is None:
            continue
        key = group_key(entry.record)
        first_split, first = split_of_group.setdefault(key, (split, entry))
        if first_split != split:
            problems.append(
                Problem(
                    entry.path,
                    entry.line,
                    f"{entry.record['id']!r} is in {split} but {first.record['id']!r} of the same "
                    f"{'document' if key.startswith('doc:') else 'pair'} is in {first_split}",
                )
            )
    return problems


def validate(data_dir: Path = DATA_DIR, splits_file: Path | None = SPLITS_FILE) -> list[Problem]:
    """All problems of the corpus under `data_dir` with the split assignment in `splits_file`."""
    entries, problems = read_corpus(data_dir)
    well_formed = []
    for entry in entries:
        faults = check_record(entry.record)
        problems += [Problem(entry.path, entry.line, message) for message in faults]
        if not faults:
            well_formed.append(entry)
    splits, read_ids = None, {e.record.get("id") for e in entries}
    if splits_file is not None:
        if Path(splits_file).exists():
            splits = load_splits(splits_file)
            problems += [
                Problem(Path(splits_file), None, f"split lists id {record_id!r}, which no corpus file holds")
                for record_id in sorted(set(splits) - read_ids)
            ]
        else:
            problems.append(
                Problem(Path(splits_file), None, "split file not found; run `stance corpus split`")
            )
    problems += check_corpus(well_formed, splits)
    if splits is not None:
        problems += _check_derived_splits(well_formed, splits, Path(splits_file), read_ids)
    return problems
