"""`make bench` part 2: time to memorize, per training route, for the two reference shapes.

For each shape (the thesis's and the PNAS one) and route (Adam constant, cosine or plateau), one run (seed 0) stops
at MSE 1e-8 or its budget (``--budget-thesis``, ``--budget-pnas``) and records the epoch and second at which the MSE
first drops below 1e-4 ... 1e-8, with the attractor counts there and at the end. Ratios are to constant Adam 1e-3,
from this one run. The shapes, routes and results: bench/README.md. Not a test: nothing asserts a time.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import attractor_utils as au  # noqa: E402
from attractor_utils.data.registry import make_data  # noqa: E402
from attractor_utils.runs.config import build_model, train_kwargs  # noqa: E402

THRESHOLDS = (1e-4, 1e-5, 1e-6, 1e-7, 1e-8)
ROUTES = {
    "adam 1e-3 constant": dict(lr=1e-3, schedule="constant"),
    "adam 1e-4 constant": dict(lr=1e-4, schedule="constant"),
    "adam 1e-3 cosine": dict(lr=1e-3, schedule="cosine", lr_min=1e-6),
    "adam 1e-3 plateau": dict(lr=1e-3, schedule="plateau", lr_min=1e-6, plateau_patience=100, plateau_factor=0.5),
}


def shapes(budget_thesis: int, budget_pnas: int) -> dict[str, dict]:
    thesis_data = au.resolve_cifar("cifar10", verbose=False)
    return {
        f"thesis: {au.data.data_source(thesis_data)}, 3072-d, width 128, depth 6": dict(
            config=dict(data=thesis_data, n=100, width=128, depth=6, bias=True, activation="relu"),
            budget=budget_thesis, match_tol=1.0, skip=("adam 1e-4 constant",)),
        "PNAS: MNIST 100 digits, width 512, depth 4": dict(
            config=dict(data="mnist", n=100, width=512, depth=4, bias=True, activation="relu"),
            budget=budget_pnas, match_tol=0.5),
    }


def _counts(model, X, match_tol: float) -> dict:
    s = au.summarize_attractors(au.classify_attractors(model, X, max_steps=1000, iter_tol=1e-5,
                                                       match_tol=match_tol))
    return {"attractors": s["n_attractors"], "radius_below_1": s["n_radius_below_1"],
            "fixed_points": s["n_true_fixed_points"]}


def run_route(shape: dict, route: dict, device) -> dict:
    c = au.make_config(**shape["config"], optimizer="adam", loss_threshold=THRESHOLDS[-1],
                       max_epochs=shape["budget"], keep_best=True, **route)
    model = build_model(c, device)
    X, _ = make_data(c)
    X = X.to(model.weights[0].device)
    snaps: dict[float, dict] = {}
    t0 = time.perf_counter()
    pending = list(THRESHOLDS)

    def cb(epoch, loss, m):
        while pending and loss < pending[0]:
            snaps[pending.pop(0)] = {"epoch": epoch, "seconds": time.perf_counter() - t0,
                                     "state": {k: v.detach().clone() for k, v in m.state_dict().items()}}

    tr = au.train(model, X, progress=False, callback=cb, **train_kwargs(c))
    seconds = time.perf_counter() - t0
    out = {"epochs": tr.epochs, "seconds": seconds, "best_loss": tr.final_loss, "last_loss": tr.extra["last_loss"],
           "converged": tr.converged, "end": _counts(model, X, shape["match_tol"]), "thresholds": {}}
    probe = build_model(c, device)
    for t in THRESHOLDS:
        if t in snaps:
            probe.load_state_dict(snaps[t]["state"])
            out["thresholds"][f"{t:g}"] = {"epoch": snaps[t]["epoch"], "seconds": snaps[t]["seconds"],
                                           **_counts(probe, X, shape["match_tol"])}
    return out


def table(results: dict) -> str:
    """Markdown tables (one per shape) from the results, ratios against constant Adam 1e-3."""
    lines = []
    for shape, routes in results["shapes"].items():
        lines += [f"**{shape}** (budget {routes['budget']:,} epochs)", "",
                  "| route | " + " | ".join(f"MSE < {t:g}: epochs / s / attr. / rho<1" for t in THRESHOLDS)
                  + " | end: best / last MSE, attr. / rho<1 |",
                  "|---|" + "---|" * (len(THRESHOLDS) + 1)]
        base = routes["routes"].get("adam 1e-3 constant", {}).get("thresholds", {})
        for name, r in routes["routes"].items():
            cells = []
            for t in THRESHOLDS:
                d = r["thresholds"].get(f"{t:g}")
                if d is None:
                    cells.append("not reached")
                    continue
                b = base.get(f"{t:g}")
                ratio = f" (x{b['seconds'] / d['seconds']:.2f})" if b and name != "adam 1e-3 constant" else ""
                cells.append(f"{d['epoch']:,} / {d['seconds']:.0f}{ratio} / {d['attractors']} / {d['radius_below_1']}")
            e = r["end"]
            cells.append(f"{r['best_loss']:.1e} / {r['last_loss']:.1e}, {e['attractors']} / {e['radius_below_1']}")
            lines.append(f"| {name} | " + " | ".join(cells) + " |")
        lines.append("")
    lines.append("(xR: constant Adam 1e-3's seconds to that threshold / this route's: above 1 is faster; "
                 "attr.: training images that are attractors; rho<1: spectral radius below 1; out of 100.)")
    return "\n".join(lines)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--device", default=None)
    ap.add_argument("--budget-thesis", type=int, default=12_000)
    ap.add_argument("--budget-pnas", type=int, default=5_000)
    ap.add_argument("--routes", nargs="*", default=list(ROUTES), help=f"subset of {list(ROUTES)}")
    ap.add_argument("--quick", action="store_true", help="tiny budgets, a smoke check of the script")
    ap.add_argument("--out", default=str(ROOT / "bench" / "memorize.json"))
    args = ap.parse_args(argv)
    unknown = set(args.routes) - set(ROUTES)
    if unknown:
        ap.error(f"--routes: unknown {sorted(unknown)}; accepted values: {list(ROUTES)}")
    dev = au.default_device(args.device)
    if args.quick:
        args.budget_thesis = args.budget_pnas = 30
    results = {"info": {"device": str(dev), "torch": torch.__version__, "threads": torch.get_num_threads(),
                        "date": time.strftime("%Y-%m-%d"), "seed": 0}, "shapes": {}}
    for sname, shape in shapes(args.budget_thesis, args.budget_pnas).items():
        print(f"== {sname}, budget {shape['budget']} epochs", flush=True)
        res = {"budget": shape["budget"], "routes": {}}
        for rname in [r for r in args.routes if r not in shape.get("skip", ())]:
            r = run_route(shape, ROUTES[rname], dev)
            res["routes"][rname] = r
            reached = ", ".join(f"{t}: ep {d['epoch']} ({d['seconds']:.0f} s) {d['attractors']} attr"
                                for t, d in r["thresholds"].items()) or "no threshold reached"
            print(f"   {rname:20s} {reached}; end best {r['best_loss']:.1e} last {r['last_loss']:.1e}, "
                  f"{r['end']['attractors']} attr ({r['seconds']:.0f} s)", flush=True)
        results["shapes"][sname] = res
    md = table(results)
    print(md)
    if not args.quick:
        Path(args.out).write_text(json.dumps(results, indent=1) + "\n")
        Path(args.out).with_suffix(".md").write_text(
            f"Time to memorize (`python bench/memorize.py`, {results['info']['date']}, {dev}, "
            f"torch {torch.__version__}, {torch.get_num_threads()} threads, seed 0)\n\n{md}\n")
        print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
