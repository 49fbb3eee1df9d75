"""Notebook set-up: the one rule by which a notebook's parameters and its preset give the settings in force,
the checks of the parameters every notebook shares (text from papermill's ``-p`` read as the list it spells), and
the routing of the run's files to the committed folder or a variant folder (:mod:`attractor_utils.outputs`)."""
from __future__ import annotations

import ast
import os
import sys
from typing import Any, Callable

import torch

from . import outputs, plotting
from .core import validate as V
from .core.models import ACTIVATIONS, default_device
from .core.optim import OPTIMIZERS
from .data.registry import DATA_KINDS
from .runs import progress
from .runs.config import resolve_preset
from .runs.run import deterministic


def _form_of(name: str, example: Any = None) -> str:
    """How a list (or dict) parameter is written on papermill's command line, with ``example`` (a list or dict
    value; a placeholder if none) as the value: ``-p widths "[64, 128]" or -y "{widths: [64, 128]}"``."""
    if isinstance(example, dict) and example:
        text = repr(dict(list(example.items())[:2]))
    elif isinstance(example, dict):
        text = "{'key': value}"
    elif example:
        text = repr(list(example)) if len(repr(list(example))) <= 40 else repr(list(example)[:2])
    else:
        text = "[x, y]"
    return f'-p {name} "{text}" or -y "{{{name}: {text}}}"'


def param_from_text(name: str, value: Any, example: Any = None) -> Any:
    """``value``, or, when it is text, the list (for a dict ``example``, the dict) it spells as a Python literal
    (:func:`ast.literal_eval`; a tuple counts as a list): papermill's ``-p widths "[64, 128]"`` passes a string.
    Other text raises a ValueError naming the parameter, the value and the accepted forms.

    >>> param_from_text("widths", "[64, 128]"), param_from_text("widths", [64]), param_from_text("lr", "{'a': 1}", {})
    ([64, 128], [64], {'a': 1})
    """
    if not isinstance(value, str):
        return value
    kind = dict if isinstance(example, dict) else list
    try:
        parsed = ast.literal_eval(value.strip())
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        why = "does not parse as a Python literal"
    else:
        if kind is list and isinstance(parsed, tuple):
            parsed = list(parsed)
        if isinstance(parsed, kind):
            return parsed
        why = f"spells the {type(parsed).__name__} {parsed!r}"
    raise ValueError(f"{name}={value!r}: must be a {kind.__name__}, and this text {why}; give it as a {kind.__name__} "
                     f"literal: {_form_of(name, example)}")


def _list_of(name: str, v, check) -> list:
    if not isinstance(v, (list, tuple)) or len(v) == 0:
        raise ValueError(f"{name}={v!r}: must be a non-empty list; from papermill: {_form_of(name)}")
    return [check(f"{name}[{i}]", x) for i, x in enumerate(v)]


# notebook parameters with one meaning in every notebook: name -> check of the value
_PARAM_CHECKS: dict[str, Callable[[str, Any], Any]] = {
    "seeds": lambda n, v: _list_of(n, v, V.seed),
    "widths": lambda n, v: _list_of(n, v, lambda m, x: V.integer(m, x, 1)),
    "depths": lambda n, v: _list_of(n, v, lambda m, x: V.integer(m, x, 1)),
    "n_points": lambda n, v: (_list_of(n, v, lambda m, x: V.integer(m, x, 1)) if isinstance(v, (list, tuple))
                              else V.integer(n, v, 1)),
    "radii": lambda n, v: _list_of(n, v, lambda m, x: V.real(m, x, 0, lo_open=True)),
    "noise_radii": lambda n, v: _list_of(n, v, lambda m, x: V.real(m, x, 0, lo_open=True)),
    "max_epochs": lambda n, v: V.integer(n, v, 0),
    "activations": lambda n, v: _list_of(n, v, lambda m, x: V.choice(m, x, sorted(ACTIVATIONS))),
    "optimizers": lambda n, v: _list_of(n, v, lambda m, x: V.choice(m, x, OPTIMIZERS)),
    "datasets": lambda n, v: _list_of(n, v, lambda m, x: V.choice(m, x, DATA_KINDS)),
    "variants": lambda n, v: _list_of(n, v, lambda m, x: (
        [V.choice(f"{m} activation", x[0], sorted(ACTIVATIONS)), V.integer(f"{m} width", x[1], 1)]
        if isinstance(x, (list, tuple)) and len(x) == 2 else V.choice(m, x, ["[activation, width]"]))),
}
# those of them that take a list (n_points: a list or one number), so text for them is read as a list literal
_LIST_PARAMS = frozenset(_PARAM_CHECKS) - {"max_epochs"}


