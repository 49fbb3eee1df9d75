"""Running experiments: data sets, the run configuration and its presets, the result cache, batched
sweeps, notebook set-up, and cached training on data given as arrays. Builds on :mod:`attractor_utils.core`."""
