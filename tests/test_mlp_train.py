"""The MLP trainer kernel (kernels/mlp_train.py) against its NumPy reference
(tests/naive_mlp.py) on random nets, data, minibatches and optimizers."""
import numpy as np
import pytest

import naive_mlp
from evo_l2l.kernels import mlp_train as k


def random_case(rng, T=4, D=7, O=4, P=40, n_train=30, S=12, B=6):
    X = rng.normal(size=(T, P, D))
    Y = np.zeros((T, P, O))
    arch = np.zeros((T, k.ARCH_COLUMNS), np.int64)
    n_in = np.zeros(T, np.int64)
    n_out = np.zeros(T, np.int64)
    batches = rng.integers(0, n_train, (T, S, B))
    Q = 0
    for t in range(T):
        d, o, nh = rng.integers(2, D + 1), rng.integers(2, O + 1), rng.integers(1, 4)
        arch[t, 0] = nh
        arch[t, 1:1 + nh] = rng.integers(1, 6, nh)
        arch[t, 4:8] = rng.integers(2), rng.integers(2), rng.integers(1, B + 1), \
            rng.integers(1, S + 1)
        n_in[t], n_out[t] = d, o
        if arch[t, 5] == 0:
            Y[t, np.arange(P), rng.integers(0, o, P)] = 1
        else:
            Y[t, :, :o] = rng.normal(size=(P, o))
        Q = max(Q, k.n_params(d, arch[t], o))
    theta0 = rng.normal(size=(T, Q)) * 0.5
    scale = 10.0 ** rng.uniform(-3, 1, T)
    return (X, Y, n_in, n_out, arch, np.full(T, n_train), np.full(T, P), scale, theta0,
            batches)


def program_rows(rng, n):
    rows = np.zeros((n, 1 + k.N_SLOTS * k.SLOT))
    rows[:, 0] = 10.0 ** rng.uniform(-3, -0.5, n)
    for r in range(n):
        for s in range(k.N_SLOTS):
            rows[r, 1 + 5 * s:6 + 5 * s] = (rng.integers(0, k.N_OPS), rng.integers(2, 8),
                                           rng.integers(0, 8), rng.integers(0, 8),
                                           rng.normal())
    return rows


def feature_rows(rng, n):
    return np.column_stack([10.0 ** rng.uniform(-3, -1, n), rng.normal(size=(n, k.N_FEATURES))])


@pytest.mark.parametrize("mode,make", [(k.PROGRAM, program_rows), (k.FEATURES, feature_rows)])
def test_kernel_matches_numpy_reference(mode, make):
    rng = np.random.default_rng(mode + 11)
    case = random_case(rng)
    rows = make(rng, 6)
    X, Y, n_in, n_out, arch, n_train, n_pat, scale, theta0, batches = case
    E = 3
    R, T, S = len(rows), len(X), batches.shape[1]
    test, train = np.zeros((R, T, E + 1)), np.zeros((R, T, S))
    k.train(mode, rows, *case, test, train)
    finite = 0
    for r in range(R):
        for t in range(T):
            a, b = naive_mlp.train(mode, rows[r], X[t], Y[t], n_in[t], n_out[t], arch[t],
                                   n_train[t], n_pat[t], theta0[t], batches[t], E,
                                   scale[t])
            s = arch[t, 7]
            np.testing.assert_allclose(test[r, t], a, rtol=1e-9, atol=1e-12)
            np.testing.assert_allclose(train[r, t, :s], b[:s], rtol=1e-9, atol=1e-12)
            finite += np.isfinite(a[-1])
    assert finite >= R * T // 3          # most runs train to the end, not only divergences


def test_one_job_per_pair_is_independent_of_the_batch():
    """A row's losses on a task do not depend on the other rows and tasks of the call."""
    rng = np.random.default_rng(5)
    case = random_case(rng)
    rows = program_rows(rng, 5)
    T, S = len(case[0]), case[-1].shape[1]
    test, train = np.zeros((5, T, 3)), np.zeros((5, T, S))
    k.train(k.PROGRAM, rows, *case, test, train)
    for r in (0, 3):
        t1, tr1 = np.zeros((1, T, 3)), np.zeros((1, T, S))
        k.train(k.PROGRAM, rows[r:r + 1], *case, t1, tr1)
        assert np.array_equal(t1[0], test[r], equal_nan=True)
        assert np.array_equal(tr1[0], train[r], equal_nan=True)


def test_cross_entropy_of_huge_equal_logits_is_log_classes():
    """A net whose weights all ran off to the same huge value outputs equal logits: its loss
    is log(classes), not 0 (mx + log z would absorb log z; a search found that hole)."""
    rng = np.random.default_rng(3)
    X, Y, n_in, n_out, arch, n_train, n_pat, _, theta0, batches = random_case(rng, T=1)
    arch[0, :8] = (1, 3, 0, 0, 0, 0, 4, 1)
    n_in[0], n_out[0] = 5, 4
    Y[0] = 0
    Y[0, np.arange(len(Y[0])), rng.integers(0, 4, len(Y[0]))] = 1
    theta0[0, :] = 1e300
    test, train = np.zeros((1, 1, 2)), np.zeros((1, 1, batches.shape[1]))
    sgd = np.zeros((1, 1 + k.N_SLOTS * k.SLOT))           # lr 0: the net stays as it is
    k.train(k.PROGRAM, sgd, X, Y, n_in, n_out, arch, n_train, n_pat, np.ones(1), theta0,
            batches, test, train)
    np.testing.assert_allclose(test[0, 0, 0], np.log(4), rtol=1e-12)
