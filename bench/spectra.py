"""`make bench` part 3: the spectral radius by full decompositions vs the iterative route (issue 24).

Measured side by side in one run (what each part is: bench/README.md):

1. the crossover m from which the iterative route is faster, which sets ``spectra.ITERATIVE_MIN_SIZE``;
2. 100 points at widths 512 / 1024 / 2048 on 784-d and 3072-d nets, at initialisation and trained;
3. classification (:func:`attractor_utils.classify_attractors`) at width 1024 and of 500 points at width 2048.

"Trained": notebook 09's recipe through the run cache, 3072-d nets and the 500-point net on a shorter budget
(``--budget-3072``, ``--budget-500``). The full route is timed on a few points and scaled (``--full``: every
point). Writes bench/spectra.json and bench/spectra.md. Not a test: nothing here asserts a time.
"""
from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import attractor_utils as au  # noqa: E402
from attractor_utils import spectra  # noqa: E402
from attractor_utils.runs.config import build_model  # noqa: E402


def _sync(dev: torch.device) -> None:
    if dev.type == "cuda":
        torch.cuda.synchronize()


def timed(fn, dev: torch.device, repeat: int = 1):
    """(best wall seconds of ``repeat`` calls, the last call's result)."""
    best, out = float("inf"), None
    for _ in range(repeat):
        _sync(dev)
        t = time.perf_counter()
        out = fn()
        _sync(dev)
        best = min(best, time.perf_counter() - t)
    return best, out


def recipe(data: str, n: int, width: int, max_epochs: int, depth: int = 4) -> dict:
    """Notebook 09's default training configuration (its cell builds exactly this for MNIST)."""
    return au.make_config(data=data, n=n, data_seed=0, seed=0, width=width, depth=depth, activation="relu",
                          optimizer="adam", lr=1e-3, schedule="plateau", lr_min=1e-6, plateau_patience=100,
                          keep_best=True, loss_threshold=1e-8, max_epochs=max_epochs, task="autoencode",
                          cycle_len=None)


def nets(c: dict, dev, cache) -> dict:
    """{"init": untrained model, "trained": trained model} of configuration ``c``, the training points and the loss."""
    run = au.train_runs([c], cache=cache, device=dev, progress=False)[0]
    return {"init": build_model(c, dev), "trained": run.model, "X": run.X, "loss": run.result["final_loss"],
            "epochs": run.result["epochs"]}


def n_reference(m: int) -> int:
    """Points the full route is timed on (then scaled): its cost per point grows as m^3."""
    return 100 if m <= 128 else 25 if m <= 384 else 8 if m <= 512 else 3 if m <= 1024 else 1


def compare(model, X, dev, full: bool = False, repeat: int = 1) -> dict:
    """Both routes on the points ``X``: seconds (the full route scaled from ``n_reference`` points), fallbacks, and the
    largest relative difference of the radii and whether the verdicts at 1 agree on the points both computed."""
    m = min(model.dim, model.width)
    t_it, rep = timed(lambda: au.spectral_radius(model, X, method="iterative", return_report=True), dev, repeat)
    nr = len(X) if full else min(len(X), n_reference(m))
    t_ref, dense = timed(lambda: au.spectral_radius(model, X[:nr], method="dense"), dev, repeat if nr < 10 else 1)
    t_full = t_ref / nr * len(X)
    it = rep.values[:nr]
    rel = float(((it - dense).abs() / dense.clamp_min(1e-300)).max())
    same = bool(((it < 1 - 1e-9) == (dense < 1 - 1e-9)).all()
                and (((it - 1).abs() < au.attractors.BORDERLINE_RADIUS)
                     == ((dense - 1).abs() < au.attractors.BORDERLINE_RADIUS)).all())
    kd = rep.krylov_dim[rep.iterative]
    return {"m": m, "n_points": len(X), "iterative_s": t_it, "full_points_timed": nr, "full_s_timed": t_ref,
            "full_s": t_full, "ratio": t_full / t_it, "fallback_share": rep.fallback_share,
            "fallback_not_certain": rep.fallback["not certain"],
            "fallback_near_threshold": rep.fallback["near a threshold"],
            "krylov_dim_median": float(kd.double().median()) if len(kd) else float("nan"),
            "max_rel_diff": rel, "same_verdicts": same, "median_radius": float(rep.values.median())}


