"""When two versions of a result table agree: the rule of ``make compare`` (docs/reproducibility.md) and of the note
a notebook prints when it rewrites a committed table. Per column: text, booleans and ``n_`` counts equal (verdict
counts up to the row's ``n_borderline`` / ``n_borderline_any``), other numbers to ``rtol`` or ``atol``, unconverged
runs' losses to ``loose_rtol``; ``across_machines`` loosens :data:`PATH_COLUMNS`."""
from __future__ import annotations

import numpy as np
import pandas as pd

SKIP_COLUMNS = {"train_seconds", "seconds"}
LOSS_COLUMNS = {"final_loss", "last_loss"}
# counts of training points by a verdict that a borderline point can flip: the attractor counts (slack:
# n_borderline) and the others (slack: n_borderline_any, where the table has it)
ATTRACTOR_COUNTS = {"n_attractors", "n_recovered", "n_borderline"}
VERDICT_COUNTS = ATTRACTOR_COUNTS | {"n_settled", "n_true_fixed_points", "n_false_positives",
                                     "n_radius_below_1", "n_stable", "n_true_fixed_points", "n_borderline_any"}


# columns renamed (issue 34), per table: a table written before is read with the new names (make compare)
RENAMED: dict[str, dict[str, str]] = {
    "06_relu_grid": {"n_iterative_fixed_points": "n_settled"},
    "10_generalization": {"n_iterative_fixed_points": "n_settled"},
    "12_recovery": {"n_iterative_fixed_points": "n_true_fixed_points", "n_settled": "n_starts_settled"},
    "09_width_depth_mnist": {"n_iterative": "n_true_fixed_points"},
}


def with_current_names(df: pd.DataFrame, name: str) -> pd.DataFrame:
    """``df``, the table ``name`` (a CSV's file name or stem), with columns renamed since it was written given their
    current names (:data:`RENAMED`)."""
    stem = name.rsplit("/", 1)[-1].removesuffix(".csv")
    return df.rename(columns=RENAMED.get(stem, {}))


# the training path: where a run crossed its threshold, the steps the flow took. On another CPU these move by a few
# steps (the loss is compared against the threshold, which rounding can cross an epoch earlier or later)
PATH_COLUMNS = {"lr", "lr_fine", "epochs", "grad_evals", "best_epoch", "final_loss", "last_loss", "rel_change"}


def compare_tables(new: pd.DataFrame, ref: pd.DataFrame, rtol: float = 1e-3, atol: float = 1e-9,
                   loose_rtol: float = 0.25, across_machines: bool = False) -> list[str]:
    """Differences beyond tolerance between two versions of one result table (empty list: they agree).

    ``across_machines``: the tables come from different CPUs: the training-path columns (:data:`PATH_COLUMNS`) and
    every number of a run that did not reach its threshold are compared to ``loose_rtol``, the final loss of a
    converged run to a factor 2 (relative tolerance 1), other numbers to ``10 * rtol``."""
    out = []
    if list(new.columns) != list(ref.columns):
        return [f"columns differ: {sorted(set(new.columns) ^ set(ref.columns)) or 'order'}"]
    if len(new) != len(ref):
        return [f"{len(new)} rows vs {len(ref)}"]
    unconverged = ~ref["converged"].astype(bool).to_numpy() if "converged" in ref else np.zeros(len(ref), bool)
    def _slack(col):
        return np.nan_to_num(np.fmax(new[col].to_numpy(float), ref[col].to_numpy(float))) if col in ref and col in new \
            else np.zeros(len(ref))

    slack = _slack("n_borderline")
    slack_any = np.fmax(slack, _slack("n_borderline_any"))
    for col in ref.columns:
        if col in SKIP_COLUMNS:
            continue
        a, b = new[col], ref[col]
        both_nan = a.isna().to_numpy() & b.isna().to_numpy()
        if pd.api.types.is_numeric_dtype(b) and pd.api.types.is_numeric_dtype(a) and not pd.api.types.is_bool_dtype(b):
            x, y = a.to_numpy(float), b.to_numpy(float)
            if col.startswith("n_"):
                allowed = slack if col in ATTRACTOR_COUNTS else (slack_any if col in VERDICT_COUNTS else 0)
                # a run stopped by its budget ends wherever rounding took it: its verdict counts are loose too
                loose = unconverged & (col in VERDICT_COUNTS)
                allowed = np.where(loose, np.fmax(allowed, loose_rtol * np.abs(y)), allowed)
                bad = ~both_nan & ~((x == y) | (np.abs(x - y) <= allowed))  # a count in one table only differs too
            else:
                tol = np.where(unconverged & (col in LOSS_COLUMNS), loose_rtol, rtol)
                if across_machines:
                    # a run stopped by its budget: every number of it is loose; path columns: loose everywhere
                    tol = np.where(unconverged | (col in PATH_COLUMNS), loose_rtol, np.fmax(tol, 10 * rtol))
                    if col in LOSS_COLUMNS:  # a converged run stops at the first epoch under its threshold: the
                        # loss there moves by up to one epoch's decrease, a factor 2 at most in these runs
                        tol = np.where(unconverged, tol, 1.0)
                bad = ~both_nan & ~((x == y) | (np.abs(x - y) <= atol + tol * np.abs(y)))   # equal infinities agree
        else:
            bad = ~both_nan & (a.astype(str).to_numpy() != b.astype(str).to_numpy())
        for i in np.flatnonzero(bad)[:5]:
            out.append(f"row {i}, {col}: {a.iloc[i]!r} vs {b.iloc[i]!r}")
        if bad.sum() > 5:
            out.append(f"... {int(bad.sum()) - 5} more in {col}")
    return out
