"""`make bench`: performance ratios measured side by side in one run; writes bench/results.json.

Rank shortcut vs autograd Jacobian, batched vs sequential training, achieved FLOP/s against the matmul peak,
batched iteration vs a per-point loop, and the projected thesis grid (bench/README.md).
Not a test: nothing here asserts a time.
"""
from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import attractor_utils as au  # noqa: E402
from attractor_utils.runs.batching import batch_size  # noqa: E402
from attractor_utils.core.losses import fused_loss  # noqa: E402
from attractor_utils.core.models import MLPAutoencoder, MLPEnsemble, n_params  # noqa: E402


def _sync(dev):
    if dev.type == "cuda":
        torch.cuda.synchronize()


def timeit(fn, dev, repeat=3, number=1) -> float:
    """Best of ``repeat`` wall times of ``number`` calls, in seconds per call."""
    best = float("inf")
    for _ in range(repeat):
        _sync(dev)
        t = time.perf_counter()
        for _ in range(number):
            fn()
        _sync(dev)
        best = min(best, (time.perf_counter() - t) / number)
    return best


def matmul_peak(dev, n=2048) -> float:
    a = torch.randn(n, n, device=dev)
    b = torch.randn(n, n, device=dev)
    t = timeit(lambda: a @ b, dev, repeat=5, number=3)
    return 2 * n**3 / t


def train_flops_per_epoch(dim, width, depth, n) -> float:
    """Matmul FLOPs of one full-batch epoch: forward 2 n sum(in*out), backward twice that."""
    return 3 * 2 * n * n_params(dim, width, depth, bias=False)


def train_step(model, X, fused: bool = True):
    """One full-batch Adam epoch as a callable. ``fused=False`` is the step before issue 12: the autograd loss
    expression; ``fused=True`` is the library's (:func:`attractor_utils.core.losses.fused_loss`). Both read the loss
    back every epoch, as training on a CPU does."""
    opt = au.make_optimizer(model.parameters(), "adam", 1e-5)
    lf = (lambda out: fused_loss(out, X)) if fused else (lambda out: ((out - X) ** 2).mean(dim=(-2, -1)))

    def step():
        opt.zero_grad(set_to_none=True)
        L = lf(model(X))
        L.sum().backward()
        opt.step()
        L.detach().cpu()  # the per-epoch threshold check

    step()
    return step


def interleaved_times(steps: dict, dev, epochs: int, rounds: int = 3) -> dict:
    """Seconds per epoch of each step, best of ``rounds``; the rounds interleave the variants, so that a slow
    stretch of a noisy machine hits all of them instead of biasing one ratio."""
    best = {k: float("inf") for k in steps}
    for _ in range(rounds):
        for k, f in steps.items():
            best[k] = min(best[k], timeit(f, dev, repeat=1, number=epochs))
    return best


def bench_shortcut(dev, n_points=100, n_ref=1, full=False):
    m = MLPAutoencoder(3072, 128, 2, activation="relu", seed=0, device=dev)
    x = torch.rand(n_points, 3072, device=dev)
    t_fast = timeit(lambda: au.spectral_radius(m, x, method="shortcut"), dev, repeat=3)
    n_ref = n_points if full else n_ref
    t_ref = timeit(lambda: au.spectral_radius(m, x[:n_ref], method="autograd"), dev, repeat=1)
    err = float((au.spectral_radius(m, x[:n_ref], method="shortcut") -
                 au.spectral_radius(m, x[:n_ref], method="autograd")).abs().max())
    t_ref_100 = t_ref / n_ref * n_points
    return {"n_points": n_points, "shortcut_s": t_fast, "autograd_points_measured": n_ref,
            "autograd_s_measured": t_ref, "autograd_s_for_n_points": t_ref_100,
            "ratio": t_ref_100 / t_fast, "max_abs_diff_radius": err,
            "note": "autograd route timed on autograd_points_measured points and scaled linearly "
                    "(its cost is per point); --full times all of them"}


