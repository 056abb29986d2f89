"""The data folder is the owner's alone: folders 0700, files 0600.

It holds the keys, the SQLite database (with its WAL), the log, screenshots of booking
confirmations and page dumps. Every place that creates something there goes through these
helpers, which set the mode explicitly at creation (no window where a file is world-readable);
`autobook` also runs with umask 077, so what a library or a child process (Chromium, the
Playwright driver) creates there is private too.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

DIR_MODE = 0o700
FILE_MODE = 0o600
UMASK = 0o077

log = logging.getLogger("autobook")


def restrict_umask() -> None:
    """For the whole process, children included: new files 0600, new folders 0700."""
    os.umask(UMASK)


def _tighten(path: Path, mode: int) -> None:
    try:
        path.chmod(mode)
    except PermissionError:  # e.g. a mounted folder owned by someone else: say so, carry on
        log.warning("cannot make %s private (mode %o): not its owner", path, mode)


def private_dir(path: Path) -> Path:
    """`path` made if missing (parents too), and mode 0700 whether new or not."""
    path.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
    _tighten(path, DIR_MODE)
    return path


def private_opener(path: str, flags: int) -> int:
    """An `opener=` for open(): a file it creates is 0600 from the start."""
    return os.open(path, flags, FILE_MODE)


def private_file(path: Path) -> Path:
    """`path` created empty if missing, and mode 0600 whether new or not (e.g. the SQLite
    database before SQLite opens it: its -wal and -shm files copy the database's mode). Its
    folder is left alone: it may be the user's own (DATABASE_URL=sqlite:///./my.db)."""
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT, FILE_MODE))
    _tighten(path, FILE_MODE)
    return path


def write_private(path: Path, data: bytes) -> Path:
    """Write `data` to `path` atomically, readable by the owner only."""
    private_dir(path.parent)
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "wb", opener=private_opener) as fh:
        fh.write(data)
    os.chmod(tmp, FILE_MODE)  # a stale .tmp from a crash may have had another mode
    os.replace(tmp, path)
    return path
