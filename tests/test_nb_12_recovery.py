"""Notebook 12 (recovery): full recovery at zero corruption; spurious limits counted. Smoke preset."""
import numpy as np
import pytest

from conftest import read_csv, check_claims

pytestmark = pytest.mark.notebook


def test_recovery_at_zero_corruption_and_spurious_counts(run_notebook):
    fig = run_notebook("12_recovery")
    df = read_csv(fig, "12_recovery")
    rec = df[df.measure == "recovery"]
    assert set(rec.kind) == {"gaussian", "mask"} and rec.data_source.nunique() == 2
    zero = rec[rec.level == 0]
    # with no corruption, 1-NN is exact and iteration recovers exactly the iterative fixed points
    np.testing.assert_allclose(zero.recovery_1nn, 1.0)
    np.testing.assert_allclose(zero.recovery_iteration, zero.n_true_fixed_points / zero.n_images, atol=1e-9)
    assert (zero.n_attractors <= zero.n_true_fixed_points).all()
    # the smoke MNIST network stores most of its digits as attractors (measured: 8 of 10)
    mn = zero[zero.data_source.str.startswith("MNIST")]
    assert len(mn) == 2 and (mn.n_attractors >= 0.5 * mn.n_images).all()
    # ... so iteration from uncorrupted copies recovers them
    assert (mn.recovery_iteration >= 0.5).all()
    assert ((rec.recovery_iteration >= 0) & (rec.recovery_iteration <= 1)).all()
    sp = df[df.measure == "spurious_search"]
    assert set(sp.start) == {"test images", "uniform noise", "gaussian noise"}
    assert (sp.n_to_training + sp.n_spurious_limits == sp.n_starts_settled).all()
    assert (sp.n_starts_settled <= sp.n_starts).all()
    assert (sp.n_spurious_attractors <= sp.n_spurious_limits).all()
    assert (sp.n_distinct_spurious <= sp.n_spurious_limits).all()
    cl = check_claims(fig, "12_recovery", 5)
    assert set(cl.verdict[cl.claim.str.startswith("Stored images")]) <= {"agrees", "partly", "disagrees", "not reached"}
    for name in ("12_recovery", "12_recovery_gallery", "12_recovery_spurious"):
        assert (fig / f"{name}.png").is_file()
