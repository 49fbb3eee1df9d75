"""attractor-lab: over-parameterised autoencoders store their training data as attractors.

A thin library over PyTorch: models, data, training (single and batched ensembles), iteration,
Jacobian spectra (rank shortcut), attractor classification, closed forms, caching and sweeps,
plotting. See the README for the notebooks that reproduce each paper figure.
"""
# core: the numerics
from .core.attractors import classify_attractors, summarize_attractors
from .core.dynamics import IterationResult, iterate, nearest, orbit
from .core.models import ACTIVATIONS, Activation, MLPAutoencoder, MLPEnsemble, default_device, get_activation
from .core.spectra import (SpectralReport, cycle_spectral_radius, jacobian, jacobian_eigenvalues, reduced_jacobian,
                           sort_eigenvalues, spectral_radius, top_eigenvalues)
from .core.training import (OPTIMIZERS, SCHEDULES, LRSchedule, TrainResult, TrainingDiverged, make_optimizer, train,
                            train_ensemble)
# runs: data, configurations, cache, sweeps, notebook set-up
from .runs.caching import Cache, config_key, default_cache, repo_root
from .runs.data import (ImageData, cifar10, cifar10_or_standin, image_folder, mnist, photo_patches, random_images,
                        sphere_points)
from .runs.experiments import (PRESETS, Run, build_model, make_config, make_data, resolve_cifar, resolve_preset,
                               setup_notebook, sweep, train_batch, train_runs)
# plotting: figures and tables written to figures/
from .plotting import band_plot, count_text, image_grid, save_csv, savefig, set_style

__version__ = "0.1.0"

# the modules, by layer (see the README's layout): au.training.train(...), au.recovery.corrupt(...)
from .core import (attractors, dynamics, flow, losses, models, spectra, theory, training,  # noqa: E402
                   validate)
from .runs import (caching, cluster, data, experiments, given_data, plan, progress, published,  # noqa: E402
                   theory_runs)
from .analyses import (basin_maps, claims, cycles, homogeneity, noise_basins, recovery, relu_grid,  # noqa: E402
                       stepsize)
from . import compare, plotting  # noqa: E402
from . import explorers  # noqa: E402
from .explorers import BasinExplorer, SingleExampleExplorer  # noqa: E402

# what `from attractor_utils import *` gives, and the names the notebooks call
__all__ = [
    "ACTIVATIONS",
    "Activation",
    "BasinExplorer",
    "Cache",
    "ImageData",
    "IterationResult",
    "LRSchedule",
    "MLPAutoencoder",
    "MLPEnsemble",
    "OPTIMIZERS",
    "PRESETS",
    "Run",
    "SCHEDULES",
    "SingleExampleExplorer",
    "TrainResult",
    "TrainingDiverged",
    "band_plot",
    "build_model",
    "cifar10",
    "cifar10_or_standin",
    "classify_attractors",
    "config_key",
    "count_text",
    "cycle_spectral_radius",
    "default_cache",
    "default_device",
    "get_activation",
    "image_folder",
    "image_grid",
    "iterate",
    "jacobian",
    "jacobian_eigenvalues",
    "make_config",
    "make_data",
    "make_optimizer",
    "mnist",
    "nearest",
    "orbit",
    "photo_patches",
    "random_images",
    "reduced_jacobian",
    "repo_root",
    "resolve_cifar",
    "resolve_preset",
    "save_csv",
    "savefig",
    "set_style",
    "setup_notebook",
    "sort_eigenvalues",
    "spectral_radius",
    "top_eigenvalues",
    "SpectralReport",
    "sphere_points",
    "summarize_attractors",
    "sweep",
    "train",
    "train_batch",
    "train_ensemble",
    "train_runs",
    "__version__",
    "attractors",
    "basin_maps",
    "caching",
    "claims",
    "cluster",
    "cycles",
    "data",
    "dynamics",
    "experiments",
    "explorers",
    "given_data",
    "compare",
    "flow",
    "homogeneity",
    "losses",
    "models",
    "noise_basins",
    "plan",
    "plotting",
    "progress",
    "published",
    "recovery",
    "relu_grid",
    "spectra",
    "stepsize",
    "theory",
    "theory_runs",
    "training",
    "validate",
]
