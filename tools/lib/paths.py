"""The checkout's folders as the commands see them: its root, the figure notebooks, a preset's figures folder."""
from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def select_notebooks(names: list[str] | None = None, root: Path = ROOT) -> list[Path]:
    """``<root>/notebooks/NN_*.ipynb``, or those named (stems or paths); an unknown name raises ValueError naming the
    available ones."""
    nbs = sorted((root / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    if names:
        want = {Path(n).stem for n in names}
        unknown = want - {p.stem for p in nbs}
        if unknown:
            raise ValueError(f"unknown notebooks {sorted(unknown)}; available: {[p.stem for p in nbs]}")
        nbs = [p for p in nbs if p.stem in want]
    return nbs


def figures_folder(preset: str, root: Path = ROOT) -> Path:
    """The folder of a preset's results: ``$ATTRACTOR_FIGURES`` (else ``<root>/figures``) for the default preset,
    ``<that>/<preset>`` otherwise (``attractor_utils.outputs.preset_dir``; imported here, where it is needed, so that
    the commands that never ask, such as the index writer, start without loading torch)."""
    from attractor_utils.outputs import preset_dir

    return preset_dir(preset, os.environ.get("ATTRACTOR_FIGURES") or root / "figures")
