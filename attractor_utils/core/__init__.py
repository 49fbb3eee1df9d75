"""The numerics: models, losses, training (one network, batched ensembles, gradient flow), iteration,
Jacobian spectra, attractor classification and the papers' closed forms. Depends on nothing else in
the package."""
