"""Property (issue 28, item 1): every public entry takes a number in any form (a Python, numpy or 0-d torch scalar)
and gives the same answer for the same value, and refuses the same invalid values (bool as a number, NaN, inf, out
of range, a non-integral or non-numeric value) with a ValueError naming the parameter.

Each entry is described by its parameters (kind and valid range); Hypothesis draws valid values and a form for each,
and invalid values. The ranges drawn from are kept small where a value sets the cost (epochs, widths)."""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np
import pandas as pd
import pytest
import torch
from hypothesis import Phase, example, given, settings, strategies as st

import attractor_utils as au
from attractor_utils.core.models import MLPAutoencoder, MLPEnsemble


# ---------------------------------------------------------------- parameters and their forms
@dataclass(frozen=True)
class P:
    """One numeric or flag parameter: ``kind`` "int", "real" or "flag"; the valid range ``[lo, hi]`` (``lo_open`` /
    ``hi_open``: strict; ``hi_from``: the upper bound is another parameter's value); ``bottom``/``top``: the part of
    the range drawn from (cost, or a degenerate end), not a bound; ``none``: None is valid; ``label``: the text the
    error must contain (default ``name=``)."""

    name: str
    kind: str
    lo: float | None = None
    hi: float | None = None
    lo_open: bool = False
    hi_open: bool = False
    bottom: float | None = None
    top: float | None = None
    hi_from: str | None = None
    none: bool = False
    label: str | None = None

    @property
    def text(self) -> str:
        return self.label or f"{self.name}="


def _fits(v: int, bits: int) -> bool:
    return -(2 ** (bits - 1)) <= v < 2 ** (bits - 1)


def forms(v: Any) -> list:
    """Every form a user may give the value ``v`` in: Python, numpy scalar, 0-d numpy array, 0-d tensor."""
    if v is None or isinstance(v, (str, list)):
        return [v]
    if isinstance(v, complex):
        return [v, np.complex128(v), torch.tensor(v)]
    if isinstance(v, bool):
        return [v, np.bool_(v), np.array(v), torch.tensor(v)]
    if isinstance(v, int):
        out = [v, np.int64(v), np.array(v), torch.tensor(v)]
        out += [np.int32(v), torch.tensor(v, dtype=torch.int32)] if _fits(v, 32) else []
        out += [np.uint32(v)] if 0 <= v < 2**32 else []
        return out
    out = [v, np.float64(v), np.array(v), torch.tensor(v, dtype=torch.float64)]
    if math.isnan(v) or (abs(v) < 3e38 and float(np.float32(v)) == v):  # float32 forms only where they hold v
        out += [np.float32(v), torch.tensor(v, dtype=torch.float32)]
    if math.isfinite(v) and v.is_integer() and abs(v) < 2**31:
        out += [int(v), np.int64(int(v))]
    return out


def _valid_python(p: P, hi_value: float | None) -> st.SearchStrategy:
    if p.kind == "flag":
        s = st.booleans()
    elif p.kind == "int":
        lo = p.bottom if p.bottom is not None else (p.lo if p.lo is not None else -50)
        s = st.integers(int(lo), int(p.top if p.top is not None else lo + 50))
    else:
        lo = p.bottom if p.bottom is not None else p.lo
        hi = p.top if p.top is not None else (hi_value if hi_value is not None else p.hi)
        if hi_value is not None:
            hi = min(hi, hi_value)
        s = st.floats(lo, hi, exclude_min=p.lo_open and p.bottom is None,
                      exclude_max=(p.hi_open and p.top is None) and hi_value is None,
                      allow_nan=False, allow_infinity=False).map(lambda f: _float32_if_valid(p, f, hi_value))
    return st.one_of(st.none(), s) if p.none else s


def _valid(p: P, f: float, hi_value: float | None) -> bool:
    hi = hi_value if hi_value is not None else p.hi
    ok_lo = p.lo is None or (f > p.lo if p.lo_open else f >= p.lo)
    ok_hi = hi is None or (f < hi if p.hi_open and hi_value is None else f <= hi)
    return ok_lo and ok_hi


