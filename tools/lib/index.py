"""The index of a figures folder (``<folder>/README.md``): every figure and table, its notebook, the cold and warm
time of each notebook (``timings.json``, :mod:`tools.lib.records`), the plan against measurement and the paper cells
run into the folder."""
from __future__ import annotations

import json
from pathlib import Path

from tools.lib.cells import CELLS, cell_of
from tools.lib.paths import ROOT
from tools.lib.records import training_run


def _title(nb: Path) -> str:
    try:
        cells = json.loads(nb.read_text())["cells"]
    except (OSError, ValueError, KeyError):
        return ""
    for c in cells:
        if c["cell_type"] == "markdown":
            for line in "".join(c["source"]).splitlines():
                if line.startswith("#"):
                    return line.lstrip("# ").strip()
    return ""


def _preset(figdir: Path, timings: dict) -> str:
    presets = {t.get("preset") for t in timings.values() if isinstance(t, dict)} - {None}
    if len(presets) == 1:
        return presets.pop()
    return figdir.name if figdir.name in ("smoke", "paper") else "default"


def _seconds(t: dict | None) -> str:
    return "-" if not t else f"{t['seconds']:.0f}"


def _plan_doc(figdir: Path) -> dict:
    try:
        return json.loads((figdir / "plan.json").read_text())
    except (OSError, ValueError):
        return {}


def _cpu(machine: str | None) -> str:
    return (machine or "").split(",")[0].strip()


def _ratio(run: dict, projected: float, cpu: str) -> str | None:
    """A measured run's seconds over a projection made on processor ``cpu``; None where the run was on another."""
    return f"{run['seconds'] / projected:.2f}" if _cpu(run.get("machine")) == cpu else None


def _rests_on(plan: dict, name: str) -> str:
    rest = plan.get("rests_on", {}).get(name)
    if not rest:
        return "-"
    probe = plan.get("probe_seconds", {}).get(name)
    text = ", ".join(f"{k} {n}" for k, n in rest.items())
    return text + (f" (probes {probe:.0f} s)" if probe else "")


def plan_check(figdir: Path, colds: dict) -> list[str]:
    """Lines comparing each measured cold time with the projection ``make plan`` wrote to ``<figdir>/plan.json`` (the
    paper preset's: for one worker, from an empty cache where it was made with probes, else as the cache stood),
    with what the projected runs rest on, for the notebooks that have both; a ratio only where both were measured on
    the same processor; none without a plan."""
    plan = _plan_doc(figdir)
    proj = {**plan.get("seconds", {}), **plan.get("cold_seconds", {})}
    most = {**plan.get("at_most_seconds", {}), **plan.get("cold_at_most_seconds", {})}
    rows = [(s, c, proj[s], most.get(s)) for s, c in sorted(colds.items()) if s in proj]
    if not rows:
        return []
    machines = plan.get("machine", {})  # the processor of each projection, by notebook or cell-<name>
    hosts = " / ".join(sorted({machines.get(s, "machine not recorded") for s, *_ in rows}))
    out = ["", f"**Plan against measurement** (`make plan`, {hosts}: the projection "
           "for one worker, from an empty cache, and at most (every run to its budget), against the cold time above; "
           "*rests on*: how many runs' epochs come from their own record in the cache, a finished twin of the same "
           "recipe, a probe (`make plan PROBE=...`: the recipe's first run trained for a bounded time, its loss "
           "curve extrapolated where it did not end) or only the budget). The time outside training comes from the "
           "plan pass, on stand-in networks where a run was not trained or probed.", "",
           "| notebook | cold (s) | plan (s) | cold / plan | rests on | plan at most (s) |", "|---|---|---|---|---|---|"]
    for stem, cold, expected, at_most in rows:
        most = "-" if at_most is None else f"{at_most:.0f}"
        ratio = _ratio(cold, expected, _cpu(machines.get(stem))) or f"- (cold on {_cpu(cold.get('machine'))})"
        out.append(f"| `{stem}` | {cold['seconds']:.0f} | {expected:.0f} | {ratio} | {_rests_on(plan, stem)} | "
                   f"{most} |")
    return out


