import numpy as np
import pytest

from evo_l2l.tasks import CHALMERS_SHAPES, HELDOUT, TRAIN, linearly_separable_mapping, make_boolean_environment


def perceptron_separates(X, t, epochs=2000):
    Xb = np.hstack([X, np.ones((len(X), 1))])
    w = np.zeros(Xb.shape[1])
    for _ in range(epochs):
        errors = 0
        for x, y in zip(Xb, t):
            pred = float(x @ w > 0)
            if pred != y:
                w += (y - pred) * x
                errors += 1
        if errors == 0:
            return True
    return False


def test_mappings_are_separable_with_both_classes(rng):
    for n in range(2, 8):
        for p in (3, 4, min(12, 2 ** n)):
            X, t = linearly_separable_mapping(rng, p, n)
            assert X.shape == (p, n) and len(np.unique(X, axis=0)) == p
            assert 0 < t.sum() < p
            assert perceptron_separates(X, t)


def test_xor_is_not_separable_by_the_check():
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], float)
    assert not perceptron_separates(X, np.array([0, 1, 1, 0.]), epochs=200)


def test_chalmers_environment(rng):
    ts = make_boolean_environment(rng)
    assert len(ts) == 30 and (ts.split == TRAIN).sum() == 20 and (ts.split == HELDOUT).sum() == 10
    shapes = sorted(zip(ts.n_patterns.tolist(), (ts.n_inputs - 1).tolist()))
    expect = sorted((p, n) for c, p, n in CHALMERS_SHAPES for _ in range(c))
    assert shapes == expect
    keys = {(ts.X[k].tobytes(), ts.Y[k].tobytes()) for k in range(30)}
    assert len(keys) == 30
    for k in range(30):
        n, p = ts.n_inputs[k], ts.n_patterns[k]
        assert np.all(ts.X[k, :p, n - 1] == -1.0)               # the bias input
        assert np.all((ts.W0[k, 0, :n] >= 0) & (ts.W0[k, 0, :n] < 1))
        assert np.all(ts.X[k, p:] == 0) and np.all(ts.W0[k, 0, n:] == 0)


def test_environment_is_determined_by_the_seed():
    a = make_boolean_environment(np.random.default_rng(7))
    b = make_boolean_environment(np.random.default_rng(7))
    c = make_boolean_environment(np.random.default_rng(8))
    for k, v in a.arrays().items():
        np.testing.assert_array_equal(v, b.arrays()[k])
    assert not np.array_equal(a.Y, c.Y)


def test_select_and_bad_inputs(rng):
    ts = make_boolean_environment(rng)
    assert len(ts.select("heldout")) == 10 and len(ts.select("all")) == 30
    with pytest.raises(ValueError):
        ts.select("test")
    with pytest.raises(ValueError):
        linearly_separable_mapping(rng, 9, 3)
    with pytest.raises(ValueError):
        make_boolean_environment(rng, shapes=((2, 4, 2),), n_heldout=2)
