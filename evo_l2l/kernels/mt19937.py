"""Python's random.Random (MT19937) in compiled code: the same numbers from the same state.

A search owns a random.Random and archives its getstate(). Compiled code that breeds draws
from a copy of that state (`load`) and hands it back (`store`), so the stream goes on where
the Python calls would have left it, and a run is the same whichever side drew. The draws
are CPython's (Modules/_randommodule.c, Lib/random.py 3.11): genrand_uint32, getrandbits(k)
for k <= 32, _randbelow, random (genrand_res53), uniform and gauss (with its cached second
value). tests/test_mt19937.py compares each with random.Random on many seeds.

State: `mt` (624,) uint64 words (each < 2**32), `ctl` (3,) float64: the position in mt,
whether a gauss value is cached, and that value.
"""
from __future__ import annotations

import math

import numpy as np
from numba import njit

N, M = 624, 397
MATRIX_A = np.uint64(0x9908B0DF)
UPPER, LOWER = np.uint64(0x80000000), np.uint64(0x7FFFFFFF)
MASK32 = np.uint64(0xFFFFFFFF)
TWOPI = 2.0 * math.pi


def load(rng) -> tuple[np.ndarray, np.ndarray]:
    """(mt, ctl) holding rng's state (rng is left as it is)."""
    _, words, gauss_next = rng.getstate()
    mt = np.array(words[:N], dtype=np.uint64)
    ctl = np.array([words[N], gauss_next is not None,
                    0.0 if gauss_next is None else gauss_next], dtype=np.float64)
    return mt, ctl


def store(rng, mt: np.ndarray, ctl: np.ndarray) -> None:
    """Sets rng to the state (mt, ctl): it goes on from where the compiled draws stopped."""
    gauss_next = float(ctl[2]) if ctl[1] else None
    rng.setstate((3, (*mt.tolist(), int(ctl[0])), gauss_next))


@njit(cache=True)
def _twist(mt):
    for kk in range(N - M):
        y = (mt[kk] & UPPER) | (mt[kk + 1] & LOWER)
        mt[kk] = mt[kk + M] ^ (y >> np.uint64(1)) ^ (MATRIX_A * (y & np.uint64(1)))
    for kk in range(N - M, N - 1):
        y = (mt[kk] & UPPER) | (mt[kk + 1] & LOWER)
        mt[kk] = mt[kk + M - N] ^ (y >> np.uint64(1)) ^ (MATRIX_A * (y & np.uint64(1)))
    y = (mt[N - 1] & UPPER) | (mt[0] & LOWER)
    mt[N - 1] = mt[M - 1] ^ (y >> np.uint64(1)) ^ (MATRIX_A * (y & np.uint64(1)))


@njit(cache=True)
def uint32(mt, ctl) -> np.uint64:
    """genrand_uint32: the next 32-bit word."""
    pos = int(ctl[0])
    if pos >= N:
        _twist(mt)
        pos = 0
    y = mt[pos]
    ctl[0] = pos + 1
    y ^= y >> np.uint64(11)
    y ^= (y << np.uint64(7)) & np.uint64(0x9D2C5680)
    y ^= (y << np.uint64(15)) & np.uint64(0xEFC60000)
    y ^= y >> np.uint64(18)
    return y & MASK32


@njit(cache=True)
def below(mt, ctl, n: int) -> int:
    """Random._randbelow(n), n >= 1 and < 2**32: the top bit_length(n) bits of a word, drawn
    again while they are >= n."""
    k = 0
    v = n
    while v:
        k += 1
        v >>= 1
    shift = np.uint64(32 - k)
    r = int(uint32(mt, ctl) >> shift)
    while r >= n:
        r = int(uint32(mt, ctl) >> shift)
    return r


@njit(cache=True)
def random(mt, ctl) -> float:
    """Random.random: 53 bits from two words."""
    a = float(uint32(mt, ctl) >> np.uint64(5))
    b = float(uint32(mt, ctl) >> np.uint64(6))
    return (a * 67108864.0 + b) * (1.0 / 9007199254740992.0)


@njit(cache=True)
def uniform(mt, ctl, a: float, b: float) -> float:
    return a + (b - a) * random(mt, ctl)


@njit(cache=True)
def gauss(mt, ctl, mu: float, sigma: float) -> float:
    """Random.gauss: Box-Muller, the second value cached for the next call."""
    if ctl[1] != 0.0:
        z = ctl[2]
        ctl[1] = 0.0
        ctl[2] = 0.0
    else:
        x2pi = random(mt, ctl) * TWOPI
        g2rad = math.sqrt(-2.0 * math.log(1.0 - random(mt, ctl)))
        z = math.cos(x2pi) * g2rad
        ctl[1] = 1.0
        ctl[2] = math.sin(x2pi) * g2rad
    return mu + z * sigma
