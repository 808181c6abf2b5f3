"""The researcher's trained models: which exist, what each was trained on and scores, which is the default.

`stance train` remembers every folder it writes (in models.txt in the user's data folder); the
built-in default model and the chosen default are listed too, whatever trained them.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pandas as pd

from corpus.atomic import atomic_file
from inference.models import MANIFEST
from inference.paths import built_in_model_dir, data_dir, default_choice_file, default_model_dir

COLUMNS = ["default", "folder", "trained", "model", "data"]
COLUMNS += ["test macro-F1", "test ECE", "own held-out macro-F1"]


def registry_file() -> Path:
    return data_dir() / "models.txt"


def remember(folder: Path) -> None:
    """Add a trained model's folder to the list, once."""
    folder = Path(folder).resolve()
    known = _remembered()
    if folder not in known:
        with atomic_file(registry_file()) as tmp:
            tmp.write_text("".join(f"{p}\n" for p in [*known, folder]), encoding="utf-8")


def _remembered() -> list[Path]:
    path = registry_file()
    lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
    return [Path(line) for line in lines if line.strip()]


def is_model(folder: Path) -> bool:
    return (Path(folder) / MANIFEST).is_file()


def use(folder: Path) -> Path:
    """Make the model in `folder` the default for `stance score` and the app; its absolute path."""
    folder = Path(folder).expanduser().resolve()
    if not is_model(folder):
        raise ValueError(f"{folder}: not a model folder written by `stance train` (no {MANIFEST})")
    with atomic_file(default_choice_file()) as tmp:
        tmp.write_text(f"{folder}\n", encoding="utf-8")
    remember(folder)
    return folder


def known_models() -> list[Path]:
    """The built-in default, the chosen default and every remembered folder that still holds a model."""
    folders = [built_in_model_dir(), default_model_dir(), *_remembered()]
    unique = dict.fromkeys(Path(f).resolve() for f in folders)
    return [f for f in unique if is_model(f)]


def describe(folder: Path) -> dict:
    """One model's row: whether it is the default, when and on what it was trained, its key figures."""
    metrics_file = Path(folder) / "metrics.json"
    metrics = json.loads(metrics_file.read_text(encoding="utf-8")) if metrics_file.exists() else {}
    trained = metrics.get("trained_at") or dt.datetime.fromtimestamp(
        (Path(folder) / MANIFEST).stat().st_mtime, dt.UTC
    ).isoformat(timespec="seconds")
    added = metrics.get("added")
    data = f"corpus {metrics.get('split', '?')} split, {metrics.get('train_statements', '?')} statements"
    if added:
        data += f" (with {added['statements'] - added['held_out']} of your own)"
    test = (metrics.get("test") or {}).get("overall", {})
    own = (metrics.get("own_held_out") or {}).get("overall", {})
    return {
        "default": "*" if Path(folder).resolve() == default_model_dir().resolve() else "",
        "folder": str(folder),
        "trained": trained[:16].replace("T", " "),
        "model": metrics.get("model", "?"),
        "data": data,
        "test macro-F1": test.get("macro_f1"),
        "test ECE": test.get("ece"),
        "own held-out macro-F1": own.get("macro_f1"),
    }


def models_table() -> pd.DataFrame:
    """One row per known model; a figure a model lacks is NaN."""
    frame = pd.DataFrame([describe(f) for f in known_models()], columns=COLUMNS)
    figures = COLUMNS[5:]
    frame[figures] = frame[figures].astype(float)
    return frame
