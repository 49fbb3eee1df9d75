"""How a sweep batches its runs: runs that differ only in their seeds train as one ensemble, as many at a time as
:func:`batch_size` says for their shape and device (a rule of the shape and device type only, never of a timing)."""
from __future__ import annotations

from typing import Sequence

from ..core.models import default_device, n_params
from .config import group_key

# On a CPU (calibrated by `make bench`, see bench/README.md): a model whose epoch is large enough already runs its
# GEMMs near the machine's rate, and stacking such models only adds memory traffic (the thesis shapes at width
# 128 trained 0.9-1.0x as fast per member in ensembles as one at a time); thinner models gain from batching as
# long as the ensemble's widest activation stays within the caches (K = 16 at width 32-64 ran slower than K = 8).
CPU_FULL_FLOPS = 4e8  # matmul FLOPs of one epoch from which one model at a time is as fast as any ensemble
CPU_FULL_ROWS = 64  # ... provided its batch has this many points: a GEMM with fewer rows never runs at full rate
CPU_BATCH_BYTES = 16 * 2**20  # the largest ensemble activation, K x n x max(dim, width) float32 values


def epoch_flops(c: dict) -> float:
    """Matmul FLOPs of one full-batch training epoch of configuration ``c`` (forward 2 n sum(in x out), backward
    twice that)."""
    return 6.0 * c["n"] * n_params(c["dim"], c["width"], c["depth"], bias=False)


def batch_size(c: dict, device=None, max_batch: int = 16, max_batch_params: float = 4e7) -> int:
    """How many runs of configuration ``c``'s shape :func:`attractor_utils.sweep` trains as one ensemble on ``device``.

    At most ``max_batch`` runs and ``max_batch_params`` parameters. On a CPU, one at a time when an epoch needs at
    least :data:`CPU_FULL_FLOPS` on at least :data:`CPU_FULL_ROWS` points, else the largest power of two whose widest
    activation fits :data:`CPU_BATCH_BYTES`. Shape and device type only, never a timing; an ensemble member and a
    lone run agree to float32 rounding, not bit for bit.

    >>> batch_size({"dim": 3072, "width": 64, "depth": 6, "n": 100}, "cpu")
    8
    >>> batch_size({"dim": 3072, "width": 128, "depth": 6, "n": 100}, "cpu")
    1
    >>> batch_size({"dim": 10, "width": 1000, "depth": 1, "n": 5}, "cpu")
    16
    >>> batch_size({"dim": 3072, "width": 128, "depth": 6, "n": 100}, "cuda")
    16
    """
    params = n_params(c["dim"], c["width"], c["depth"], bias=False)
    k = max(1, min(int(max_batch), int(max_batch_params // max(params, 1))))
    if default_device(device).type == "cpu":
        if epoch_flops(c) >= CPU_FULL_FLOPS and c["n"] >= CPU_FULL_ROWS:
            return 1
        fit = max(1, CPU_BATCH_BYTES // (4 * c["n"] * max(c["dim"], c["width"])))
        k = min(k, 1 << (int(fit).bit_length() - 1))
    return k


def chunk_batches(configs: Sequence[dict], device=None, max_batch: int = 16,
                  max_batch_params: float = 4e7) -> list[list[dict]]:
    """The batches a sweep trains ``configs`` in: runs sharing a :func:`group_key` together (first-seen order), as
    many at a time as :func:`batch_size` says for their shape on ``device``."""
    groups: dict[tuple, list[dict]] = {}
    for c in configs:
        groups.setdefault(group_key(c), []).append(c)
    out = []
    for g in groups.values():
        k = batch_size(g[0], device, max_batch, max_batch_params)
        out += [g[i : i + k] for i in range(0, len(g), k)]
    return out
