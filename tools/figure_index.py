"""Write ``figures/README.md`` (the index: every figure and table, its notebook and what a run of it costs) from
``timings.json``, and make the records that file holds.

A record per notebook (``timings.json``, keyed by the notebook's stem)::

    {"preset": "default",
     "cold": {"seconds": 209.3, "date": "2025-01-30", "machine": "AMD EPYC 7B13, 2 cores, torch 2.13.0+cpu",
              "trained": 282},           # from an empty cache: every network it uses was trained by this run
     "warm": {...},                      # re-rendered with every trained run in the cache (trained: 0)
     "last": {..., "kind": "cold" | "warm" | "mixed", "cache_before": 518},
     "seconds": 209.3}                   # the last run's wall time (what older readers of this file read)

A run is **cold** only when its cache was empty (``make figures`` on a fresh clone reaches that only for the first
notebook; ``tools/run_notebooks.py --cold`` gives every notebook an empty cache of its own and adds its entries to the
run cache afterwards); **warm** when it trained nothing; otherwise **mixed** (it trained some runs and may have
reused others): a mixed time is kept as the last run but never shown as a cold time.
"""
from __future__ import annotations

import json
import os
import platform
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def machine() -> str:
    """The CPU model, its core count and the torch version: the machine note of a timing."""
    model = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        from importlib.metadata import version

        torch = version("torch")
    except Exception:  # noqa: BLE001 - no torch distribution metadata: say so
        torch = "unknown"
    return f"{model}, {os.cpu_count()} cores, torch {torch}"


def run_kind(cache_before: int, trained: int, isolated: bool) -> str:
    """``cold`` (an empty cache: ``isolated`` or nothing in it), ``warm`` (nothing trained) or ``mixed``.

    >>> run_kind(0, 12, False), run_kind(500, 12, True), run_kind(500, 0, False), run_kind(500, 12, False)
    ('cold', 'cold', 'warm', 'mixed')
    """
    if isolated or cache_before == 0:
        return "cold"
    return "warm" if trained == 0 else "mixed"


def record(old: dict | None, preset: str, seconds: float, cache_before: int, trained: int, isolated: bool,
           host: str | None = None, date: str | None = None) -> dict:
    """``old`` (a notebook's record, or None) updated with one finished run: its ``last`` run, and its ``cold``,
    ``warm`` or ``mixed`` time when the run was of that kind (a record from before cold runs were told apart keeps no
    time). ``mixed``: the latest run that trained networks into a cache holding others (a paper cell's training run,
    kept when a warm re-run follows)."""
    kind = run_kind(cache_before, trained, isolated)
    run = {"seconds": round(float(seconds), 1), "date": date or time.strftime("%Y-%m-%d"),
           "machine": host or machine(), "trained": int(trained)}
    out = {k: v for k, v in (old or {}).items() if k in ("cold", "warm", "mixed")}
    out["preset"] = preset
    out["last"] = {**run, "kind": kind, "cache_before": int(cache_before)}
    out["seconds"] = run["seconds"]  # the last run's wall time, under the name older readers (scorecard) use
    out[kind] = run
    return out


def output_folder(executed: Path) -> Path | None:
    """The folder an executed notebook wrote its figures to, as its set-up cell printed it ("figures and CSVs -> ..."),
    or None when it printed none."""
    try:
        cells = json.loads(Path(executed).read_text())["cells"]
    except (OSError, ValueError, KeyError):
        return None
    for c in cells:
        for o in c.get("outputs", []):
            for line in "".join(o.get("text", "")).splitlines():
                if line.startswith("figures and CSVs -> "):
                    return Path(line.split("->", 1)[1].strip())
    return None


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


def plan_check(figdir: Path, colds: dict) -> list[str]:
    """Lines comparing each measured cold time with the projection ``make plan`` wrote to ``<figdir>/plan.json`` (the
    paper preset's; 1 worker, expected and at most), for the notebooks that have both; none without a plan."""
    path = figdir / "plan.json"
    if not path.is_file():
        return []
    plan = json.loads(path.read_text())
    rows = [(s, c["seconds"], plan["seconds"][s], plan.get("at_most_seconds", {}).get(s))
            for s, c in sorted(colds.items()) if s in plan.get("seconds", {})]
    if not rows:
        return []
    out = ["", f"**Plan against measurement** (`make plan`, {plan.get('machine', 'machine not recorded')}: the projection "
           "for one worker, expected and at most, against the cold time above). Both of its parts can miss: training "
           "that is not in the cache is projected from similar cached runs or from the budget (too much where runs "
           "stop early), and the time outside training comes from a plan pass on stand-in networks (too little "
           "where the analysis depends on the trained dynamics: grids and iterations that settle slowly on a "
           "trained network).", "",
           "| notebook | cold (s) | plan expected (s) | cold / expected | plan at most (s) |", "|---|---|---|---|---|"]
    for stem, cold, expected, at_most in rows:
        most = "-" if at_most is None else f"{at_most:.0f}"
        out.append(f"| `{stem}` | {cold:.0f} | {expected:.0f} | {cold / expected:.2f} | {most} |")
    return out


def training_run(t: dict) -> dict | None:
    """The run of a notebook's record (:func:`record`) that trained its networks: the cold one, else the latest mixed
    one (also from records that keep it only as ``last``); None when only warm runs are recorded."""
    last = t.get("last") or {}
    return t.get("cold") or t.get("mixed") or (last if last.get("kind") in ("cold", "mixed") else None)


def cells_section(figdir: Path) -> list[str]:
    """Lines listing the paper cells run into ``<figdir>/variants/`` (tools/paper_cells.py): each cell's folder, the
    claims it decides, how many networks its training run trained and that run's time, and its warm time; none where
    no cell was run."""
    from tools.paper_cells import CELLS

    found = []
    for name, cell in CELLS.items():
        for folder in sorted((figdir / "variants").glob(f"{cell['notebook']}--*")):
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
           "none.", "",
           "| cell | folder | decides | networks trained | training run (s) | warm (s) |",
           "|---|---|---|---|---|---|"]
    for name, cell, folder, t in found:
        train = training_run(t)
        trained = "-" if not train else f"{train['trained']}"
        out.append(f"| `{name}` | [{folder.name}](variants/{folder.name}) | {'; '.join(cell['decides'])} | {trained} "
                   f"| {_seconds(train)} | {_seconds(t.get('warm'))} |")
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
              "run (`python tools/run_notebooks.py --cold` measures it for every notebook). **Warm**: a re-run that",
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


if __name__ == "__main__":  # rewrite the index of a figures folder from its timings.json
    import sys

    sys.path.insert(0, str(ROOT))  # tools.paper_cells
    d = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "figures"
    print(write_index(d, json.loads((d / "timings.json").read_text())))
