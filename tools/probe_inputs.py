"""Send bad inputs through the public API, as a new user would, and count how each is answered.

    python tools/probe_inputs.py            # the package on sys.path (this checkout)
    PYTHONPATH=/path/to/other/checkout python tools/probe_inputs.py --no-root   # another version

Each case is classified as
  clear   an exception at the call that takes the value, whose message names the parameter;
  late    make_config accepted the value, and training (or the next step) refused it by name;
  obscure an exception that does not name the parameter (an internal traceback);
  silent  no exception at all.
Prints one line per case and the four counts. Tiny models: runs in seconds on a CPU.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import warnings
from pathlib import Path

NAN, INF = float("nan"), float("inf")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--no-root", action="store_true", help="do not put this checkout first on sys.path")
    ap.add_argument("-q", "--quiet", action="store_true", help="print the counts only")
    args = ap.parse_args(argv)
    if not args.no_root:
        sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    import numpy as np
    import torch

    import attractor_utils as au
    from attractor_utils import noise_basins
    from attractor_utils.core.models import MLPAutoencoder

    warnings.simplefilter("ignore")
    print(f"attractor_utils from {Path(au.__file__).parent}")
    tmp = Path(tempfile.mkdtemp())
    base = dict(data="sphere", n=2, dim=4, radius=1.0, width=8, activation="tanh", optimizer="gd", lr=0.1,
                max_epochs=3)
    X = au.sphere_points(3, 4, 1.0, seed=0)

    def model():
        return MLPAutoencoder(4, 8, 1, activation="tanh", seed=0)

    cases: list[tuple[str, str, object]] = []  # (label, parameter name, action or ("config", kw))

    config_bad = {
        "lr": [-1, 0, NAN, INF, "5", True], "loss_threshold": [NAN, -1.0, 0, INF], "activation": ["bogus", 3],
        "width": [True, 0, -1, 2.5, "10"], "depth": [0, 1.5, True], "dim": [-3, 0, 2.0], "n": [0, -1, 3.5],
        "max_epochs": [-1, 1.5], "radius": [0, -1, NAN, INF], "seed": [-1, 1.5], "data_seed": [-2],
        "optimizer": ["sgd"], "schedule": ["linear"], "loss": ["l1"], "task": ["bogus"], "dtype": ["float16"],
        "data": ["imagenet"], "parameterization": ["mup"], "bias": [1, "yes"], "keep_best": [1],
        "momentum": [1.0, -0.1], "weight_decay": [-1], "plateau_factor": [0, 1], "plateau_patience": [-1],
        "lr_min": [-1, 5.0], "init": ["bogus", 7],
    }
    for k, vals in config_bad.items():
        for v in vals:
            cases.append((f"make_config({k}={v!r})", k, ("config", {**base, k: v})))
    cases.append(("make_config(ntk, init='xavier_uniform')", "init",
                  ("config", {**base, "parameterization": "ntk", "init": "xavier_uniform"})))
    cases.append(("make_config(sequence, cycle_len=3, n=4)", "cycle_len",
                  ("config", {**base, "n": 4, "task": "sequence", "cycle_len": 3})))
    cases.append(("make_config(widht=8)", "widht", ("config", {**base, "widht": 8})))

    train_bad = {"lr": [-1.0, NAN, INF], "loss_threshold": [NAN, -1.0], "max_epochs": [-1, 2.5, True],
                 "optimizer": ["lbfgs"], "schedule": ["step"], "keep_best": [1], "on_diverge": ["ignore"],
                 "loss": ["l1"]}
    for k, vals in train_bad.items():
        for v in vals:
            cases.append((f"train({k}={v!r})", k, lambda k=k, v=v: au.train(model(), X, progress=False, **{k: v})))
    for label, data in [("NaN", torch.full((3, 4), NAN)), ("inf", torch.full((3, 4), INF)),
                        ("empty", torch.zeros(0, 4)), ("wrong dim", torch.zeros(3, 5)), ("1-d", torch.zeros(4)),
                        ("list", [[0.0] * 4] * 3)]:
        cases.append((f"train(X {label})", "X", lambda d=data: au.train(model(), d, max_epochs=3, progress=False)))
    cases.append(("train(Y wrong shape)", "Y", lambda: au.train(model(), X, Y=torch.zeros(2, 4), progress=False)))
    cases.append(("train(Y NaN)", "Y", lambda: au.train(model(), X, Y=torch.full((3, 4), NAN), progress=False)))
    ens = lambda: au.MLPEnsemble.from_seeds([0, 1], dim=4, width=8, depth=1, activation="tanh")  # noqa: E731
    cases.append(("train_ensemble(max_epochs=-1)", "max_epochs",
                  lambda: au.train(ens(), X, optimizer="gd", lr=0.1, max_epochs=-1, progress=False)))
    cases.append(("train(ensemble, on_diverge='ignore')", "on_diverge",
                  lambda: au.train(ens(), X, optimizer="gd", lr=0.1, on_diverge="ignore", progress=False)))
    cases.append(("make_optimizer(lr=0)", "lr", lambda: au.make_optimizer(model().parameters(), "gd", lr=0)))

    for k, v in [("radius", INF), ("radius", NAN), ("radius", 0.0), ("radius", -1.0), ("n", 0), ("n", True),
                 ("n", 2.0), ("dim", 0), ("seed", -1), ("seed", 0.5)]:
        kw = {"n": 3, "dim": 4, "radius": 1.0, "seed": 0, k: v}
        cases.append((f"sphere_points({k}={v!r})", k, lambda kw=kw: au.sphere_points(**kw)))
    for k, v in [("max_steps", -1), ("max_steps", 1.5), ("tol", 0.0), ("tol", NAN), ("tol", -1e-3),
                 ("chunk_size", 0)]:
        cases.append((f"iterate({k}={v!r})", k, lambda k=k, v=v: au.iterate(model(), X, **{"max_steps": 5, k: v})))
    cases.append(("iterate(x0 NaN)", "x0", lambda: au.iterate(model(), torch.full((2, 4), NAN), max_steps=3)))
    cases.append(("iterate(x0 empty)", "x0", lambda: au.iterate(model(), torch.zeros(0, 4), max_steps=3)))
    for v in (-1, 2.5):
        cases.append((f"orbit(steps={v!r})", "steps", lambda v=v: au.orbit(model(), X, v)))
    cases.append(("orbit(x0 NaN)", "x0", lambda: au.orbit(model(), torch.full((1, 4), NAN), 3)))
    relu = lambda: MLPAutoencoder(4, 8, 1, activation="relu", bias=False, seed=0)  # noqa: E731
    cases.append(("spectral_radius(NaN point)", "x", lambda: au.spectral_radius(relu(), torch.full((1, 4), NAN))))
    cases.append(("spectral_radius(wrong dim)", "x", lambda: au.spectral_radius(relu(), torch.zeros(1, 5))))
    cases.append(("classify_attractors(empty)", "X", lambda: au.classify_attractors(model(), torch.zeros(0, 4))))
    cases.append(("classify_attractors(inf)", "X", lambda: au.classify_attractors(model(), torch.full((2, 4), INF))))
    for k, v in [("max_steps", 0), ("trials", 0), ("noise_radius", NAN), ("success_tol", 0.0)]:
        cases.append((f"basin_success({k}={v!r})", k,
                       lambda k=k, v=v: noise_basins.basin_success(model(), X, **{"noise_radius": 0.1, k: v})))
    for k, v in [("seeds", []), ("seeds", [0.5]), ("widths", [0]), ("radii", [5, -1]), ("activations", ["bogus"]),
                 ("datasets", ["imagenet"]), ("n_points", 0), ("max_epochs", -5)]:
        table = {p: {"seeds": [0]} for p in au.PRESETS}
        cases.append((f"setup_notebook({k}={v!r})", k, lambda k=k, v=v, t=table: au.setup_notebook("smoke", t, **{k: v})))

    # numpy scalars and arrays a user passes by accident must be accepted (no exception = right here)
    good = [("make_config(width=np.int64(8))", lambda: au.make_config(**{**base, "width": np.int64(8)})),
            ("make_config(lr=np.float32(1e-3))", lambda: au.make_config(**{**base, "lr": np.float32(1e-3)})),
            ("make_optimizer(lr=np.float32(1e-3))",
             lambda: au.make_optimizer(model().parameters(), "gd", lr=np.float32(1e-3))),
            ("train(Y numpy)", lambda: au.train(model(), X, Y=X.numpy(), max_epochs=2, progress=False))]

    counts = {"clear": 0, "late": 0, "obscure": 0, "silent": 0}
    lines = []
    cache = au.Cache(tmp / "cache")
    for label, name, action in cases:
        stage = "call"
        try:
            if isinstance(action, tuple):
                c = au.make_config(**action[1])
                stage = "late"
                au.train_runs([c], cache=cache, progress=False)
            else:
                action()
            verdict, msg = "silent", ""
        except Exception as e:  # noqa: BLE001 - classifying any answer is the point
            msg = f"{type(e).__name__}: {str(e)[:90]}"
            named = name in str(e)
            verdict = ("clear" if stage == "call" else "late") if named else "obscure"
        counts[verdict] += 1
        lines.append(f"{verdict:8s} {label:45s} {msg}")
    wrong = 0
    for label, action in good:
        try:
            action()
            lines.append(f"{'accepted':8s} {label}")
        except Exception as e:  # noqa: BLE001
            wrong += 1
            lines.append(f"{'REFUSED':8s} {label:45s} {type(e).__name__}: {str(e)[:90]}")
    if not args.quiet:
        print("\n".join(lines))
    print(f"{len(cases)} bad inputs: " + ", ".join(f"{k} {v}" for k, v in counts.items())
          + f"; {len(good) - wrong} of {len(good)} valid numpy/scalar inputs accepted")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
