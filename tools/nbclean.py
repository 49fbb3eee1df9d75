"""The git filter that keeps notebook runs out of git: what git stores of a notebook is its committed form.

    python tools/nbclean.py notebooks/02_linear_region.ipynb < working.ipynb > clean.ipynb   # the clean filter
    python -m tools.nbclean --stamp notebooks/02_linear_region.ipynb                        # after make refresh-outputs

It imports nothing of the project, so git and JupyterLab run it by its path. The committed form: no outputs but
those of the cells nbval checks (``keep_output``), kept only when ``make refresh-outputs`` stamped them
(``nbval_outputs_sha256``), else taken from git HEAD cell by cell; execution counts as committed (a new cell: its
place, 1, 2, ...); cell metadata reduced to ``tags`` and ``keep_output``; the notebook's metadata as committed.
:func:`post_save`, JupyterLab's post-save hook under ``make lab``, re-records a saved notebook in git's index when,
filtered, it is what the index holds, so ``git status`` does not list it as modified.
"""
from __future__ import annotations

import argparse
import copy
import hashlib
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STAMP = "nbval_outputs_sha256"
CELL_KEYS = ("tags", "keep_output")


def _kept(cell: dict) -> bool:
    return cell.get("cell_type") == "code" and bool(cell.get("metadata", {}).get("keep_output"))


def _plain(outputs: list[dict]) -> list[dict]:
    """Outputs without their execution counts (the part a re-run does not change)."""
    return [{k: v for k, v in o.items() if k != "execution_count"} for o in outputs]


def outputs_sha(nb: dict) -> str:
    """SHA-256 of the outputs of the checked cells (``keep_output``), in order, execution counts left out."""
    kept = [_plain(c.get("outputs", [])) for c in nb["cells"] if _kept(c)]
    return hashlib.sha256(json.dumps(kept, sort_keys=True).encode()).hexdigest()


def clean(nb: dict, committed: dict | None) -> dict:
    """The committed form of notebook ``nb`` (see the module docstring); ``committed``: the notebook at git HEAD, or
    None for a notebook not committed yet (its checked outputs are then kept as they are)."""
    nb = copy.deepcopy(nb)
    stamped = nb.get("metadata", {}).get(STAMP) == outputs_sha(nb)
    before = {c.get("id"): c for c in (committed or {}).get("cells", []) if c.get("id")}
    if committed is not None:
        nb["metadata"] = {**committed.get("metadata", {}), **({STAMP: nb["metadata"][STAMP]} if stamped else {})}
    count = 0
    for c in nb["cells"]:
        c["metadata"] = {k: c["metadata"][k] for k in CELL_KEYS if k in c.get("metadata", {})}
        if c["cell_type"] != "code":
            c.pop("outputs", None)
            c.pop("execution_count", None)
            continue
        count += 1
        old = before.get(c.get("id"))
        c["execution_count"] = old.get("execution_count") if old is not None else count
        if not _kept(c):
            c["outputs"] = []
            continue
        if not stamped and old is not None and _kept(old):
            c["outputs"] = copy.deepcopy(old.get("outputs", []))
        for o in c["outputs"]:
            if "execution_count" in o:
                o["execution_count"] = c["execution_count"]
    return nb


def committed_notebook(rel: str) -> dict | None:
    """``rel`` (repo-relative) at git HEAD, or None."""
    r = subprocess.run(["git", "-C", str(ROOT), "show", f"HEAD:{rel}"], capture_output=True)
    return json.loads(r.stdout) if r.returncode == 0 and r.stdout.strip() else None


def refresh_if_unchanged(path: str | Path) -> bool:
    """Re-record ``path`` in git's index (``git add``) when its filtered content is the blob the index already holds
    for it, so `git status` stops listing a notebook that was only run and saved; True if it did. A file with a real
    change, outside a git checkout or not tracked, is left alone."""
    path = Path(path).resolve()

    def git(*args: str, at: Path = path.parent) -> str | None:
        r = subprocess.run(["git", "-C", str(at), *args], capture_output=True, text=True)
        return r.stdout.strip() if r.returncode == 0 else None

    top = git("rev-parse", "--show-toplevel")
    if top is None:
        return False
    at = Path(top).resolve()
    rel = path.relative_to(at).as_posix()
    staged = git("ls-files", "-s", "--", rel, at=at)
    if not staged or git("hash-object", "--path", rel, "--", str(path), at=at) != staged.split()[1]:
        return False
    return git("add", "--", rel, at=at) is not None


def post_save(model: dict, os_path: str, contents_manager=None, **kwargs) -> None:
    """Jupyter's ``FileContentsManager.post_save_hook``: :func:`refresh_if_unchanged` for saved notebooks."""
    if model.get("type") == "notebook":
        refresh_if_unchanged(os_path)


def dumps(nb: dict) -> str:
    """Notebook JSON as Jupyter writes it (one-space indent, sorted keys, trailing newline)."""
    return json.dumps(nb, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m tools.nbclean", description=__doc__.split("\n\n")[0])
    ap.add_argument("path", help="the notebook's path relative to the repository root (git's %%f)")
    ap.add_argument("--stamp", action="store_true",
                    help="record the hash of the file's checked outputs: they are the expected smoke outputs")
    a = ap.parse_args(argv)
    if a.stamp:
        p = ROOT / a.path
        nb = json.loads(p.read_text())
        nb["metadata"][STAMP] = outputs_sha(nb)
        p.write_text(dumps(nb))
        return 0
    raw = sys.stdin.read()
    try:
        nb = json.loads(raw)
    except json.JSONDecodeError:  # not a notebook git should rewrite: store it as it is
        sys.stdout.write(raw)
        return 0
    sys.stdout.write(dumps(clean(nb, committed_notebook(a.path))))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
