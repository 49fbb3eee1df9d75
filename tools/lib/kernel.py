"""The environment and configuration of the notebook kernels the commands start (papermill or nbclient)."""
from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Iterable, Iterator

# the kernel every notebook names (``make setup`` installs it under this display name)
KERNELSPEC = {"display_name": "Python 3 (attractor-lab)", "language": "python", "name": "python3"}

# what the kernels run with: the inline backend (the executed notebooks carry their figures, for the report and for
# JupyterLab; the Makefile's MPLBACKEND=Agg would hide them)
KERNEL_ENV = {"MPLBACKEND": "module://matplotlib_inline.backend_inline"}


@contextlib.contextmanager
def scoped_environ(set_: dict[str, str] | None = None, unset: Iterable[str] = ()) -> Iterator[None]:
    """Set the variables ``set_`` and remove those named in ``unset`` for the duration of a ``with`` block (the
    kernels a block starts inherit them); on leaving, every variable touched is restored to its old value or removed.

    >>> import os
    >>> with scoped_environ({"ATTRACTOR_DOCTEST": "1"}):
    ...     os.environ["ATTRACTOR_DOCTEST"]
    '1'
    >>> "ATTRACTOR_DOCTEST" in os.environ
    False
    """
    set_ = dict(set_ or {})
    old = {k: os.environ.get(k) for k in [*set_, *unset]}
    try:
        for k in unset:
            os.environ.pop(k, None)
        os.environ.update(set_)
        yield
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def kernel_config(sockets: Path):
    """papermill/nbclient configuration: the kernel talks over IPC sockets in the private folder ``sockets`` (no
    TCP port, so ipykernel prints no "running over TCP without encryption" warning)."""
    from traitlets.config import Config

    return Config({"KernelManager": {"transport": "ipc", "ip": str(Path(sockets) / "kernel")}})
