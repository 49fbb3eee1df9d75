"""Run the figure notebooks headlessly with papermill (``make figures``).

Each notebook runs with ``-p preset <preset>``; the executed copy goes to ``build/executed/<preset>/``, figures and
CSVs to ``figures/`` (``figures/<preset>/``; variants: docs/outputs.md), each notebook's wall time to ``timings.json``
there (cold, warm or mixed: tools/lib/records.py), and the index ``README.md`` is rewritten. While a notebook runs,
one line shows its progress and an ETA from its plan (docs/plan.md).
"""
from __future__ import annotations

import argparse
import fcntl
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

from tools.lib.caches import cache_entries, merge_cache, merge_costs
from tools.lib.index import write_index
from tools.lib.kernel import KERNEL_ENV, kernel_config
from tools.lib.paths import ROOT, figures_folder, select_notebooks
from tools.lib.progress import Watch, summary
from tools.lib.projection import planned_for
from tools.lib.records import output_folder, record
from tools.lib.scorecard import write_scorecard


def setup_cluster(value: str | None) -> int:
    """Point the kernels at a Dask cluster (``ATTRACTOR_CLUSTER``): ``local:N`` starts N local workers, kept until
    this process ends; an address is checked now (a scheduler that does not answer is an error naming it). Returns
    the number of workers (1 without a cluster)."""
    if not value:
        os.environ.pop("ATTRACTOR_CLUSTER", None)
        return 1
    from attractor_utils.runs.caching import default_cache
    from attractor_utils.runs.cluster import check_cache_visible, connect, local_cluster, parse_cluster

    kind, arg = parse_cluster(value)
    address = local_cluster(arg).scheduler_address if kind == "local" else arg
    client = connect(address)
    check_cache_visible(client, default_cache().root)
    workers = len(client.nthreads())
    os.environ["ATTRACTOR_CLUSTER"] = address
    print(f"cluster: {address} ({workers} workers); run cache {default_cache().root} (every worker must see it)",
          flush=True)
    return max(1, workers)


