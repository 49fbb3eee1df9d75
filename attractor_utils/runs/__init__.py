"""Running experiments, from the bottom up: the result cache (caching), run configurations (config), training and
loading runs (run), batching (batching), plan mode (plan), the cost model (costs), progress lines (progress), the Dask
cluster (cluster), sweeps (sweep), and training on data given as arrays (given_data) or outside the cache
(theory_runs). Builds on :mod:`attractor_utils.core` and :mod:`attractor_utils.data`."""
