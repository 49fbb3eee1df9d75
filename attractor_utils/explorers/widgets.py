"""What every explorer shares: the controls (ipywidgets), the memo of trained networks, the layout in CSS pixels,
and the figure shown as a PNG that each redraw replaces in place (see :mod:`attractor_utils.explorers`)."""
from __future__ import annotations

import base64
import html
import io
import math
import time
import uuid
from typing import Any

from matplotlib.figure import Figure

from ..core import validate as V
from ..plotting import set_style

CSS_DPI = 100  # CSS pixels per figure inch: a w x h inch figure takes 100 w x 100 h pixels in the notebook
PIXEL_RATIO = 2  # PNG pixels per CSS pixel: sharp on HiDPI screens, scaled down (never up) on others
SCREEN_PX = (1385, 800)  # the browser window (CSS pixels) an explorer's controls and figure fit in together
LAB_CHROME_PX = 150  # JupyterLab's bars above and below a notebook (menu, tabs, toolbar, status bar), CSS pixels
ROW_PX = 60  # height of one row of controls (its label takes two lines), CSS pixels, as measured in JupyterLab
STATUS_PX = 24  # height of the status line, CSS pixels
LABEL_PX = 110  # width of a row's label ("network / retrains"), CSS pixels
MEMO_SIZE = 16  # networks and basin maps an explorer keeps in memory (the run cache keeps every network on disk)


def remember(memo: dict, key: Any, value: Any) -> Any:
    """Store ``value`` under ``key``, dropping the oldest entries beyond :data:`MEMO_SIZE`; returns ``value``."""
    memo[key] = value
    while len(memo) > MEMO_SIZE:
        memo.pop(next(iter(memo)))
    return value


def on_grid(control, value: float) -> float:
    """``value`` moved to the nearest position of slider ``control``, as its readout prints it.

    A FloatSlider's positions are ``min + k * step`` and ``max``; a FloatLogSlider's are ``base ** (min + k * step)``
    and ``base ** max``. The browser snaps a value to a position and prints that position with ``readout_format``,
    so a value set on a position, as printed, is the value the readout shows.
    """
    import ipywidgets as W

    log = isinstance(control, W.FloatLogSlider)
    if not log and not isinstance(control, W.FloatSlider):
        raise TypeError(f"control is a {type(control).__name__}; on_grid takes a FloatSlider or a FloatLogSlider")
    u = math.log(V.real("value", value, 0, lo_open=True), control.base) if log else V.real("value", value)
    k = round((u - control.min) / control.step)
    snapped = min(max(control.min + k * control.step, control.min), control.max)
    if abs(u - control.max) < abs(u - snapped):  # the end of the range is a position too
        snapped = control.max
    return float(format(control.base ** snapped if log else snapped, control.readout_format))


def slider(kind: str, description: str, value, lo, hi, step=None, *, width: int = 220, **kw):
    import ipywidgets as W

    cls = {"int": W.IntSlider, "float": W.FloatSlider, "log": W.FloatLogSlider}[kind]
    return cls(value=value, min=lo, max=hi, **({"step": step} if step is not None else {}), description=description,
               continuous_update=False, style={"description_width": "initial"}, layout=W.Layout(width=f"{width}px"),
               **kw)


def dropdown(description: str, options, value, *, width: int = 170):
    import ipywidgets as W

    return W.Dropdown(options=options, value=value, description=description, style={"description_width": "initial"},
                      layout=W.Layout(width=f"{width}px"))


def checkbox(description: str, value: bool):
    import ipywidgets as W

    return W.Checkbox(value=value, description=description, indent=False, layout=W.Layout(width="130px"))


