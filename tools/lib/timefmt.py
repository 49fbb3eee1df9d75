"""Durations as the commands print them. Two formats, each written once: :func:`duration` for plans, ETAs and
summaries (seconds, minutes, hours or days), :func:`minutes_or_hours` for the scorecard's cost column (never seconds
or days: a paper-scale cost is read in minutes or hours). The elapsed clock ``H:MM:SS`` is the library's
(``attractor_utils.runs.progress.clock``), shared with the kernels' progress lines, as is their ``~12 min left``
(``time_left``: no days, a sweep's line)."""
from __future__ import annotations


def duration(s: float) -> str:
    """Seconds as ``42 s``, ``12 min``, ``3.4 h`` or ``2.1 d`` (a negative time counts as 0).

    >>> duration(42.4), duration(720), duration(3.4 * 3600), duration(4 * 86400), duration(-3)
    ('42 s', '12 min', '3.4 h', '4.0 d', '0 s')
    """
    s = max(0.0, s)
    if s < 90:
        return f"{s:.0f} s"
    if s < 5400:
        return f"{s / 60:.0f} min"
    if s < 3 * 86400:
        return f"{s / 3600:.1f} h"
    return f"{s / 86400:.1f} d"


def minutes_or_hours(s: float) -> str:
    """Seconds as ``25 min`` (below 1.5 h) or ``14.2 h``.

    >>> minutes_or_hours(1479.2), minutes_or_hours(51_000)
    ('25 min', '14.2 h')
    """
    return f"{s / 60:.0f} min" if s < 3600 * 1.5 else f"{s / 3600:.1f} h"