def _float32_if_valid(p: P, f: float, hi_value: float | None) -> float:
    """``f`` rounded to float32 (so that its float32 forms hold the same value) where that stays in range."""
    g = float(np.float32(f))
    return g if math.isfinite(g) and _valid(p, g, hi_value) else f


def _invalid_python(p: P, hi_value: float | None) -> st.SearchStrategy:
    """Python values ``p`` must refuse (their other forms are drawn by the caller)."""
    hi = hi_value if hi_value is not None else p.hi
    bad: list[st.SearchStrategy] = [st.sampled_from(["1", 1j])]
    if not p.none:
        bad.append(st.none())
    if p.kind == "flag":
        return st.one_of(*bad, st.integers(0, 1), st.sampled_from([0.0, 1.0, "yes"]))
    bad += [st.booleans(), st.sampled_from([math.nan, math.inf, -math.inf])]
    if p.kind == "int":
        bad.append(st.floats(-100, 100).filter(lambda f: not f.is_integer()))
        if p.lo is not None:
            bad.append(st.integers(int(p.lo) - 1000, int(p.lo) - 1))
        if hi is not None:
            bad.append(st.integers(int(hi) + 1, int(hi) + 1000))
        return st.one_of(*bad)
    if p.lo is not None:
        below = st.floats(p.lo - 1e3, p.lo)
        bad.append(below.filter(lambda f: f <= p.lo if p.lo_open else f < p.lo))
    if hi is not None:
        above = st.floats(hi, hi + 1e3)
        bad.append(above.filter(lambda f: f >= hi if p.hi_open else f > hi))
    return st.one_of(*bad)


# ---------------------------------------------------------------- the entries
@dataclass
class Entry:
    """A public entry: ``call(kw)`` with ``kw`` the drawn parameters on top of ``defaults``; ``choices``: other
    arguments drawn once per example (the same in both calls); ``result``: what must be equal."""

    call: Callable[[dict], Any]
    params: list[P]
    defaults: dict
    choices: dict = field(default_factory=dict)


BASE_CFG = dict(data="sphere", n=2, dim=4, radius=1.0, width=8, activation="tanh", optimizer="gd", lr=0.1,
                max_epochs=5)
CONFIG_PARAMS = [
    P("n", "int", 1, top=6), P("dim", "int", 1, top=6), P("width", "int", 1, top=64), P("depth", "int", 1, top=4),
    P("max_epochs", "int", 0, top=10**6), P("seed", "int", 0, top=2**40), P("data_seed", "int", 0, top=2**40),
    P("plateau_patience", "int", 0, top=10**4), P("lr", "real", 0, lo_open=True, top=10.0),
    P("radius", "real", 0, lo_open=True, top=100.0), P("loss_threshold", "real", 0, lo_open=True, top=1.0),
    P("momentum", "real", 0, 1, hi_open=True), P("weight_decay", "real", 0, top=1.0),
    P("lr_min", "real", 0, hi_from="lr"), P("plateau_factor", "real", 0, 1, lo_open=True, hi_open=True),
    P("bias", "flag"), P("keep_best", "flag"),
]
MAKE_CONFIG = Entry(lambda kw: au.make_config(**kw), CONFIG_PARAMS, BASE_CFG,
                    {"schedule": ["constant", "cosine", "plateau"]})
MAKE_CONFIG_FLOW = Entry(lambda kw: au.make_config(**kw),
                         [P("flow_tol", "real", 0, 1, lo_open=True, hi_open=True), P("max_epochs", "int", 0, top=99)],
                         {**{k: v for k, v in BASE_CFG.items() if k != "lr"}, "optimizer": "flow"})


def _model_result(m: torch.nn.Module) -> tuple:
    return m.config(), [(k, v.dtype, v) for k, v in m.state_dict().items()]


MODEL_PARAMS = [P("dim", "int", 1, top=6), P("width", "int", 1, top=8), P("depth", "int", 1, top=3),
                P("seed", "int", 0, top=2**40, none=True), P("bias", "flag")]