class Explorer:
    """Rows of controls and a status line (a widget) above a figure (a PNG display output).

    Every change of a control calls :meth:`update`: :meth:`compute` (whose ``result["source"]`` says what this change
    did: trained, loaded, or redrawn), then :meth:`draw`. ``ROWS``: ``((label, note), (control names ...))`` per
    row of controls; ``FIGSIZE``: the figure's size in inches (CSS pixels / ``CSS_DPI``).
    """

    ROWS: tuple = ()
    FIGSIZE: tuple[float, float] = (8.0, 5.0)

    def __init__(self, controls: dict, auto: bool = True) -> None:
        import ipywidgets as W

        set_style()
        self.controls = controls
        self.status = W.HTML()
        self.figure: Figure | None = None
        self.png = b""  # the figure as PNG bytes: PIXEL_RATIO x its CSS size
        self.result: dict[str, Any] = {}
        self.updates = 0
        self._display_id: str | None = None  # set once displayed: every redraw then replaces the figure output
        self._syncing = False  # set while the explorer itself moves a control (no recompute)
        for c in controls.values():
            c.observe(self._changed, names="value")
        if auto:
            self.update()

    def _changed(self, _change) -> None:
        if not self._syncing:
            self.update()

    def _set_quietly(self, name: str, value) -> None:
        """Move control ``name`` to ``value`` without recomputing."""
        self._syncing = True
        try:
            self.controls[name].value = value
        finally:
            self._syncing = False

    def widget(self):
        """The controls, row by row (each labelled with what its changes cost), and the status line: one box."""
        import ipywidgets as W

        rows = []
        for (label, note), names in self.ROWS:
            head = W.HTML(f"<b>{label}</b>" + (f"<br><i>{note}</i>" if note else ""),
                          layout=W.Layout(width=f"{LABEL_PX}px"))
            rows.append(W.HBox([head, *(self.controls[n] for n in names)], layout=W.Layout(flex_flow="row wrap")))
        return W.VBox([*rows, self.status])

    def figure_px(self) -> tuple[int, int]:
        """The figure's size in the notebook, CSS pixels (width, height)."""
        return round(self.FIGSIZE[0] * CSS_DPI), round(self.FIGSIZE[1] * CSS_DPI)

    def view_px(self) -> tuple[int, int]:
        """The size of the whole view (controls, status line, figure), CSS pixels (width, height)."""
        w, h = self.figure_px()
        widths = [LABEL_PX + sum(int(str(self.controls[n].layout.width).rstrip("px")) for n in names)
                  for _, names in self.ROWS]
        return max(w, *widths), len(self.ROWS) * ROW_PX + STATUS_PX + h

    def static_view(self) -> tuple[dict, dict]:
        """The current figure as a display bundle (``data``, ``metadata``): ``image/png`` (base64) shown at its CSS
        size, and a ``text/plain`` line for front ends without images."""
        w, h = self.figure_px()
        title = self.figure.axes[0].get_title().replace("\n", "; ") if self.figure is not None else "no view yet"
        data = {"image/png": base64.b64encode(self.png).decode("ascii"),
                "text/plain": f"{type(self).__name__}: {title} (run the cell to explore)"}
        return data, {"image/png": {"width": w, "height": h}}

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.widget())
        self._display_id = self._display_id or uuid.uuid4().hex
        data, metadata = self.static_view()
        display(data, raw=True, metadata=metadata, display_id=self._display_id)

    def values(self) -> dict:
        return {k: c.value for k, c in self.controls.items()}

    def update(self) -> None:
        """Recompute from the controls' values and redraw; an error is shown in the status line, not raised."""
        self.status.value = "<i>computing ...</i>"
        t0 = time.perf_counter()
        try:
            result = self.compute(**self.values())
            fig = self.draw(result)
        except Exception as e:  # noqa: BLE001 - an explorer reports, it does not stop the notebook
            self.status.value = f"<b>error</b>: {html.escape(f'{type(e).__name__}: {e}')}"
            self.result = {"error": f"{type(e).__name__}: {e}"}
            return
        self.result = result
        self._show(fig)
        self.status.value = f"{html.escape(result['source'])}; answered in {time.perf_counter() - t0:.1f} s"

    def _show(self, fig: Figure) -> None:
        """Make ``fig`` the explorer's figure, render its PNG and, once displayed, replace the figure output."""
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=CSS_DPI * PIXEL_RATIO, bbox_inches=fig.bbox_inches)  # not cropped: its size
        self.figure, self.png = fig, buf.getvalue()
        self.updates += 1
        if self._display_id is not None:
            from IPython.display import update_display

            data, metadata = self.static_view()
            update_display(data, raw=True, metadata=metadata, display_id=self._display_id)

    def compute(self, **values) -> dict:  # pragma: no cover - each explorer defines it
        raise NotImplementedError

    def draw(self, result: dict) -> Figure:  # pragma: no cover - each explorer defines it
        raise NotImplementedError