def check_notebook_params(**params) -> dict:
    """Validate notebook parameters by name (seeds, widths, depths, n_points, radii, noise_radii, max_epochs,
    activations, optimizers, datasets, variants; others pass), before any work: a bad value raises a ValueError
    naming the parameter and the accepted values. Returns the parameters, lists given as text read as lists.

    >>> check_notebook_params(seeds="[0, 1]", lr=0.5)
    {'seeds': [0, 1], 'lr': 0.5}
    """
    params = _from_text(params, dict.fromkeys(_LIST_PARAMS))
    for name, v in params.items():
        if name in _PARAM_CHECKS and v is not None:
            _PARAM_CHECKS[name](name, v)
    return params


def _collection_params(preset: str, table: dict[str, dict], literals: dict, params: dict) -> dict[str, Any]:
    """The notebook parameters whose value is a list or a dict, each with an example value (its kind, and what an
    error shows): every setting some preset of ``table`` gives a list (the example: ``preset``'s value), every list
    or dict literal of the parameters cell (``literals``: the committed notebook's), and those of ``params`` in
    :data:`_LIST_PARAMS`."""
    out = {k: [] for k in params if k in _LIST_PARAMS}
    out.update({k: v for k, v in literals.items() if isinstance(v, (list, dict))})
    for p in sorted(table, key=lambda p: p == preset):  # ``preset``'s own values last: they are the examples
        out.update({k: list(v) for k, v in table[p].items() if isinstance(v, (list, tuple))})
    return out


def _from_text(values: dict, collections: dict[str, Any]) -> dict:
    """``values`` with the text given for a list or dict parameter (``collections``) read as the literal it
    spells (:func:`param_from_text`)."""
    return {k: param_from_text(k, v, collections[k]) if k in collections else v for k, v in values.items()}


def setup_notebook(preset: str, table: dict[str, dict], params: dict | None = None, *,
                   follows: dict[str, str] | None = None, notebook: str | None = None,
                   namespace: dict | None = None, **overrides) -> dict:
    """Resolve a notebook's settings, switch torch to deterministic algorithms, draw training progress as text
    lines, set the plotting style and route the run's files; prints the settings in force and the folder.

    The rule (README, *Presets and parameters*): ``$ATTRACTOR_PRESET_OVERRIDE`` wins over ``preset``; every setting
    of the preset ``table`` is a parameter of the same name passed in ``overrides`` (one missing is refused: rule 2),
    which left at ``None`` takes the preset's value; ``follows={"b": "a"}``: ``b`` left at ``None`` takes ``a``'s
    value when ``a`` was set; ``params``: other parameters, checked by :func:`check_notebook_params`. A list given as
    text is read as the literal it spells (:func:`param_from_text`), also into ``namespace`` (default: the caller's
    globals), so later cells see the list.

    Routing (docs/outputs.md; :func:`attractor_utils.outputs.route`): the notebook is the one of ``notebooks/`` whose
    set-up cell is running (or ``notebook``, its stem); a run equal to the committed notebook writes to ``figures/``
    (``figures/<preset>/``), any other to ``variants/<notebook>--<name>=<value>...`` below it.
    """
    preset = os.environ.get("ATTRACTOR_PRESET_OVERRIDE") or preset
    keys = sorted({k for t in table.values() for k in t})
    unset = [k for k in keys if k not in overrides]
    if unset:
        raise ValueError(f"preset settings {unset} have no notebook parameter: add `name = None` to the parameters "
                         f"cell and pass name=name to setup_notebook (rule 2)")
    for b, a in (follows or {}).items():
        if b not in overrides or a not in overrides:
            raise ValueError(f"follows={{{b!r}: {a!r}}}: both must be notebook parameters passed to setup_notebook")
    ns = namespace if namespace is not None else sys._getframe(1).f_globals
    stem, as_committed, cell = _which_notebook(notebook)
    literals = outputs.notebook_parameters(outputs.committed_notebook(stem) or {}) if stem else {}
    collections = _collection_params(preset, table, literals, params or {})
    overrides, params = _from_text(overrides, collections), _from_text(params or {}, collections)
    ns.update(_from_text({k: v for k, v in ns.items() if k in collections and isinstance(v, str)}, collections))
    cfg = _in_force(preset, table, follows, overrides)
    check_notebook_params(**cfg, **params)
    out, note = _route_run(preset, table, follows, overrides, ns, stem, as_committed, cell, literals)
    cfg["preset"] = preset
    deterministic()
    progress.install()  # training bars as text lines that also feed $ATTRACTOR_PROGRESS
    plotting.set_style()
    outputs.set_output_dir(out)
    print(f"preset={preset!r}  device={default_device()}  torch={torch.__version__}  threads={torch.get_num_threads()}"
          f"\nfigures and CSVs -> {out}" + (f"\n{note}" if note else ""))
    for k, v in cfg.items():
        if k != "preset":
            print(f"  {k} = {v!r}")
    return cfg


