"""`make bench` part 4 (alone: `make bench-limit`): the infinite-width limit of notebook 03 against one trained
network: the whole limit curve (:func:`attractor_utils.analyses.limit.limit_table`) and the training of the figure's
widest default-preset network (no cache), timed in one run, and their ratio. Writes bench/limit.json and
bench/limit.md (bench/README.md). Not a test: nothing asserts a time.
"""
from __future__ import annotations

import json
import platform
import time
from pathlib import Path

import torch

from attractor_utils.analyses.limit import limit_table
from attractor_utils.runs.config import build_model, sphere_config, train_kwargs
from attractor_utils.core.training import train
from attractor_utils.data.registry import make_data

ROOT = Path(__file__).resolve().parent.parent
RECIPE = dict(dim=32, activation="sigmoid", bias=False, loss_threshold=1e-7, max_epochs=20000)


def main() -> dict:
    configs = [sphere_config(n=n, width=1000, radius=r, seed=0, **RECIPE) for n in (5, 20, 40) for r in range(5, 55, 5)]
    t = time.perf_counter()
    lim = limit_table(configs, draws=20)
    t_limit = time.perf_counter() - t
    c = sphere_config(n=5, width=100000, radius=50, seed=0, **RECIPE)
    X, _ = make_data(c)
    model = build_model(c, device="cpu")
    t = time.perf_counter()
    tr = train(model, X.float(), **train_kwargs(c))
    t_train = time.perf_counter() - t
    out = {"machine": platform.processor() or platform.machine(), "torch": torch.__version__,
           "threads": torch.get_num_threads(), "date": time.strftime("%Y-%m-%d"),
           "limit_curve_s": round(t_limit, 2), "limit_recipes": len(configs), "limit_rows": len(lim),
           "train_width_1e5_s": round(t_train, 2), "train_final_loss": float(tr.final_loss),
           "ratio_train_over_limit": round(t_train / t_limit, 2)}
    (ROOT / "bench" / "limit.json").write_text(json.dumps(out, indent=1) + "\n")
    md = ("# The infinite-width limit (`bench/limit.py`)\n\n"
          f"{out['date']}, {out['machine']}, torch {out['torch']}, {out['threads']} threads.\n\n"
          "| what | seconds |\n|---|---|\n"
          f"| notebook 03's whole limit curve: n 5, 20, 40 x radii 5-50 ({len(configs)} recipes), 20 draws each | "
          f"{out['limit_curve_s']} |\n"
          f"| one finite network of that figure: n 5, r 50, width 100,000 (the default preset's widest), flow to loss 1e-7 (reached "
          f"{out['train_final_loss']:.1e}) | {out['train_width_1e5_s']} |\n"
          f"| ratio: the one network / the whole limit curve | {out['ratio_train_over_limit']} |\n")
    (ROOT / "bench" / "limit.md").write_text(md)
    print(md)
    return out


if __name__ == "__main__":
    main()
