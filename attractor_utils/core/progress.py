"""Where the numerics draw progress: :func:`progress_bar` and :func:`finish_progress`, through one hook.

By default a tqdm plain-text bar on stderr; a higher layer sets :data:`progress_hook` (``runs.progress`` does).
"""
from __future__ import annotations

import sys
from typing import Callable

from tqdm.std import tqdm

#: Where training progress is drawn: ``None`` gives a plain-text tqdm bar on stderr; ``attractor_utils.runs.progress``
#: installs its own (one line of text updated in place, never a widget; inside a sweep, the sweep's line and status
#: file). Called as ``progress_hook(total, desc)``, it returns an object with tqdm's ``update``, ``set_postfix``,
#: ``refresh``, ``close``, ``n`` and ``total``.
progress_hook: Callable[[int, str], object] | None = None


def progress_bar(total: int, desc: str):
    """A progress bar over ``total`` steps, drawn by :data:`progress_hook` (text, no widget)."""
    if progress_hook is not None:
        return progress_hook(total, desc)
    return tqdm(total=total, desc=desc, leave=False, mininterval=1.0, file=sys.stderr)


def finish_progress(bar, done: int, early: bool) -> None:
    """Close a progress bar at ``done`` steps; a run that stopped early because it converged is complete, so the
    bar is closed full, not as an interrupted one."""
    if bar is None:
        return
    if early:
        bar.total = max(done, 1)
    bar.n = done
    bar.refresh()
    bar.close()
