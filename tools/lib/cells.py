"""The cells that decide the open claims at the papers' scale (``make paper-cells``, ``python -m tools.paper_cells``):
each is one notebook run at the `paper` preset, restricted by notebook parameters; its run writes
``figures/paper/variants/<notebook>--<name>=<value>...``, a folder named for the settings it changed."""
from __future__ import annotations

import os
from pathlib import Path

# name -> the notebook, its parameters at the paper preset, and what the cell decides (claims as their tables name them).
# A folder's name records only the settings that differ from the preset, and cell_of takes the first cell that agrees
# with them: a cell close to the preset (06-thesis: the preset's grid, one seed, with bias) comes before the cells of
# its notebook that restrict more (06-grid), whose folders name the settings that tell them apart.
CELLS: dict[str, dict] = {
    "03-wide": {
        "notebook": "03_beyond_linear_region",
        "parameters": {"n_points": [5], "widths": [100000, 500000, 1000000], "radii": [5, 20, 30, 40, 50],
                       "seeds": [0, 1], "skip": []},
        "decides": ["The curves converge as the width grows (the NTK limit)",
                    "Reproduces the published values of Fig. 3 (the widest cells)"],
    },
    "03-limit": {
        "notebook": "03_beyond_linear_region",
        "parameters": {"n_points": [5], "widths": [1000, 10000, 100000, 1000000], "radii": [50], "seeds": [0],
                       "skip": []},
        "decides": ["The curves converge as the width grows (the NTK limit): each width's distance to the computed "
                    "limit at r = 50, out to width 1e6 (minutes, where 03-wide takes hours)"],
    },
    "06-thesis": {
        "notebook": "06_relu_grid",
        "parameters": {"widths": [32, 64, 128], "depths": [1, 2, 3, 6, 11], "uniform_depths": [1, 2, 3, 6, 11],
                       "biases": [True], "seeds": [0]},
        "decides": ["Many iterative fixed points are false positives at depths 1, 2, 3",
                    "A good loss does not imply many attractors (the thesis's widths and depths, with bias, one seed; "
                    "the networks of 06-thesis-shallow and 06-thesis-deep judged together)",
                    "Sufficient depth is required for creating attractors (with bias) (the thesis's depths 1 to 11)",
                    "With bias, CIFAR-10 is more sensitive to depth and random images to width (on the stand-in)"],
    },
    "06-grid": {
        "notebook": "06_relu_grid",
        "parameters": {"widths": [32, 128], "depths": [1, 3, 6], "uniform_depths": [1, 3, 6], "biases": [True],
                       "seeds": [0]},
        "decides": ["With bias, CIFAR-10 is more sensitive to depth and random images to width (on the stand-in)",
                    "Many iterative fixed points are false positives at depths 1, 2, 3",
                    "A good loss does not imply many attractors",
                    "Sufficient depth is required for creating attractors (with bias)"],
    },
    "06-thesis-shallow": {
        "notebook": "06_relu_grid",
        "parameters": {"widths": [32, 64, 128], "depths": [1, 2, 3], "uniform_depths": [1, 2, 3], "biases": [True],
                       "seeds": [0]},
        "decides": ["Many iterative fixed points are false positives at depths 1, 2, 3 (the thesis's widths at the "
                    "depths the claim names, with bias, one seed: the largest part of 06-thesis that fits a session "
                    "here)",
                    "A good loss does not imply many attractors (the thesis's three widths at depths 1 to 3, with bias)"],
    },
    "06-thesis-deep": {
        "notebook": "06_relu_grid",
        "parameters": {"widths": [32, 64, 128], "depths": [6, 11], "uniform_depths": [6, 11], "biases": [True],
                       "seeds": [0]},
        "decides": ["A good loss does not imply many attractors (the thesis's three widths at depths 6 and 11, with "
                    "bias: the half of 06-thesis that 06-thesis-shallow leaves; 06-thesis then judges the whole grid "
                    "from the cache, training nothing)",
                    "Sufficient depth is required for creating attractors (with bias) (depths 6 and 11)"],
    },
    "09-wide": {
        "notebook": "09_width_depth_mnist",
        "parameters": {"widths": [512, 1024], "depths": [4, 6], "cycle_lens": []},
        "decides": ["The largest autoencoder stores almost all training digits as attractors",
                    "Increasing depth and width leads to more attractors",
                    "With depth and width the top Jacobian eigenvalue at the training examples moves towards 0"],
    },
    "09-wider": {
        "notebook": "09_width_depth_mnist",
        "parameters": {"widths": [2048], "depths": [3, 4, 5, 6], "cycle_lens": []},
        "decides": ["The largest autoencoder stores almost all training digits as attractors",
                    "Increasing depth and width leads to more attractors"],
    },
    "09-widest": {
        "notebook": "09_width_depth_mnist",
        "parameters": {"widths": [4096], "depths": [3, 4], "cycle_lens": []},
        "decides": ["The largest autoencoder stores almost all training digits as attractors (width 4096: the next "
                    "width after 09-wider, at its two best depths)",
                    "Increasing depth and width leads to more attractors"],
    },
    "09-depth4": {
        "notebook": "09_width_depth_mnist",
        "parameters": {"widths": [2048, 4096], "depths": [4], "cycle_lens": []},
        "decides": ["The largest autoencoder stores almost all training digits as attractors (widths 2048 and 4096 at "
                    "depth 4, the networks of 09-wider and 09-widest judged together: has the count stopped rising?)"],
    },
    "09-constant-1e-3": {
        "notebook": "09_width_depth_mnist",
        "parameters": {"widths": [2048], "depths": [3], "cycle_lens": [], "schedule": "constant", "lr": 1e-3,
                       "max_epochs": 20000},
        "decides": ["The largest autoencoder stores almost all training digits as attractors (at a constant Adam "
                    "rate: the paper's rate is lost from its text, the plateau schedule is this package's choice; "
                    "depth 3, the size with the most attractors of 09-wider, and a budget of 20,000 epochs, seven "
                    "times the longest plateau run's)"],
    },
    "09-constant-1e-4": {
        "notebook": "09_width_depth_mnist",
        "parameters": {"widths": [2048], "depths": [3], "cycle_lens": [], "schedule": "constant", "lr": 1e-4,
                       "max_epochs": 20000},
        "decides": ["The largest autoencoder stores almost all training digits as attractors (at a constant Adam "
                    "rate 1e-4)"],
    },
    "10-width50": {
        "notebook": "10_generalization",
        "parameters": {"widths": [50], "distributions": ["sphere", "orthant"], "sweep_radii": [], "loss_threshold": 1e-2,
                       "max_epochs": 1000000, "halving_budget": 2.0},
        "decides": ["The width-50 setup (loss threshold 1e-2) does not store its training points (trained to the "
                    "talk's threshold: the same gradient flow with 20 times the paper preset's budget; a trial run "
                    "here was at 1.1e-2 after 490,000 gradient evaluations)"],
    },
    "11-optimizers": {
        "notebook": "11_optimizers_and_inits",
        "parameters": {"activations": ["relu", "cosid"], "inits": ["default"], "n_images": 30, "width": 256,
                       "loss_threshold": 1e-5, "max_epochs": 20000},
        "decides": ["Attractors arise in every setting that trains to a low loss (every optimizer row, two "
                    "nonlinearities, a budget ten times the default's)"],
    },
    "12-patches": {
        "notebook": "12_recovery",
        "parameters": {"n_images": 30, "width": 512, "depth": 4, "max_epochs": 30000},
        "decides": ["Stored images are attractors (STAND-IN photo patches (grayscale)): trained to the threshold",
                    "Recovery falls with corruption and resembles 1-NN (STAND-IN photo patches (grayscale))"],
    },
}


