"""One generation of the bit-genome GA in numba, drawing from a Mersenne Twister state array.

Why: a meta level's runs below make about a million chalmers1990 generations of 8 to 100
individuals per level-2 run; bred in Python (DEAP lists, or optimizers/ga.py
bit_generation's small numpy and generator calls) that was a third of the run
(docs/results/performance.md). This is the same generation step, draw for draw: the generator is
CPython's random.Random (kernels/mt19937.py: genrand_res53 for random(), the top k bits of
a word for _randbelow), its state held as an int64 array of 625 numbers
(random.Random.getstate()'s 624 words and index), so a caller can hand the state back
to the Random (optimizers/ga_state.py) and nothing tells the two apart
(tests/test_ga_state.py).

Kernels see arrays and scalars only; fitness must hold no NaN (DEAP orders NaN its own
way; the caller breeds such a generation in Python).
"""
import numpy as np
from numba import njit

from .mt19937 import random01, randbelow


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
