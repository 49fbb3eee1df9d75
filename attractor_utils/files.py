"""Files: the checkout's root, and atomic writes (a temporary file in the same folder, fsync, rename), so that an
interrupted write never leaves half a cache entry, table or figure."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path


def repo_root(start: str | Path | None = None) -> Path:
    """The checkout's root (the folder holding this project's pyproject.toml), else the cwd."""
    here = Path(start or Path.cwd()).resolve()
    for p in [here, *here.parents]:
        pp = p / "pyproject.toml"
        if pp.is_file() and "attractor-lab" in pp.read_text(errors="ignore"):
            return p
    return here


def _umask() -> int:
    u = os.umask(0)
    os.umask(u)
    return u


def atomic_write_bytes(path: str | Path, data: bytes) -> None:
    """Write ``data`` to ``path`` via a temporary file in the same folder, fsync, and rename."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes it 0600; the result gets the user's usual mode
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def atomic_write_text(path: str | Path, text: str) -> None:
    atomic_write_bytes(path, text.encode())
