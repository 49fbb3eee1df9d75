"""attractor-lab: over-parameterised autoencoders store their training data as attractors.

A thin library over PyTorch in layers that import only downwards (docs/layout.md): ``core`` -> ``data`` -> ``runs``
-> ``plotting`` -> ``outputs`` -> ``notebook`` -> ``analyses`` -> ``explorers``. The README names the notebooks.
"""
from .core.attractors import classify_attractors, summarize_attractors
from .core.dynamics import IterationResult, iterate, nearest, orbit
from .core.models import ACTIVATIONS, Activation, MLPAutoencoder, MLPEnsemble, default_device, get_activation
from .core.spectra import (SpectralReport, cycle_spectral_radius, jacobian, jacobian_eigenvalues, reduced_jacobian,
                           sort_eigenvalues, spectral_radius, top_eigenvalues)
from .core.optim import OPTIMIZERS, SCHEDULES, LRSchedule, make_optimizer
from .core.training import TrainResult, TrainingDiverged, train, train_ensemble
from .files import repo_root
from .data import (ImageData, cifar10, cifar10_or_standin, image_folder, make_data, mnist, photo_patches,
                   random_images, resolve_cifar, sphere_points)
from .runs.caching import Cache, config_key, default_cache
from .runs.config import PRESETS, build_model, make_config, resolve_preset, sphere_config, train_kwargs
from .runs.run import Run, train_batch
from .runs.sweep import sweep, train_runs
from .plotting import band_plot, count_text, image_grid, set_style
from .outputs import save_csv, savefig
from .notebook import setup_notebook

__version__ = "0.1.0"

# modules the notebooks call by name (au.stepsize.step_size_study(...), au.claims.save_claims(...))
from .core import attractors, spectra, theory, validate  # noqa: E402
from . import data  # noqa: E402
from .data import published  # noqa: E402
from .runs import caching, given_data, theory_runs  # noqa: E402
from . import notebook, outputs, plotting  # noqa: E402
from .analyses import (basin_maps, claims, cycles, generalization, homogeneity, limit, noise_basins,  # noqa: E402
                       recovery, relu_grid, stepsize, width_depth)
from . import explorers  # noqa: E402
from .explorers import BasinExplorer, SingleExampleExplorer  # noqa: E402

__all__ = [
    # functions and classes
    "ACTIVATIONS", "Activation", "BasinExplorer", "Cache", "ImageData", "IterationResult", "LRSchedule",
    "MLPAutoencoder", "MLPEnsemble", "OPTIMIZERS", "PRESETS", "Run", "SCHEDULES", "SingleExampleExplorer",
    "SpectralReport", "TrainResult", "TrainingDiverged", "band_plot", "build_model", "cifar10", "cifar10_or_standin",
    "classify_attractors", "config_key", "count_text", "cycle_spectral_radius", "default_cache", "default_device",
    "get_activation", "image_folder", "image_grid", "iterate", "jacobian", "jacobian_eigenvalues", "make_config",
    "make_data", "make_optimizer", "mnist", "nearest", "orbit", "photo_patches", "random_images", "reduced_jacobian",
    "repo_root", "resolve_cifar", "resolve_preset", "save_csv", "savefig", "set_style", "setup_notebook",
    "sort_eigenvalues", "spectral_radius", "sphere_config", "sphere_points", "summarize_attractors", "sweep",
    "top_eigenvalues", "train", "train_batch", "train_ensemble", "train_kwargs", "train_runs", "__version__",
    # modules
    "attractors", "basin_maps", "caching", "claims", "cycles", "data", "explorers", "generalization", "given_data",
    "homogeneity", "limit", "noise_basins", "notebook", "outputs", "plotting", "published", "recovery", "relu_grid",
    "spectra", "stepsize", "theory", "theory_runs", "validate", "width_depth",
]