def _cell_ratio(plan: dict, name: str, train: dict | None) -> str:
    """A cell's training run over its plan from an empty cache: "-" without both or where the run was on another
    processor; a lower bound ("≥") where the run trained fewer networks than the plan projects (the rest were
    trained before), none where it trained more."""
    proj = plan.get("cold_seconds", {}).get(f"cell-{name}")
    if proj is None or not train:
        return "-"
    ratio = _ratio(train, proj, _cpu(plan.get("machine", {}).get(f"cell-{name}")))
    if ratio is None:
        return f"- (run on {_cpu(train.get('machine'))})"
    planned, trained = sum(plan.get("rests_on", {}).get(f"cell-{name}", {}).values()), train.get("trained")
    if trained is None or not planned:  # a record or plan that does not say how many
        return "-"
    if trained == planned:
        return ratio
    if trained < planned:
        return f"≥ {ratio} ({trained} of {planned} trained)"
    return f"- ({trained} trained, {planned} planned)"


def cells_section(figdir: Path) -> list[str]:
    """Lines listing the paper cells run into ``<figdir>/variants/`` (:data:`tools.lib.cells.CELLS`; a folder is
    listed under the cell :func:`~tools.lib.cells.cell_of` names): each cell's folder, the claims it decides, how
    many networks its training run trained and that run's time, and its warm time; none where no cell was run."""
    found = []
    for name, cell in CELLS.items():
        for folder in sorted((figdir / "variants").glob(f"{cell['notebook']}--*")):
            if cell_of(folder.name) != name:
                continue
            try:
                t = json.loads((folder / "timings.json").read_text())[cell["notebook"]]
            except (OSError, ValueError, KeyError):
                continue
            found.append((name, cell, folder, t))
    if not found:
        return []
    out = ["", "**Paper cells** (`make paper-cells`, tools/paper_cells.py: the paper preset restricted by notebook "
           "parameters to the cells that decide open claims, for the notebooks whose whole paper preset does not fit "
           "here; the scorecard marks their verdicts as partial paper scale). *Training run*: the latest run that "
           "trained networks into the shared paper cache, and how many it trained; a cell resumed after an "
           "interruption trained only the rest, and its time is that of the rest. *Warm*: a re-run that trained "
           "none. *Run / plan*: the training run's time over the plan's, on the plan's processor; a lower bound where "
           "the run trained only some of the networks the plan projects (the others were trained before).", "",
           "| cell | folder | decides | networks trained | training run (s) | plan (s) | run / plan | warm (s) |",
           "|---|---|---|---|---|---|---|---|"]
    plan = _plan_doc(figdir)
    for name, cell, folder, t in found:
        train = training_run(t)
        trained = "-" if not train else f"{train['trained']}"
        proj = plan.get("cold_seconds", {}).get(f"cell-{name}")
        projected = "-" if proj is None else f"{proj:.0f} ({_rests_on(plan, f'cell-{name}')})"
        out.append(f"| `{name}` | [{folder.name}](variants/{folder.name}) | {'; '.join(cell['decides'])} | {trained} "
                   f"| {_seconds(train)} | {projected} | {_cell_ratio(plan, name, train)} | "
                   f"{_seconds(t.get('warm'))} |")
    planned = [name for name, *_ in found if f"cell-{name}" in plan.get("cold_seconds", {})]
    if planned:
        by_machine: dict[str, list[str]] = {}
        for name in planned:
            host = plan.get("machine", {}).get(f"cell-{name}", "a machine not recorded")
            by_machine.setdefault(host, []).append(name)
        where = (next(iter(by_machine)) if len(by_machine) == 1 else
                 "; ".join(f"{m} ({', '.join(names)})" for m, names in sorted(by_machine.items())))
        out.append("")
        out.append("*Plan*: `make plan CELL=<name> PROBE=...`, the cell's projection from an empty cache on "
                   f"{where}, and what its runs rest on.")
    return out


