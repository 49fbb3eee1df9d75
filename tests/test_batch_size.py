"""The chunk size sweeps train ensembles in: a rule of shape and device type, within the caps."""
import pytest

import attractor_utils as au
from attractor_utils.runs import batching as E


def cfg(dim, width, depth, n):
    return {"dim": dim, "width": width, "depth": depth, "n": n}


@pytest.mark.parametrize("c", [cfg(3072, w, d, 100) for w in (32, 64, 128) for d in (1, 2, 3, 6, 11)]
                         + [cfg(784, 512, 4, 100), cfg(10, 1000, 1, 5), cfg(2, 1000, 2, 3), cfg(100, 100000, 1, 5)])
def test_batch_size_rule(c):
    k = E.batch_size(c, "cpu")
    assert 1 <= k <= 16 and k & (k - 1) == 0
    assert k * c["n"] * max(c["dim"], c["width"]) * 4 <= max(E.CPU_BATCH_BYTES, c["n"] * max(c["dim"], c["width"]) * 4)
    if E.epoch_flops(c) >= E.CPU_FULL_FLOPS and c["n"] >= E.CPU_FULL_ROWS:
        assert k == 1  # one such model already fills the GEMMs
    assert E.batch_size(c, "cpu", max_batch=3) <= 3
    params = c["dim"] * c["width"] * 2 + (c["depth"] - 1) * c["width"] ** 2
    assert E.batch_size(c, "cuda") == min(16, max(1, int(4e7 // params)))  # on a GPU: as many as the caps allow
    assert E.batch_size(c, "cuda", max_batch_params=2.5 * params) == 2


def test_sweep_chunks_by_the_rule():
    thin = [au.make_config(data="uniform_images", n=100, width=32, depth=6, seed=s, max_epochs=1) for s in range(16)]
    wide = [au.make_config(data="uniform_images", n=100, width=128, depth=6, seed=s, max_epochs=1) for s in range(3)]
    chunks = E.chunk_batches(thin + wide, "cpu", 16, 4e7)
    assert sorted(len(ch) for ch in chunks) == [1, 1, 1, 8, 8]
    assert sorted(len(ch) for ch in E.chunk_batches(thin + wide, "cuda", 16, 4e7)) == [3, 16]


def test_epoch_flops():
    assert E.epoch_flops(cfg(3072, 128, 6, 100)) == 6 * 100 * (3072 * 128 * 2 + 5 * 128 * 128)