MODEL = Entry(lambda kw: _model_result(MLPAutoencoder(**kw)), MODEL_PARAMS, dict(dim=3, width=4),
              {"activation": ["relu", "tanh"], "parameterization": ["standard", "ntk"]})
ENSEMBLE = Entry(lambda kw: _model_result(MLPEnsemble.from_seeds([kw.pop("seed"), 5], **kw)),
                 [p for p in MODEL_PARAMS if p.name != "seed"] + [P("seed", "int", 0, top=2**40, none=True)],
                 dict(dim=3, width=4, seed=0))

_X = au.sphere_points(4, 3, 1.0, seed=1, dtype=torch.float64)


def _train_result(trs) -> list:
    return [(t.history, t.converged, t.diverged, t.epochs, t.final_loss, t.extra) for t in trs]


def _train(kw: dict) -> tuple:
    m = MLPAutoencoder(3, 5, 1, activation="tanh", seed=0, dtype=torch.float64)
    return _train_result([au.train(m, _X, progress=False, **kw)]), _model_result(m)


def _train_ensemble(kw: dict) -> tuple:
    ens = MLPEnsemble.from_seeds([0, 1], dim=3, width=5, depth=1, activation="tanh", dtype=torch.float64)
    return _train_result(au.train_ensemble(ens, _X, progress=False, **kw)), _model_result(ens)


TRAIN_PARAMS = [
    P("lr", "real", 0, lo_open=True, bottom=1e-3, top=1.0), P("loss_threshold", "real", 0, lo_open=True, top=1.0),
    P("max_epochs", "int", 0, top=4), P("momentum", "real", 0, 1, hi_open=True, top=0.99),
    P("weight_decay", "real", 0, top=1e-2), P("lr_min", "real", 0, hi_from="lr"),
    P("plateau_patience", "int", 0, top=3), P("plateau_factor", "real", 0, 1, lo_open=True, hi_open=True),
    P("keep_best", "flag"), P("check_every", "int", 1, top=3, none=True),
]
TRAIN_CHOICES = {"optimizer": ["gd", "gd+momentum", "gd+momentum+wd", "rmsprop", "adam"],
                 "schedule": ["constant", "cosine", "plateau"]}
TRAIN_DEFAULTS = dict(optimizer="gd", lr=0.1, max_epochs=3)
TRAIN = Entry(_train, TRAIN_PARAMS, TRAIN_DEFAULTS, TRAIN_CHOICES)
TRAIN_ENSEMBLE = Entry(_train_ensemble, TRAIN_PARAMS, TRAIN_DEFAULTS, TRAIN_CHOICES)
FLOW_PARAMS = [P("flow_tol", "real", 0, 1, lo_open=True, hi_open=True, bottom=1e-3, top=0.5),
               P("max_epochs", "int", 0, top=6), P("loss_threshold", "real", 0, lo_open=True, top=1.0),
               P("momentum", "real", 0, 1, hi_open=True), P("weight_decay", "real", 0, top=1e-2),
               P("plateau_patience", "int", 0, top=3)]  # unused by the flow, checked all the same
TRAIN_FLOW = Entry(_train, FLOW_PARAMS, dict(optimizer="flow", max_epochs=3))
TRAIN_ENSEMBLE_FLOW = Entry(_train_ensemble, FLOW_PARAMS, dict(optimizer="flow", max_epochs=3))

SPHERE = Entry(lambda kw: au.sphere_points(**kw),
               [P("n", "int", 1, top=5), P("dim", "int", 1, top=5), P("radius", "real", 0, lo_open=True, top=100.0),
                P("seed", "int", 0, top=2**40)], dict(n=3, dim=4))

_F = MLPAutoencoder(3, 6, 1, activation="tanh", seed=3, dtype=torch.float64)
_X0 = au.sphere_points(5, 3, 1.0, seed=2, dtype=torch.float64)


def _iterate(kw: dict):
    r = au.iterate(_F, _X0, **kw)
    return r.x, r.converged, r.steps, r.last_step, r.diverged


ITERATE = Entry(_iterate, [P("max_steps", "int", 0, top=30), P("tol", "real", 0, lo_open=True, bottom=1e-8, top=1.0),
                           P("chunk_size", "int", 1, top=6, none=True)], dict(max_steps=5))
