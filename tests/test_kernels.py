"""Every learner kernel against the slow NumPy reference in naive.py."""

import numpy as np
import pytest

import naive
from conftest import random_taskset
from evo_l2l.learners import fitness_from_curves, learning_curves
from evo_l2l.rules import chalmers
from evo_l2l.tasks import make_boolean_environment


@pytest.mark.parametrize("serial", [False, True])
@pytest.mark.parametrize("seed", range(4))
def test_random_rules_and_tasks_match_reference(seed, serial):
    rng = np.random.default_rng(seed)
    tasks = random_taskset(rng)
    coef = np.vstack([chalmers.decode_bits(rng.integers(0, 2, (9, 35))),
                      rng.normal(0, 0.5, (9, 11))])
    got = learning_curves(coef, tasks, n_epochs=4, clip=3.0, serial=serial)
    ref = naive.chalmers_curves(coef, tasks, 4, 3.0)
    np.testing.assert_allclose(got, ref, rtol=0, atol=1e-12)


def test_chalmers_environment_matches_reference(rng):
    tasks = make_boolean_environment(rng)
    coef = chalmers.decode_bits(rng.integers(0, 2, (6, 35)))
    coef[0] = chalmers.delta_rule(4.0)
    np.testing.assert_allclose(learning_curves(coef, tasks), naive.chalmers_curves(coef, tasks, 10, 20.0),
                               rtol=0, atol=1e-12)


@pytest.mark.parametrize("block", [1, 3, 64])
def test_rule_blocks_do_not_change_results(rng, block):
    tasks = random_taskset(rng)
    coef = rng.normal(0, 1, (10, 11))
    a = learning_curves(coef, tasks, 3, 5.0, block=block)
    b = learning_curves(coef, tasks, 3, 5.0, block=10)
    np.testing.assert_array_equal(a, b)


def test_diverging_rules_get_a_defined_fitness(rng):
    tasks = random_taskset(rng)
    coef = rng.normal(0, 1, (8, 11)) * 1e200      # overflow to inf, then inf - inf = NaN
    coef[1] = np.nan
    coef[2] = np.inf
    curves = learning_curves(coef, tasks, 3, np.inf)
    assert np.all(np.isfinite(curves)) and curves.min() >= 0 and curves.max() <= 1
    fit = fitness_from_curves(curves)
    assert np.all(np.isfinite(fit))
    assert np.all(curves[1, :, 1:] == 0)   # NaN rule: worst score after the first update
    np.testing.assert_allclose(curves, naive.chalmers_curves(coef, tasks, 3, np.inf), atol=1e-12)


def test_delta_rule_learns_and_no_learning_does_not(rng):
    tasks = make_boolean_environment(rng)
    curves = learning_curves(np.array([chalmers.delta_rule(4.0), chalmers.no_learning()]), tasks)
    assert curves[0, :, -1].mean() > curves[0, :, 0].mean() + 0.2
    np.testing.assert_array_equal(curves[1, :, -1], curves[1, :, 0])


def test_fitness_measures():
    curves = np.array([[[0.5, 0.7, 0.9], [0.1, 0.2, 0.3]]])
    np.testing.assert_allclose(fitness_from_curves(curves, "mean"), [(0.7 + 0.2) / 2])
    np.testing.assert_allclose(fitness_from_curves(curves, "final"), [0.6])
    with pytest.raises(ValueError):
        fitness_from_curves(curves, "median")


def test_fitness_from_curves_is_numpys_mean_bit_for_bit(rng):
    for shape in ((1, 1, 1), (7, 20, 11), (40, 3, 2), (5, 33, 101)):
        curves = rng.uniform(0, 1, shape) * 10.0 ** rng.integers(-5, 5, shape)
        curves[0, 0, 0] = np.nan if shape[2] > 1 else curves[0, 0, 0]
        want = curves.mean(axis=2).mean(axis=1)
        assert fitness_from_curves(curves, "mean").tobytes() == want.tobytes()
        assert fitness_from_curves(curves, "final").tobytes() == \
            curves[:, :, -1].mean(axis=1).tobytes()


def test_wrapper_validates_shapes(rng):
    tasks = random_taskset(rng)
    with pytest.raises(ValueError):
        learning_curves(np.zeros((3, 10)), tasks)
    with pytest.raises(ValueError):
        learning_curves(np.zeros((3, 11)), tasks, clip=0)
    assert learning_curves(np.zeros((0, 11)), tasks).shape == (0, len(tasks), 11)


