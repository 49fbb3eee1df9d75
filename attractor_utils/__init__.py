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
from .plotting import band_plot, image_grid, save_csv, savefig, set_style
from .spectra import (cycle_spectral_radius, jacobian, jacobian_eigenvalues, reduced_jacobian, sort_eigenvalues,
                      spectral_radius)
from .training import OPTIMIZERS, SCHEDULES, LRSchedule, TrainResult, TrainingDiverged, make_optimizer, train, train_ensemble

__version__ = "0.1.0"

# experiment-specific helpers, as submodules: au.recovery.corrupt(...), au.theory.theorem1_solution(...)
from . import (basins, basins2d, claims, cycles, experiments, explicit, flow, homogeneity,  # noqa: E402
               recovery, relu_grid, stepsize, theory, theory_runs)
