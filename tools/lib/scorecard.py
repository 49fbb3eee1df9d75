"""Collect every notebook's claims table (``<stem>_claims.csv``) into ``SCORECARD.md`` in the same figures folder:
verdict counts (own questions apart), each claim with its source, evidence and scale, a column per scale (the
folder's preset and, for the default folder, ``paper/``, its cells marked partial), and what would decide each open
claim, with its cost where known (``paper/**/timings.json``, ``paper/plan.json``). See docs/claims.md."""
from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from attractor_utils.files import atomic_write_text
from tools.lib.cells import CELLS, cell_of
from tools.lib.records import training_run
from tools.lib.timefmt import minutes_or_hours

SOURCES = [  # (notebook number prefixes, the source as REFERENCES.md names it)
    (("01", "02", "03", "04", "05"), 'Jiang & Pehlevan, "Associative memory in iterated overparameterized sigmoid '
                                     'autoencoders" (ICML 2020)'),
    (("10",), 'Orujlu, "Associative Memory in Iterated Overparameterized Sigmoid Autoencoders" (talk, TUM 2023): '
              'its extension 3'),
    (("06",), 'Thesis talk "Attractors of autoencoders: memorization in neural networks"'),
    (("07", "08", "09", "11", "12", "13"), 'Radhakrishnan, Belkin & Uhler, "Overparameterized neural networks '
                                           'implement associative memory" (PNAS 2020)'),
]
ORDER = ["agrees", "partly", "disagrees", "not reached", "not tested"]


def _cell(v) -> str:
    if v is None or (isinstance(v, float) and v != v):
        return ""
    return str(v).replace("|", "\\|").replace("\n", " ")


def _read_claims(folder: Path, recursive: bool = False) -> pd.DataFrame:
    """Every ``*_claims.csv`` under ``folder`` (its sub-folders too when ``recursive``), with the notebook stem and
    the folder it came from (``run``: "" for the folder itself, else the sub-folder's path)."""
    files = sorted(folder.rglob("*_claims.csv") if recursive else folder.glob("*_claims.csv"))
    frames = []
    for f in files:
        df = pd.read_csv(f, keep_default_na=False)
        df.insert(0, "notebook", f.name[: -len("_claims.csv")])
        df["run"] = "" if f.parent == folder else str(f.parent.relative_to(folder))
        frames.append(df)
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def _timings(folder: Path) -> dict[str, tuple[float, int | None]]:
    """Measured cost per run folder ("" for ``folder`` itself) and notebook: ``{"<run>/<stem>": (seconds, trained)}``,
    from the run that trained its networks (cold, else the latest mixed run; :func:`tools.lib.records.training_run`),
    not from a warm re-run, unless a warm run is all there is (a cell judged from networks other cells trained: 0
    trained); ``trained``: networks that run trained (None in records that do not say)."""
    out = {}
    for f in sorted(folder.rglob("timings.json")):
        run = "" if f.parent == folder else str(f.parent.relative_to(folder))
        try:
            for stem, t in json.loads(f.read_text()).items():
                train = training_run(t)
                out[f"{run}/{stem}"] = ((float(train["seconds"]), train.get("trained")) if train
                                        else (float(t["warm"]["seconds"]), 0) if t.get("warm")
                                        else (float(t["seconds"]), None))
        except (ValueError, KeyError, TypeError, AttributeError):
            continue
    return out


def _plan(folder: Path) -> dict[str, tuple[float, str]]:
    """Projected seconds per notebook of the paper preset (or paper cell, ``cell-<name>``), with what the projection
    rests on, if ``make plan`` wrote ``plan.json`` there: from an empty cache where the plan recorded it."""
    try:
        doc = json.loads((folder / "plan.json").read_text())
        secs = {**doc.get("seconds", {}), **doc.get("cold_seconds", {})}
        rest = doc.get("rests_on", {})
        return {k: (float(v), ", ".join(f"{n} on {'a ' if s != 'budget' else ''}{s}" for s, n in rest.get(k, {}).items()
                                       if n)) for k, v in secs.items()}
    except (OSError, ValueError, AttributeError):
        return {}


def _projected(plan: dict[str, tuple[float, str]], name: str, what: str) -> str:
    sec, rest = plan[name]
    return f"projected: {minutes_or_hours(sec)} for {what} (`make plan`" + (f"; runs: {rest}" if rest else "") + ")"


def _counts(v: pd.Series) -> str:
    c = v.value_counts()
    return ", ".join(f"**{k}** {int(c.get(k, 0))}" for k in ORDER if c.get(k, 0)) or "none"