def bench_batched(dev, widths, depths, Ks, epochs, n=100, dim=3072):
    """Per thesis shape: one model at a time and K-member ensembles, before (autograd loss) and after (fused
    step), and the chunk size the library chooses (:func:`attractor_utils.runs.batching.batch_size`)."""
    X = torch.rand(n, dim, device=dev)
    rows = []
    for w in widths:
        for d in depths:
            flops = train_flops_per_epoch(dim, w, d, n)
            single = MLPAutoencoder(dim, w, d, activation="relu", seed=0, device=dev)
            steps = {"1_before": train_step(single, X, fused=False), "1": train_step(single, X)}
            for K in Ks:
                ens = MLPEnsemble.from_seeds(range(K), dim=dim, width=w, depth=d, activation="relu").to(dev)
                if K == max(Ks):  # the sweep before issue 12: every seed of a shape in one ensemble, autograd loss
                    steps[f"{K}_before"] = train_step(ens, X, fused=False)
                steps[str(K)] = train_step(ens, X)
            t = interleaved_times(steps, dev, epochs)
            t1_before, t1 = t["1_before"], t["1"]
            row = {"width": w, "depth": d, "single_epoch_s_before": t1_before, "single_epoch_s": t1,
                   "single_gflops": flops / t1 / 1e9}
            for K in Ks:
                if f"{K}_before" in t:
                    row[f"K{K}_epoch_s_before"] = t[f"{K}_before"]
                    row[f"K{K}_speedup_before"] = K * t1_before / t[f"{K}_before"]
                row[f"K{K}_epoch_s"] = t[str(K)]
                row[f"K{K}_speedup"] = K * t1 / t[str(K)]  # K one after another vs one batched epoch
                row[f"K{K}_gflops"] = K * flops / t[str(K)] / 1e9
            cfg = {"dim": dim, "width": w, "depth": d, "n": n}
            k = batch_size(cfg, dev, max_batch=max(Ks))
            row["chosen_K"] = k
            row["chosen_speedup"] = 1.0 if k == 1 else row.get(f"K{k}_speedup", float("nan"))
            row["chosen_gflops"] = row["single_gflops"] if k == 1 else row.get(f"K{k}_gflops", float("nan"))
            rows.append(row)
            print(f"  width {w:4d} depth {d:2d}: one at a time {1 / t1:6.1f} epochs/s ({row['single_gflops']:.0f} "
                  f"GFLOP/s; x{t1_before / t1:.2f} vs before); " +
                  "; ".join(f"K={K}: x{row[f'K{K}_speedup']:.2f}" for K in Ks) +
                  f"; before K={max(Ks)}: x{row[f'K{max(Ks)}_speedup_before']:.2f}; chosen K={k}: "
                  f"x{row['chosen_speedup']:.2f} ({row['chosen_gflops']:.0f} GFLOP/s)", flush=True)
    return rows


