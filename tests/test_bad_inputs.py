"""Bad input is refused at the door, with the exception type and the parameter's name in the message; the
numpy and torch scalars a user passes by accident are accepted and canonicalised."""
import math

import numpy as np
import pandas as pd
import pytest
import torch

import attractor_utils as au
from attractor_utils.core.models import MLPAutoencoder
from attractor_utils.notebook import check_notebook_params

BASE = dict(data="sphere", n=2, dim=4, radius=1.0, width=8, activation="tanh", optimizer="gd", lr=0.1,
            max_epochs=5)
NAN, INF = float("nan"), float("inf")

CONFIG_CASES = [
    *[("lr", v) for v in (-1, 0, NAN, INF, "5", True)],
    *[("loss_threshold", v) for v in (NAN, -1.0, 0, INF)],
    *[("activation", v) for v in ("bogus", 3)],
    *[("width", v) for v in (True, 0, -1, 2.5, "10")],
    *[("depth", v) for v in (0, 1.5)],
    *[("dim", v) for v in (-3, 0, 2.0)],
    *[("n", v) for v in (0, -1, 3.5)],
    *[("max_epochs", v) for v in (-1, 1.5)],
    *[("radius", v) for v in (0, -1, NAN, INF)],
    *[("seed", v) for v in (-1, 1.5)],
    ("data_seed", -2),
    ("optimizer", "sgd"), ("schedule", "linear"), ("loss", "l1"), ("task", "bogus"), ("dtype", "float16"),
    ("data", "imagenet"), ("parameterization", "mup"),
    *[("bias", v) for v in (1, "yes")],
    ("keep_best", 1),
    *[("momentum", v) for v in (1.0, -0.1)],
    ("weight_decay", -1), ("plateau_factor", 0), ("plateau_factor", 1), ("plateau_patience", -1),
    ("lr_min", -1), ("lr_min", 5.0), ("init", "bogus"), ("init", 7),
]


@pytest.mark.parametrize("key,value", CONFIG_CASES, ids=[f"{k}={v!r}" for k, v in CONFIG_CASES])
def test_make_config_refuses(key, value):
    with pytest.raises(ValueError, match=key):
        au.make_config(**{**BASE, key: value})


def test_make_config_refuses_more():
    with pytest.raises(ValueError, match="init"):
        au.make_config(**{**BASE, "parameterization": "ntk", "init": "xavier_uniform"})
    with pytest.raises(ValueError, match="cycle_len"):
        au.make_config(**{**BASE, "n": 4, "task": "sequence", "cycle_len": 3})
    with pytest.raises(ValueError, match="cycle_len"):
        au.make_config(**{**BASE, "n": 4, "task": "sequence", "cycle_len": 0})
    with pytest.raises(ValueError, match="widht"):
        au.make_config(**{**BASE, "widht": 8})
    with pytest.raises(ValueError, match="dim"):
        au.make_config(**{k: v for k, v in BASE.items() if k != "dim"})


def test_numpy_and_torch_scalars_are_accepted_and_make_the_same_run():
    plain = au.make_config(**BASE)
    odd = au.make_config(**{**BASE, "width": np.int64(8), "n": torch.tensor(2), "lr": np.float32(0.1),
                            "radius": np.float64(1.0), "max_epochs": np.int32(5)})
    assert type(odd["width"]) is int and type(odd["lr"]) is float
    assert au.config_key(odd) == au.config_key({**plain, "lr": float(np.float32(0.1))})
    assert odd["width"] == 8 and odd["n"] == 2


def _model():
    return MLPAutoencoder(4, 8, 1, activation="tanh", seed=0)


