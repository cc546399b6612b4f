"""The baseline kernels of `evaluate` on episodes (kernels/baselines.py) against scikit-learn
and against the per-episode code they replaced (tests/previous_baselines.py), on random
episodes: several segments and test groups, random allowed classes, 2 to 5 classes."""
import numpy as np
import pytest

from evo_l2l.analysis import baselines as bl
from evo_l2l.kernels import baselines as kb
from evo_l2l.tasks.episodes import Episode, pack, with_bias

import previous_baselines as previous


def random_episodes(seed, n_episodes=6, n_classes=3, segments=3, groups=2, per_segment=9,
                    per_group=7, n_features=5, n_hidden=4):
    """Episodes of Gaussian class clusters (bias column last), each test group allowed a
    random set of at least 2 classes (scikit-learn's NearestCentroid refuses one); the
    last episode one input fewer (n_inputs differs)."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(0, 1.0, (n_classes, n_features))

    def rows(n):
        y = rng.integers(0, n_classes, n)
        return with_bias(centres[y] + rng.normal(0, 1.0, (n, n_features))), y

    episodes = []
    for _ in range(n_episodes):
        train = [rows(per_segment) for _ in range(segments)]
        test = []
        for _ in range(groups):
            allowed = (rng.random(n_classes) < 0.6).astype(float)
            allowed[rng.choice(n_classes, 2, replace=False)] = 1.0
            test.append((*rows(per_group), allowed))
        Wh = rng.normal(0, 1 / np.sqrt(n_features + 1), (n_hidden, n_features + 1))
        Wo = rng.normal(0, 1 / np.sqrt(n_hidden + 1), (n_classes, n_hidden + 1))
        episodes.append(Episode(train, test, Wh, Wo))
    tasks = pack(episodes, np.zeros(n_episodes, np.int8), n_classes, "random", {})
    tasks.n_inputs[-1] -= 1
    return tasks


CASES = [dict(seed=0, n_classes=2), dict(seed=1, n_classes=3),
         dict(seed=2, n_classes=5, segments=1, groups=1, per_segment=5, per_group=15)]


def sklearn_sgd_weights(tasks, rate, alpha=bl.SGD_ALPHA):
    """(T, K, I) final coef_ (intercept_ in the last column) of SGDClassifier given one
    partial_fit per segment, as the old sgd_logistic fitted it."""
    import warnings
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import SGDClassifier
    O = int(tasks.n_outputs[0])
    out = np.zeros((len(tasks), 1 if O == 2 else O, tasks.X.shape[2]))
    for t in range(len(tasks)):
        schedule = ({"learning_rate": "optimal"} if rate is None
                    else {"learning_rate": "constant", "eta0": rate})
        model = SGDClassifier(loss="log_loss", alpha=alpha, shuffle=False, random_state=0,
                              **schedule)
        segments, _ = bl.parts(tasks, t)
        for x, y in segments:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                model.partial_fit(x, y, classes=np.arange(O))
        n_f = model.coef_.shape[1]
        out[t, :, :n_f] = model.coef_
        out[t, :, n_f] = model.intercept_
    return out


@pytest.mark.parametrize("case", CASES)
def test_sgd_kernel_is_scikit_learns_sgdclassifier_to_the_bit(case):
    tasks = random_episodes(**case)
    rates = [None, 0.01, 0.3, 3.0]
    O = int(tasks.n_outputs[0])
    weights = np.zeros((len(rates), len(tasks), O, tasks.X.shape[2]))
    acc = bl.sgd_logistic_rates(tasks, rates, weights)
    for r, rate in enumerate(rates):
        expected = sklearn_sgd_weights(tasks, rate)
        np.testing.assert_array_equal(weights[r, :, :expected.shape[1]], expected)
        # the accuracies of the old per-episode path, decision values from BLAS there
        np.testing.assert_array_equal(acc[r], previous.sgd_logistic(tasks, rate))
        np.testing.assert_array_equal(bl.sgd_logistic(tasks, rate), acc[r])


@pytest.mark.parametrize("alpha", [0.05, 0.5])
def test_sgd_kernel_folds_its_decay_back_as_scikit_learn_does(alpha):
    """A strong L2 decay drives the scale factor below 1e-9 (0.05 at rate 3: x 0.85 a step)
    or to 0 (0.5: 1 - 1.5 < 0): both folded into the weights as WeightVector folds them."""
    tasks = random_episodes(3, n_classes=3, per_segment=60)
    typw = np.sqrt(1.0 / np.sqrt(alpha))
    for rate in (None, 3.0):
        weights = np.zeros((1, len(tasks), 3, tasks.X.shape[2]))
        acc = np.full((1, len(tasks), 4, 2), np.nan)
        kb.sgd_logistic(tasks.X, *bl._episode_arrays(tasks), bl._rates([rate]), alpha,
                        1.0 / (typw * alpha), True, acc, weights)
        np.testing.assert_array_equal(weights[0], sklearn_sgd_weights(tasks, rate, alpha))


@pytest.mark.parametrize("case", CASES)
def test_backprop_kernel_is_the_numpy_loop(case):
    """The same updates in the same order; the kernel sums dot products input by input where
    NumPy calls BLAS, and its tanh and exp are libm's where NumPy's are its own, so weights
    agree to rounding, amplified by the steps that follow: 1e-12 at rates up to 0.5, 4e-10
    at rate 3 (27 steps of saturated units). The accuracies are the same."""
    tasks = random_episodes(**case)
    rates = [0.03, 0.5, 3.0]
    tolerance = [1e-12, 1e-12, 1e-8]
    H, O, I = tasks.W0_hidden.shape[1], int(tasks.n_outputs[0]), tasks.X.shape[2]
    weights = np.zeros((len(rates), len(tasks), H + O, I + H + 1))
    acc = bl.backprop_mlp_rates(tasks, rates, weights)
    for r, rate in enumerate(rates):
        final = []
        np.testing.assert_array_equal(acc[r], previous.backprop_mlp(tasks, rate, final))
        for t, (Wh, Wo) in enumerate(final):
            tol = tolerance[r]
            np.testing.assert_allclose(weights[r, t, :H, :Wh.shape[1]], Wh, rtol=tol, atol=tol)
            np.testing.assert_allclose(weights[r, t, H:, I:], Wo, rtol=tol, atol=tol)


@pytest.mark.parametrize("case", CASES)
def test_memory_baselines_are_the_old_ones(case):
    """1-NN: the old NumPy code's accuracies to the bit (one product per episode, the
    same entries); nearest centroid: scikit-learn's NearestCentroid's."""
    tasks = random_episodes(**case)
    for method in ("1nn", "centroid"):
        np.testing.assert_array_equal(bl.memory_baseline(tasks, method),
                                      previous.memory_baseline(tasks, method))


def test_a_group_whose_classes_were_not_seen_scores_zero():
    tasks = random_episodes(4, n_classes=3)
    seg = tasks.segment_end[0, 0]
    tasks.Y[0, :seg] = 0.0
    tasks.Y[0, np.arange(seg), 0] = 1.0          # segment 0 of episode 0: class 0 only
    tasks.group_mask[0, 0] = [0.0, 1.0, 1.0]
    for method in ("1nn", "centroid"):
        acc = bl.memory_baseline(tasks, method)
        assert acc[0, 1, 0] == 0.0
    np.testing.assert_array_equal(bl.memory_baseline(tasks, "1nn"),
                                  previous.memory_baseline(tasks, "1nn"))


def test_choosing_a_rate_measures_the_last_row_only_and_chooses_as_before():
    tasks = random_episodes(5, n_classes=3)
    for at_rates, method in ((bl.sgd_logistic_rates, bl.sgd_logistic),
                             (bl.backprop_mlp_rates, bl.backprop_mlp)):
        full = at_rates(tasks, bl.RATES)
        last = at_rates(tasks, bl.RATES, measure_all=False)
        np.testing.assert_array_equal(last[:, :, -1], full[:, :, -1])
        assert np.isnan(last[:, :, :-1]).all()
        by_rate = [bl.final_score(method(tasks, r)) for r in bl.RATES]
        assert bl.best_rate(method, tasks) == bl.RATES[int(np.nanargmax(by_rate))]


def test_the_wide_nets_loops_do_not_check_divisors():
    """backprop_mlp and its scoring compile with error_model 'numpy': numba's default checks
    each division for zero, which keeps the tanh and sigmoid loops over 4096 units from
    vectorising (their divisors, 1 + exp(...), are never zero); hidden_codes likewise."""
    from evo_l2l.kernels.symbolic_episode import hidden_codes
    for kernel in (kb.backprop_mlp, kb._mlp_score, hidden_codes):
        assert kernel.targetoptions.get("error_model") == "numpy"


@pytest.mark.parametrize("n", range(10))
def test_four_rows_a_pass_add_as_one_row_a_pass(n):
    """backprop_mlp's hidden sums and updates, four rows a pass and the rest one by one,
    are bit for bit those of one row a pass, for every remainder of n rows."""
    rng = np.random.default_rng(n)
    H = 37
    W, D = rng.normal(size=(n, H)), rng.normal(size=(n, H))
    x, start = rng.normal(size=n), rng.normal(size=H)
    sums, want = start.copy(), start.copy()
    kb._add_rows(sums, W, x, n, H)
    w, want_w = start.copy(), start.copy()
    kb._add_updates(w, D, x, 0.3, n, H)
    for i in range(n):
        for j in range(H):
            want[j] += W[i, j] * x[i]
            want_w[j] += 0.3 * (D[i, j] * x[i])
    assert np.array_equal(sums, want) and np.array_equal(w, want_w)
    assert n == 0 or not np.array_equal(sums, start)
