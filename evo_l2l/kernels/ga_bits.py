"""One generation of the bit-genome GA in numba, drawing from a Mersenne Twister state array.

Why: a meta level's runs below make about a million chalmers1990 generations of 8 to 100
individuals per level-2 run; bred in Python (DEAP lists, or optimizers/ga.py
bit_generation's small numpy and generator calls) that was a third of the run
(docs/results/performance.md). This is the same generation step, draw for draw: the generator is
CPython's random.Random (MT19937, genrand_res53 for random(), the top k bits of a word
for getrandbits(k) and _randbelow), its state held as an int64 array of 625 numbers
(random.Random.getstate()'s 624 words and index), so a caller can hand the state back
to the Random (optimizers/ga_state.py) and nothing tells the two apart
(tests/test_ga_state.py).

Kernels see arrays and scalars only; fitness must hold no NaN (DEAP orders NaN its own
way; the caller breeds such a generation in Python).
"""
import numpy as np
from numba import njit

_N = 624
_M = 397


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
def bit_generation(genomes, fitness, elitism, tournsize, uniform, cxpb, indpb, mt, out):
    """optimizers/ga.py bit_generation: the next batch of a (N, L) uint8 population with
    (N,) fitness (no NaN) into out (N, L): the `elitism` best unchanged (a stable sort),
    then N - elitism offspring selected (tournsize 0: roulette, else tournaments of that
    size), crossed over in pairs with probability cxpb (uniform: each gene swapped with
    probability 0.5; else two-point) and bit-flipped with probability indpb per gene. The
    same draws in the same order as the Python step."""
    N, L = genomes.shape
    e = elitism
    k = N - e
    order = np.argsort(-fitness, kind="mergesort")
    for r in range(e):
        out[r, :] = genomes[order[r], :]
    picks = np.empty(k, dtype=np.int64)
    if tournsize == 0:
        # roulette_rows: max(f, 0) summed in order; uniform choice if the total is not > 0
        cum = np.empty(N)
        total = 0.0
        for i in range(N):
            total += 0.0 if 0.0 > fitness[i] else fitness[i]
            cum[i] = total
        if N == 0 or not cum[N - 1] > 0:
            for j in range(k):
                picks[j] = randbelow(mt, N)
        else:
            for j in range(k):
                x = random01(mt) * cum[N - 1]
                lo, hi = 0, N                    # searchsorted(cum, x, side="right")
                while lo < hi:
                    mid = (lo + hi) // 2
                    if cum[mid] <= x:
                        lo = mid + 1
                    else:
                        hi = mid
                picks[j] = min(lo, N - 1)
    else:
        # tournament_rows: the first of the largest of each tournament
        for j in range(k):
            best = randbelow(mt, N)
            for _ in range(tournsize - 1):
                c = randbelow(mt, N)
                if fitness[c] > fitness[best]:
                    best = c
            picks[j] = best
    for j in range(k):
        out[e + j, :] = genomes[picks[j], :]
    for i in range(1, k, 2):
        if random01(mt) < cxpb:
            a, b = e + i - 1, e + i
            if uniform:
                for g in range(L):
                    if random01(mt) < 0.5:
                        t = out[a, g]
                        out[a, g] = out[b, g]
                        out[b, g] = t
            else:
                c1 = 1 + randbelow(mt, L)
                c2 = 1 + randbelow(mt, L - 1)
                if c2 >= c1:
                    lo, hi = c1, c2 + 1
                else:
                    lo, hi = c2, c1
                for g in range(lo, hi):
                    t = out[a, g]
                    out[a, g] = out[b, g]
                    out[b, g] = t
    for j in range(e, N):
        for g in range(L):
            if random01(mt) < indpb:
                out[j, g] = 1 if out[j, g] == 0 else 0
    return order[:e].copy()


@njit(cache=True)
def bit_generations(genomes, fitness, starts, elitism, tournsize, uniform, cxpb, indpb,
                    states, state_rows, out, carried, bred):
    """bit_generation for many populations in one call: population i is rows
    starts[i] .. starts[i + 1] - 1 of genomes and fitness, with its own settings
    (elitism[i] ...) and generator state states[state_rows[i]]; its next batch goes to the same rows
    of out, the elites' fitness to carried (NaN for the offspring). A population whose
    fitness holds NaN is left alone (bred[i] = False, its state untouched), for the
    caller to breed in Python."""
    for i in range(starts.shape[0] - 1):
        a = starts[i]
        b = starts[i + 1]
        ok = True
        for r in range(a, b):
            if np.isnan(fitness[r]):
                ok = False
        bred[i] = ok
        if not ok:
            continue
        elites = bit_generation(genomes[a:b], fitness[a:b], elitism[i], tournsize[i],
                                uniform[i], cxpb[i], indpb[i], states[state_rows[i]], out[a:b])
        for r in range(b - a):
            carried[a + r] = fitness[a + elites[r]] if r < elites.shape[0] else np.nan