def crossover(rows: list[dict]) -> int | None:
    """Smallest m of the sweep from which the iterative route was faster for every kind at every larger m."""
    ms = sorted({r["m"] for r in rows})
    ok = {m: all(r["ratio"] > 1 for r in rows if r["m"] == m) for m in ms}
    for i, m in enumerate(ms):
        if all(ok[x] for x in ms[i:]):
            return m
    return None


def classify_row(model, X, dev, full_spectra_s: float | None, match_tol: float = 0.5) -> dict:
    """classify_attractors with the default (auto) route; the full route's time estimated as this one's with the
    spectra replaced by the full route's (same iteration, same everything else). The iteration from every point, which
    both routes run unchanged, is timed alone too: the full route's time over it bounds the ratio any spectral route
    can reach (Amdahl)."""
    t_cls, df = timed(lambda: au.classify_attractors(model, X, max_steps=1000, iter_tol=1e-5,
                                                     match_tol=match_tol), dev)
    t_spec, rep = timed(lambda: au.spectral_radius(model, X, return_report=True), dev)
    t_iter, it = timed(lambda: au.iterate(model, X, max_steps=1000, tol=1e-5), dev)
    out = {"n_points": len(X), "classify_s": t_cls, "spectra_s": t_spec, "iteration_s": t_iter,
           "iteration_point_steps": int(it.steps.sum()), "route": rep.route,
           "fallback_share": rep.fallback_share, "n_attractors": int(df.is_attractor.sum()),
           "n_borderline": int(df.borderline.sum())}
    if full_spectra_s is not None:
        out["classify_full_s"] = t_cls - t_spec + full_spectra_s
        out["ratio"] = out["classify_full_s"] / t_cls
        out["ratio_bound"] = out["classify_full_s"] / t_iter
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--device", default=None)
    ap.add_argument("--full", action="store_true", help="time the full route on every point (slow: minutes per row)")
    ap.add_argument("--budget-3072", type=int, default=300, help="epoch budget of the 3072-d nets")
    ap.add_argument("--budget-500", type=int, default=60, help="epoch budget of the 500-point width-2048 net")
    ap.add_argument("--quick", action="store_true", help="tiny sizes: a smoke check of the script")
    ap.add_argument("--cache", default=None, help="run cache folder (default: the package's, .cache/runs)")
    ap.add_argument("--out", default=str(ROOT / "bench" / "spectra.json"))
    args = ap.parse_args(argv)
    dev = au.default_device(args.device)
    cache = au.Cache(args.cache) if args.cache else au.default_cache()
    info = {"device": str(dev), "cuda_name": torch.cuda.get_device_name(0) if dev.type == "cuda" else None,
            "torch": torch.__version__, "threads": torch.get_num_threads(), "cpu": platform.processor(),
            "machine": platform.machine(), "date": time.strftime("%Y-%m-%d"),
            "iterative_min_size": spectra.ITERATIVE_MIN_SIZE}
    print(f"device {dev}, torch {torch.__version__}, {torch.get_num_threads()} threads", flush=True)
    t0 = time.perf_counter()
    quick = args.quick
    n = 20 if quick else 100
    sweep_widths = [64, 160] if quick else [64, 96, 128, 192, 256, 384]
    widths = [512] if quick else [512, 1024, 2048]
    budget = 30 if quick else 3000
    cifar = au.resolve_cifar("cifar10", verbose=False)
    dims = {"784-d MNIST": ("mnist", budget), f"3072-d {au.data.data_source(cifar)}":
            (cifar, 30 if quick else args.budget_3072)}
    if quick:
        dims = dict(list(dims.items())[:1])

    print(f"1. crossover (784-d MNIST, depth 4, {n} points)", flush=True)
    sweep = []
    for w in sweep_widths:
        nt = nets(recipe("mnist", n, w, budget), dev, cache)
        for kind in ("init", "trained"):
            r = {"width": w, "kind": kind, "loss": nt["loss"] if kind == "trained" else None,
                 **compare(nt[kind], nt["X"], dev, full=args.full, repeat=2)}
            sweep.append(r)
            print(f"   m {r['m']:4d} {kind:7s}: full {r['full_s']:7.2f} s, iterative {r['iterative_s']:6.2f} s, "
                  f"x{r['ratio']:5.1f}, fell back {r['fallback_share']:.0%}", flush=True)
    cross = crossover(sweep)
    print(f"   -> the iterative route is faster from m = {cross} on (spectra.ITERATIVE_MIN_SIZE = "
          f"{spectra.ITERATIVE_MIN_SIZE})", flush=True)

    print(f"2. {n} points, depth 4: full vs iterative", flush=True)
    rows, trained = [], {}
    for label, (data, ep) in dims.items():
        for w in widths:
            nt = nets(recipe(data, n, w, ep), dev, cache)
            trained[(data, w)] = nt
            for kind in ("init", "trained"):
                r = {"data": label, "width": w, "kind": kind, "loss": nt["loss"] if kind == "trained" else None,
                     "epochs": nt["epochs"] if kind == "trained" else 0, **compare(nt[kind], nt["X"], dev, args.full)}
                rows.append(r)
                print(f"   {label}, width {w:4d}, {kind:7s} (m {r['m']}): full {r['full_s']:8.1f} s "
                      f"({r['full_points_timed']} pts timed), iterative {r['iterative_s']:6.2f} s, x{r['ratio']:6.1f}, "
                      f"fell back {r['fallback_share']:.0%} ({r['fallback_not_certain']} not certain, "
                      f"{r['fallback_near_threshold']} near 1), max rel diff {r['max_rel_diff']:.1e}", flush=True)

    print("3. classification (classify_attractors, auto route, iteration included)", flush=True)
    cls = []
    w1024 = 512 if quick else 1024
    nt = trained[("mnist", w1024)]
    full_s = next(r["full_s"] for r in rows if r["data"].startswith("784") and r["width"] == w1024
                  and r["kind"] == "trained")
    cls.append({"case": f"784-d, width {w1024}, trained ({nt['loss']:.1e}), {n} points",
                **classify_row(nt["trained"], nt["X"], dev, full_s)})
    if not quick:
        nt = nets(recipe("mnist", 500, 2048, args.budget_500), dev, cache)
        for kind in ("init", "trained"):
            c = compare(nt[kind], nt["X"], dev, args.full)
            rows.append({"data": "784-d MNIST", "width": 2048, "kind": kind,
                         "loss": nt["loss"] if kind == "trained" else None,
                         "epochs": nt["epochs"] if kind == "trained" else 0, **c})
            case = f"784-d, width 2048, {kind}" + (f" ({nt['loss']:.1e})" if kind == "trained" else "") + ", 500 points"
            cls.append({"case": case, **classify_row(nt[kind], nt["X"], dev, c["full_s"])})
    for c in cls:
        print(f"   {c['case']}: {c['classify_s']:.1f} s (spectra {c['spectra_s']:.1f} s, fell back "
              f"{c['fallback_share']:.0%}); with the full route ~{c.get('classify_full_s', float('nan')):.0f} s "
              f"(x{c.get('ratio', float('nan')):.0f}); iteration alone {c['iteration_s']:.1f} s, bound "
              f"x{c.get('ratio_bound', float('nan')):.0f}", flush=True)

    total = time.perf_counter() - t0
    print(f"bench/spectra.py took {total / 60:.1f} min", flush=True)
    out = {"info": info, "seconds": total, "crossover_m": cross, "sweep": sweep, "rows": rows, "classify": cls}
    Path(args.out).write_text(json.dumps(out, indent=1, default=float) + "\n")
    md = Path(args.out).with_suffix(".md")
    md.write_text(report(out))
    print(f"wrote {args.out} and {md}")


