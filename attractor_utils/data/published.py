"""Values the sources publish, as tidy tables, from ``published_values/<source>.json`` (:data:`SOURCES`): Jiang &
Pehlevan's, read by eye off their figures as the Orujlu talk shows them (with a reading uncertainty), and the thesis
talk's false-positive rates, typed from its slide. Only for figure markers and the claims that compare with them
(docs/claims.md); never tune anything against them.
"""
from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import pandas as pd

FOLDER = Path(__file__).resolve().parent / "published_values"
SOURCES = ("jiang_pehlevan_2020", "thesis_talk")


@lru_cache(maxsize=None)
def published(name: str = "jiang_pehlevan_2020") -> dict:
    """The raw record ``published_values/<name>.json`` (keys starting with ``_`` describe it)."""
    if name not in SOURCES:
        raise ValueError(f"name={name!r}; accepted values: {list(SOURCES)}")
    return json.loads((FOLDER / f"{name}.json").read_text())


def jp_single_example() -> pd.DataFrame:
    """Jiang & Pehlevan Fig. 1: |trained - initial| largest eigenvalue modulus at the single training point.

    Columns ``L`` (weight matrices: hidden layers + 1), ``radius``, ``value``, ``uncertainty`` (absolute).

    >>> t = jp_single_example()
    >>> sorted(int(x) for x in t.L.unique()), float(t.uncertainty.iloc[0])
    ([2, 3, 4], 0.003)
    """
    rec = published()["single_example_abs_diff"]
    rows = [{"L": int(L[1:]), "radius": float(r), "value": float(v), "uncertainty": rec["reading_uncertainty"]}
            for L, by_r in rec["by_L_and_radius"].items() for r, v in by_r.items()]
    return pd.DataFrame(rows).sort_values(["L", "radius"], ignore_index=True)


def jp_beyond_linear_r50() -> pd.DataFrame:
    """Jiang & Pehlevan Fig. 3 at input radius 50: the plotted eigenvalue statistic per ``n_points`` and ``width``.

    Columns ``n_points``, ``width``, ``radius`` (50), ``value``, ``uncertainty``.
    """
    rec = published()["beyond_linear_region_at_r50"]
    rows = [{"n_points": int(n), "width": int(w), "radius": 50.0, "value": float(v),
             "uncertainty": rec["reading_uncertainty"]}
            for n, by_w in rec["by_n_and_width"].items() for w, v in by_w.items()]
    return pd.DataFrame(rows).sort_values(["n_points", "width"], ignore_index=True)


def jp_crossing_radii() -> pd.DataFrame:
    """Jiang & Pehlevan Fig. 3, n = 5: the radius at which each width's curve crosses 0.5 (columns ``n_points``,
    ``width``, ``level``, ``radius``). No reading uncertainty is recorded for these."""
    rec = published()["beyond_linear_region_at_r50"]["radius_where_curve_crosses_0.5_for_n5_by_width"]
    return pd.DataFrame([{"n_points": 5, "width": int(w), "level": 0.5, "radius": float(r)} for w, r in rec.items()])


def thesis_false_positive_rates() -> pd.DataFrame:
    """The thesis talk's "false predictions" (slide 'Results & Analysis (iterative fixed points at lower depths &
    manual verification)'): the share of iterative fixed points that do not settle at their own image, ReLU
    autoencoders with bias on CIFAR-10. Columns ``depth`` (hidden layers), ``value`` (in [0, 1]; no uncertainty).

    >>> t = thesis_false_positive_rates()
    >>> t.depth.tolist(), t.value.tolist()
    ([1, 2, 3], [0.82, 0.36, 0.19])
    """
    rec = published("thesis_talk")["false_positive_rates"]["by_depth"]
    rows = [{"depth": int(d), "value": float(v)} for d, v in rec.items()]
    return pd.DataFrame(rows).sort_values("depth", ignore_index=True)
