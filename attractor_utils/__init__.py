"""attractor-lab: over-parameterised autoencoders store their training data as attractors.

A thin library over PyTorch: models, data, training (single and batched ensembles), iteration,
Jacobian spectra (rank shortcut), attractor classification, closed forms, caching and sweeps,
plotting. See the README for the notebooks that reproduce each paper figure.
"""
from .attractors import classify_attractors, summarize_attractors
from .caching import Cache, config_key, default_cache, repo_root
from .data import (ImageData, cifar10, cifar10_or_standin, image_folder, mnist, photo_patches, random_images,
                   sphere_points)
from .dynamics import IterationResult, iterate, nearest, orbit
from .experiments import (PRESETS, Run, make_config, make_data, build_model, resolve_cifar, resolve_preset, sweep,
                          setup_notebook, train_batch,
                          train_runs)
from .models import ACTIVATIONS, Activation, MLPAutoencoder, MLPEnsemble, default_device, get_activation
from .plotting import band_plot, count_text, image_grid, save_csv, savefig, set_style
from .spectra import (cycle_spectral_radius, jacobian, jacobian_eigenvalues, reduced_jacobian, sort_eigenvalues,
                      spectral_radius)
from .training import OPTIMIZERS, SCHEDULES, LRSchedule, TrainResult, TrainingDiverged, make_optimizer, train, train_ensemble

__version__ = "0.1.0"

# experiment-specific helpers, as submodules: au.recovery.corrupt(...), au.theory.theorem1_solution(...)
from . import (attractors, basins, basins2d, caching, claims, cycles, data, dynamics, experiments,  # noqa: E402
               explicit, flow, homogeneity, losses, models, plotting, recovery, relu_grid, spectra, stepsize, theory,
               theory_runs, training, validate)

# what `from attractor_utils import *` gives, and the names the notebooks call
__all__ = [
    "ACTIVATIONS",
    "Activation",
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
    "sphere_points",
    "summarize_attractors",
    "sweep",
    "train",
    "train_batch",
    "train_ensemble",
    "train_runs",
    "__version__",
    "attractors",
    "basins",
    "basins2d",
    "caching",
    "claims",
    "cycles",
    "data",
    "dynamics",
    "experiments",
    "explicit",
    "flow",
    "homogeneity",
    "losses",
    "models",
    "plotting",
    "recovery",
    "relu_grid",
    "spectra",
    "stepsize",
    "theory",
    "theory_runs",
    "training",
    "validate",
]
