"""JupyterLab's server settings for ``make lab`` (``jupyter lab --config=tools/jupyter_server_config.py``): after a
notebook is saved, git's index is refreshed for it when the save changed nothing git stores (tools/nbclean.py), so a
notebook that was only run and saved does not show up in `git status`. Jupyter reads this file by its path, from
``notebooks/``, where the package ``tools`` is not importable: tools/nbclean.py (which imports nothing of the
project) is loaded by its path next to this file."""
import importlib.util
from pathlib import Path

_spec = importlib.util.spec_from_file_location("attractor_lab_nbclean", Path(__file__).resolve().parent / "nbclean.py")
_nbclean = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_nbclean)

c = get_config()  # noqa: F821 (defined by Jupyter when it reads this file)
c.FileContentsManager.post_save_hook = _nbclean.post_save
