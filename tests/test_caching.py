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
from attractor_utils.caching import Cache, atomic_write_bytes, config_key


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
        from attractor_utils.caching import Cache
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
