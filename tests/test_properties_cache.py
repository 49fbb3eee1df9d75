"""Properties (issue 28, item 4): a configuration's cache key does not depend on the order of its keys or on the
scalar type of equal values (Python, numpy, 0-d torch; 1 and 1.0), changes when any value changes (to another
value, or to another kind of value: a number, its text, a bool), and a round trip through the cache returns the
very weights stored."""
from __future__ import annotations

import math
import tempfile

import numpy as np
import torch
from hypothesis import example, given, strategies as st

from attractor_utils.core.models import MLPAutoencoder
from attractor_utils.runs.caching import Cache, config_key

NAMES = st.text("abcdefghijklmnopqrstuvwxyz_", min_size=1, max_size=8)
# the values a configuration holds: numbers of every size, names, flags, None, lists of numbers; strings that read
# like numbers are among them, since a number and its text are two configurations
FLOATS = st.floats(allow_nan=False, allow_infinity=False)
SCALARS = st.one_of(st.integers(-(2**62), 2**62), FLOATS, st.booleans(), st.none(), NAMES,
                    FLOATS.map(repr), st.integers(-100, 100).map(str))
VALUES = st.one_of(SCALARS, st.lists(st.one_of(st.integers(-1000, 1000), FLOATS), max_size=3))
CONFIGS = st.dictionaries(NAMES, VALUES, min_size=1, max_size=8)


def kind(v) -> str:
    """What a value is, for a configuration: a flag, a number, text, nothing or a list (1 and 1.0 are one number)."""
    if isinstance(v, (bool, np.bool_)):
        return "flag"
    if isinstance(v, (int, float, np.integer, np.floating)):
        return "number"
    return {str: "text", type(None): "none", list: "list"}[type(v)]


def same_value(a, b) -> bool:
    if isinstance(a, list) or isinstance(b, list):
        return isinstance(a, list) and isinstance(b, list) and len(a) == len(b) and all(map(same_value, a, b))
    return kind(a) == kind(b) and a == b


@st.composite
def equal_form(draw, v):
    """``v`` in another scalar type holding the same value (a float32 only where it is exact)."""
    if isinstance(v, list):
        return [draw(equal_form(x)) for x in v]
    if isinstance(v, bool):
        return draw(st.sampled_from([v, np.bool_(v), torch.tensor(v)]))
    if isinstance(v, int):
        forms = [v, np.int64(v), torch.tensor(v)]
        if abs(v) < 2**53 or float(v) == v:
            forms.append(float(v))
        return draw(st.sampled_from(forms))
    if isinstance(v, float):
        forms = [v, np.float64(v), torch.tensor(v, dtype=torch.float64)]
        if abs(v) < 3e38 and float(np.float32(v)) == v:
            forms += [np.float32(v), torch.tensor(v, dtype=torch.float32)]
        if v.is_integer():
            forms.append(int(v))
        return draw(st.sampled_from(forms))
    return v


@given(cfg=CONFIGS, data=st.data())
def test_the_key_ignores_key_order(cfg, data):
    order = data.draw(st.permutations(list(cfg)))
    assert config_key({k: cfg[k] for k in order}) == config_key(cfg)


@st.composite
def equal_configs(draw) -> tuple[dict, dict]:
    """A configuration, and the same one with each value in a drawn form holding the same value."""
    cfg = draw(CONFIGS)
    return cfg, {k: draw(equal_form(v)) for k, v in cfg.items()}


@example(case=({"bias": True}, {"bias": np.bool_(True)}))  # a numpy bool was refused as part of a key
@example(case=({"width": 16}, {"width": torch.tensor(16)}))  # so was a 0-d tensor
@example(case=({"max_epochs": 2**60}, {"max_epochs": float(2**60)}))  # an integral float >= 2**53: another key
@given(case=equal_configs())
def test_the_key_ignores_the_scalar_type_of_equal_values(case):
    cfg, forms = case
    assert config_key(forms) == config_key(cfg)


@st.composite
def changed_configs(draw) -> tuple[dict, str, object]:
    """A configuration, one of its names, and another value for it (not the same value in another form)."""
    cfg = draw(CONFIGS)
    name = draw(st.sampled_from(sorted(cfg)))
    old = cfg[name]
    text = repr(old) if isinstance(old, float) else str(old)  # the value written as text: another value
    new = draw(st.one_of(VALUES, st.just(text)).filter(lambda v: not same_value(old, v)))
    return cfg, name, new


@example(case=({"lr": 0.5}, "lr", "0.5"))  # a number and its text had one key
@example(case=({"x": -1e300}, "x", "-1e+300"))
@example(case=({"x": 3}, "x", True))
@given(case=changed_configs())
def test_the_key_changes_when_a_value_changes(case):
    cfg, name, new = case
    assert config_key({**cfg, name: new}) != config_key(cfg)


@given(v=st.one_of(FLOATS, st.sampled_from([float("nan"), float("inf"), -float("inf")])))
def test_a_number_and_its_text_have_different_keys(v):
    assert config_key({"x": v}) != config_key({"x": repr(v)})
    assert config_key({"x": v}) != config_key({"x": str(v)})


@given(cfg=CONFIGS, name=NAMES, new=VALUES)
def test_the_key_changes_when_a_key_is_added(cfg, name, new):
    if name in cfg:
        return
    assert config_key({**cfg, name: new}) != config_key(cfg)


@given(dim=st.integers(1, 6), width=st.integers(1, 8), depth=st.integers(1, 3), bias=st.booleans(),
       dtype=st.sampled_from([torch.float32, torch.float64]), seed=st.integers(0, 2**31), data=st.data())
def test_a_round_trip_through_the_cache_returns_the_stored_weights(dim, width, depth, bias, dtype, seed, data):
    m = MLPAutoencoder(dim, width, depth, activation="tanh", bias=bias, seed=seed, dtype=dtype)
    cfg = {"dim": dim, "width": width, "depth": depth, "bias": bias, "seed": seed, "dtype": str(dtype)}
    result = {"final_loss": data.draw(FLOATS), "epochs": data.draw(st.integers(0, 10**6))}
    with tempfile.TemporaryDirectory() as root:
        Cache(root).put(cfg, result, m.state_dict())
        fresh = Cache(root)  # another process's view: nothing remembered
        asked = {k: data.draw(equal_form(v)) for k, v in cfg.items()}  # the same run, its values in other forms
        state = fresh.load_state(asked)
        assert state is not None and fresh.get(asked) == result
    want = m.state_dict()
    assert state.keys() == want.keys()
    for k, v in want.items():
        assert state[k].dtype == v.dtype and torch.equal(state[k], v) and not math.isnan(float(state[k].sum()))
