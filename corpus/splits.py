"""Fixed train / validation / test splits, stored in splits.json and grown only for new records.

Records are grouped so that a statement, its translation, other passages of the same real
document and any near-duplicate of them all fall into one split; groups are then dealt out by
scikit-learn's StratifiedGroupKFold, stratified by label and language, with a fixed seed.
"""

from __future__ import annotations

import json
import zlib
from pathlib import Path

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from sklearn.model_selection import StratifiedGroupKFold

from corpus.dedup import near_duplicate_pairs
from corpus.schema import SPLITS, group_key

SEED = 2025
# Out of 20 stratified folds: 4 for test (20%), 3 for validation (15%), the rest for training.
N_FOLDS = 20
FOLDS = {"test": range(0, 4), "validation": range(4, 7)}


def load_splits(path: Path) -> dict[str, str]:
    """Map record id -> split name, as stored in `path`."""
    stored = json.loads(Path(path).read_text(encoding="utf-8"))
    return {record_id: name for name in SPLITS for record_id in stored.get(name, [])}


def save_splits(assignment: dict[str, str], path: Path, seed: int = SEED) -> None:
    """Write the assignment as sorted id lists per split (stable, reviewable diffs)."""
    stored = {"seed": seed, **{name: sorted(i for i, s in assignment.items() if s == name) for name in SPLITS}}
    tmp = Path(path).with_suffix(".tmp")
    tmp.write_text(json.dumps(stored, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    tmp.replace(path)


def components(records: list[dict]) -> np.ndarray:
    """Component number per record: records linked by group key or near-duplicate text share one."""
    first_of_group: dict[str, int] = {}
    edges = []
    for index, record in enumerate(records):
        edges.append((first_of_group.setdefault(group_key(record), index), index))
    for lang in {r["lang"] for r in records}:
        indices = [i for i, r in enumerate(records) if r["lang"] == lang]
        edges += [(indices[i], indices[j]) for i, j, _ in near_duplicate_pairs([records[k]["text"] for k in indices])]
    rows, cols = zip(*edges)
    graph = coo_matrix((np.ones(len(edges)), (rows, cols)), shape=(len(records), len(records)))
    return connected_components(graph, directed=False)[1]


def assign_splits(records: list[dict], existing: dict[str, str] | None = None, seed: int = SEED) -> dict[str, str]:
    """Give every record a split, keeping `existing` ones and placing new groups by stratified folds."""
    existing = dict(existing or {})
    component = components(records)
    known = {component[i]: existing[r["id"]] for i, r in enumerate(records) if r["id"] in existing}
    assignment = {r["id"]: known[component[i]] for i, r in enumerate(records) if component[i] in known}
    fresh = [i for i in range(len(records)) if component[i] not in known]
    for position, fold in enumerate(_folds([records[i] for i in fresh], component[fresh], seed)):
        assignment[records[fresh[position]]["id"]] = next((n for n, span in FOLDS.items() if fold in span), "train")
    return assignment


def _folds(records: list[dict], groups: np.ndarray, seed: int) -> np.ndarray:
    """Fold number (0..N_FOLDS-1) per record: stratified when there are enough groups, else by hash."""
    folds = np.zeros(len(records), dtype=int)
    if len(set(groups.tolist())) < N_FOLDS:  # a small addition: a stable hash of each group's first id
        first_id: dict[int, str] = {}
        for record, group in zip(records, groups.tolist()):
            first_id.setdefault(group, record["id"])
        return np.array([zlib.crc32(f"{seed}:{first_id[g]}".encode()) % N_FOLDS for g in groups.tolist()], dtype=int)
    strata = [f"{r['label']}|{r['lang']}" for r in records]
    splitter = StratifiedGroupKFold(n_splits=N_FOLDS, shuffle=True, random_state=seed)
    for fold, (_, held) in enumerate(splitter.split(np.zeros(len(records)), strata, groups=groups)):
        folds[held] = fold
    return folds
