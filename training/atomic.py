"""Write a folder atomically: build it beside its destination, then swap it in with one rename."""

from __future__ import annotations

import contextlib
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path


@contextlib.contextmanager
def staged_folder(destination: Path, overwrite: bool = False) -> Iterator[Path]:
    """Yield an empty staging folder; on success it replaces `destination`, on error it is removed.

    An existing non-empty `destination` is replaced only when `overwrite` is true, and only once
    the new folder is complete, so a crash never leaves a half-written folder where a good one stood.
    """
    destination = Path(destination)
    if destination.exists() and any(destination.iterdir()) and not overwrite:
        raise FileExistsError(
            f"{destination} already exists and is not empty; pass --overwrite to replace it"
        )
    destination.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{destination.name}-new-", dir=destination.parent))
    staging.chmod(0o755)
    try:
        yield staging
        retired = None
        if destination.exists():
            retired = Path(tempfile.mkdtemp(prefix=f".{destination.name}-old-", dir=destination.parent))
            destination.rename(retired / destination.name)
        staging.rename(destination)
        if retired is not None:
            shutil.rmtree(retired)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
