"""The content-addressed cache: keys, atomic entries, a killed writer never leaves a readable half entry."""
import json
import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest
import torch

import attractor_utils as au
from attractor_utils.files import atomic_write_bytes
from attractor_utils.runs.caching import Cache, config_key


def test_key_is_canonical():
    a = config_key({"width": 10, "lr": 1.0, "x": [1, 2]})
    assert a == config_key({"x": [1, 2], "lr": 1, "width": 10})  # order and 1 vs 1.0 do not matter
    assert a != config_key({"width": 11, "lr": 1.0, "x": [1, 2]})
    with pytest.raises(TypeError, match="cache key"):
        config_key({"f": object()})


def test_put_get_roundtrip_with_state(tmp_path):
    c = Cache(tmp_path)
    cfg = {"a": 1}
    assert c.get(cfg) is None and cfg not in c
    m = au.MLPAutoencoder(4, 3, 1, seed=0)
    c.put(cfg, {"final_loss": 0.5, "nan": float("nan")}, m.state_dict())
    assert cfg in c and c.get(cfg)["final_loss"] == 0.5
    st = c.load_state(cfg)
    m2 = au.MLPAutoencoder(4, 3, 1, seed=1)
    m2.load_state_dict(st)
    assert all(torch.equal(p, q) for p, q in zip(m.parameters(), m2.parameters()))


def test_failed_write_leaves_old_file_and_no_temp(tmp_path, monkeypatch):
    p = tmp_path / "x.json"
    atomic_write_bytes(p, b"old")

    def boom(*a, **k):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(OSError):
        atomic_write_bytes(p, b"new")
    assert p.read_bytes() == b"old"
    assert [f.name for f in tmp_path.iterdir()] == ["x.json"]


def test_killed_run_never_leaves_a_readable_half_entry(tmp_path):
    """A writer killed (SIGKILL) at random moments while storing big entries: every entry the cache
    reports is complete and loads; entries it does not report are simply absent."""
    script = textwrap.dedent(f"""
        import torch
        from attractor_utils.runs.caching import Cache
        c = Cache({str(tmp_path)!r})
        state = {{"w": torch.randn(3000, 3000)}}   # ~36 MB per entry: writes take a while
        i = 0
        import sys
        i = int(sys.argv[1])
        while True:
            c.put({{"i": i}}, {{"i": i}}, state)
            print("stored", i, flush=True)
            i += 1
    """)
    start = 0
    for delay in (0.0, 0.05, 0.2):
        proc = subprocess.Popen([sys.executable, "-c", script, str(start)], stdout=subprocess.PIPE, text=True)
        line = proc.stdout.readline()  # one entry finished; the next one is being written
        assert line.startswith("stored")
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        start += 100
    c = Cache(tmp_path)
    complete = []
    for i in range(300):
        r = c.get({"i": i})
        if r is not None:
            assert r == {"i": i}
            assert c.load_state({"i": i})["w"].shape == (3000, 3000)  # a complete, loadable model
            complete.append(i)
    assert complete, "the writer never finished an entry: make the delays longer"
    # the killed writes left directories without result.json (or temporaries); none of them is served
    for d in tmp_path.glob("*/*"):
        if not (d / "result.json").exists() and (d / "config.json").exists():
            cfg = json.loads((d / "config.json").read_text())
            assert c.get(cfg) is None and c.load_state(cfg) is None


def _flip_byte(path, offset_from_end=100):
    b = bytearray(path.read_bytes())
    i = max(0, len(b) - offset_from_end)
    b[i] ^= 0x5A
    path.write_bytes(bytes(b))