X = au.sphere_points(3, 4, 1.0, seed=0)
TRAIN_CASES = [
    (dict(lr=-1.0), "lr"), (dict(lr=NAN), "lr"), (dict(lr=INF), "lr"),
    (dict(loss_threshold=NAN), "loss_threshold"), (dict(loss_threshold=-1.0), "loss_threshold"),
    (dict(max_epochs=-1), "max_epochs"), (dict(max_epochs=2.5), "max_epochs"), (dict(max_epochs=True), "max_epochs"),
    (dict(optimizer="lbfgs"), "optimizer"), (dict(schedule="step"), "schedule"), (dict(keep_best=1), "keep_best"),
    (dict(on_diverge="ignore"), "on_diverge"), (dict(loss="l1"), "loss"),
    (dict(optimizer="flow", flow_tol=0.0), "flow_tol"), (dict(optimizer="flow", keep_best=True), "keep_best"),
]


@pytest.mark.parametrize("kw,name", TRAIN_CASES, ids=[n + "=" + repr(list(k.values())[-1]) for k, n in TRAIN_CASES])
def test_train_refuses(kw, name):
    with pytest.raises(ValueError, match=name):
        au.train(_model(), X, progress=False, **kw)


DATA_CASES = [
    (torch.full((3, 4), NAN), "X", ValueError), (torch.full((3, 4), INF), "X", ValueError),
    (torch.zeros(0, 4), "X", ValueError), (torch.zeros(3, 5), "X", ValueError), (torch.zeros(4), "X", ValueError),
    ([[0.0] * 4] * 3, "X", TypeError), ("points", "X", TypeError),
]


@pytest.mark.parametrize("data,name,exc", DATA_CASES, ids=[f"X{i}" for i in range(len(DATA_CASES))])
def test_train_refuses_bad_data(data, name, exc):
    with pytest.raises(exc, match=name):
        au.train(_model(), data, progress=False, max_epochs=3)


def test_train_takes_numpy_data_and_refuses_bad_targets():
    tr = au.train(_model(), X.numpy(), Y=X.numpy(), optimizer="gd", lr=np.float32(0.1), max_epochs=3, progress=False)
    assert tr.epochs == 3
    with pytest.raises(ValueError, match="Y"):
        au.train(_model(), X, Y=torch.zeros(2, 4), progress=False)
    with pytest.raises(ValueError, match="Y"):
        au.train(_model(), X, Y=torch.full((3, 4), NAN), progress=False)
    opt = au.make_optimizer(_model().parameters(), "gd", lr=np.float32(1e-3))  # a numpy scalar is a number
    assert opt.param_groups[0]["lr"] == pytest.approx(1e-3)
    with pytest.raises(ValueError, match="lr"):
        au.make_optimizer(_model().parameters(), "gd", lr=0)


SPHERE_CASES = [
    (dict(radius=INF), "radius"), (dict(radius=NAN), "radius"), (dict(radius=0.0), "radius"),
    (dict(radius=-1.0), "radius"), (dict(n=0), "n"), (dict(n=True), "n"), (dict(n=2.0), "n"), (dict(dim=0), "dim"),
    (dict(seed=-1), "seed"), (dict(seed=0.5), "seed"),
]


@pytest.mark.parametrize("kw,name", SPHERE_CASES, ids=[f"{n}={list(k.values())[0]!r}" for k, n in SPHERE_CASES])
def test_sphere_points_refuses(kw, name):
    args = {"n": 3, "dim": 4, "radius": 1.0, "seed": 0, **kw}
    with pytest.raises(ValueError, match=name):
        au.sphere_points(**args)


ITER_CASES = [
    (dict(max_steps=-1), "max_steps"), (dict(max_steps=1.5), "max_steps"), (dict(tol=0.0), "tol"),
    (dict(tol=NAN), "tol"), (dict(tol=-1e-3), "tol"), (dict(chunk_size=0), "chunk_size"),
    (dict(x0=torch.full((2, 4), NAN)), "x0"), (dict(x0=torch.zeros(0, 4)), "x0"),
]


@pytest.mark.parametrize("kw,name", ITER_CASES, ids=[f"iterate-{n}-{i}" for i, (k, n) in enumerate(ITER_CASES)])
def test_iterate_refuses(kw, name):
    args = {"x0": X, "max_steps": 5, **kw}
    with pytest.raises(ValueError, match=name):
        au.iterate(_model(), **args)