def test_agreement_statistics_on_many_random_rules():
    """Nearly every curve agrees to 1e-12 and all to 1e-6.

    A few chaotic rules amplify last-bit differences (FMA contraction, a
    1-ulp exp) over 10 epochs; scripts/exactness.py shows them beside how far
    the reference moves when its initial weights move by one ulp
    (docs/results/performance.md).
    """
    n_pairs = n_close = 0
    worst = 0.0
    for seed in range(6):
        rng = np.random.default_rng(100 + seed)
        tasks = random_taskset(rng) if seed % 2 else make_boolean_environment(rng)
        coef = np.vstack([chalmers.decode_bits(rng.integers(0, 2, (12, 35))),
                          rng.normal(0, 1, (6, 11))])
        d = np.abs(learning_curves(coef, tasks) - naive.chalmers_curves(coef, tasks, 10, 20.0)).max(axis=2)
        n_pairs += d.size
        n_close += int((d <= 1e-12).sum())
        worst = max(worst, d.max())
    assert n_close >= 0.995 * n_pairs
    assert worst < 1e-6


def test_fast_exp_is_within_two_ulp_of_numpy():
    from numba import njit
    from evo_l2l.kernels.fastexp import fast_exp

    @njit
    def apply(x, out):
        for i in range(x.size):
            out[i] = fast_exp(x[i])

    rng = np.random.default_rng(0)
    x = np.concatenate([rng.uniform(-708, 709, 200_000), rng.normal(0, 3, 200_000),
                        [0.0, -0.0, 1e-300, -1e-300, 709.0, -708.0]])
    out = np.empty_like(x)
    apply(x, out)
    ref = np.exp(x)
    assert np.max(np.abs(out - ref) / ref) <= 2 * np.finfo(float).eps
    special = np.array([np.nan, np.inf, -np.inf, 1e6, -1e6])
    out = np.empty_like(special)
    apply(special, out)
    assert np.isnan(out[0])
    assert out[1] > 1e307 and out[3] > 1e307 and 0 <= out[2] < 1e-300 and 0 <= out[4] < 1e-300


@pytest.mark.parametrize("seed", range(3))
def test_vectorised_numpy_baseline_matches_reference(seed):
    from evo_l2l.learners.vectorised_numpy import learning_curves_numpy
    rng = np.random.default_rng(seed)
    tasks = random_taskset(rng)
    coef = np.vstack([chalmers.decode_bits(rng.integers(0, 2, (5, 35))), rng.normal(0, 0.5, (5, 11))])
    np.testing.assert_allclose(learning_curves_numpy(coef, tasks, 4, 3.0),
                               naive.chalmers_curves(coef, tasks, 4, 3.0), rtol=0, atol=1e-12)


def test_simd_block_sums_and_spread_match_numpy():
    from numba import njit
    from numba.core.errors import TypingError
    from evo_l2l.kernels.simd import block_sums, spread_rows

    @njit(fastmath={"contract"})
    def sums(W, a, start, n, out, g):
        block_sums(W, a, start, n, out, g)

    @njit
    def spread(src, g, dst, start, n):
        spread_rows(src, g, dst, start, n)

    rng = np.random.default_rng(0)
    W, a = rng.normal(size=120), rng.normal(size=120)
    for start, n, g in ((0, 0, 0), (8, 5, 16), (40, 10, 8)):
        out = np.full(32, 7.0)
        sums(W, a, start, n, out, g)
        want = (W[start:start + 8 * n] * a[start:start + 8 * n]).reshape(n, 8).sum(axis=0)
        np.testing.assert_allclose(out[g:g + 8], want, rtol=1e-13, atol=1e-15)
        assert (np.delete(out, np.arange(g, g + 8)) == 7.0).all()        # nothing else written
        dst = np.zeros(120)
        spread(out, g, dst, start, n)
        np.testing.assert_array_equal(dst[start:start + 8 * n].reshape(n, 8), np.tile(out[g:g + 8], (n, 1)))
        assert not dst[:start].any() and not dst[start + 8 * n:].any()
    with pytest.raises(TypingError):
        sums(W[::2], a[:60], 0, 2, np.zeros(8), 0)      # strided: raw pointers would misread it


