"""`make bench`: performance ratios measured side by side in one run; writes bench/results.json.

1. rank shortcut vs full autograd Jacobian + eig (100 points, dim 3072, width 128);
2. K = 4 and K = 16 batched training vs K sequential trainings (epochs/s) at the ReLU-grid shapes;
3. achieved training FLOP/s as a fraction of this machine's measured float32 matmul peak;
4. batched iteration vs a per-point loop;
and the projected time of the full 240-run thesis grid from the measured per-epoch costs.
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
from attractor_utils.models import MLPAutoencoder, MLPEnsemble  # noqa: E402


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
    macs = dim * width + (depth - 1) * width * width + width * dim
    return 3 * 2 * n * macs


def epoch_time(model, X, dev, epochs: int) -> float:
    opt = au.make_optimizer(model.parameters(), "adam", 1e-5)
    lf = lambda out: ((out - X) ** 2).mean(dim=(-2, -1)).sum()

    def step():
        opt.zero_grad(set_to_none=True)
        L = lf(model(X))
        L.backward()
        opt.step()
        float(L.detach())  # the per-epoch threshold check train() makes

    step()
    return timeit(step, dev, repeat=3, number=epochs)


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
    X = torch.rand(n, dim, device=dev)
    rows = []
    for w in widths:
        for d in depths:
            single = MLPAutoencoder(dim, w, d, activation="relu", seed=0, device=dev)
            t1 = epoch_time(single, X, dev, epochs)
            row = {"width": w, "depth": d, "single_epoch_s": t1,
                   "single_gflops": train_flops_per_epoch(dim, w, d, n) / t1 / 1e9}
            for K in Ks:
                ens = MLPEnsemble.from_seeds(range(K), dim=dim, width=w, depth=d, activation="relu").to(dev)
                tK = epoch_time(ens, X, dev, epochs)
                row[f"K{K}_epoch_s"] = tK
                row[f"K{K}_speedup"] = K * t1 / tK  # K sequential epochs vs one batched epoch
                row[f"K{K}_gflops"] = K * train_flops_per_epoch(dim, w, d, n) / tK / 1e9
            rows.append(row)
            print(f"  width {w:4d} depth {d:2d}: single {1 / t1:7.1f} epochs/s; " +
                  "; ".join(f"K={K}: x{row[f'K{K}_speedup']:.2f} ({row[f'K{K}_gflops']:.1f} GFLOP/s)" for K in Ks),
                  flush=True)
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

    print("2./3. batched vs sequential training, ReLU-grid shapes (dim 3072, 100 images)", flush=True)
    widths, depths = ([128], [1]) if args.quick else ([32, 64, 128], [1, 6, 11])
    rows = bench_batched(dev, widths, depths, [4, 16], args.epochs)
    frac = max(r["K16_gflops"] for r in rows) * 1e9 / peak
    for r in rows:
        r["K4_frac_peak"] = r["K4_gflops"] * 1e9 / peak
        r["K16_frac_peak"] = r["K16_gflops"] * 1e9 / peak
        r["single_frac_peak"] = r["single_gflops"] * 1e9 / peak

    print("4. batched iteration vs per-point loop", flush=True)
    it = bench_iteration(dev)
    print(f"   x{it['ratio']:.1f} ({it['per_point_loop_s']:.2f} s vs {it['batched_s']:.3f} s)", flush=True)

    # projected full thesis grid: 15 shapes x bias {on, off} x data {CIFAR, random} x 4 repeats,
    # 50,000 epochs; the 4 repeats of a grid cell train as one K=4 ensemble.
    proj = None
    if not args.quick:
        per_cell = {(r["width"], r["depth"]): r["K4_epoch_s"] for r in rows}
        d_all = [1, 2, 3, 6, 11]
        # depths 2 and 3 are not timed: interpolate linearly in depth between 1 and 6 (cost is affine in depth)
        def cost(w, d):
            if (w, d) in per_cell:
                return per_cell[(w, d)]
            a, b = per_cell[(w, 1)], per_cell[(w, 6)]
            return a + (b - a) * (d - 1) / 5
        epoch_sum = sum(cost(w, d) for w in widths for d in d_all)
        proj_s = epoch_sum * 4 * 50_000  # 4 = bias x data groups per shape, each one K=4 ensemble
        single = {(r["width"], r["depth"]): r["single_epoch_s"] for r in rows}
        def cost1(w, d):
            if (w, d) in single:
                return single[(w, d)]
            a, b = single[(w, 1)], single[(w, 6)]
            return a + (b - a) * (d - 1) / 5
        seq_s = sum(cost1(w, d) for w in widths for d in d_all) * 16 * 50_000
        proj = {"batched_K4_hours": proj_s / 3600, "sequential_hours": seq_s / 3600, "runs": 240, "epochs": 50_000}
        print(f"projected full thesis grid (240 runs x 50,000 epochs): {proj['batched_K4_hours']:.1f} h batched "
              f"(K=4 repeats per ensemble) vs {proj['sequential_hours']:.1f} h one model at a time", flush=True)

    print(f"best achieved training throughput: {frac:.0%} of the measured matmul peak", flush=True)
    out = {"info": info, "matmul_peak_gflops": peak / 1e9, "shortcut_vs_autograd": sc, "batched_training": rows,
           "best_fraction_of_peak": frac, "iteration": it, "thesis_grid_projection": proj}
    Path(args.out).write_text(json.dumps(out, indent=1) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
