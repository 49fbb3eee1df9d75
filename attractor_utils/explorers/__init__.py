"""Interactive explorers for the cheap experiments (ipywidgets; ``notebooks/explore.ipynb``; README, *Exploring in
JupyterLab*): :class:`BasinExplorer` (notebook 07) and :class:`SingleExampleExplorer` (01 and 13). A change that
gives another network trains one unless the shared run cache or the explorer's memo holds it; the figure is a PNG
laid out in CSS pixels (``CSS_DPI``, rendered at ``PIXEL_RATIO``) replaced in place. Headless: set
``ex.controls[name].value`` or call ``ex.update()``, then read ``ex.result``, ``ex.figure``, ``ex.png``.
"""
from .basins import BASIN_LABEL, BasinExplorer
from .single_example import SingleExampleExplorer
from .widgets import CSS_DPI, LAB_CHROME_PX, PIXEL_RATIO, SCREEN_PX, on_grid

__all__ = ["BasinExplorer", "SingleExampleExplorer", "BASIN_LABEL", "CSS_DPI", "LAB_CHROME_PX", "PIXEL_RATIO",
           "SCREEN_PX", "on_grid"]