def test_step_chunks_cuts_lanes_into_the_fewest_nearly_equal_steps():
    from evo_l2l.kernels._jobs import step_chunks
    for max_chunks in (1, 3, 7):
        for q in range(1, 80):
            n, base, extra = step_chunks(q, max_chunks)
            sizes = [base + 1] * extra + [base] * (n - extra)
            assert sum(sizes) == q and max(sizes) <= max_chunks and min(sizes) >= 1
            assert n == -(-q // max_chunks)                   # as few steps as possible
            assert max(sizes) - min(sizes) <= 1


def test_lane_loops_carry_no_unroll_metadata():
    """lanes.for_range marks its loops llvm.loop.unroll.disable (see its docstring); the
    metadata must reach the IR numba optimises."""
    from numba import njit

    from evo_l2l.kernels import lanes

    @njit
    def step(W, X, k):
        lanes.train8(W, 0, 8, X, 0, 3, k, 0, 1.0, 20.0)

    W, X, k = np.zeros(24), np.ones(3), np.zeros(88)
    step(W, X, k)
    ir = step.inspect_llvm(step.signatures[0])
    assert '!"llvm.loop.unroll.disable"' in ir
    assert ir.count("!llvm.loop") >= 2                  # the forward and the update loops


@pytest.mark.parametrize("seed", range(3))
def test_lane_group_kernel_is_bitwise_the_previous_kernel(seed):
    """kernels/lanes.py steps (groups of 4 to 28 lanes, padded, forward fused with the update)
    give bit for bit what the plain rules-innermost loops gave, on rule counts that give
    every step size (1 to 7 groups of 4) and padding, several outputs, diverging and NaN
    rules, with and without clipping."""
    from evo_l2l.kernels import single_layer as K
    import previous_single_layer as old
    rng = np.random.default_rng(seed)
    tasks = random_taskset(rng, n_tasks=5)
    for R, block, clip in ((1, 64, 3.0), (7, 64, 3.0), (11, 64, 3.0), (15, 64, 20.0),
                           (18, 64, np.inf), (24, 64, 3.0), (27, 64, 3.0), (37, 64, np.inf),
                           (61, 29, 20.0), (100, 100, 3.0)):
        coef = rng.normal(0, 0.8, (R, 11))
        if R > 3:
            coef[0] *= 1e200
            coef[1, 1] = np.inf
            coef[2, 2] = np.nan
        coefT = np.ascontiguousarray(coef.T)
        args = (coefT, tasks.X, tasks.Y, tasks.W0, tasks.n_patterns, tasks.n_inputs,
                tasks.n_outputs, 4, clip, block)
        new_perf, old_perf = np.zeros((R, 5, 5)), np.zeros((R, 5, 5))
        K.train_chalmers_population(*args, new_perf)
        old.train_chalmers_population(*args, old_perf)
        assert new_perf.tobytes() == old_perf.tobytes(), (R, block, clip)


@pytest.mark.parametrize("seed", range(3))
def test_two_layer_lane_kernel_is_bitwise_the_previous_kernel(seed):
    """The same for the two-layer nets (kernels/two_layer.py), with 1 to 5 hidden units."""
    from evo_l2l.kernels import two_layer as K
    from evo_l2l.kernels.lanes import TWO_LAYER_HIDDEN_BIAS
    assert TWO_LAYER_HIDDEN_BIAS == K.HIDDEN_BIAS
    import previous_two_layer as old
    rng = np.random.default_rng(seed)
    T, P, I, H = 5, 4, 3 + seed, 1 + 2 * seed
    X = rng.integers(0, 2, (T, P, I)).astype(float)
    X[:, :, -1] = -1.0
    Y = rng.integers(0, 2, (T, P, 1)).astype(float)
    Wh0, Wo0 = rng.uniform(-1, 1, (T, H, I)), rng.uniform(-1, 1, (T, 1, H + 1))
    n_p, n_i = rng.integers(1, P + 1, T), rng.integers(2, I + 1, T)
    for R, block, clip in ((1, 64, 3.0), (7, 64, 20.0), (11, 64, 3.0), (15, 64, 20.0),
                           (19, 64, 3.0), (37, 64, np.inf), (52, 64, 3.0), (61, 29, 20.0)):
        coef = rng.normal(0, 0.8, (R, 16))
        if R > 3:
            coef[0] *= 1e200
            coef[1, 1] = np.inf
            coef[2, 2] = np.nan
        args = (np.ascontiguousarray(coef.T), X, Y, Wh0, Wo0, n_p, n_i, 4, clip, block)
        new_perf, old_perf = np.zeros((R, T, 5)), np.zeros((R, T, 5))
        K.train_two_layer_population(*args, new_perf)
        old.train_two_layer_population(*args, old_perf)
        assert new_perf.tobytes() == old_perf.tobytes(), (R, block, clip)


@pytest.mark.parametrize("seed", range(2))
def test_conditioning_lane_kernel_is_bitwise_the_previous_kernel(seed):
    """The same for the conditioning circuit (kernels/conditioning.py), probe and training trials."""
    from evo_l2l.kernels import conditioning as K
    from evo_l2l.tasks import make_conditioning_tasks
    import previous_conditioning as old
    rng = np.random.default_rng(seed)
    tasks = make_conditioning_tasks(rng)
    for R, clip in ((1, 3.0), (7, 20.0), (11, 3.0), (14, 20.0), (37, np.inf), (61, 20.0)):
        coef = rng.normal(0, 0.5, (R, 16))
        if R > 3:
            coef[0] *= 1e200
            coef[1, 1] = np.inf
            coef[2, 2] = np.nan
        args = (np.ascontiguousarray(coef.T), tasks.X, tasks.Y, tasks.W0, tasks.n_patterns, 4, clip)
        new_perf, old_perf = np.zeros((R, len(tasks), 5)), np.zeros((R, len(tasks), 5))
        K.train_conditioning_population(*args, new_perf)
        old.train_conditioning_population(*args, old_perf)
        assert new_perf.tobytes() == old_perf.tobytes(), (R, clip)


def test_fma_chains_is_a_chain_of_fused_multiply_adds():
    """The FMA-peak instrument of bench_inner.py computes acc = fma(acc, m, c), n times."""
    from fractions import Fraction
    from numba import njit
    from evo_l2l.kernels.lanes import fma_chains

    @njit
    def run(n, x):
        return fma_chains(n, x)

    x = 1.2345678901234567
    want = x
    for _ in range(7):
        want = float(Fraction(want) * Fraction(0.999999) + Fraction(1e-7))   # rounded once
    assert run(7, x) == want


def test_balanced_task_order_is_a_permutation_that_splits_chalmers_tasks_evenly():
    from evo_l2l.kernels._jobs import balanced_task_order
    rng = np.random.default_rng(0)
    for T in (1, 2, 3, 20, 57):
        sizes = rng.integers(1, 100, T)
        assert sorted(balanced_task_order(sizes).tolist()) == list(range(T))
    env = make_boolean_environment(np.random.default_rng(0)).select("train")
    sizes = env.n_patterns * env.n_inputs * env.n_outputs
    order = balanced_task_order(sizes)
    halves = sizes[order[:10]].sum(), sizes[order[10:]].sum()
    assert sizes[:10].sum() * 2 == sizes[10:].sum()      # as listed: one thread had twice the work
    assert abs(halves[0] - halves[1]) <= 0.01 * sum(halves)


@pytest.mark.parametrize("seed", range(3))
def test_the_task_order_changes_no_result(seed):
    """train_chalmers_population with an order (what learning_curves passes) gives bitwise
    what the natural order gives, for tasks of mixed sizes and several rule blocks."""
    from evo_l2l.kernels import single_layer as K
    from evo_l2l.kernels._jobs import balanced_task_order
    rng = np.random.default_rng(seed)
    env = make_boolean_environment(rng).select("train")
    coef = np.ascontiguousarray(rng.normal(0, 0.8, (37, 11)).T)
    order = balanced_task_order(env.n_patterns * env.n_inputs * env.n_outputs)
    for block in (5, 16, 37):
        args = (coef, env.X, env.Y, env.W0, env.n_patterns, env.n_inputs, env.n_outputs, 3,
                20.0, block)
        plain, ordered = np.zeros((37, len(env), 4)), np.zeros((37, len(env), 4))
        K.train_chalmers_population(*args, plain)
        K.train_chalmers_population(*args, ordered, order)
        assert plain.tobytes() == ordered.tobytes()
        assert not np.array_equal(order, np.arange(len(env)))


def test_task_order_is_kept_per_task_set_and_matches_the_balanced_order():
    from evo_l2l.kernels._jobs import balanced_task_order
    from evo_l2l.learners.single_layer import task_order
    env = make_boolean_environment(np.random.default_rng(0))
    train, heldout = env.select("train"), env.select("heldout")
    for tasks in (train, heldout):
        want = balanced_task_order(tasks.n_patterns * tasks.n_inputs * tasks.n_outputs)
        assert np.array_equal(task_order(tasks), want)
        assert task_order(tasks) is task_order(tasks)
    assert len(task_order(train)) == len(train) and len(task_order(heldout)) == len(heldout)


@pytest.mark.parametrize("shape", [(1, 1, 1), (7, 5, 11), (64, 33, 2)])
def test_fitness_from_curves_is_ndarray_mean_bit_for_bit(shape):
    curves = np.random.default_rng(sum(shape)).random(shape) * 10 - 3
    np.testing.assert_array_equal(fitness_from_curves(curves, "mean"),
                                  curves.mean(axis=2).mean(axis=1))
    np.testing.assert_array_equal(fitness_from_curves(curves, "final"),
                                  curves[:, :, -1].mean(axis=1))