@pytest.mark.parametrize("steps", [-1, 2.5, True])
def test_orbit_refuses_bad_steps(steps):
    with pytest.raises(ValueError, match="steps"):
        au.orbit(_model(), X, steps)


def test_orbit_and_spectra_refuse_non_finite_points():
    with pytest.raises(ValueError, match="x0"):
        au.orbit(_model(), torch.full((1, 4), NAN), 3)
    relu = MLPAutoencoder(4, 8, 1, activation="relu", bias=False, seed=0)
    with pytest.raises(ValueError, match="NaN"):
        au.spectral_radius(relu, torch.full((1, 4), NAN))  # was 0.0: a NaN point has no Jacobian
    with pytest.raises(ValueError, match="shape"):
        au.spectral_radius(relu, torch.zeros(1, 5))


def test_classify_attractors_refuses_empty_and_non_finite_data():
    with pytest.raises(ValueError, match="X"):
        au.classify_attractors(_model(), torch.zeros(0, 4))
    with pytest.raises(ValueError, match="X"):
        au.classify_attractors(_model(), torch.full((2, 4), INF))


def test_validators_accept_what_they_should():
    from attractor_utils import validate as V

    assert V.integer("k", np.int16(3), 1) == 3 and V.integer("k", torch.tensor(4)) == 4
    assert V.real("x", np.float32(0.5), 0, 1) == 0.5 and V.real("x", 2) == 2.0
    assert V.real("x", INF, finite=False) == INF and math.isnan(float("nan")) is True
    assert V.flag("b", np.bool_(True)) is True
    assert V.choice("c", "a", ("a", "b")) == "a"
    with pytest.raises(ValueError, match=r"c=True; accepted values: \[1, 2\]"):
        V.choice("c", True, (1, 2))


NB_PARAM_CASES = [("seeds", []), ("seeds", [0.5]), ("seeds", 3), ("widths", [0]), ("depths", ["2"]), ("radii", [5, -1]),
                  ("noise_radii", [NAN]), ("n_points", 0), ("max_epochs", -5), ("activations", ["bogus"]),
                  ("optimizers", ["sgd"]), ("datasets", ["imagenet"]), ("variants", [["sigmoid", 0]]),
                  ("variants", ["sigmoid"]), ("seeds", "[]"), ("seeds", "[0.5]"), ("widths", "[0]"),
                  ("activations", "['bogus']")]


@pytest.mark.parametrize("name,value", NB_PARAM_CASES, ids=[f"{n}={v!r}" for n, v in NB_PARAM_CASES])
def test_notebook_parameters_are_checked_by_name(name, value):
    with pytest.raises(ValueError, match=name):
        check_notebook_params(**{name: value})


def test_setup_notebook_checks_before_any_work_and_routes_figures_by_preset(monkeypatch, tmp_path):
    from attractor_utils import outputs

    monkeypatch.delenv("ATTRACTOR_PRESET_OVERRIDE", raising=False)
    table = {p: {"seeds": [0], "radii": [1.0]} for p in au.PRESETS}
    with pytest.raises(ValueError, match="seeds"):
        au.setup_notebook("smoke", table, seeds=[], radii=None)
    with pytest.raises(ValueError, match="activations"):
        au.setup_notebook("smoke", table, params={"activations": ["bogus"]}, seeds=None, radii=None)
    monkeypatch.delenv("ATTRACTOR_FIGURES", raising=False)
    try:  # not called from a notebook: its settings cannot be checked, so never the committed folders (test_routing)
        au.setup_notebook("smoke", table, seeds=None, radii=None)
        assert outputs.figures_dir() == au.repo_root() / "figures" / "smoke" / "variants" / outputs.UNIDENTIFIED
        au.setup_notebook("default", table, seeds=None, radii=None)
        assert outputs.figures_dir() == au.repo_root() / "figures" / "variants" / outputs.UNIDENTIFIED
        monkeypatch.setenv("ATTRACTOR_FIGURES", str(tmp_path))
        au.setup_notebook("paper", table, seeds=None, radii=None)
        assert outputs.figures_dir() == tmp_path / "paper" / "variants" / outputs.UNIDENTIFIED  # the base moves
    finally:
        outputs.set_output_dir(None)


