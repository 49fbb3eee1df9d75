"""Re-execute notebooks at the smoke preset and keep only the outputs nbval checks.

``make refresh-outputs [NB=stem]``: runs each notebook in place (``ATTRACTOR_PRESET_OVERRIDE=smoke``,
figures and cache in build/), then ``nbstripout --keep-count`` removes every output except those of
cells whose metadata says ``keep_output`` (the ``nbval-check-output`` cells), so the committed
notebooks hold the expected smoke-preset summaries and nothing volatile; the hash of those outputs is stamped into the
notebook's metadata, so git's notebook filter (tools/nbclean.py) stores them rather than the committed ones.
"""
from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent


def refresh(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    for c in nb.cells:
        tags = c.get("metadata", {}).get("tags", [])
        if "nbval-check-output" in tags:
            c.metadata["keep_output"] = True
        else:
            c.metadata.pop("keep_output", None)
    with tempfile.TemporaryDirectory() as tmp:
        env = {"ATTRACTOR_PRESET_OVERRIDE": "smoke", "ATTRACTOR_FIGURES": f"{tmp}/fig",
               "ATTRACTOR_CACHE": f"{tmp}/cache", "MPLBACKEND": "Agg"}
        sys.path.insert(0, str(ROOT))
        from tools.run_notebooks import kernel_config, scoped_environ  # IPC sockets: no "running over TCP" warning

        with scoped_environ(env):
            NotebookClient(nb, kernel_name="python3", timeout=1200, config=kernel_config(Path(tmp)),
                           resources={"metadata": {"path": str(path.parent)}}).execute()
    nb.metadata.pop("papermill", None)
    nb.metadata["kernelspec"] = {"display_name": "Python 3 (attractor-lab)", "language": "python", "name": "python3"}
    nbformat.write(nb, path)
    subprocess.run([sys.executable, "-m", "nbstripout", "--keep-count", "--keep-id", str(path)], check=True)
    # these checked outputs are the expected ones: git's notebook filter (tools/nbclean.py) stores them
    subprocess.run([sys.executable, str(ROOT / "tools" / "nbclean.py"), "--stamp", str(path.relative_to(ROOT))],
                   check=True)


def main(argv: list[str]) -> int:
    nbs = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    if argv:
        nbs = [p for p in nbs if p.stem in set(argv)]
    for p in nbs:
        print(f"refreshing {p.name}", flush=True)
        refresh(p)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
