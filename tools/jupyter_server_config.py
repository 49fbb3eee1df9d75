"""JupyterLab's server settings for ``make lab`` (``jupyter lab --config=tools/jupyter_server_config.py``): after a
notebook is saved, git's index is refreshed for it when the save changed nothing git stores (tools/nbclean.py), so a
notebook that was only run and saved does not show up in `git status`."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from nbclean import post_save  # noqa: E402

c = get_config()  # noqa: F821 (defined by Jupyter when it reads this file)
c.FileContentsManager.post_save_hook = post_save
