"""The Volterra rule family, the linear-neuron kernel and the Gaussian PCA tasks."""
import numpy as np
import pytest

import naive
from evo_l2l.learners.linear_neuron import volterra_curves
from evo_l2l.rules import volterra
from evo_l2l.tasks import make_gaussian_pca_tasks
from evo_l2l.tasks.gaussian import random_covariance


@pytest.mark.parametrize("seed", range(3))
def test_kernel_matches_reference(seed):
    rng = np.random.default_rng(seed)
    tasks = make_gaussian_pca_tasks(rng, shapes=((3, 25, 4), (2, 15, 6)), n_heldout=1)
    coef = np.vstack([rng.normal(0, 0.3, (6, 27)), volterra.oja_rule(1.0), volterra.hebb_rule(2.0),
                      rng.normal(0, 1e3, (1, 27))])           # the last one blows up
    got = volterra_curves(coef, tasks, 4, 5.0, 0.05)
    ref = naive.volterra_curves(coef, tasks, 4, 5.0, 0.05)
    # Regrouped sums differ in the last bits; a few random (chaotic) rules
    # amplify that, so they get 1e-8 and the known rules 1e-12.
    np.testing.assert_allclose(got, ref, rtol=0, atol=1e-8)
    np.testing.assert_allclose(got[6:8], ref[6:8], rtol=0, atol=1e-12)
    assert (np.abs(got - ref) <= 1e-12).mean() > 0.97
    assert np.all(np.isfinite(got)) and got.min() >= 0 and got.max() <= 1


def test_oja_finds_the_first_principal_component():
    rng = np.random.default_rng(1)
    tasks = make_gaussian_pca_tasks(rng, shapes=((5, 400, 5),), n_heldout=1)
    curves = volterra_curves(np.array([volterra.oja_rule(1.0), volterra.no_learning()]), tasks, 5,
                             20.0, 0.02)
    assert curves[0, :, -1].mean() > 0.95
    np.testing.assert_array_equal(curves[1, :, -1], curves[1, :, 0])


def test_covariance_and_component():
    c, pc1 = random_covariance(np.random.default_rng(0), 6)
    vals, vecs = np.linalg.eigh(c)
    assert vals[-1] == pytest.approx(1.0) and vals[-2] <= 0.5
    assert abs(vecs[:, -1] @ pc1) == pytest.approx(1.0)


def test_names_formula_and_recovery_criterion():
    assert volterra.COEF_NAMES[volterra.INDEX[1, 1, 0]] == "A110"
    assert volterra.TERM_NAMES[volterra.INDEX[0, 2, 1]] == "y^2*w"
    assert volterra.formula(volterra.oja_rule(0.5)) == "dw = -0.5*y^2*w + 0.5*x*y"
    assert volterra.is_oja_rule(volterra.oja_rule(3.0))
    near = volterra.oja_rule(2.0)
    near[volterra.INDEX[0, 2, 1]] = -2.1
    near[volterra.INDEX[0, 0, 0]] = 0.19
    assert volterra.is_oja_rule(near)              # -1.05 and 0.095 after dividing by 2
    near[volterra.INDEX[2, 0, 0]] = 0.2
    assert not volterra.is_oja_rule(near)          # 0.1 is not under 0.1
    assert not volterra.is_oja_rule(-volterra.oja_rule())
    assert not volterra.is_oja_rule(volterra.hebb_rule())