ORBIT = Entry(lambda kw: au.orbit(_F, _X0, **kw), [P("steps", "int", 0, top=6)], dict(steps=2))
CLASSIFY = Entry(lambda kw: au.classify_attractors(_F, _X0, **kw),
                 [P("max_steps", "int", 0, top=30), P("iter_tol", "real", 0, lo_open=True, bottom=1e-8, top=1.0),
                  P("match_tol", "real", 0, lo_open=True, bottom=1e-6, top=1.0),
                  P("eig_threshold", "real", bottom=0.1, top=2.0), P("eig_tol", "real", 0, top=0.1)],
                 dict(max_steps=5))


def _schedule(kw: dict) -> np.ndarray:
    kind, lr, T, K = kw.pop("kind"), kw.pop("lr"), kw.pop("max_epochs"), kw.pop("K")
    s = au.LRSchedule(kind, lr, T, K, **kw)
    losses = np.array([1.0, 0.9, 0.9, 0.95, 0.8, 0.8, 0.8, 0.8, 0.8, 0.7])
    out = []
    for e, v in enumerate(losses):
        out.append(s.lrs(e))
        s.observe(np.full(K, v))
    return np.array(out)


SCHEDULE = Entry(_schedule, [P("lr", "real", 0, lo_open=True, bottom=1e-4, top=1.0), P("max_epochs", "int", 0, top=50),
                             P("K", "int", 1, top=3), P("lr_min", "real", 0, hi_from="lr"),
                             P("patience", "int", 0, top=5), P("factor", "real", 0, 1, lo_open=True, hi_open=True),
                             P("threshold", "real", 0, 1, hi_open=True, top=0.5)],
                 dict(kind="plateau", lr=0.1, max_epochs=10, K=2), {"kind": ["constant", "cosine", "plateau"]})


def _notebook_params(kw: dict) -> None:
    lists = {k: [kw[k]] for k in ("seeds", "widths", "depths", "radii", "noise_radii")}
    au.notebook.check_notebook_params(**lists, n_points=kw["n_points"], max_epochs=kw["max_epochs"],
                                         variants=[["relu", kw["variant_width"]]])


NOTEBOOK = Entry(_notebook_params,
                 [P("seeds", "int", 0, top=2**40, label="seeds[0]="),
                  P("widths", "int", 1, top=10**4, label="widths[0]="),
                  P("depths", "int", 1, top=10, label="depths[0]="),
                  P("radii", "real", 0, lo_open=True, top=100.0, label="radii[0]="),
                  P("noise_radii", "real", 0, lo_open=True, top=100.0, label="noise_radii[0]="),
                  P("n_points", "int", 1, top=10**4, none=True), P("max_epochs", "int", 0, top=10**6, none=True),
                  P("variant_width", "int", 1, top=10**4, label="variants[0] width=")],
                 dict(seeds=0, widths=8, depths=1, radii=1.0, noise_radii=0.1, n_points=3, max_epochs=5,
                      variant_width=8))


# ---------------------------------------------------------------- the cases and the comparison
@st.composite
def valid_case(draw, entry: Entry) -> tuple[dict, dict]:
    """(kw with Python values, kw with the same values each in a drawn form)."""
    plain = dict(entry.defaults)
    plain.update({k: draw(st.sampled_from(v)) for k, v in entry.choices.items()})
    for p in entry.params:  # in order: an upper bound taken from another parameter is drawn first
        plain[p.name] = draw(_valid_python(p, plain[p.hi_from] if p.hi_from else None))
    odd = {k: (draw(st.sampled_from(forms(v))) if any(p.name == k for p in entry.params) else v)
           for k, v in plain.items()}
    return plain, odd


@st.composite
def invalid_case(draw, entry: Entry) -> dict:
    """One invalid value (in a drawn form) for every parameter of ``entry``: name -> value."""
    out = {}
    for p in entry.params:
        hi = entry.defaults.get(p.hi_from) if p.hi_from else None
        out[p.name] = draw(_invalid_python(p, hi).flatmap(lambda v: st.sampled_from(forms(v))))
    return out