def test_setup_notebook_applies_one_rule_for_parameters_and_presets(monkeypatch, tmp_path):
    """Rule 1: the environment's preset wins over -p preset. Rule 2: a set parameter wins at every preset, None
    takes the preset's, and a table setting without its parameter is refused. Rule 3: `follows`."""
    from attractor_utils import outputs

    monkeypatch.setenv("ATTRACTOR_FIGURES", str(tmp_path))
    monkeypatch.delenv("ATTRACTOR_PRESET_OVERRIDE", raising=False)
    table = {"smoke": {"widths": [8], "widths_without_bias": [4]},
             "default": {"widths": [64], "widths_without_bias": [32]},
             "paper": {"widths": [128], "widths_without_bias": [128]}}
    try:
        with pytest.raises(ValueError, match=r"\['widths_without_bias'\] have no notebook parameter"):
            au.setup_notebook("smoke", table, widths=[16])
        for preset in au.PRESETS:  # a set parameter wins at every preset, the follower follows it
            cfg = au.setup_notebook(preset, table, widths=[16], widths_without_bias=None,
                                    follows={"widths_without_bias": "widths"})
            assert cfg["widths"] == cfg["widths_without_bias"] == [16] and cfg["preset"] == preset
        cfg = au.setup_notebook("default", table, widths=None, widths_without_bias=None,
                                follows={"widths_without_bias": "widths"})
        assert (cfg["widths"], cfg["widths_without_bias"]) == ([64], [32])  # nothing set: the preset's, apart
        cfg = au.setup_notebook("default", table, widths=[16], widths_without_bias=[2],
                                follows={"widths_without_bias": "widths"})
        assert cfg["widths_without_bias"] == [2]  # set apart: its own value
        monkeypatch.setenv("ATTRACTOR_PRESET_OVERRIDE", "smoke")
        cfg = au.setup_notebook("paper", table, widths=None, widths_without_bias=None)
        assert cfg["preset"] == "smoke" and cfg["widths"] == [8]
        with pytest.raises(ValueError, match="follows"):
            au.setup_notebook("smoke", table, widths=None, widths_without_bias=None, follows={"x": "widths"})
    finally:
        outputs.set_output_dir(None)


# papermill's -p passes text: text that spells no list literal (read by ast.literal_eval, never run)
TEXT_CASES = [("seeds", "0;1"), ("widths", "64"), ("radii", "{'a': 1}"), ("depths", "[1, 2"), ("datasets", "cifar10"),
              ("seeds", "__import__('os').getcwd()"), ("n_points", "")]


@pytest.mark.parametrize("name,value", TEXT_CASES, ids=[f"{n}={v!r}" for n, v in TEXT_CASES])
def test_list_parameters_given_as_text_that_spells_no_list_are_refused_with_the_accepted_forms(name, value):
    import re

    with pytest.raises(ValueError, match=re.escape(f"{name}={value!r}")) as err:
        check_notebook_params(**{name: value})
    assert f"-p {name} \"[" in str(err.value) and f'-y "{{{name}: [' in str(err.value)


def test_list_parameters_given_as_text_are_read_as_the_lists_they_spell():
    got = check_notebook_params(seeds="[0, 1]", widths="(64,)", n_points=" [2, 5] ", radii=[1.5],
                                max_epochs=10, lr="5.0", activations=None)
    assert got == {"seeds": [0, 1], "widths": [64], "n_points": [2, 5], "radii": [1.5], "max_epochs": 10,
                   "lr": "5.0", "activations": None}  # only list parameters are read; lr is not one


def _setup_02(preset: str, **text) -> tuple[dict, dict]:
    """setup_notebook as notebook 02's set-up cell calls it, its parameters cell's variables set to ``text``."""
    from attractor_utils import outputs

    ns = {**outputs.notebook_parameters(outputs.committed_notebook("02_linear_region")), **text}
    cfg = au.setup_notebook(preset, {p: {"seeds": [0], "n_points": [2, 5], "width": 200} for p in au.PRESETS},
                            notebook="02_linear_region", namespace=ns, seeds=ns["seeds"], n_points=ns["n_points"],
                            width=ns["width"])
    return cfg, ns


