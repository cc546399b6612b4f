import numpy as np
import pytest
from hypothesis import given, strategies as st

from evo_l2l.rules import chalmers


def bits(s: str) -> np.ndarray:
    return np.array([int(c) for c in s.replace(" ", "")], dtype=np.uint8)


def test_decode_known_genome():
    # k0: sign 0, n = 9 -> +1; k8: sign 1, n = 1 -> -1; k9: n = 3 -> +4; k1: sign 1, n=2 -> -2
    g = bits("0 1001" + " 110" + " 000" * 6 + " 101" + " 011" + " 000")
    coef = chalmers.decode_bits(g)[0]
    expect = np.zeros(11)
    expect[0], expect[1], expect[8], expect[9] = 1.0, -2.0, -1.0, 4.0
    np.testing.assert_array_equal(coef, expect)


def test_decode_ranges():
    rng = np.random.default_rng(0)
    coef = chalmers.decode_bits(rng.integers(0, 2, (2000, 35)))
    assert set(np.abs(coef[:, 0])) == {0.0} | {2.0 ** (n - 9) for n in range(1, 16)}
    assert set(np.abs(coef[:, 1:]).ravel()) == {0.0, 1.0, 2.0, 4.0}
    with pytest.raises(ValueError):
        chalmers.decode_bits(np.zeros((1, 34)))


@given(st.lists(st.integers(0, 1), min_size=35, max_size=35))
def test_encode_decode_round_trip(genome):
    coef = chalmers.decode_bits(np.array(genome))[0]
    again = chalmers.decode_bits(chalmers.encode_bits(coef))[0]
    np.testing.assert_array_equal(coef, again)


def test_delta_rule_predicate():
    assert chalmers.is_delta_rule(chalmers.delta_rule(0.25))
    assert chalmers.is_delta_rule(chalmers.decode_bits(chalmers.encode_bits(chalmers.delta_rule(4.0)))[0])
    neg = chalmers.delta_rule(1.0) * np.array([-1] + [1] * 10)   # k0 < 0: anti-delta
    assert not chalmers.is_delta_rule(neg)
    both_neg = neg.copy(); both_neg[8:10] *= -1                    # k0 < 0 and k9 < 0: delta again
    assert chalmers.is_delta_rule(both_neg)
    extra = chalmers.delta_rule(); extra[1] = 1.0
    assert not chalmers.is_delta_rule(extra)
    assert not chalmers.is_delta_rule(chalmers.no_learning())
    assert not chalmers.is_delta_rule(chalmers.hebb_rule())
    batch = np.array([chalmers.delta_rule(), chalmers.hebb_rule()])
    assert chalmers.is_delta_rule(batch).tolist() == [True, False]


def test_formula():
    assert chalmers.formula(chalmers.delta_rule(4.0)) == "dw = 4*a*(t - o)"
    assert chalmers.formula(chalmers.no_learning()) == "dw = 0"
    c = np.zeros(11); c[0], c[1], c[9] = 0.5, -2.0, 1.0
    assert chalmers.formula(c) == "dw = -w + 0.5*a*t"
    assert chalmers.formula(chalmers.hebb_rule(2.0)) == "dw = 2*a*o"
