"""The package's house plan, as rules that fail when broken: layers import downwards only, no import circle of any size
(function-level imports included), no module over the size a reader takes in at once, `tools/` commands never import
each other, no private name crosses a module, docs/layout.md lists exactly the files there are, and `au.__all__`
holds every name the notebooks call."""
from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest

import attractor_utils as au

ROOT = Path(__file__).resolve().parents[1]
PKG = ROOT / "attractor_utils"
TOOLS = ROOT / "tools"
# the layers, bottom first: a module imports from its own layer (without a circle) or from a lower one
LAYERS = [("files", "compare"), ("core",), ("data",), ("runs",), ("plotting",), ("outputs",), ("notebook",),
          ("analyses",), ("explorers",)]
RANK = {name: i for i, names in enumerate(LAYERS) for name in names}
MAX_LINES = 420  # "no module over about 400 lines"


def _files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*.py") if "__pycache__" not in p.parts)


def _modules() -> list[Path]:
    return [p for p in _files(PKG) if p.name != "__init__.py"]


def _name(path: Path) -> str:
    """Dotted module name of a file under the repository root (a package's ``__init__`` is the package)."""
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> list[tuple[str, int]]:
    """(module imported, line) for every import of the file, function-level ones too; ``from pkg import mod`` names
    the module ``pkg.mod`` when that is a file."""
    here = _name(path).split(".")
    if path.name != "__init__.py":
        here = here[:-1]
    out = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            base = here[: len(here) - node.level + 1] if node.level else []
            mod = ".".join(base + ([node.module] if node.module else []))
            for a in node.names:
                sub = f"{mod}.{a.name}"
                out.append((sub if _file_of(sub) else mod, node.lineno))
        elif isinstance(node, ast.Import):
            out += [(a.name, node.lineno) for a in node.names]
    return out


def _file_of(mod: str) -> Path | None:
    p = ROOT.joinpath(*mod.split("."))
    for f in (p.with_suffix(".py"), p / "__init__.py"):
        if f.is_file():
            return f
    return None


def _graph(files: list[Path], prefix: str) -> dict[str, set[str]]:
    """Module -> the modules under ``prefix`` it imports."""
    return {_name(p): {m for m, _ in _imports(p) if m.split(".")[0] == prefix and m != _name(p)} for p in files}


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (or a module importing itself): every import
    circle, of any size (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1 or v in graph.get(v, ()):
                out.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def test_the_circle_finder_finds_planted_circles():
    assert circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert circles({"a": {"b"}, "b": {"a"}}) == [["a", "b"]]
    assert circles({"a": {"b"}, "b": {"c"}, "c": set()}) == []


def test_no_import_circle_in_the_package():
    graph = _graph([p for p in _files(PKG) if p.parent != PKG or p.name != "__init__.py"], "attractor_utils")
    assert circles(graph) == []


def test_no_import_circle_in_tools_and_commands_do_not_import_each_other():
    files = _files(TOOLS)
    graph = _graph(files, "tools")
    assert circles(graph) == []
    lib = {_name(p) for p in files if "lib" in p.relative_to(TOOLS).parts or p.name == "__init__.py"}
    bad = [f"{src} imports {dst}" for src, dsts in graph.items() for dst in dsts if dst not in lib]
    assert not bad, "tools/ commands import only tools/lib helpers:\n" + "\n".join(bad)
    bad = [f"{src} imports the command {dst}" for src, dsts in graph.items() if src in lib for dst in dsts
           if dst not in lib]
    assert not bad


def test_no_sys_path_insert_in_tools():
    bad = [str(p.relative_to(ROOT)) for p in _files(TOOLS) if "sys.path.insert" in p.read_text()]
    assert not bad


def _layer(path: Path) -> str:
    rel = path.relative_to(PKG)
    return rel.parts[0] if len(rel.parts) > 1 else rel.stem


def test_layers_import_downwards_only():
    bad = []
    for p in _modules():
        layer = _layer(p)
        assert layer in RANK, f"{p.relative_to(ROOT)}: layer {layer!r} is not in LAYERS"
        for mod, line in _imports(p):
            parts = mod.split(".")
            if parts[0] != "attractor_utils":
                continue
            if len(parts) == 1:
                bad.append(f"{p.relative_to(ROOT)}:{line} imports the package's top")
            elif RANK[parts[1]] > RANK[layer]:
                bad.append(f"{p.relative_to(ROOT)}:{line} ({layer}) imports {mod} ({parts[1]}, a higher layer)")
    assert not bad, "\n".join(bad)


@pytest.mark.parametrize("path", [*_files(PKG), *_files(TOOLS)], ids=lambda p: str(p.relative_to(ROOT)))
def test_no_module_is_longer_than_a_reader_takes_in(path):
    n = len(path.read_text().splitlines())
    assert n <= MAX_LINES, f"{path.relative_to(ROOT)}: {n} lines (at most {MAX_LINES}): split it by what it holds"


def test_no_private_name_crosses_a_module():
    bad = []
    for p in _files(PKG):
        for node in ast.walk(ast.parse(p.read_text())):
            if isinstance(node, ast.ImportFrom) and (node.level or (node.module or "").startswith("attractor_utils")):
                bad += [f"{p.relative_to(ROOT)}:{node.lineno} imports {a.name}" for a in node.names
                        if a.name.startswith("_") and a.name != "__version__"]
    assert not bad, "\n".join(bad)


def test_layout_doc_lists_exactly_the_package_files():
    text = (ROOT / "docs" / "layout.md").read_text()
    listed = set(re.findall(r"^\| `([a-z_/]+\.py)` \|", text, flags=re.M))
    actual = {str(p.relative_to(PKG)) for p in _files(PKG) if p.name != "__init__.py"}
    assert listed == actual, f"docs/layout.md only: {sorted(listed - actual)}; package only: {sorted(actual - listed)}"


def _notebook_code() -> str:
    cells = [c for nb in sorted((ROOT / "notebooks").glob("*.ipynb"))
             for c in json.loads(nb.read_text())["cells"] if c["cell_type"] == "code"]
    return "\n".join("".join(c["source"]) for c in cells)


def test_the_names_notebooks_call_are_exported():
    code = _notebook_code()
    called = set(re.findall(r"\bau\.([A-Za-z_][A-Za-z0-9_]*)", code))
    missing = sorted(n for n in called if n not in au.__all__)
    assert not missing, f"au.{missing} used by a notebook but not in attractor_utils.__all__"
    imported = {n.strip() for m in re.findall(r"from attractor_utils import ([\w, ]+)", code) for n in m.split(",")}
    assert imported <= set(au.__all__), imported - set(au.__all__)
    for name in au.__all__:
        assert getattr(au, name, None) is not None, f"au.{name} is in __all__ but missing"


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(PKG)))
def test_every_module_says_what_it_holds(path):
    assert ast.get_docstring(ast.parse(path.read_text())), f"{path.relative_to(ROOT)} has no module docstring"
