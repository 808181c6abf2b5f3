"""Where StanceTrace keeps what it prepares: base models (cache) and trained models (user data)."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs


def cache_dir() -> Path:
    """Prepared base models: $STANCETRACE_CACHE, else the user's cache folder."""
    return Path(os.environ.get("STANCETRACE_CACHE") or platformdirs.user_cache_dir("stancetrace"))


def data_dir() -> Path:
    """Trained models and user data: $STANCETRACE_HOME, else the user's data folder."""
    return Path(os.environ.get("STANCETRACE_HOME") or platformdirs.user_data_dir("stancetrace"))


def default_model_dir() -> Path:
    """The default trained stance model."""
    return data_dir() / "models" / "default"
