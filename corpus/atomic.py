"""Write files and folders atomically: build them beside their destination, then swap them in with
one rename, so that a crash never leaves half a file where a good one stood. (Every layer writes
this way; it lives in corpus, the layer all others build on.)"""

from __future__ import annotations

import contextlib
import os
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
    _remove_abandoned(destination)
    staging = Path(tempfile.mkdtemp(prefix=f".{destination.name}-new-{os.getpid()}-", dir=destination.parent))
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


def _remove_abandoned(destination: Path) -> None:
    """Staging folders of runs that were killed (their process is gone) before they could clean up."""
    for folder in destination.parent.glob(f".{destination.name}-new-*-*"):
        pid = folder.name.removeprefix(f".{destination.name}-new-").split("-", 1)[0]
        if pid.isdigit() and not _alive(int(pid)):
            shutil.rmtree(folder, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True


@contextlib.contextmanager
def atomic_file(destination: Path) -> Iterator[Path]:
    """Yield a temporary path beside `destination`; write it, and on success it replaces
    `destination`; on error it is removed and `destination` is untouched."""
    destination = Path(destination)
    destination.parent.mkdir(parents=True, exist_ok=True)
    tmp = destination.with_name(f".{destination.name}.{os.getpid()}.tmp")
    try:
        yield tmp
        os.replace(tmp, destination)
    finally:
        tmp.unlink(missing_ok=True)