def test_setup_notebook_uses_the_list_a_text_parameter_spells_everywhere(monkeypatch, tmp_path, capsys):
    """-p n_points "[2]" (a preset setting) and -p gd_lrs "[5.0, 2.5]" (a list literal of the parameters cell): the
    lists are in force, printed, in the notebook's namespace, and route the run as the lists would."""
    from attractor_utils import outputs

    monkeypatch.setenv("ATTRACTOR_FIGURES", str(tmp_path))
    monkeypatch.delenv("ATTRACTOR_PRESET_OVERRIDE", raising=False)
    try:
        cfg, ns = _setup_02("smoke", seeds="[0]", n_points="[2]", gd_lrs="[5.0, 2.5]")
        assert cfg == {"seeds": [0], "n_points": [2], "width": 200, "preset": "smoke"}
        assert (ns["seeds"], ns["n_points"], ns["gd_lrs"]) == ([0], [2], [5.0, 2.5])
        assert outputs.figures_dir() == tmp_path / "smoke" / "variants" / "02_linear_region--n_points=2--gd_lrs=5,2.5"
        assert "  n_points = [2]\n" in capsys.readouterr().out
        _setup_02("smoke", n_points="[2, 5]")  # the preset's own value, as text: the committed run
        assert outputs.figures_dir() == tmp_path / "smoke"
        with pytest.raises(ValueError, match=r"gd_lrs='5\.0'.*-p gd_lrs \"\[5\.0, 2\.5, 1\.25\]\""):
            _setup_02("smoke", gd_lrs="5.0")  # a literal's error shows the committed value as the example
        with pytest.raises(ValueError, match=r"n_points='2, 5\]'.*-p n_points \"\[2, 5\]\""):
            _setup_02("default", n_points="2, 5]")  # a preset setting's: the preset's value
        table = {p: {"widths": [8], "widths_without_bias": [4]} for p in au.PRESETS}
        cfg = au.setup_notebook("paper", table, widths="[16]", widths_without_bias=None, namespace={},
                                follows={"widths_without_bias": "widths"})
        assert cfg["widths"] == cfg["widths_without_bias"] == [16]  # a follower follows the list, not the text
    finally:
        outputs.set_output_dir(None)


@pytest.mark.notebook
def test_a_notebook_takes_list_parameters_as_text(run_notebook):
    """papermill -p passes "[2]" as text: notebook 02 at smoke runs with the lists, routed as the lists would be."""
    fig = run_notebook("02_linear_region", n_points="[2]", gd_lrs="[5.0, 2.5]")
    assert fig.name == "02_linear_region--n_points=2--gd_lrs=5,2.5"
    assert set(pd.read_csv(fig / "02_linear_region.csv")["n_points"]) == {2}
    st = pd.read_csv(fig / "02_linear_region_step_size.csv")
    assert set(st[st.method == "gd"].lr) == {5.0, 2.5}


def test_image_folder_names_a_damaged_file(tmp_path):
    from PIL import Image

    Image.new("RGB", (8, 8), (10, 20, 30)).save(tmp_path / "a.png")
    Image.new("RGB", (8, 8), (40, 50, 60)).save(tmp_path / "b.png")
    (tmp_path / "b.png").write_bytes((tmp_path / "b.png").read_bytes()[:30])  # truncated
    with pytest.raises(ValueError, match="b.png"):
        au.image_folder(tmp_path, size=8)


@pytest.mark.parametrize("kw,name", [(dict(max_steps=0), "max_steps"), (dict(trials=0), "trials"),
                                     (dict(noise_radius=NAN), "noise_radius"), (dict(success_tol=0.0), "success_tol")])
def test_basin_success_refuses(kw, name):
    from attractor_utils import noise_basins

    with pytest.raises(ValueError, match=name):
        noise_basins.basin_success(_model(), X, **{"noise_radius": 0.1, **kw})
