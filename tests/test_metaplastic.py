"""Meta-plastic rules (issue 14, item 2): the kernel against the NumPy reference, and the
fixed rule it reduces to."""
import numpy as np
import pytest

import naive
from evo_l2l.learners.episode_net import episode_accuracy, metaplastic_accuracy
from evo_l2l.rules import bengio_layers, metaplastic
from test_episodes import random_episodes


def genomes(rng, n):
    g = rng.normal(0, 0.3, (n, metaplastic.N_COEF))
    g[:, metaplastic.N_RULE:3 * metaplastic.N_RULE] *= 3.0
    return g


@pytest.mark.parametrize("seed", range(2))
def test_kernel_matches_reference(seed):
    rng = np.random.default_rng(seed)
    tasks = random_episodes(rng, S=2 + seed, G=2 + seed)
    coef = genomes(rng, 4)
    acc, trace = metaplastic_accuracy(coef, tasks, 1, 3.0)
    p = metaplastic.parts(coef)
    meta = [(p["A"][r], p["B"][r], p["lam"][r], p["tau"][r]) for r in range(len(coef))]
    ref, ties, ref_trace = naive.episode_accuracy(coef[:, :32], tasks, 1, 3.0, meta=meta)
    np.testing.assert_allclose(trace, ref_trace, rtol=1e-7, atol=1e-9)
    n = np.diff(np.concatenate([tasks.segment_end[:, -1:], tasks.group_end], axis=1), axis=1)
    np.testing.assert_array_less(np.rint(np.abs(acc - ref) * n[None, :, None, :]), ties + 0.5)
    # The coefficients do move within the lifetime.
    assert np.abs(trace[:, :, -1] - trace[:, :, 0]).max() > 1e-3


def test_without_the_second_rule_it_is_the_fixed_rule():
    rng = np.random.default_rng(5)
    tasks = random_episodes(rng, S=3, G=3)
    coef = metaplastic.fixed(genomes(rng, 5))
    acc, trace = metaplastic_accuracy(coef, tasks, 2, 3.0)
    np.testing.assert_array_equal(acc, episode_accuracy(coef[:, :32], tasks, 2, 3.0))
    # lam pulls toward c0, which the coefficients already are.
    np.testing.assert_allclose(trace, np.broadcast_to(trace[:, :, :1], trace.shape))
    np.testing.assert_array_equal(episode_accuracy(coef, tasks, 2, 3.0), acc)


def test_family_decodes_and_describes():
    g = np.zeros(metaplastic.N_COEF)
    p = metaplastic.parts(g)
    assert 0.04 < p["lam"][0] < 0.05 and 0.11 < p["tau"][0] < 0.12
    np.testing.assert_array_equal(metaplastic.delta_rule()[:32], bengio_layers.delta_rule())
    assert metaplastic.is_reference_rule(metaplastic.delta_rule(2.0))
    assert "c += A*(err - ebar)" in metaplastic.formula(metaplastic.delta_rule())
