"""The verdict machinery every claims table shares: a claim declared once (:class:`Claim`), one row (:func:`claim`),
the grading rules, printing and CSV, the unmet conditions and evidence of a set of runs, the comparison with
published values, and the gradient-flow-limit check (:func:`flow_limit_claim`). The verdicts: docs/claims.md; a
question the sources do not ask is a row of ``kind="own"``, kept out of the counts.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Mapping, Sequence

import numpy as np
import pandas as pd

from ...outputs import save_csv

VERDICTS = ("agrees", "partly", "disagrees", "not reached", "not tested")
JUDGED = ("agrees", "partly", "disagrees")  # verdicts that need runs meeting the source's conditions
KINDS = ("source", "own")
COLUMNS = ["key", "kind", "claim", "source", "paper", "measured", "verdict", "raw_verdict", "reason", "evidence",
           "scale", "unmet", "to_decide"]

# the sources, as the ``source`` column names them (REFERENCES.md)
JP = "Jiang & Pehlevan (ICML 2020)"
TALK = "Orujlu talk (TUM 2023)"
THESIS = "Thesis talk"
PNAS = "Radhakrishnan, Belkin & Uhler (PNAS 2020)"
OWN = "this package (a check of its own method, not a claim of the sources)"


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60]


def claim(claim: str, paper: str, measured: str, verdict: str, reason: str, *, source: str = "", evidence: str = "",
          scale: str = "", unmet: Sequence[str] = (), to_decide: str = "", own: bool = False,
          key: str | None = None) -> dict:
    """One row of a claims table.

    ``claim``, ``paper``: the claim and what the source says; ``source``: where; ``measured``: what this run found;
    ``verdict``: one of :data:`VERDICTS`; ``reason``: its rule; ``evidence``: runs and seeds; ``scale``: this run's
    size next to the source's; ``unmet``: the source's conditions not met (a judged verdict then becomes "not
    reached", kept as ``raw_verdict``); ``to_decide``: what would decide it; ``own=True``: this package's question,
    kept out of the counts.

    >>> r = claim("x stores all", "all", "3/10 (loss above threshold)", "disagrees", "fewer than half",
    ...           source="Paper, Fig. 1", evidence="1 run", unmet=["the run did not reach its loss threshold"])
    >>> r["verdict"], r["raw_verdict"]
    ('not reached', 'disagrees')
    """
    if verdict not in VERDICTS:
        raise ValueError(f"verdict={verdict!r}; accepted values: {list(VERDICTS)}")
    source = source or (OWN if own else "")
    if not str(source).strip():
        raise ValueError(f"source: where the source states the claim {claim!r} (paper and figure, or slide title)")
    if not str(evidence).strip():
        raise ValueError(f"evidence: the runs and seeds behind the claim {claim!r}")
    unmet = [u for u in unmet if u]
    if verdict == "not reached" and not unmet:
        raise ValueError(f"verdict='not reached' for {claim!r} needs the unmet conditions (unmet=[...])")
    raw = verdict
    if unmet and verdict in JUDGED:
        verdict = "not reached"
        reason = f"{reason}; these runs alone would say '{raw}', but they do not meet the source's conditions"
    return {"key": key or _slug(claim), "kind": "own" if own else "source", "claim": claim, "source": source,
            "paper": paper, "measured": measured, "verdict": verdict, "raw_verdict": raw, "reason": reason,
            "evidence": evidence, "scale": scale, "unmet": "; ".join(unmet), "to_decide": to_decide}


@dataclass(frozen=True)
class Claim:
    """A claim, declared once: its ``text`` (the table's ``claim`` column; its ``key`` is derived from it), what the
    source says (``paper``) and where (``source``: paper and figure, section or theorem, or the talk's slide title),
    or ``own=True`` for a question of this package. A field may hold ``{name}`` placeholders that :meth:`row` fills.
    """
    text: str
    paper: str
    source: str = ""
    own: bool = False

    def row(self, measured: str, verdict: str, reason: str, *, fill: Mapping[str, object] | None = None,
            **kw) -> dict:
        """This claim's row of the table (:func:`claim`, which takes ``kw``); ``fill`` fills the placeholders."""
        text, paper, source = ((s.format(**fill) for s in (self.text, self.paper, self.source)) if fill else
                               (self.text, self.paper, self.source))
        return claim(text, paper, measured, verdict, reason, source=source, own=self.own, **kw)


def graded(value: float, agrees: float, partly: float, *, higher_is_better: bool = True) -> str:
    """"agrees" when ``value`` reaches ``agrees``, "partly" when it reaches ``partly``, else "disagrees"
    (reversed comparisons with ``higher_is_better=False``); NaN gives "not tested"."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "not tested"
    s = 1 if higher_is_better else -1
    if s * value >= s * agrees:
        return "agrees"
    if s * value >= s * partly:
        return "partly"
    return "disagrees"


def claims_table(rows: list[dict]) -> pd.DataFrame:
    """The claims as a DataFrame with the columns :data:`COLUMNS`."""
    return pd.DataFrame(rows, columns=COLUMNS)


def save_claims(rows: list[dict], name: str) -> pd.DataFrame:
    """Print the table (one block per claim, readable in a notebook and in nbval) and write ``<name>.csv``."""
    df = claims_table(rows)
    for r in df.itertuples():
        tag = r.verdict.upper() + (" (own question, not counted)" if r.kind == "own" else "")
        lines = [f"[{tag}] {r.claim}", f"    source: {r.source}", f"    source says: {r.paper}",
                 f"    measured: {r.measured}",
                 f"    evidence: {r.evidence}" + (f"; scale: {r.scale}" if r.scale else ""),
                 f"    why: {r.reason}"]
        if r.unmet:
            lines.append(f"    not met: {r.unmet}")
        if r.to_decide and r.verdict in ("not reached", "not tested"):
            lines.append(f"    to decide: {r.to_decide}")
        print("\n".join(lines))
    save_csv(df, name)
    return df


# ---------------------------------------------------------------------------------------------------------------
# shared pieces: conditions, evidence, trends, comparisons with published values


def unconverged(df: pd.DataFrame, what: str = "runs") -> str:
    """The unmet condition "k of n runs did not reach the loss threshold", or "" when all did (or there is no
    ``converged`` column)."""
    if "converged" not in df or not len(df):
        return ""
    bad = int((~df["converged"].astype(bool)).sum())
    return f"{bad} of {len(df)} {what} did not reach the loss threshold" if bad else ""


def evidence(df: pd.DataFrame, what: str = "runs", seed: str = "seed") -> str:
    """"n runs (k reached the loss threshold), s seed(s)" for the runs in ``df``."""
    out = f"{len(df)} {what}"
    if "converged" in df:
        out += f" ({int(df['converged'].astype(bool).sum())} reached the loss threshold)"
    if seed in df:
        out += f", {df[seed].nunique()} seed(s)"
    return out


def converged_runs(df: pd.DataFrame) -> pd.DataFrame:
    """The rows that reached their loss threshold (all rows when there is no ``converged`` column)."""
    return df[df["converged"].astype(bool)] if "converged" in df else df


def nondecreasing(v) -> bool:
    """Two or more values (NaN dropped), none below the one before."""
    v = [x for x in v if x == x]
    return len(v) >= 2 and all(b >= a for a, b in zip(v, v[1:]))


def nonincreasing(v) -> bool:
    """Two or more values (NaN dropped), none above the one before."""
    return nondecreasing([-x for x in v if x == x])


def grows(v) -> bool:
    """Never falls, and ends above where it starts (all-zero counts do not grow)."""
    return nondecreasing(v) and v[-1] > v[0]


def fmt_counts(s: pd.Series, unit: str = "") -> str:
    """"key: count" for each entry of ``s``, comma-separated."""
    return ", ".join(f"{k}: {v:.0f}{unit}" for k, v in s.items())


def compare_published(measured: pd.DataFrame, published: pd.DataFrame, on: list[str], value: str) -> pd.DataFrame:
    """Measured against published values, cell by cell: ``measured`` one row per run (columns ``on``, ``value``),
    ``published`` one row per cell (``on``, ``value``, ``uncertainty``). Returns the published cells with a measured
    run: ``mean``, its standard error ``se`` (0 for one run), ``n``, ``value``, ``uncertainty``, ``abs_diff``.
    """
    g = measured.groupby(on)[value].agg(mean="mean", sd="std", n="count").reset_index()
    g["se"] = (g["sd"] / np.sqrt(g["n"])).fillna(0.0)
    pub = published.copy()
    for k in on:  # the same dtype on both sides (radius 50 vs 50.0, width 1000 vs 1000.0)
        pub[k] = pub[k].astype(g[k].dtype)
    m = pub.merge(g.drop(columns="sd"), on=on, how="inner")
    m["abs_diff"] = (m["mean"] - m["value"]).abs()
    return m


def published_values_claim(cmp: pd.DataFrame, n_published: int, the: Claim, *, label: str, scale: str = "",
                           unmet: Sequence[str] = (), to_decide: str = "", also: str = "") -> dict:
    """The row "reproduces the published values" (``the``) from a :func:`compare_published` table.

    Rule: the mean |measured - published| over the compared cells against the mean tolerance, the published
    value's reading uncertainty plus the measured mean's standard error over seeds: within it agrees, within twice
    it partly, else disagrees. ``label`` formats one cell for the measured text (``str.format`` on the row).
    """
    if not len(cmp):
        return the.row("no run matches a published cell", "not tested", "no published cell was run",
                       evidence=f"0 of {n_published} published cells", scale=scale, to_decide=to_decide)
    d, u, se = float(cmp.abs_diff.mean()), float(cmp.uncertainty.mean()), float(cmp.se.mean())
    tol = u + se
    v = "agrees" if d <= tol else ("partly" if d <= 2 * tol else "disagrees")
    cells = ", ".join(label.format(**r) + f": {r['mean']:.3f} vs {r['value']:.3f}" for r in cmp.to_dict("records"))
    return the.row(f"mean |measured - published| {d:.3f} against a tolerance of {tol:.3f} (reading uncertainty "
                   f"{u:.3f} + standard error over seeds {se:.3f}); {cells}" + (f"; {also}" if also else ""),
                   v, "within the tolerance agrees, within twice it partly",
                   evidence=f"{len(cmp)} of {n_published} published cells, {int(cmp.n.sum())} runs", scale=scale,
                   unmet=unmet, to_decide=to_decide)


# ---------------------------------------------------------------------------------------------------------------
# the package's own check of its training method (notebooks 01, 03-05, 10)

FLOW_LIMIT = Claim("Are the results in the gradient-flow limit?", "the theory is stated for gradient flow", own=True)


def decade_above(x: float) -> str:
    """The power of ten just above ``x`` (> 0), as printed: 0.021 -> "0.1", 3 -> "10"."""
    return f"{10.0 ** math.floor(math.log10(x) + 1):g}" if x > 0 else "0"


def _coarse(x: float) -> str:
    """A step size to the precision that survives another CPU: whole numbers from 1, one digit below."""
    return f"{x:.0f}" if x >= 1 else f"{x:.1g}"


def flow_limit_claim(halving: pd.DataFrame, study: pd.DataFrame | None = None,
                     quantity: str = "largest |eigenvalue|") -> dict:
    """Whether the runs are in the gradient-flow limit the theory assumes (a check of this package's method), from
    :func:`attractor_utils.analyses.stepsize.halving_check` (and, if given, a
    :func:`~attractor_utils.analyses.stepsize.step_size_study`, whose largest fixed gradient-descent step is quoted
    against the flow)."""
    if not len(halving):
        return FLOW_LIMIT.row("no halving check", "not tested", "the preset runs no halving check",
                              evidence="0 configurations")
    worst = float(halving.rel_change.max())
    # coarse numbers: the flow's adaptive steps differ in their last digits between CPUs (issue 17), and these
    # lines are checked by nbval
    m = (f"halving the step (flow tolerance / 8) moves the {quantity} by less than {decade_above(100 * worst)} % "
         f"over {len(halving)} configurations (median steps {_coarse(halving.lr.min())} to "
         f"{_coarse(halving.lr.max())})")
    if study is not None and (study.method == "gd").any() and (study.method == "flow").any():
        ref = float(study[study.method == "flow"].sort_values("flow_tol").value.iloc[0])
        big = study[study.method == "gd"].sort_values("lr").iloc[-1]
        m += (f"; fixed-step gradient descent at lr {big.lr:g} is {abs(big.value - ref) / abs(ref):.0%} away from "
              "the flow")
    v = graded(worst, 0.02, 0.05, higher_is_better=False)
    return FLOW_LIMIT.row(m, v, "agrees: every value moves by less than 2 % when the step halves" if v == "agrees" else
                          ("some value moves by 2-5 % when the step halves" if v == "partly" else
                           "some value moves by more than 5 % when the step halves"),
                          evidence=f"{len(halving)} configurations, each trained at two tolerances")
