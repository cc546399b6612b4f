"""Python's random.Random (MT19937) in compiled code: the same numbers from the same state.

A search owns a random.Random and archives its getstate(). Compiled code that breeds draws
from a copy of that state and hands it back, so the stream goes on where the Python calls
would have left it, and a run is the same whichever side drew. The draws are CPython's
(Modules/_randommodule.c, Lib/random.py 3.11): genrand_uint32 (next_word), random
(genrand_res53), _randbelow, uniform and gauss (with its cached second value).
tests/test_mt19937.py compares each with random.Random on many seeds.

State: `mt` (625,) int64, random.Random.getstate()'s 624 words and index (kernels/ga_bits.py
and optimizers/ga_state.py use it alone); for gauss also `g` (2,) float64: whether a value
is cached, and that value (`load` and `store` carry both).
"""
from __future__ import annotations

import math

import numpy as np
from numba import njit

_N = 624
_M = 397
TWOPI = 2.0 * math.pi


def load(rng) -> tuple[np.ndarray, np.ndarray]:
    """(mt, g) holding rng's state (rng is left as it is)."""
    _, words, gauss_next = rng.getstate()
    g = np.array([gauss_next is not None, 0.0 if gauss_next is None else gauss_next])
    return np.array(words, dtype=np.int64), g


def store(rng, mt: np.ndarray, g: np.ndarray) -> None:
    """Sets rng to the state (mt, g): it goes on from where the compiled draws stopped."""
    rng.setstate((3, tuple(mt.tolist()), float(g[1]) if g[0] else None))


@njit(cache=True)
def next_word(mt):
    """genrand_uint32: the next 32-bit word of state mt (625,) int64, advanced in place."""
    i = mt[_N]
    if i >= _N:
        for kk in range(_N - _M):
            y = (mt[kk] & 0x80000000) | (mt[kk + 1] & 0x7fffffff)
            mt[kk] = mt[kk + _M] ^ (y >> 1) ^ (0x9908b0df if y & 1 else 0)
        for kk in range(_N - _M, _N - 1):
            y = (mt[kk] & 0x80000000) | (mt[kk + 1] & 0x7fffffff)
            mt[kk] = mt[kk + _M - _N] ^ (y >> 1) ^ (0x9908b0df if y & 1 else 0)
        y = (mt[_N - 1] & 0x80000000) | (mt[0] & 0x7fffffff)
        mt[_N - 1] = mt[_M - 1] ^ (y >> 1) ^ (0x9908b0df if y & 1 else 0)
        i = 0
    y = mt[i]
    mt[_N] = i + 1
    y ^= y >> 11
    y ^= (y << 7) & 0x9d2c5680
    y ^= (y << 15) & 0xefc60000
    y ^= y >> 18
    return y


@njit(cache=True)
def random01(mt):
    """random.Random.random(): genrand_res53 of two words."""
    a = next_word(mt) >> 5
    b = next_word(mt) >> 6
    return (a * 67108864.0 + b) * (1.0 / 9007199254740992.0)


@njit(cache=True)
def randbelow(mt, n):
    """random.Random._randbelow(n) for 1 <= n < 2**32: the top n.bit_length() bits of a
    word, drawn again while >= n."""
    k = 0
    while (n >> k) > 0:
        k += 1
    r = next_word(mt) >> (32 - k)
    while r >= n:
        r = next_word(mt) >> (32 - k)
    return r


@njit(cache=True)
def uniform(mt, a: float, b: float) -> float:
    return a + (b - a) * random01(mt)


@njit(cache=True)
def gauss(mt, g, mu: float, sigma: float) -> float:
    """Random.gauss: Box-Muller, the second value cached in g for the next call."""
    if g[0] != 0.0:
        z = g[1]
        g[0] = 0.0
        g[1] = 0.0
    else:
        x2pi = random01(mt) * TWOPI
        g2rad = math.sqrt(-2.0 * math.log(1.0 - random01(mt)))
        z = math.cos(x2pi) * g2rad
        g[0] = 1.0
        g[1] = math.sin(x2pi) * g2rad
    return mu + z * sigma