def bench_iteration(dev, n=100, steps=50):
    m = MLPAutoencoder(3072, 128, 2, activation="relu", seed=0, device=dev)
    x = torch.rand(n, 3072, device=dev)
    tol = 1e-30  # never converges: both paths do exactly `steps` map applications per point
    t_b = timeit(lambda: au.iterate(m, x, max_steps=steps, tol=tol), dev, repeat=3)
    t_l = timeit(lambda: [au.iterate(m, x[i : i + 1], max_steps=steps, tol=tol) for i in range(n)], dev, repeat=1)
    return {"n_points": n, "steps": steps, "batched_s": t_b, "per_point_loop_s": t_l, "ratio": t_l / t_b}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--device", default=None)
    ap.add_argument("--epochs", type=int, default=10, help="epochs per timing repeat")
    ap.add_argument("--full", action="store_true", help="time the autograd route on all 100 points")
    ap.add_argument("--quick", action="store_true", help="one grid shape only (for a smoke check)")
    ap.add_argument("--out", default=str(ROOT / "bench" / "results.json"))
    args = ap.parse_args(argv)
    dev = au.default_device(args.device)
    info = {"device": str(dev), "cuda_name": torch.cuda.get_device_name(0) if dev.type == "cuda" else None,
            "torch": torch.__version__, "threads": torch.get_num_threads(), "cpu": platform.processor(),
            "machine": platform.machine(), "date": time.strftime("%Y-%m-%d")}
    print(f"device {dev}, torch {torch.__version__}, {torch.get_num_threads()} threads", flush=True)
    peak = matmul_peak(dev)
    print(f"float32 matmul peak (2048^3): {peak / 1e9:.1f} GFLOP/s", flush=True)

    print("1. rank shortcut vs autograd Jacobian + eig", flush=True)
    sc = bench_shortcut(dev, full=args.full)
    print(f"   shortcut {sc['shortcut_s']:.3f} s vs autograd {sc['autograd_s_for_n_points']:.0f} s "
          f"for 100 points: x{sc['ratio']:.0f} (max |diff| of radii {sc['max_abs_diff_radius']:.1e})", flush=True)

    print("2./3. batched vs one-at-a-time training, thesis shapes (dim 3072, 100 images, Adam)", flush=True)
    widths, depths = ([128], [1]) if args.quick else ([32, 64, 128], [1, 2, 3, 6, 11])
    Ks = [2, 4, 16] if args.quick else [2, 4, 8, 16]
    rows = bench_batched(dev, widths, depths, Ks, args.epochs)
    for r in rows:
        for key in [f"K{K}" for K in Ks] + ["single", "chosen"]:
            r[f"{key}_frac_peak"] = r[f"{key}_gflops"] * 1e9 / peak
    frac = max(max(r[f"K{K}_gflops"] for K in Ks + [1] if f"K{K}_gflops" in r) for r in rows) * 1e9 / peak
    frac = max(frac, max(r["single_gflops"] for r in rows) * 1e9 / peak)
    frac_chosen = max(r["chosen_gflops"] for r in rows) * 1e9 / peak

    print("4. batched iteration vs per-point loop", flush=True)
    it = bench_iteration(dev)
    print(f"   x{it['ratio']:.1f} ({it['per_point_loop_s']:.2f} s vs {it['batched_s']:.3f} s)", flush=True)

    # projected full thesis grid: 15 shapes x bias {on, off} x data {CIFAR, random} x 4 repeats = 240 runs of
    # 50,000 epochs; a cell's 4 repeats train together in chunks of the chosen size (or one at a time)
    proj = None
    if not args.quick:
        def hours(epoch_s_of_row, runs_per_shape=16):
            return sum(epoch_s_of_row(r) for r in rows) * runs_per_shape * 50_000 / 3600

        def chosen(r):  # a grid cell has 4 repeats: chunks of min(chosen K, 4)
            k = min(r["chosen_K"], 4)
            return r["single_epoch_s"] if k == 1 else r[f"K{k}_epoch_s"] / k

        floor_s = sum(train_flops_per_epoch(3072, r["width"], r["depth"], 100) for r in rows) * 16 * 50_000 / peak
        proj = {"runs": 240, "epochs": 50_000,
                "before_one_at_a_time_hours": hours(lambda r: r["single_epoch_s_before"]),
                "one_at_a_time_hours": hours(lambda r: r["single_epoch_s"]),
                "batched_K4_hours": hours(lambda r: r["K4_epoch_s"] / 4),
                "chosen_hours": hours(chosen),
                "flop_floor_hours": floor_s / 3600}
        print(f"projected full thesis grid (240 runs x 50,000 epochs): {proj['chosen_hours']:.1f} h with the chosen "
              f"chunks, {proj['one_at_a_time_hours']:.1f} h one model at a time, {proj['batched_K4_hours']:.1f} h "
              f"batched K=4, {proj['before_one_at_a_time_hours']:.1f} h one at a time before the fused step; "
              f"FLOP floor (100% of the measured peak) {proj['flop_floor_hours']:.1f} h", flush=True)

    print(f"best achieved training throughput: {frac:.0%} of the measured matmul peak "
          f"({frac_chosen:.0%} with the chosen chunks)", flush=True)
    out = {"info": info, "matmul_peak_gflops": peak / 1e9, "shortcut_vs_autograd": sc, "batched_training": rows,
           "best_fraction_of_peak": frac,
           "best_fraction_of_peak_chosen": frac_chosen, "iteration": it, "thesis_grid_projection": proj}
    Path(args.out).write_text(json.dumps(out, indent=1) + "\n")
    md = Path(args.out).with_suffix(".md")
    md.write_text(report(out))
    print(f"wrote {args.out} and {md}")


