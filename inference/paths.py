"""Where StanceTrace keeps what it prepares: base models (cache) and trained models (user data)."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import platformdirs


def cache_dir() -> Path:
    """Prepared base models: $STANCETRACE_CACHE, else the user's cache folder."""
    return Path(os.environ.get("STANCETRACE_CACHE") or platformdirs.user_cache_dir("stancetrace"))


def data_dir() -> Path:
    """Trained models and user data: $STANCETRACE_HOME, else the user's data folder."""
    return Path(os.environ.get("STANCETRACE_HOME") or platformdirs.user_data_dir("stancetrace"))


def built_in_model_dir() -> Path:
    """Where `stance prepare` trains the default settings on the shipped corpus."""
    return data_dir() / "models" / "default"


def default_choice_file() -> Path:
    """The file `stance models use` writes: the folder of the model chosen as the default."""
    return data_dir() / "default-model"


def default_model_dir() -> Path:
    """The model `stance score` and the app use: the one chosen with `stance models use`, else the
    built-in one."""
    choice = default_choice_file()
    if choice.is_file():
        return Path(choice.read_text(encoding="utf-8").strip())
    return built_in_model_dir()


def model_fingerprint(folder: Path) -> str:
    """A short key for caches derived from a model folder: its path and its weights' size and time."""
    folder = Path(folder)
    weights = next(folder.glob("*.safetensors"), None) or next(folder.glob("*.npz"), None) or folder
    stamp = weights.stat()
    return hashlib.sha256(f"{folder.resolve()}:{stamp.st_size}:{stamp.st_mtime_ns}".encode()).hexdigest()[:16]