_DAMAGE = {
    "bit flip in model.pt": lambda d: _flip_byte(d / "model.pt"),
    "bit flip in model.pt's tensor data": lambda d: _flip_byte(d / "model.pt", (d / "model.pt").stat().st_size // 2),
    "bit flip in result.json": lambda d: (d / "result.json").write_text(
        (d / "result.json").read_text().replace('"epochs": ', '"epochs": 1')),
    "truncated result.json": lambda d: (d / "result.json").write_bytes((d / "result.json").read_bytes()[:20]),
    "empty result object": lambda d: (d / "result.json").write_text("{}"),
    "deleted model.pt": lambda d: (d / "model.pt").unlink(),
    "truncated model.pt": lambda d: (d / "model.pt").write_bytes((d / "model.pt").read_bytes()[:1000]),
    "deleted result.json": lambda d: (d / "result.json").unlink(),
    "garbage manifest": lambda d: (d / "manifest.json").write_text("not json"),
}


@pytest.mark.parametrize("damage", sorted(_DAMAGE))
def test_a_damaged_entry_is_named_moved_aside_and_retrained_to_the_same_numbers(tmp_path, damage):
    import warnings

    import attractor_utils as au
    from attractor_utils.runs.caching import CorruptEntryWarning

    cfg = au.make_config(data="sphere", n=2, dim=4, radius=1.0, width=16, activation="tanh", optimizer="gd", lr=0.5,
                         max_epochs=30, loss_threshold=1e-12)
    cache = Cache(tmp_path)
    (clean,) = au.train_runs([cfg], cache=cache, progress=False)
    d = cache.path(cfg)
    _DAMAGE[damage](d)
    fresh = Cache(tmp_path)  # a new process would see the damage: no verification memo
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        assert cfg not in fresh
    msgs = [str(x.message) for x in w if issubclass(x.category, CorruptEntryWarning)]
    assert msgs and str(d) in msgs[0], msgs  # the entry is named
    assert list((tmp_path / "_corrupt").glob(f"*/{d.name}"))  # and kept for inspection, not deleted
    (again,) = au.train_runs([cfg], cache=fresh, progress=False)
    assert again.result["final_loss"] == clean.result["final_loss"]
    for k, v in clean.model.state_dict().items():
        torch.testing.assert_close(again.model.state_dict()[k], v, rtol=0, atol=0)


def test_entries_without_a_manifest_are_checked_and_sealed(tmp_path):
    c = Cache(tmp_path)
    c.put({"a": 1}, {"x": 1}, {"w": torch.ones(3)})
    d = c.path({"a": 1})
    (d / "manifest.json").unlink()  # as written by an older version
    assert {"a": 1} in Cache(tmp_path) and (d / "manifest.json").is_file()
    (d / "manifest.json").unlink()
    (d / "model.pt").write_bytes(b"junk")
    with pytest.warns(RuntimeWarning, match="model.pt does not load"):
        assert Cache(tmp_path).get({"a": 1}) is None


def test_rewriting_an_entry_withdraws_the_old_result_first(tmp_path, monkeypatch):
    """A writer that dies after the new model.pt but before the new result: the entry is not served with the
    old result beside the new weights."""
    from pathlib import Path

    import attractor_utils.runs.caching as caching

    c = Cache(tmp_path)
    c.put({"a": 1}, {"v": "old"}, {"w": torch.zeros(3)})
    real = caching.atomic_write_text

    def die_on_result(path, text):
        if Path(path).name == "result.json":
            raise KeyboardInterrupt("killed")
        return real(path, text)

    monkeypatch.setattr(caching, "atomic_write_text", die_on_result)
    with pytest.raises(KeyboardInterrupt):
        c.put({"a": 1}, {"v": "new"}, {"w": torch.ones(3)})
    monkeypatch.setattr(caching, "atomic_write_text", real)
    fresh = Cache(tmp_path)
    assert fresh.get({"a": 1}) is None and fresh.load_state({"a": 1}) is None


def test_atomic_writes_get_the_usual_file_mode(tmp_path):
    """mkstemp creates 0600 files; a figure or CSV must get the mode the user's umask gives (e.g. 0644)."""
    old = os.umask(0o022)
    try:
        atomic_write_bytes(tmp_path / "f.csv", b"x")
        assert (tmp_path / "f.csv").stat().st_mode & 0o777 == 0o644
    finally:
        os.umask(old)


def test_a_read_only_cache_from_before_manifests_is_still_served(tmp_path, monkeypatch):
    c = Cache(tmp_path)
    c.put({"a": 1}, {"x": 1}, {"w": torch.ones(2)})
    (c.path({"a": 1}) / "manifest.json").unlink()  # an entry written before manifests existed

    def read_only(*a, **k):
        raise PermissionError("read-only file system")

    monkeypatch.setattr(Cache, "_write_manifest", read_only)
    fresh = Cache(tmp_path)
    assert fresh.get({"a": 1}) == {"x": 1} and fresh.load_state({"a": 1})["w"].sum() == 2