def report(out: dict) -> str:
    """The benchmark's tables in Markdown, from its own results (bench/results.md)."""
    i, rows, peak = out["info"], out["batched_training"], out["matmul_peak_gflops"]
    Ks = sorted(int(k[1:-len("_epoch_s")]) for k in rows[0] if k.startswith("K") and k.endswith("_epoch_s"))
    Kmax = max(Ks)
    L = [f"# `make bench` results ({i['date']}, {i['device']}, torch {i['torch']}, {i['threads']} threads, "
         f"{i['machine']})", "", "Written by `bench/run.py` from its own measurements; every ratio compares timings "
         "taken side by side, interleaved, in this one run.", "",
         f"Measured float32 matmul peak (2048^3 GEMM): **{peak:.0f} GFLOP/s**.", "",
         f"## Training throughput, thesis shapes (dim 3072, 100 images, Adam)", "",
         "Ratio = K x (one model's epoch time) / (one K-member ensemble's epoch time): above 1 the ensemble is "
         "faster per member. *Before*: the step before issue 12 (autograd loss expression), with every seed of a "
         f"shape in one ensemble (K = {Kmax}); *chosen*: the chunk size `batch_size` picks on this device, with "
         "the fused step. GFLOP/s: matmul FLOPs of the chosen way per second.", "",
         "| width | depth | one at a time (epochs/s) | vs before | before K=%d | " % Kmax
         + " | ".join(f"K={K}" for K in Ks) + " | chosen K | chosen ratio | GFLOP/s | % of peak |",
         "|" + "---|" * (9 + len(Ks))]
    for r in rows:
        L.append(f"| {r['width']} | {r['depth']} | {1 / r['single_epoch_s']:.0f} | "
                 f"x{r['single_epoch_s_before'] / r['single_epoch_s']:.2f} | x{r[f'K{Kmax}_speedup_before']:.2f} | "
                 + " | ".join(f"x{r[f'K{K}_speedup']:.2f}" for K in Ks)
                 + f" | {r['chosen_K']} | x{r['chosen_speedup']:.2f} | {r['chosen_gflops']:.0f} | "
                 f"{r['chosen_frac_peak']:.0%} |")
    worst_before = min(r[f"K{Kmax}_speedup_before"] for r in rows)
    worst = min(r["chosen_speedup"] for r in rows)
    L += ["", f"Worst ratio over the shapes: before **x{worst_before:.2f}**, chosen **x{worst:.2f}**. Best training "
          f"throughput: **{out['best_fraction_of_peak']:.0%}** of the peak (any K), "
          f"**{out['best_fraction_of_peak_chosen']:.0%}** with the chosen chunks."]
    pr = out.get("thesis_grid_projection")
    if pr:
        L += ["", "## Projected full thesis grid (240 runs x 50,000 epochs)", "",
              "| way | hours |", "|---|---|",
              f"| one at a time, before the fused step | {pr['before_one_at_a_time_hours']:.1f} |",
              f"| one at a time | {pr['one_at_a_time_hours']:.1f} |",
              f"| 4 repeats of a cell batched (K = 4) | {pr['batched_K4_hours']:.1f} |",
              f"| chosen chunks | {pr['chosen_hours']:.1f} |",
              f"| FLOP floor (100% of the measured peak) | {pr['flop_floor_hours']:.1f} |"]
    sc, it = out["shortcut_vs_autograd"], out["iteration"]
    L += ["", "## Spectra and iteration", "",
          f"- Rank shortcut vs autograd Jacobian + eig (100 points, width 128, depth 2): {sc['shortcut_s']:.3f} s vs "
          f"{sc['autograd_s_for_n_points']:.0f} s (x{sc['ratio']:.0f}; autograd timed on "
          f"{sc['autograd_points_measured']} point(s) and scaled), max |difference| of the radii "
          f"{sc['max_abs_diff_radius']:.1e}.",
          f"- Batched iteration vs a per-point loop (100 points, 50 steps): x{it['ratio']:.1f}.", ""]
    return "\n".join(L)


if __name__ == "__main__":
    main()