def report(out: dict) -> str:
    """The benchmark's tables in Markdown, from its own results (bench/spectra.md)."""
    i = out["info"]
    loss = lambda r: f"{r['loss']:.1e}" if r.get("loss") is not None else "-"  # noqa: E731
    L = [f"# Spectral radius: full vs iterative (`bench/spectra.py`, {i['date']}, {i['device']}, torch {i['torch']}, "
         f"{i['threads']} threads, {i['machine']})", "",
         "Written by `bench/spectra.py` from its own measurements, in one run of "
         f"{out['seconds'] / 60:.1f} min. *Full*: each point's m x m matrix decomposed (`method=\"dense\"`), timed "
         "on *pts* points and scaled to all; *iterative*: batched Arnoldi on all points (`method=\"iterative\"`), "
         "points it cannot certify or whose radius lies within 2e-3 of 1 handed to the full route (*fell back*). "
         "*Rel. diff*: largest relative difference of the radii on the points both routes computed.", "",
         f"## Crossover (784-d MNIST, depth 4, {out['sweep'][0]['n_points']} points)", "",
         "| m | net | loss | full (s) | pts | iterative (s) | ratio | fell back | Krylov dim. (median) |",
         "|---|---|---|---|---|---|---|---|---|"]
    for r in out["sweep"]:
        L.append(f"| {r['m']} | {r['kind']} | {loss(r)} | {r['full_s']:.2f} | {r['full_points_timed']} | "
                 f"{r['iterative_s']:.2f} | x{r['ratio']:.1f} | {r['fallback_share']:.0%} | "
                 f"{r['krylov_dim_median']:.0f} |")
    L += ["", f"The iterative route is faster from **m = {out['crossover_m']}** on (for both nets, at every larger m "
          f"measured); `spectra.ITERATIVE_MIN_SIZE` was {i['iterative_min_size']} in this run.", "",
          "## Widths 512 to 2048, depth 4", "",
          "| data | width | m | net | loss (epochs) | points | full (s) | pts | iterative (s) | ratio | fell back "
          "(not certain / near 1) | Krylov dim. | rel. diff | same verdicts |",
          "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in out["rows"]:
        ep = f" ({r['epochs']})" if r["kind"] == "trained" else ""
        L.append(f"| {r['data']} | {r['width']} | {r['m']} | {r['kind']} | {loss(r)}{ep} | {r['n_points']} | "
                 f"{r['full_s']:.1f} | {r['full_points_timed']} | {r['iterative_s']:.2f} | x{r['ratio']:.1f} | "
                 f"{r['fallback_share']:.0%} ({r['fallback_not_certain']} / {r['fallback_near_threshold']}) | "
                 f"{r['krylov_dim_median']:.0f} | {r['max_rel_diff']:.0e} | {r['same_verdicts']} |")
    L += ["", "## Classification (`classify_attractors`, default route, iteration included)", "",
          "*With the full route*: this run's time with its spectra replaced by the full route's (scaled, above). "
          "*Iteration*: the iteration from every point (1000 steps at most, step < 1e-5), which both routes run "
          "unchanged, timed alone (*point-steps*: map applications summed over points); *bound*: the full route's time "
          "over it, the largest ratio any route for the spectra could reach.", "",
          "| case | classify (s) | of which spectra (s) | iteration (s) | point-steps | fell back | attractors | "
          "borderline | with the full route (s) | ratio | bound |", "|---|---|---|---|---|---|---|---|---|---|---|"]
    nan = float("nan")
    for c in out["classify"]:
        L.append(f"| {c['case']} | {c['classify_s']:.1f} | {c['spectra_s']:.1f} | {c.get('iteration_s', nan):.1f} | "
                 f"{c.get('iteration_point_steps', '-')} | {c['fallback_share']:.0%} | "
                 f"{c['n_attractors']} | {c['n_borderline']} | {c.get('classify_full_s', nan):.0f} | "
                 f"x{c.get('ratio', nan):.0f} | x{c.get('ratio_bound', nan):.0f} |")
    return "\n".join(L) + "\n"


if __name__ == "__main__":
    main()