def paper_cache() -> Path:
    """The run cache of the paper cells: ``$ATTRACTOR_CACHE``, else ``~/.cache/attractor-lab/paper`` (outside the
    work tree)."""
    return Path(os.environ.get("ATTRACTOR_CACHE") or Path.home() / ".cache" / "attractor-lab" / "paper")


def cell_of(folder: str) -> str | None:
    """The paper cell whose run wrote the ``variants/`` folder ``folder``: the first cell of its notebook whose
    parameters agree with every setting the name records, sharing at least one (a parameter the name leaves out is
    at its committed value; settings the cell does not set are not compared); None when no cell matches.

    >>> cell_of("09_width_depth_mnist--widths=512,1024--depths=4,6--cycle_lens=empty")
    '09-wide'
    >>> cell_of("12_recovery--n_images=30--width=512--max_epochs=30000"), cell_of("12_recovery--width=64")
    ('12-patches', None)
    >>> cell_of("06_relu_grid--biases=True--seeds=0"), cell_of("06_relu_grid--depths=1,3,6--widths=32,128--seeds=0")
    ('06-thesis', '06-grid')
    """
    from attractor_utils.outputs import variant_slug  # the folder-name rule of a run's settings

    stem, _, rest = folder.partition("--")
    named = dict(kv.split("=", 1) for kv in rest.split("--") if "=" in kv)
    for name, cell in CELLS.items():
        if cell["notebook"] != stem:
            continue
        want = {k: variant_slug(stem, {k: v}).split("=", 1)[1] for k, v in cell["parameters"].items()}
        shared = set(want) & set(named)
        if shared and all(named[k] == want[k] for k in shared):
            return name
    return None
