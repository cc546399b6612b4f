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


PARAMETRIC = ("chalmers", "volterra", "bengio", "bengio_layers", "conditioning", "srwm",
              "metaplastic", "bengio_automl", "bengio_init")


@pytest.mark.parametrize("name", PARAMETRIC)
def test_parametric_forms_are_consistent(name):
    """Each parametric family's ParametricForm: one term coefficient per term name, known
    rules are rows, the reference rule is itself, optional hooks set together."""
    from evo_l2l.rules import RULE_FAMILIES
    from evo_l2l.rules.family import ParametricForm
    family = RULE_FAMILIES.get(name)
    form = family.form
    assert isinstance(form, ParametricForm)
    assert family.genome(family.settings()).length in (form.n_coef, form.n_bits)
    eff = form.effective(np.zeros((3, form.n_coef)))
    assert eff.shape == (3, len(form.term_names))
    for make in form.known_rules.values():
        assert make().shape == (form.n_coef,)
    assert form.is_reference_rule(form.known_rules[form.reference_rule]())
    assert form.decode_for(family.settings())(np.zeros((1, form.n_coef))).shape == (1, form.n_coef)


def test_parametric_form_refuses_half_hooks():
    from evo_l2l.rules.family import ParametricForm
    base = dict(coef_names=chalmers.COEF_NAMES, term_names=chalmers.TERM_NAMES,
                coef_label="k", decode_real=chalmers.decode_real, effective=chalmers.effective,
                formula=chalmers.formula, known_rules=chalmers.KNOWN_RULES,
                known_labels=chalmers.KNOWN_LABELS, reference_rule="delta",
                is_reference_rule=chalmers.is_reference_rule)
    ParametricForm(**base)
    with pytest.raises(ValueError, match="reference rule"):
        ParametricForm(**{**base, "reference_rule": "oja"})
    with pytest.raises(ValueError, match="bit genome"):
        ParametricForm(**base, decode_bits=chalmers.decode_bits)
    with pytest.raises(ValueError, match="block norms"):
        ParametricForm(**base, blocks=("y",))