def same(a: Any, b: Any) -> bool:
    """Equal values of equal types, recursively (NaN equals NaN; tensors and arrays bit for bit, with their dtype)."""
    if isinstance(a, torch.Tensor):
        return isinstance(b, torch.Tensor) and a.dtype == b.dtype and a.shape == b.shape and \
            bool(((a == b) | (a.isnan() & b.isnan()) if a.is_floating_point() else a == b).all())
    if isinstance(a, np.ndarray):
        return isinstance(b, np.ndarray) and a.dtype == b.dtype and np.array_equal(a, b, equal_nan=a.dtype.kind == "f")
    if isinstance(a, pd.DataFrame):
        return isinstance(b, pd.DataFrame) and a.equals(b) and list(a.dtypes) == list(b.dtypes)
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, float):
        return a == b or (math.isnan(a) and math.isnan(b))
    return a == b


def _check_forms(entry: Entry, case: tuple[dict, dict]) -> None:
    plain, odd = case
    want = entry.call(dict(plain))
    got = entry.call(dict(odd))
    assert same(got, want), f"{odd} gave another answer than {plain}"


def _check_refusals(entry: Entry, bad: dict) -> None:
    for p in entry.params:
        kw = {**entry.defaults, p.name: bad[p.name]}
        with pytest.raises(ValueError) as err:
            entry.call(kw)
        assert p.text in str(err.value), f"{p.name}={bad[p.name]!r}: the error does not name it: {err.value}"


def _forms_test(entry: Entry, *odd_cases: dict):
    """The forms property of ``entry``, with an ``@example`` for each of ``odd_cases`` (parameters in an odd form,
    compared with the same values in Python form: the bugs the property found)."""
    @given(case=valid_case(entry))
    def test(case):
        _check_forms(entry, case)

    for odd in odd_cases:
        plain = {**entry.defaults, **{k: v[0] for k, v in entry.choices.items()}}
        test = example(case=({**plain, **{k: _python(v) for k, v in odd.items()}}, {**plain, **odd}))(test)
    return test


def _refusals_test(entry: Entry, *bad_cases: dict):
    """The refusals property of ``entry``, with an ``@example`` for each of ``bad_cases`` (the other parameters get
    the text "1", refused by all)."""
    @given(bad=invalid_case(entry))
    def test(bad):
        _check_refusals(entry, bad)

    for bad in bad_cases:
        test = example(bad={**{p.name: "1" for p in entry.params}, **bad})(test)
    return test


def _python(v: Any) -> Any:
    return v.item() if isinstance(v, (np.ndarray, np.generic, torch.Tensor)) else v


# Each @example below is a bug the property found (before -> after: see tests/README.md).
# make_config: a flag as a 0-d array or tensor was refused; dim=None was refused without "dim=" in the message
test_make_config_takes_any_form = _forms_test(MAKE_CONFIG, dict(keep_best=np.array(False)),
                                              dict(bias=torch.tensor(True)))
test_make_config_refuses_invalid_values = _refusals_test(MAKE_CONFIG, dict(dim=None))
test_make_config_flow_takes_any_form = _forms_test(MAKE_CONFIG_FLOW)
test_make_config_flow_refuses_invalid_values = _refusals_test(MAKE_CONFIG_FLOW)

# the models: the case, width=np.int64(16), refused while make_config took it; seed went through int()
# (2.5, "1", -1 and True accepted, NaN refused without its name) and bias through bool() (None, "1", 0.5 accepted)
test_model_takes_any_form = _forms_test(MODEL, dict(dim=8, width=np.int64(16)), dict(depth=torch.tensor(2)))
test_model_refuses_invalid_values = _refusals_test(MODEL, dict(seed=math.nan, bias=None), dict(seed="1", bias=0.5),
                                                   dict(seed=-1, bias="1"), dict(seed=True))
test_ensemble_takes_any_form = _forms_test(ENSEMBLE, dict(depth=np.int64(1)))
test_ensemble_refuses_invalid_values = _refusals_test(ENSEMBLE, dict(seed=2.5, bias=None))

