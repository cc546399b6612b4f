"""The regrouped update of the multilinear rules, and the factors of the 16-term ones.

A multilinear rule's dw, for a synapse with presynaptic activity a and
weight w, is regrouped per (postsynaptic unit, rule) as
(c0 + c1 a) + (c2 + c3 a) w, the c's depending on the rule and the unit's
variables only: three FMAs per synapse. clipped_update applies it;
factors16 gives the c's of the 16-term rules of the two-layer nets
(rules/bengio.py: variables a, o, w, m) and of the conditioning circuit
(rules/conditioning.py: a, o, w, f, in the same term order). inline="always":
the kernels compile them as if written in place (with the kernel's fastmath).

numba's on-disk cache is keyed on each kernel's own source file, so after
editing this module delete evo_l2l/kernels/__pycache__.
"""
from numba import njit


@njit(cache=True, inline="always")
def clipped_update(w, a, c0, c1, c2, c3, clip):
    """w + (c0 + c1 a) + (c2 + c3 a) w, clipped to [-clip, clip]; NaN fails both tests and stays."""
    w = w + ((c0 + c1 * a) + (c2 + c3 * a) * w)
    if w > clip:
        w = clip
    elif w < -clip:
        w = -clip
    return w


@njit(cache=True, inline="always")
def factors16(k, r, o, m):
    """(p0, p1, q0, q1) with dw = (p0 + p1 a) + (q0 + q1 a) w, for rule lane r of k (16, nr).

    o: postsynaptic activity, m: the fourth variable (modulator m or facilitation f).
    Terms: 0 1, 1 a, 2 o, 3 w, 4 m, 5 a o, 6 a w, 7 a m, 8 o w, 9 o m, 10 w m,
    11 a o w, 12 a o m, 13 a w m, 14 o w m, 15 a o w m.
    """
    om = o * m
    p0 = k[0, r] + k[2, r] * o + k[4, r] * m + k[9, r] * om
    p1 = k[1, r] + k[5, r] * o + k[7, r] * m + k[12, r] * om
    q0 = k[3, r] + k[8, r] * o + k[10, r] * m + k[14, r] * om
    q1 = k[6, r] + k[11, r] * o + k[13, r] * m + k[15, r] * om
    return p0, p1, q0, q1
