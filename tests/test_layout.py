"""The package's house plan: layers import downwards only, no private name crosses a module, the README's
layout table lists exactly the files there are, and `au.__all__` holds every name the notebooks call."""
from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest

import attractor_utils as au

ROOT = Path(__file__).resolve().parents[1]
PKG = ROOT / "attractor_utils"
# which layers each layer may import (plotting writes figures/ and sits beside runs/, whose notebook set-up uses it)
ALLOWED = {"core": {"core"}, "compare": {"compare"}, "runs": {"core", "runs", "plotting"},
           "plotting": {"core", "compare", "runs", "plotting"},
           "analyses": {"core", "runs", "plotting", "analyses"},
           "explorers": {"core", "runs", "plotting", "analyses", "explorers"}}  # interactive, on top of every layer


def _modules() -> list[Path]:
    return sorted(p for p in PKG.rglob("*.py") if p.name != "__init__.py")


def _layer(rel: Path) -> str:
    return rel.parts[0] if len(rel.parts) > 1 else rel.stem


def _imports(path: Path) -> list[tuple[str, list[str], int]]:
    """(absolute module imported, names imported, line) for every import inside the package, lazy ones too."""
    rel = path.relative_to(PKG)
    here = ["attractor_utils", *rel.parts[:-1]]
    out = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = here[: len(here) - node.level + 1]
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            if mod.startswith("attractor_utils"):
                out.append((mod, [a.name for a in node.names], node.lineno))
        elif isinstance(node, ast.Import):
            out += [(a.name, [], node.lineno) for a in node.names if a.name.startswith("attractor_utils")]
    return out


def test_layers_import_downwards_only():
    bad = []
    for p in _modules():
        layer = _layer(p.relative_to(PKG))
        for mod, names, line in _imports(p):
            parts = mod.split(".")[1:]
            # `from ..core import validate` names the module in `names`; `from .x import y` names it in `parts`
            target = parts[0] if parts else (names[0] if names else "")
            if target not in ALLOWED[layer]:
                bad.append(f"{p.relative_to(ROOT)}:{line} ({layer}) imports {mod}")
    assert not bad, "\n".join(bad)


def test_no_private_name_crosses_a_module():
    bad = [f"{p.relative_to(ROOT)}:{line} imports {n} from {mod}"
           for p in _modules() for mod, names, line in _imports(p) for n in names
           if n.startswith("_") and n != "__version__"]
    assert not bad, "\n".join(bad)


def test_readme_layout_lists_exactly_the_package_files():
    text = (ROOT / "README.md").read_text()
    listed = set(re.findall(r"^\| `([a-z_/]+\.py)` \|", text, flags=re.M))
    actual = {str(p.relative_to(PKG)) for p in _modules()}
    assert listed == actual, f"README only: {sorted(listed - actual)}; package only: {sorted(actual - listed)}"
    folders = set(re.findall(r"^\| \*\*`([a-z_]+)/`\*\* \|", text, flags=re.M))
    assert folders == {p.name for p in PKG.iterdir() if p.is_dir() and (p / "__init__.py").exists()}


def test_every_module_is_reachable_as_au_attribute():
    for p in _modules():
        assert getattr(au, p.stem, None) is not None, f"au.{p.stem} missing ({p.relative_to(PKG)})"
        assert p.stem in au.__all__


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


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(PKG)))
def test_every_module_says_what_it_holds(path):
    assert ast.get_docstring(ast.parse(path.read_text())), f"{path.relative_to(ROOT)} has no module docstring"