# train: keep_best as a 0-d array refused; momentum and weight_decay never checked (NaN trained on); check_every
# checked only by train_ensemble, and only on its deferred read-back path (0 and inf accepted by train)
test_train_takes_any_form = _forms_test(TRAIN, dict(keep_best=np.array(False)))
test_train_refuses_invalid_values = _refusals_test(TRAIN, dict(momentum=math.nan, weight_decay=-1.0, check_every=0))
test_train_ensemble_takes_any_form = _forms_test(TRAIN_ENSEMBLE, dict(keep_best=torch.tensor(False)))
test_train_ensemble_refuses_invalid_values = _refusals_test(TRAIN_ENSEMBLE, dict(momentum=math.inf))
# the flow: loss_threshold as a 0-d array failed inside the integrator (TypeError); settings it does not use unchecked
test_train_flow_takes_any_form = _forms_test(TRAIN_FLOW, dict(loss_threshold=np.array(1.0)))
test_train_flow_refuses_invalid_values = _refusals_test(TRAIN_FLOW, dict(momentum=math.nan, plateau_patience=-1))
test_train_ensemble_flow_takes_any_form = _forms_test(TRAIN_ENSEMBLE_FLOW, dict(loss_threshold=np.array(0.5)))

test_sphere_points_takes_any_form = _forms_test(SPHERE)
test_sphere_points_refuses_invalid_values = _refusals_test(SPHERE)
test_iterate_takes_any_form = _forms_test(ITERATE)
test_iterate_refuses_invalid_values = _refusals_test(ITERATE)
test_orbit_takes_any_form = _forms_test(ORBIT)
test_orbit_refuses_invalid_values = _refusals_test(ORBIT)
# LRSchedule: patience and factor as 0-d arrays refused; lr, max_epochs, K and threshold went unchecked (inf, NaN,
# -1, 2.5 accepted or failing inside int() without their name)
test_schedule_takes_any_form = _forms_test(SCHEDULE, dict(patience=np.array(0), factor=np.array(0.5)))
test_schedule_refuses_invalid_values = _refusals_test(SCHEDULE, dict(lr=math.inf, max_epochs=math.nan,
                                                                     threshold=math.nan),
                                                      dict(max_epochs=-1, K=torch.tensor(True), threshold=-1.0))
test_notebook_params_take_any_form = _forms_test(NOTEBOOK)
test_notebook_params_refuse_invalid_values = _refusals_test(NOTEBOOK)
# classify_attractors: these two failed before its settings were checked at its door (a 0-d tensor eig_threshold
# broke a pandas comparison; iter_tol was refused as "tol"; match_tol / eig_threshold / eig_tol went unchecked)
test_classify_attractors_takes_any_form = _forms_test(CLASSIFY)
test_classify_attractors_refuses_invalid_values = _refusals_test(CLASSIFY)


@example(keep_best=0)  # was accepted: the flow route tested it for truth, not for being a flag
@given(keep_best=st.sampled_from(forms(0) + ["no", None]))
def test_the_flow_refuses_a_keep_best_that_is_not_a_flag(keep_best):
    """The flow route took keep_best=0 (falsy) without checking it was a flag."""
    for call in (_train, _train_ensemble):
        with pytest.raises(ValueError, match="keep_best="):
            call(dict(optimizer="flow", max_epochs=2, keep_best=keep_best))


@given(method=st.sampled_from(["shortcut", "autograd"]), dtype=st.sampled_from([np.float32, np.float64]),
       bad=st.sampled_from([math.nan, math.inf, -math.inf]), where=st.integers(0, 14))
def test_spectral_radius_takes_arrays_and_tensors_alike_and_refuses_non_finite_points(method, dtype, bad, where):
    X = _X0.numpy().astype(dtype)
    a = au.spectral_radius(_F, X, method=method)
    b = au.spectral_radius(_F, torch.from_numpy(X), method=method)
    assert same(a, b)
    X = X.copy()
    X.flat[where] = bad
    for x in (X, torch.from_numpy(X)):
        with pytest.raises(ValueError, match="x"):
            au.spectral_radius(_F, x, method=method)