def plan_applies(params: dict) -> bool:
    """Whether the stored plan of a notebook (``make plan``: its whole preset) describes a run with ``params``: only
    when no parameter but the preset is set, since a --param run trains a different set of runs.

    >>> plan_applies({"preset": "paper"}), plan_applies({"preset": "paper", "widths": [32]})
    (True, False)
    """
    return set(params) <= {"preset"}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m tools.run_notebooks", description=__doc__)
    ap.add_argument("--preset", default="default", choices=["smoke", "default", "paper"])
    ap.add_argument("notebooks", nargs="*", help="stems or paths (default: every notebooks/NN_*.ipynb)")
    ap.add_argument("--cold", action="store_true",
                    help="run each notebook on an empty cache of its own (a cold time), then add its entries to the cache")
    ap.add_argument("--cluster", default=os.environ.get("ATTRACTOR_CLUSTER") or None,
                    help="train every notebook's runs on a Dask cluster: a scheduler address (tcp://host:8786) or "
                         "local:N (N local worker processes); default $ATTRACTOR_CLUSTER")
    ap.add_argument("--param", action="append", default=[], metavar="NAME=JSON",
                    help="a notebook parameter (papermill -p), its value as JSON: --param 'widths=[64, 128]'; such a "
                         "run writes to a variants folder named for its settings, never to the committed figures")
    args = ap.parse_args(argv)
    params = {"preset": args.preset}
    for item in args.param:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            print(f"--param {item!r}: expected NAME=JSON, e.g. --param 'widths=[64, 128]'", file=sys.stderr)
            return 2
        try:
            params[name.strip()] = json.loads(value)
        except json.JSONDecodeError as e:
            print(f"--param {item!r}: the value is not JSON ({e}); strings need quotes: name='\"x\"'",
                  file=sys.stderr)
            return 2
    import papermill as pm

    try:
        nbs = select_notebooks(args.notebooks)
    except ValueError as e:
        print(e, file=sys.stderr)
        return 2
    figdir = figures_folder(args.preset)
    figdir.mkdir(parents=True, exist_ok=True)
    os.environ.pop("ATTRACTOR_PRESET_OVERRIDE", None)
    os.environ.update(KERNEL_ENV)
    try:  # the kernels find the cluster in ATTRACTOR_CLUSTER (attractor_utils/runs/cluster.py)
        workers = setup_cluster(args.cluster)
    except (ValueError, ConnectionError, RuntimeError) as e:
        print(f"CLUSTER: {e}", file=sys.stderr)
        return 2
    rows = []
    sockets = Path(tempfile.mkdtemp(prefix="attractor-kernels-"))
    cache_env = os.environ.get("ATTRACTOR_CACHE")
    main_cache = Path(cache_env or ROOT / ".cache")
    out = ROOT / "build" / "executed" / args.preset
    out.mkdir(parents=True, exist_ok=True)
    tfile = figdir / "timings.json"
    failed = []
    for nb in nbs:
        print(f"==> {nb.name} (preset={args.preset})", flush=True)
        if args.cold:  # an empty cache of its own: the time is that of one cold run
            main_cache.mkdir(parents=True, exist_ok=True)
            os.environ["ATTRACTOR_CACHE"] = tempfile.mkdtemp(prefix=f"cold-{nb.stem}-", dir=main_cache)
        n_before = cache_entries()
        plan = None
        if not plan_applies(params):
            print("    plan: none for these --param settings (`make plan` projects the whole preset); progress "
                  "without an ETA", flush=True)
        elif (plan := planned_for(nb, args.preset, cold=args.cold, workers=workers, cache_root=main_cache)) is not None:
            print(f"    plan: {plan['runs']} runs to train, {'at most ' if plan['bound'] else ''}"
                  f"{plan['total_s']:.0f} s" + (" (plan of an older library version)" if plan["stale"] else ""),
                  flush=True)
        row = {"notebook": nb.stem, "planned_s": plan and plan["total_s"], "planned_runs": plan and plan["runs"]}
        rows.append(row)
        status = ROOT / "build" / "progress" / args.preset / f"{nb.stem}.json"
        os.environ["ATTRACTOR_PROGRESS"] = str(status)  # the kernel writes its training progress there
        watch = Watch(nb.stem, status, plan)
        t0 = time.perf_counter()
        try:
            with watch:
                pm.execute_notebook(str(nb), str(out / nb.name), parameters=params,
                                    kernel_name="python3", cwd=str(nb.parent), progress_bar=False,
                                    log_output=False, config=kernel_config(sockets))
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
        finally:
            dt = time.perf_counter() - t0
            n_new = cache_entries() - n_before
            row.update(seconds=dt, trained=watch.runs_trained, failed=nb.stem in failed)
            if args.cold:
                cold_cache = Path(os.environ["ATTRACTOR_CACHE"])
                merge_cache(cold_cache, main_cache)
                merge_costs(cold_cache, main_cache)
                shutil.rmtree(cold_cache, ignore_errors=True)
                if cache_env is None:
                    os.environ.pop("ATTRACTOR_CACHE")
                else:
                    os.environ["ATTRACTOR_CACHE"] = cache_env
        print(f"    done in {dt:.0f} s", flush=True)
        wrote = output_folder(out / nb.name)
        dest, dest_t = figdir, tfile
        if wrote is not None and wrote.resolve() != figdir.resolve():
            if len(params) == 1:
                print(f"    NOTE: {nb.stem} wrote to {wrote}, not {figdir}: its set-up cell or parameters differ "
                      "from the committed notebook's (commit them first); its time is recorded there", flush=True)
            dest, dest_t = wrote, wrote / "timings.json"  # a variant's time belongs to its own folder
        with open(dest / ".timings.lock", "w") as lock:  # several runners may share figures/
            fcntl.flock(lock, fcntl.LOCK_EX)
            timings = json.loads(dest_t.read_text()) if dest_t.is_file() else {}
            timings[nb.stem] = record(timings.get(nb.stem), args.preset, dt, n_before, n_new, args.cold)
            dest_t.write_text(json.dumps(timings, indent=1, sort_keys=True) + "\n")
            if dest == figdir:
                write_index(figdir, timings)
    shutil.rmtree(sockets, ignore_errors=True)
    card = write_scorecard(figdir)
    print(summary(rows))
    print(f"figures and CSVs: {figdir}\nexecuted notebooks: {out}\nindex: {figdir / 'README.md'}"
          + (f"\nscorecard: {card}" if card else ""))
    if failed:
        print(f"failed: {failed} (executed copies with the error are in {out})", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