def write_index(figdir: Path, timings: dict) -> Path:
    """Write ``<figdir>/README.md`` from ``timings`` (``timings.json``'s records) and the files in ``figdir``."""
    preset = _preset(figdir, timings)
    stems = sorted(timings)
    colds = {s: timings[s].get("cold") for s in stems}
    hosts = sorted({t["machine"] for t in colds.values() if t} | {timings[s]["warm"]["machine"] for s in stems
                                                                   if timings[s].get("warm")})
    mark = {h: "" for h in hosts} if len(hosts) <= 1 else {h: f" [{chr(65 + i)}]" for i, h in enumerate(hosts)}
    dates = sorted({t["date"] for s in stems for k in ("cold", "warm") if (t := timings[s].get(k))})
    lines = [f"# Figures ({preset} preset)", "",
             "Written by `make figures` (tools/run_notebooks.py): each notebook saves `<stem>*.pdf/.png` and tidy",
             "`<stem>*.csv` files here. Only a run whose settings are exactly the committed notebook's writes here; any",
             "other run writes to `variants/` (see the README, *Where things land*).", ""]
    if hosts:
        lines.append("**Machine**: " + ("; ".join(f"{h}{mark[h]}" for h in hosts)) +
                     (f". Measured {dates[0]}" + (f" to {dates[-1]}" if dates[-1] != dates[0] else "") + "." if dates
                      else "."))
        lines.append("")
    lines += ["**Cold**: wall time of the whole notebook from an empty cache, every network it uses trained by that",
              "run (`python -m tools.run_notebooks --cold` measures it for every notebook). **Warm**: a re-run that",
              "found every network it caches already in the run cache (`.cache/`) and trained none into it: analysis",
              "and plotting, plus whatever the notebook trains without caching. `-`: not measured.", "",
              "| notebook | title | figures | tables | cold (s) | warm (s) |", "|---|---|---|---|---|---|"]
    for stem in stems:
        t = timings[stem]
        figs = sorted(p.name for p in figdir.glob(f"{stem}*.png"))
        csvs = sorted(p.name for p in figdir.glob(f"{stem}*.csv"))
        cold, warm = t.get("cold"), t.get("warm")
        lines.append(f"| `{stem}.ipynb` | {_title(ROOT / 'notebooks' / f'{stem}.ipynb')} | "
                     f"{', '.join(f'[{f}]({f})' for f in figs)} | {', '.join(csvs)} | "
                     f"{_seconds(cold)}{mark.get(cold['machine'], '') if cold else ''} | "
                     f"{_seconds(warm)}{mark.get(warm['machine'], '') if warm else ''} |")
    known = {s: c for s, c in colds.items() if c}
    total = sum(c["seconds"] for c in known.values())
    lines.append("")
    if known and len(known) == len(stems):
        lines.append(f"**Total of one cold run of all {len(stems)} notebooks**: {total:.0f} s ({total / 60:.1f} min).")
    elif known:
        missing = ", ".join(f"`{s}`" for s in stems if s not in known)
        lines.append(f"Cold times of {len(known)} of {len(stems)} notebooks add up to {total:.0f} s ({total / 60:.1f} "
                     f"min); the cold time of {missing} is not measured, so the total of one cold run is not known.")
    else:
        lines.append("No cold time is measured yet, so the total of one cold run is not known.")
    if len(hosts) > 1:
        lines.append("")
        lines.append("The times were measured on different machines (marked [A], [B], ...): they do not add up to the "
                     "cost on one machine.")
    lines += plan_check(figdir, known)
    lines += cells_section(figdir)
    lines.append("")
    p = figdir / "README.md"
    p.write_text("\n".join(lines))
    return p
