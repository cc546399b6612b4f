"""A slow, plain Python/NumPy interpreter of AutoML-Zero programs: the reference the numba
interpreter (evo_l2l/kernels/programs.py) is tested against. One instruction at a time,
by op name, with fresh NumPy arrays (no aliasing questions)."""
import math

import numpy as np

from evo_l2l.kernels.programs import OPS

MASK = (1 << 64) - 1
GOLDEN = 0x9E3779B97F4A7C15


def mix(z):
    z = (z + GOLDEN) & MASK
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
    return z ^ (z >> 31)


def uniform01(seed, k):
    return (mix((seed + k * GOLDEN) & MASK) >> 11) / 2.0 ** 53


def gauss(seed, k):
    u1 = 1.0 - uniform01(seed, k)
    u2 = uniform01(seed, k + 1)
    return math.sqrt(-2.0 * math.log(u1)) * math.cos(2.0 * math.pi * u2)


class Memory:
    def __init__(self, n_s, n_v, n_m, F, seed):
        self.s = [0.0] * n_s
        self.v = [np.zeros(F) for _ in range(n_v)]
        self.m = [np.zeros((F, F)) for _ in range(n_m)]
        self.F, self.seed, self.k = F, seed, 0

    def draw(self, kind):
        if kind == "u":
            x = uniform01(self.seed, self.k)
            self.k += 1
        else:
            x = gauss(self.seed, self.k)
            self.k += 2
        return x


def _sf(name, x):
    """A scalar function of the math module, with IEEE results where math raises."""
    if math.isnan(x):
        return math.nan
    if name in ("arcsin", "arccos") and not -1.0 <= x <= 1.0:
        return math.nan
    if name == "log" and x <= 0.0:
        return -math.inf if x == 0.0 else math.nan
    if name in ("sin", "cos", "tan") and math.isinf(x):
        return math.nan
    f = {"arcsin": math.asin, "arccos": math.acos, "arctan": math.atan}.get(name)
    f = f or getattr(math, name)
    try:
        return f(x)
    except OverflowError:
        return math.inf


def _min(x, y):
    if math.isnan(x) or math.isnan(y):
        return math.nan
    return x if x <= y else y


def _max(x, y):
    if math.isnan(x) or math.isnan(y):
        return math.nan
    return x if x >= y else y


def _elementwise(f, x, y):
    if np.ndim(x) == 0:
        return f(float(x), float(y))
    return np.array([f(a, b) for a, b in zip(np.ravel(x).tolist(), np.ravel(y).tolist())]
                    ).reshape(np.shape(x))


def execute(body, mem):
    F = mem.F
    for op, a, b, o, c0, c1 in body:
        name, out, args = OPS[op]
        ins = []
        addrs = [a, b]
        for k in args:
            if k == "s":
                ins.append(mem.s[addrs.pop(0)])
            elif k == "v":
                ins.append(mem.v[addrs.pop(0)].copy())
            elif k == "m":
                ins.append(mem.m[addrs.pop(0)].copy())
        with np.errstate(all="ignore"):
            if name in ("add", "sub", "mul", "div") and args in ("ss", "vv", "mm"):
                x, y = np.float64(ins[0]) if out == "s" else ins[0], ins[1]
                r = {"add": np.add, "sub": np.subtract, "mul": np.multiply,
                     "div": np.divide}[name](x, y)
            elif name == "mul":                        # scalar times vector/matrix
                r = np.float64(ins[0]) * ins[1]
            elif name == "abs":
                r = np.abs(ins[0])
            elif name == "recip":
                r = np.divide(1.0, ins[0])
            elif name in ("sin", "cos", "tan", "arcsin", "arccos", "arctan", "exp", "log"):
                r = _sf(name, float(ins[0]))
            elif name == "heaviside":
                r = (np.asarray(ins[0]) > 0).astype(float)
            elif name == "broadcast":
                r = np.full(F, ins[0])
            elif name == "norm":
                r = math.sqrt(sum(x * x for x in np.ravel(ins[0]).tolist()))
            elif name == "transpose":
                r = ins[0].T.copy()
            elif name == "dot":
                r = float(sum(ins[0][j] * ins[1][j] for j in range(F)))
            elif name == "outer":
                r = np.outer(ins[0], ins[1])
            elif name == "matmul" and out == "v":
                r = np.array([sum(ins[0][j, q] * ins[1][q] for q in range(F)) for j in range(F)])
            elif name == "matmul":
                r = np.array([[sum(ins[0][j, q] * ins[1][q, k] for q in range(F))
                               for k in range(F)] for j in range(F)])
            elif name == "columns":
                r = np.repeat(ins[0][:, None], F, axis=1)
            elif name == "rows":
                r = np.repeat(ins[0][None, :], F, axis=0)
            elif name == "min":
                r = _elementwise(_min, ins[0], ins[1])
            elif name == "max":
                r = _elementwise(_max, ins[0], ins[1])
            elif name == "mean":
                r = float(sum(np.ravel(ins[0]).tolist()) / np.size(ins[0]))
            elif name == "row_mean":
                r = np.array([sum(ins[0][j].tolist()) / F for j in range(F)])
            elif name == "std":
                x = np.ravel(ins[0]).tolist()
                mu = sum(x) / len(x)
                r = math.sqrt(sum((xi - mu) * (xi - mu) for xi in x) / len(x))
            elif name == "const":
                r = c0
            elif name in ("uniform", "gaussian"):
                n = {"s": 1, "v": F, "m": F * F}[out]
                if name == "uniform":
                    vals = [c0 + (c1 - c0) * mem.draw("u") for _ in range(n)]
                else:
                    vals = [c0 + c1 * mem.draw("g") for _ in range(n)]
                r = vals[0] if out == "s" else np.array(vals).reshape((F,) if out == "v" else (F, F))
            else:
                raise AssertionError(name)
        if out == "s":
            mem.s[o] = float(r)
        elif out == "v":
            mem.v[o] = np.array(r, dtype=float).reshape(F)
        else:
            mem.m[o] = np.array(r, dtype=float).reshape(F, F)


def run_task(program, X, y, n_train, n_valid, seed, sizes, classify, squash=True,
             max_abs_error=100.0):
    """(score, predictions) of one program on one task, as the module docstring of
    kernels/programs.py describes."""
    F = X.shape[1]
    mem = Memory(*sizes, F, seed)
    preds = np.full(n_train + n_valid, np.nan)
    execute(program.setup, mem)
    for e in range(n_train + n_valid):
        mem.v[0] = X[e].copy()
        mem.s[0] = 0.0
        execute(program.predict, mem)
        p = mem.s[1]
        if classify:
            p = 1.0 / (1.0 + math.exp(-p)) if p > -700.0 else 0.0
            mem.s[1] = p
        if not math.isfinite(p) or (e < n_train and abs(p - y[e]) > max_abs_error):
            return 0.0, preds
        preds[e] = p
        if e < n_train:
            mem.s[0] = float(y[e])
            execute(program.learn, mem)
    if n_valid == 0:
        return 0.0, preds
    v = preds[n_train:]
    yv = y[n_train:n_train + n_valid]
    if classify:
        return float(np.mean((v > 0.5) == (yv > 0.5))), preds
    rms = math.sqrt(sum((a - b) ** 2 for a, b in zip(v.tolist(), yv.tolist())) / n_valid)
    if not math.isfinite(rms):
        return 0.0, preds
    if squash:
        return 1.0 - (2.0 / math.pi) * math.atan(rms), preds
    return min(1.0, max(0.0, 1.0 - rms)), preds
