"""GP rules on episode nets (kernels/symbolic_episode.py) against the NumPy reference."""
import random

import numpy as np
import pytest
from deap import gp

import naive_symbolic_episode as naive
from conftest import pset_of
from test_episodes import random_episodes
from evo_l2l.learners.episode_net import episode_accuracy
from evo_l2l.learners.symbolic_episode import SymbolicEpisodeSettings, program_accuracy
from evo_l2l.rules import bengio
from evo_l2l.rules import symbolic as sym

ALL_UNARY = ("neg", "square", "tanh", "pexp")


def random_trees(seed, n, pset, max_depth=4):
    random.seed(seed)
    return [gp.PrimitiveTree(gp.genHalfAndHalf(pset, 1, max_depth)) for _ in range(n)]


def assert_equal_but_ties(got, ref, ties, tasks):
    """Equal, but for patterns whose best two outputs tie to rounding (counted by the reference)."""
    n = np.diff(np.concatenate([tasks.segment_end[:, -1:], tasks.group_end], axis=1), axis=1)
    np.testing.assert_array_less(np.rint(np.abs(got - ref) * n[None, :, None, :]), ties + 0.5)
    # Random trees that drive every weight to the clip bound give equal outputs (ties);
    # the comparison must still decide most patterns of several rules, the last (the delta
    # rule) among them.
    decided = ties.reshape(len(ties), -1).sum(axis=1) < 0.05 * ties[0].size * n.mean()
    assert decided[-1] and decided.sum() >= 4


CASES = [("plastic", 0, False), ("fixed", 0, False), ("fixed", 3, False), ("fixed", 3, True)]


@pytest.mark.parametrize("seed", range(2))
@pytest.mark.parametrize("hidden, k, active_only", CASES)
def test_kernel_matches_reference_on_random_trees(seed, hidden, k, active_only):
    rng = np.random.default_rng(seed)
    tasks = random_episodes(rng, task_masks=seed == 1, S=2 + seed, G=2 + seed, H=6)
    pset = pset_of("symbolic_episode", ALL_UNARY)
    hand = ["mul(a, sub(m, mul(0.1, w)))", "tanh(mul(a, add(m, o)))", "pdiv(mul(a, m), 2.0)",
            "mul(a, m)"]
    trees = random_trees(seed, 8, pset) + [sym.parse_tree(t, pset) for t in hand]
    s = SymbolicEpisodeSettings(n_epochs=1 + seed, clip=3.0, hidden=hidden, k_active=k,
                                active_only=active_only)
    got = program_accuracy(sym.compile_programs(trees, pset), tasks, s, 0.3)
    ref, ties = naive.symbolic_episode_accuracy([gp.compile(t, pset) for t in trees], tasks,
                                                1 + seed, 3.0, 0.3, hidden, k, active_only)
    assert_equal_but_ties(got, ref, ties, tasks)
    # The test can fail: the rules learn (change the accuracies), differently.
    assert np.any(got[:-1, :, 1:] != got[-1:, :, 1:]) and len(np.unique(got)) > 3


@pytest.mark.parametrize("k", [0, 4])
def test_hidden_codes_match_reference(k):
    from evo_l2l.kernels.symbolic_episode import hidden_codes
    rng = np.random.default_rng(k)
    tasks = random_episodes(rng, H=9)
    idx, val = hidden_codes(tasks.X, tasks.W0_hidden, tasks.n_inputs, k)
    ridx, rval = naive.hidden_codes(tasks.X, tasks.W0_hidden, tasks.n_inputs, k)
    np.testing.assert_array_equal(idx, ridx)
    np.testing.assert_allclose(val, rval, rtol=0, atol=1e-14)


@pytest.mark.parametrize("k", [0, 37])
def test_hidden_codes_over_tiles_blocks_and_jobs_match_reference(k):
    """Wider than one tile of units (1100 = 2 x 512 + 76) and longer than one job of
    patterns (282 = 256 + 26: blocks of 8 and a block of 2): each pattern's code as the
    reference has it, a unit or a pattern left out or summed twice would show."""
    from evo_l2l.kernels import symbolic_episode as kse
    tasks = random_episodes(np.random.default_rng(11), n_episodes=1, S=2, G=2, H=1100,
                            per=131)
    assert tasks.X.shape[1] == 282 and kse.CODE_TILE == 512 and kse.CODE_ROWS == 256
    idx, val = kse.hidden_codes(tasks.X, tasks.W0_hidden, tasks.n_inputs, k)
    ridx, rval = naive.hidden_codes(tasks.X, tasks.W0_hidden, tasks.n_inputs, k)
    np.testing.assert_array_equal(idx, ridx)
    np.testing.assert_allclose(val, rval, rtol=0, atol=1e-14)


