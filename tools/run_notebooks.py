"""Run the figure notebooks headlessly with papermill (``make figures``).

Each notebook runs with ``-k python3 -p preset <preset>`` in ``notebooks/``; the executed copy goes
to ``build/executed/<preset>/``. Figures and CSVs go to ``figures/`` for the default preset and to
``figures/<preset>/`` otherwise. The wall time of each notebook is recorded in
``figures/<preset-dir>/timings.json`` and the index ``README.md`` there is rewritten.
"""
from __future__ import annotations

import argparse
import fcntl
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _cache_entries() -> int:
    """Finished entries in the run cache (to tell a cold run from a re-run that reuses trained models)."""
    base = Path(os.environ.get("ATTRACTOR_CACHE", ROOT / ".cache"))
    return sum(1 for _ in base.glob("**/result.json")) if base.is_dir() else 0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--preset", default="default", choices=["smoke", "default", "paper"])
    ap.add_argument("notebooks", nargs="*", help="stems or paths (default: every notebooks/NN_*.ipynb)")
    args = ap.parse_args(argv)
    import papermill as pm

    from tools.figure_index import write_index

    nbs = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    if args.notebooks:
        want = {Path(n).stem for n in args.notebooks}
        unknown = want - {p.stem for p in nbs}
        if unknown:
            print(f"unknown notebooks {sorted(unknown)}; available: {[p.stem for p in nbs]}", file=sys.stderr)
            return 2
        nbs = [p for p in nbs if p.stem in want]
    figdir = ROOT / "figures" if args.preset == "default" else ROOT / "figures" / args.preset
    figdir.mkdir(parents=True, exist_ok=True)
    os.environ["ATTRACTOR_FIGURES"] = str(figdir)
    os.environ.pop("ATTRACTOR_PRESET_OVERRIDE", None)
    out = ROOT / "build" / "executed" / args.preset
    out.mkdir(parents=True, exist_ok=True)
    tfile = figdir / "timings.json"
    failed = []
    for nb in nbs:
        print(f"==> {nb.name} (preset={args.preset})", flush=True)
        n_before = _cache_entries()
        t0 = time.perf_counter()
        try:
            pm.execute_notebook(str(nb), str(out / nb.name), parameters={"preset": args.preset}, kernel_name="python3",
                                cwd=str(nb.parent), progress_bar={"desc": f"    {nb.stem} cells", "leave": False},
                                log_output=False)
        except pm.PapermillExecutionError as e:  # keep going: report every failing notebook at the end
            src = "\n".join("      | " + ln for ln in (e.source or "").splitlines()[:12])
            print(f"\n    FAILED in cell {e.cell_index} (execution count {e.exec_count}):\n{src}\n"
                  f"    {e.ename}: {e.evalue}\n    full traceback: {out / nb.name}", flush=True)
            failed.append(nb.stem)
            continue
        except Exception as e:  # noqa: BLE001 - a kernel that died, a missing kernel: say what it was
            print(f"    FAILED: {type(e).__name__}: {e}", flush=True)
            failed.append(nb.stem)
            continue
        dt = time.perf_counter() - t0
        print(f"    done in {dt:.0f} s", flush=True)
        with open(figdir / ".timings.lock", "w") as lock:  # several runners may share figures/
            fcntl.flock(lock, fcntl.LOCK_EX)
            timings = json.loads(tfile.read_text()) if tfile.is_file() else {}
            new = _cache_entries() - n_before
            timings[nb.stem] = {"seconds": round(dt, 1), "preset": args.preset, "cpus": os.cpu_count(),
                                "note": f"trained {new} new runs; cache held {n_before} entries before"}
            tfile.write_text(json.dumps(timings, indent=1, sort_keys=True) + "\n")
            write_index(figdir, timings)
    from tools.scorecard import write_scorecard

    card = write_scorecard(figdir)
    print(f"figures and CSVs: {figdir}\nexecuted notebooks: {out}\nindex: {figdir / 'README.md'}"
          + (f"\nscorecard: {card}" if card else ""))
    if failed:
        print(f"failed: {failed} (executed copies with the error are in {out})", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
