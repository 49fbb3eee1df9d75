"""Re-execute notebooks at the smoke preset and keep only the outputs nbval checks (``make refresh-outputs``).

Each runs in place (figures and cache in build/), then ``nbstripout --keep-count`` keeps only the outputs of the
``keep_output`` cells, whose hash is stamped into the notebook's metadata for git's filter (tools/nbclean.py).
"""
from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

import nbformat
from nbclient import NotebookClient

from tools.lib.kernel import KERNELSPEC, kernel_config, scoped_environ
from tools.lib.paths import ROOT, select_notebooks


def refresh(path: Path) -> None:
    """Re-execute the notebook ``path`` in place at the smoke preset and keep only its checked outputs, stamped."""
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
        with scoped_environ(env):  # the kernel on IPC sockets: no "running over TCP" warning
            NotebookClient(nb, kernel_name="python3", timeout=1200, config=kernel_config(Path(tmp)),
                           resources={"metadata": {"path": str(path.parent)}}).execute()
    nb.metadata.pop("papermill", None)
    nb.metadata["kernelspec"] = dict(KERNELSPEC)
    nbformat.write(nb, path)
    subprocess.run([sys.executable, "-m", "nbstripout", "--keep-count", "--keep-id", str(path)], check=True)
    # these checked outputs are the expected ones: git's notebook filter (tools/nbclean.py) stores them
    subprocess.run([sys.executable, "-m", "tools.nbclean", "--stamp", str(path.relative_to(ROOT))], cwd=ROOT,
                   check=True)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m tools.refresh_outputs", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("notebooks", nargs="*", help="stems (default: every notebook)")
    names = set(ap.parse_args(argv).notebooks)
    for p in select_notebooks():
        if names and p.stem not in names:
            continue
        print(f"refreshing {p.name}", flush=True)
        refresh(p)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
