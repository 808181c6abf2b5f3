"""Fixed train / validation / test splits, stored as JSON files and grown only for new records.

The stratified split (splits.json) is the default. Records are grouped so that a statement, its
translation, every passage and rendering of the same real document (`doc_id`) and any
near-duplicate of them all fall into one split; groups are then dealt out by scikit-learn's
StratifiedGroupKFold, stratified by label, language, script and register, with a fixed seed.

Two held-out splits are derived from it by a rule and stored beside it, so that a model can be
tested on data unlike what it was trained on:
- temporal (splits-temporal.json): test is everything dated 2025-01-01 or later;
- register (splits-register.json): test is every news report.
Outside their test sets both keep the stratified split's validation set (the rest is train).
"""

from __future__ import annotations

import json
import zlib
from collections import Counter
from pathlib import Path

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from sklearn.model_selection import StratifiedGroupKFold

from corpus.atomic import atomic_file
from corpus.dedup import near_duplicate_pairs
from corpus.schema import SPLITS, group_key

SEED = 2025
TEMPORAL_CUTOFF = "2025-01-01"
SCHEMES = ("stratified", "temporal", "register")
_HELD_OUT = {
    "temporal": lambda r: r["date"] is not None and r["date"] >= TEMPORAL_CUTOFF,
    "register": lambda r: r["register"] == "news",
}
RULES = {
    "temporal": f"test: dated {TEMPORAL_CUTOFF} or later; validation: the stratified validation set "
    "before that",
    "register": "test: every news report; validation: the stratified validation set of the other registers",
}
# Out of 20 stratified folds: 4 for test (20%), 3 for validation (15%), the rest for training.
N_FOLDS = 20
FOLDS = {"test": range(0, 4), "validation": range(4, 7)}


def load_splits(path: Path) -> dict[str, str]:
    """Map record id -> split name, as stored in `path`."""
    stored = json.loads(Path(path).read_text(encoding="utf-8"))
    return {record_id: name for name in SPLITS for record_id in stored.get(name, [])}


def scheme_file(splits_file: Path, scheme: str) -> Path:
    """Where split `scheme` is stored, beside the stratified split file `splits_file`."""
    if scheme not in SCHEMES:
        raise ValueError(f"unknown split {scheme!r}; known: {', '.join(SCHEMES)}")
    return (
        Path(splits_file) if scheme == "stratified" else Path(splits_file).with_name(f"splits-{scheme}.json")
    )


def load_all_splits(splits_file: Path) -> dict[str, dict[str, str]]:
    """Each split scheme whose file exists beside `splits_file`: scheme -> (record id -> split name)."""
    files = {scheme: scheme_file(splits_file, scheme) for scheme in SCHEMES}
    return {scheme: load_splits(path) for scheme, path in files.items() if path.exists()}


def save_splits(assignment: dict[str, str], path: Path, **about) -> None:
    """Write the assignment as sorted id lists per split (stable, reviewable diffs), after `about`."""
    about = about or {"seed": SEED}
    stored = {**about, **{name: sorted(i for i, s in assignment.items() if s == name) for name in SPLITS}}
    with atomic_file(path) as tmp:
        tmp.write_text(json.dumps(stored, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def components(records: list[dict]) -> np.ndarray:
    """Component number per record: records linked by group key or near-duplicate text share one."""
    first_of_group: dict[str, int] = {}
    edges = []
    for index, record in enumerate(records):
        edges.append((first_of_group.setdefault(group_key(record), index), index))
    for lang in {r["lang"] for r in records}:
        indices = [i for i, r in enumerate(records) if r["lang"] == lang]
        edges += [
            (indices[i], indices[j])
            for i, j, _ in near_duplicate_pairs([records[k]["text"] for k in indices])
        ]
    rows, cols = zip(*edges)
    graph = coo_matrix((np.ones(len(edges)), (rows, cols)), shape=(len(records), len(records)))
    return connected_components(graph, directed=False)[1]


def assign_splits(
    records: list[dict], existing: dict[str, str] | None = None, seed: int = SEED
) -> dict[str, str]:
    """Give every record a split, keeping `existing` ones and placing new groups by stratified folds."""
    existing = dict(existing or {})
    component = components(records)
    known = {component[i]: existing[r["id"]] for i, r in enumerate(records) if r["id"] in existing}
    assignment = {r["id"]: known[component[i]] for i, r in enumerate(records) if component[i] in known}
    fresh = [i for i in range(len(records)) if component[i] not in known]
    for position, fold in enumerate(_folds([records[i] for i in fresh], component[fresh], seed)):
        assignment[records[fresh[position]]["id"]] = next(
            (n for n, span in FOLDS.items() if fold in span), "train"
        )
    return assignment


def _strata(records: list[dict]) -> list[str]:
    """Stratum per record: label, language, script and register; a stratum too small to spread over
    the folds falls back to label and language, and then to label alone."""
    keys = [
        [
            f"{r['label']}",
            f"{r['label']}|{r['lang']}",
            f"{r['label']}|{r['lang']}|{r.get('script')}|{r.get('register')}",
        ]
        for r in records
    ]
    strata = [k[-1] for k in keys]
    for level in (1, 0):
        counts = Counter(strata)
        strata = [s if counts[s] >= N_FOLDS else k[level] for s, k in zip(strata, keys)]
    return strata


def _folds(records: list[dict], groups: np.ndarray, seed: int) -> np.ndarray:
    """Fold number (0..N_FOLDS-1) per record: stratified when there are enough groups, else by hash."""
    folds = np.zeros(len(records), dtype=int)
    if len(set(groups.tolist())) < N_FOLDS:  # a small addition: a stable hash of each group's first id
        first_id: dict[int, str] = {}
        for record, group in zip(records, groups.tolist()):
            first_id.setdefault(group, record["id"])
        return np.array(
            [zlib.crc32(f"{seed}:{first_id[g]}".encode()) % N_FOLDS for g in groups.tolist()], dtype=int
        )
    strata = _strata(records)
    splitter = StratifiedGroupKFold(n_splits=N_FOLDS, shuffle=True, random_state=seed)
    for fold, (_, held) in enumerate(splitter.split(np.zeros(len(records)), strata, groups=groups)):
        folds[held] = fold
    return folds


def derive_split(records: list[dict], stratified: dict[str, str], scheme: str) -> dict[str, str]:
    """The held-out `scheme` ("temporal" or "register") that its rule derives from the stratified split."""
    held_out = _HELD_OUT[scheme]
    return {
        r["id"]: "test"
        if held_out(r)
        else ("validation" if stratified.get(r["id"]) == "validation" else "train")
        for r in records
    }


def save_all_splits(
    records: list[dict], stratified: dict[str, str], splits_file: Path, seed: int = SEED
) -> None:
    """Store the stratified split in `splits_file` and the splits derived from it beside it."""
    save_splits(stratified, splits_file, seed=seed)
    for scheme in SCHEMES[1:]:
        save_splits(
            derive_split(records, stratified, scheme),
            scheme_file(splits_file, scheme),
            scheme=scheme,
            rule=RULES[scheme],
        )