def test_hidden_codes_take_lower_units_first_among_equals():
    """Units 6..11 repeat units 0..5, so every pre-activation comes twice: the k-th largest
    is often tied, and the kernel's selection must keep the lower units as a stable sort
    does (k = 5 splits a pair); a NaN input takes the sort's path."""
    from evo_l2l.kernels.symbolic_episode import hidden_codes
    tasks = random_episodes(np.random.default_rng(7), H=12)
    tasks.W0_hidden[:, 6:] = tasks.W0_hidden[:, :6]
    for k in (1, 3, 5, 7, 12):
        idx, _ = hidden_codes(tasks.X, tasks.W0_hidden, tasks.n_inputs, k)
        ridx, _ = naive.hidden_codes(tasks.X, tasks.W0_hidden, tasks.n_inputs, k)
        np.testing.assert_array_equal(idx, ridx)
    tasks.X[0, 0, 0] = np.nan
    idx, _ = hidden_codes(tasks.X, tasks.W0_hidden, tasks.n_inputs, 5)
    ridx, _ = naive.hidden_codes(tasks.X, tasks.W0_hidden, tasks.n_inputs, 5)
    np.testing.assert_array_equal(idx, ridx)


@pytest.mark.parametrize("seed", range(3))
def test_delta_tree_equals_the_parametric_episode_kernel(seed):
    """With a power-of-two rate, eta * (a * m) is bit for bit the bengio delta rule's update,
    so the accuracies are exactly those of kernels/episode_net.py."""
    rng = np.random.default_rng(10 + seed)
    tasks = random_episodes(rng, S=1 + seed, G=1 + seed, H=5)
    pset = pset_of("symbolic_episode")
    rate = 2.0 ** -(seed + 1)
    s = SymbolicEpisodeSettings(n_epochs=1 + seed % 2, clip=3.0)
    got = program_accuracy(sym.compile_programs([sym.parse_tree("mul(a, m)", pset)], pset),
                           tasks, s, rate)
    want = episode_accuracy(bengio.delta_rule(rate)[None], tasks, 1 + seed % 2, 3.0)
    np.testing.assert_array_equal(got, want)
    assert np.any(got[:, :, 1:] != got[:, :, :1])        # it learns


def test_measuring_only_the_end_gives_the_same_last_row():
    rng = np.random.default_rng(3)
    tasks = random_episodes(rng, S=3, G=3, H=6)
    pset = pset_of("symbolic_episode", ALL_UNARY)
    progs = sym.compile_programs(random_trees(3, 6, pset), pset)
    s = SymbolicEpisodeSettings(clip=3.0, hidden="fixed", k_active=2, active_only=True)
    full = program_accuracy(progs, tasks, s, 0.5)
    last = program_accuracy(progs, tasks, s, 0.5, measure_all=False)
    np.testing.assert_array_equal(full[:, :, -1], last[:, :, -1])
    assert np.isnan(last[:, :, :-1]).all()


def test_kth_largest_is_the_partitions_value():
    """_kth_largest looks among the units at or above the least of K segment maxima: the
    same value as np.partition over all of them, with ties, infinities, K = 1, K = H and a
    remainder after the segments. A selection that missed a unit would pick a smaller
    value here (the candidates are few next to H)."""
    from evo_l2l.kernels.symbolic_episode import _kth_largest
    rng = np.random.default_rng(3)
    arrays = [rng.normal(size=4096), rng.normal(size=101), np.round(rng.normal(size=500), 1),
              np.repeat(rng.normal(size=50), 8), np.zeros(64),
              np.concatenate([rng.normal(size=200), [np.inf, -np.inf, np.inf]])]
    for pre in arrays:
        for K in (1, 2, 7, 64, len(pre) // 2, len(pre) - 1, len(pre)):
            assert _kth_largest(pre, K) == np.partition(pre, len(pre) - K)[len(pre) - K]


def test_top_k_is_the_stable_sorts_choice_with_nans_ties_and_signed_zeros():
    """_top_k selects without sorting: the same units as the first K of a stable argsort
    of -pre, sorted, when some units are NaN (fewer numbers than K too), tied, or -0.0
    beside 0.0; and _select's value is np.partition's."""
    from evo_l2l.kernels.symbolic_episode import _select, _top_k
    rng = np.random.default_rng(11)
    for trial in range(300):
        H = int(rng.integers(1, 80))
        pre = np.round(rng.normal(size=H), int(rng.integers(0, 3)))
        pre[rng.random(H) < 0.2] = 0.0
        pre[rng.random(H) < 0.2] = -0.0
        pre[rng.random(H) < rng.choice([0.0, 0.1, 0.5, 0.95])] = np.nan
        for K in {1, int(rng.integers(1, H + 1)), H}:
            chosen = np.empty(K, dtype=np.int64)
            _top_k(pre, K, chosen)
            want = np.sort(np.argsort(-pre, kind="mergesort")[:K])
            np.testing.assert_array_equal(chosen, want, err_msg=f"{pre!r} K={K}")
        numbers = pre[pre == pre]
        if len(numbers):
            r = int(rng.integers(0, len(numbers)))
            assert _select(numbers.copy(), r) == np.partition(numbers, r)[r]