def _in_force(preset: str, table: dict[str, dict], follows: dict[str, str] | None, values: dict) -> dict:
    """The preset settings in force for parameter ``values`` (rules 2 and 3 of :func:`setup_notebook`)."""
    keys = sorted({k for t in table.values() for k in t})
    ov = {k: values.get(k) for k in keys}
    for b, a in (follows or {}).items():
        if ov.get(b) is None and ov.get(a) is not None:
            ov[b] = ov[a]
    return resolve_preset(preset, table, **ov)


def _running_cell() -> str | None:
    """The source of the notebook cell now running (IPython's input history), or None outside IPython."""
    try:
        from IPython import get_ipython
    except ImportError:
        return None
    ip = get_ipython()
    hist = getattr(getattr(ip, "history_manager", None), "input_hist_raw", None)
    return hist[-1] if hist else None


def _which_notebook(notebook: str | None) -> tuple[str | None, bool, str | None]:
    """(stem, as committed, the running cell's source) of the notebook whose set-up cell is running: ``notebook``
    if given, else the one of ``notebooks/`` with that cell (None outside a notebook or for an unknown cell)."""
    cell = _running_cell()
    if notebook is None and cell is not None:
        return (*outputs.find_notebook(cell), cell)
    return notebook, cell is None or outputs.find_notebook(cell) == (notebook, True), cell


def _route_run(preset: str, table: dict[str, dict], follows: dict[str, str] | None, overrides: dict, ns: dict,
               stem: str | None, as_committed: bool, cell: str | None, committed: dict) -> tuple[Any, str]:
    """(folder, note) for a run of notebook ``stem`` (:func:`_which_notebook`; ``committed``: its committed
    parameters): the committed preset folder, or a variant folder and the note that says why."""
    where = outputs.preset_dir(preset)
    if stem is None:
        why = ("no notebook in notebooks/ has this set-up cell" if cell is not None
               else "setup_notebook was not called from a notebook cell")
        return (outputs.route(preset, None, None),
                f"NOTE: not {where}: {why}, so its settings cannot be checked against a committed notebook "
                "(pass notebook=\"NN_name\" to setup_notebook)")
    current = {k: ns[k] for k in committed if k in ns}
    current.update(overrides)

    def resolve(values: dict) -> dict:
        return {**values, **_in_force(preset, table, follows, values)}

    changes = outputs.setting_changes(committed, current, resolve)
    if not as_committed:
        changes["setup"] = ("edited", "the committed set-up cell")
    if not changes:
        return outputs.route(preset, stem, {}), ""
    said = ", ".join(f"{k} = {v!r} (committed: {c!r})" for k, (v, c) in changes.items())
    return (outputs.route(preset, stem, {k: v for k, (v, _) in changes.items()}),
            f"NOTE: not {where}: this run differs from the committed {stem} at the {preset} preset in {said}; its "
            f"figures and CSVs go to the folder above and replace no committed file")