def write_scorecard(figdir: Path) -> Path | None:
    """Write ``<figdir>/SCORECARD.md`` from the claims tables there (and under ``<figdir>/paper/``); its path, or None
    when ``figdir`` holds no claims table."""
    figdir = Path(figdir)
    allc = _read_claims(figdir)
    if not len(allc):
        return None
    paperdir = figdir / "paper"
    paper = _read_claims(paperdir, recursive=True) if paperdir.is_dir() else pd.DataFrame()
    if len(paper):  # a paper cell that has none of the runs a claim needs did not run it: "not run", not a verdict
        paper = paper[~((paper.run != "") & (paper.verdict == "not tested"))]
    times = _timings(paperdir) if paperdir.is_dir() else {}
    plan = _plan(paperdir) if paperdir.is_dir() else {}

    def paper_verdict(nb: str, key: str) -> str:
        if not len(paper):
            return ""
        hit = paper[(paper.notebook == nb) & (paper.key == key)]
        parts = []
        for r in hit.sort_values("run").itertuples():
            parts.append(f"**{r.verdict}**" + (f" (partial: `{r.run}`)" if r.run else ""))
        return "; ".join(parts) if parts else "not run"

    src = allc[allc.kind == "source"]
    own = allc[allc.kind == "own"]
    stems = sorted(allc.notebook.unique())
    scale_name = figdir.name if figdir.name in ("smoke", "paper") else "default"
    lines = ["# Reproduction scorecard", "",
             f"Collected by `tools/scorecard.py` from the claims tables of {len(stems)} notebooks (`*_claims.csv`): "
             "each row is computed by its notebook from its own results, never typed. A claim is stated as its source "
             "states it, with where the source says so. **not reached**: the runs that would decide it did not meet the "
             "source's conditions (a loss threshold not reached, a network or data set other than the source's, too "
             "few runs); the row says what these runs alone would say and what would decide it. **not tested**: the "
             "preset has none of the cells it needs. Questions the sources do not ask (this package's checks of its "
             "own method) are listed at the end and not counted.", "",
             f"**Claims of the sources at the {scale_name} preset** ({len(src)}): {_counts(src.verdict)}."]
    if len(paper):
        ps = paper[paper.kind == "source"]
        full = ps[ps.run == ""]
        part = ps[ps.run != ""]
        lines.append(f"**At the paper's scale**: {len(full)} verdicts of whole paper-preset notebooks "
                     f"({_counts(full.verdict)}) and {len(part)} of deciding cells run at the paper's scale "
                     f"(partial; {_counts(part.verdict)}); "
                     f"{len(src) - len(set(zip(ps.notebook, ps.key)) & set(zip(src.notebook, src.key)))} claims not "
                     "run at that scale.")
    lines.append("")
    for prefixes, source in SOURCES:
        part_ = src[src.notebook.str[:2].isin(prefixes)]
        if not len(part_):
            continue
        lines += [f"## {source}", "", _counts(part_.verdict), "",
                  "| notebook | claim | where the source says it | source says | measured | evidence; scale | "
                  f"{scale_name} | paper scale | why |", "|---|---|---|---|---|---|---|---|---|"]
        for r in part_.itertuples():
            ev = _cell(r.evidence) + (f"; {_cell(r.scale)}" if r.scale else "")
            why = _cell(r.reason).rstrip(". ") + (f". Not met: {_cell(r.unmet).rstrip('.')}." if r.unmet else "")
            lines.append(f"| `{r.notebook}` | {_cell(r.claim)} | {_cell(r.source)} | {_cell(r.paper)} | "
                         f"{_cell(r.measured)} | {ev} | **{r.verdict}** | {paper_verdict(r.notebook, r.key)} | {why} |")
        lines.append("")
    open_ = src[src.verdict.isin(["not reached", "not tested"])]
    if len(open_):
        lines += ["## Not reached or not tested: what it would take", "",
                  "| notebook | claim | verdict | what is missing | what would decide it | cost |", "|---|---|---|---|---|---|"]
        for r in open_.itertuples():
            cost = ""
            done = [(k, v) for k, v in times.items() if k.endswith(f"/{r.notebook}")]
            if done:
                cost = "measured: " + ", ".join(
                    minutes_or_hours(sec) + (f", {n} networks trained" if n is not None else "")
                    + (f" (`{k.rsplit('/', 1)[0]}`)" if k.split("/")[0] else " (paper preset)") for k, (sec, n) in done)
            if r.notebook in plan and f"/{r.notebook}" not in times:  # only cells run, not the whole preset
                cost += ("; " if cost else "") + _projected(plan, r.notebook, "the paper preset of this notebook")
            for name, cell in CELLS.items():  # a cell that decides it, projected and not run yet
                ran = any(cell_of(k.split("/")[-2]) == name for k in times if k.count("/") >= 2)
                if (cell["notebook"] == r.notebook and f"cell-{name}" in plan and not ran
                        and any(d.startswith(str(r.claim)) for d in cell["decides"])):
                    cost += ("; " if cost else "") + _projected(plan, f"cell-{name}", f"cell `{name}`")
            lines.append(f"| `{r.notebook}` | {_cell(r.claim)} | {r.verdict} | {_cell(r.unmet) or _cell(r.reason)} | "
                         f"{_cell(r.to_decide)} | {cost or 'not projected'} |")
        lines.append("")
    if len(own):
        lines += ["## Questions of this package (not counted)", "",
                  "| notebook | question | measured | answer | why |", "|---|---|---|---|---|"]
        for r in own.itertuples():
            lines.append(f"| `{r.notebook}` | {_cell(r.claim)} | {_cell(r.measured)} | **{r.verdict}** | "
                         f"{_cell(r.reason)} |")
        lines.append("")
    out = figdir / "SCORECARD.md"
    atomic_write_text(out, "\n".join(lines))
    return out
