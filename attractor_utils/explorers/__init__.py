"""Interactive explorers for the cheap experiments (ipywidgets; ``notebooks/explore.ipynb``).

- :class:`BasinExplorer` (notebook 07): a 2-D autoencoder on a few points; choose width, depth, activation and
  network seed, draw a new set of points or move one, and see the basins of attraction, the Voronoi cells, the
  one-step vector field and the orbit of a chosen start.
- :class:`SingleExampleExplorer` (notebooks 01 and 13): one training example; choose its radius, the depth, width
  and activation, and see the trained Jacobian spectrum at the example against the closed form of PNAS Theorems 1-2
  / Corollary 2 (rank-1 initialisation) or against the spectrum at initialisation (the NTK setting of Jiang &
  Pehlevan, which has no closed form).

What a change costs. A change that gives another network (its settings or its training data) trains one, unless
the run cache holds it (``.cache/``, shared with the notebooks: the same settings are the same entry) or this
explorer met it before; a change that keeps the network (an orbit's start, the grid of the basin map, what is
drawn) redraws from the trained network and trains nothing. The status line says which the last change did and
how long it took. The explorers train with the session's torch settings (threads included), as the notebooks do:
a network they put in the shared run cache is the one the notebook would have trained.

What a notebook shows. Displaying an explorer puts two outputs in the cell: the controls with the status line (a
widget), and the figure as a plain PNG that every redraw replaces in place (``update_display``). A notebook saved
after running keeps that PNG, so it shows the last view without a kernel (the widget then cannot be drawn until
the cell is run again, which makes it live). The figure is laid out in CSS pixels (``CSS_DPI`` per inch) and
rendered at ``PIXEL_RATIO`` times that, so it is never upscaled; with its controls it fits a ``SCREEN_PX`` window.

Headless (tests, scripts): set a control's ``value`` (``ex.controls["width"].value = 64``) or call
``ex.update()``, and read ``ex.result`` (the numbers drawn), ``ex.figure`` (the matplotlib figure), ``ex.png``
(its PNG) and ``ex.status.value``. Small settings answer fastest:
``BasinExplorer(width=16, depth=2, grid=20)``.
"""
from .basins import BASIN_LABEL, BasinExplorer
from .single_example import SingleExampleExplorer
from .widgets import CSS_DPI, LAB_CHROME_PX, PIXEL_RATIO, SCREEN_PX, on_grid

__all__ = ["BasinExplorer", "SingleExampleExplorer", "BASIN_LABEL", "CSS_DPI", "LAB_CHROME_PX", "PIXEL_RATIO",
           "SCREEN_PX", "on_grid"]
