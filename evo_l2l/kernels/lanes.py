"""One (pattern, output) step of the single-layer kernel on a group of L rule lanes at once.

Why: numba's loop vectoriser turns each `for r in range(nr)` loop into 4-wide
SIMD with one chain at a time: the forward sums and the update factors make a
round trip through memory per input, and the exp polynomial is one serial
4-cycle FMA chain. These intrinsics write a whole step (forward sum, sigmoid,
update factors, clipped update; or the measurement's |t - o|) on one LLVM
<L x double> value. LLVM splits it into L/4 AVX2 registers (L/8 with AVX-512),
so L/4 independent chains are in flight, the sums and factors stay in
registers and the constants are materialised once per step.

The arithmetic is the scalar code's (fastexp.fast_exp, the factors and
_multilinear.clipped_update as the single-layer kernel wrote them with
fastmath={"contract"}), lane by lane, in the same order. Where LLVM fused a
multiply and an add in that code, these steps call llvm.fma explicitly, and
nothing else carries a contraction flag: the fused pairs are then fixed by the
IR (with contraction flags, LLVM's reassociate pass reorders the operands of
an add of two products and the backend fused the other one: last-bit
differences). So the results are bitwise those of the previous loops
(tests/test_kernels.py, scripts/check_kernels_bitwise.py) on CPUs with FMA (every x86-64
since 2013, every aarch64); on one without, the old loops did not fuse at all and llvm.fma
becomes a call to libm's fma: still within the tests' 1e-12 of the NumPy references, slower,
and no longer bitwise the old loops.

Layout: W is (max_o, max_i, NRP) and k (11, NRP), rule lanes innermost, NRP a
multiple of 4; arrays are passed whole with flat element offsets (C-contiguous
float64 only, no bounds checks, as in any numba loop).
"""
from contextlib import contextmanager

from llvmlite import ir
from numba import types
from numba.core import cgutils
from numba.extending import intrinsic

from .fastexp import _LN2_HI, _LN2_LO, _LOG2E, _ROUND, _ROUND_BITS

_F64 = ir.DoubleType()
_I64 = ir.IntType(64)
_I32 = ir.IntType(32)
_EXP_POLY = (1.0 / 6227020800.0, 1.0 / 479001600.0, 1.0 / 39916800.0, 1.0 / 3628800.0,
             1.0 / 362880.0, 1.0 / 40320.0, 1.0 / 5040.0, 1.0 / 720.0, 1.0 / 120.0,
             1.0 / 24.0, 1.0 / 6.0, 0.5, 1.0, 1.0)


@contextmanager
def for_range(builder, count):
    """cgutils.for_range(builder, count) whose loop LLVM may not unroll.

    Why: numba optimises a parallel kernel's loop body twice: once alone, and again inside
    the kernel's own module, which is what numba's disk cache stores. The second pass
    unrolled the update loops by two with a remainder, and that code ran 15-20% slower
    (scripts/bench_inner.py: a kernel freshly compiled in the process ran the first copy,
    the same kernel loaded from the cache the second). With unrolling disabled both copies
    keep one input per iteration, which this loop already spends on 2-8 independent chains."""
    with cgutils.for_range(builder, count) as loop:
        yield loop
        latch = builder.basic_block
    branch = latch.terminator
    module = builder.module
    disable = module.add_metadata([ir.MetaDataString(module, "llvm.loop.unroll.disable")])
    loop_id = module.add_metadata([disable, ir.MetaDataString(module, f"evo_l2l.loop.{id(branch)}")])
    loop_id.operands = (loop_id,) + loop_id.operands    # a loop ID refers to itself
    branch.set_metadata("llvm.loop", loop_id)


def _ok(*arrays) -> bool:
    return all(isinstance(a, types.Array) and a.dtype == types.float64 and a.layout == "C"
               for a in arrays)


class _Vec:
    """IR helpers for L lanes held as L/4 separate <4 x double> values.

    A value is a list of U = L/4 four-lane vectors; every operation maps over the
    list, so the groups are independent chains the CPU overlaps. (One <L x double>
    value of a length that is not a power of two made LLVM shuffle lanes between
    registers instead.)"""

    W = 4

    def __init__(self, builder, L):
        assert L % self.W == 0
        self.b, self.L, self.U = builder, L, L // self.W
        self.t = ir.VectorType(_F64, self.W)
        self.ti = ir.VectorType(_I64, self.W)

    def const(self, x):
        return [ir.Constant(self.t, [float(x)] * self.W)] * self.U

    def iconst(self, x):
        return [ir.Constant(self.ti, [int(x)] * self.W)] * self.U

    def splat(self, x):
        b = self.b
        v = b.insert_element(ir.Constant(self.t, ir.Undefined), x, ir.Constant(_I32, 0))
        v = b.shuffle_vector(v, ir.Constant(self.t, ir.Undefined),
                             ir.Constant(ir.VectorType(_I32, self.W), [0] * self.W))
        return [v] * self.U

    def _ptr(self, data, offset, u):
        off = self.b.add(offset, ir.Constant(_I64, self.W * u))
        return self.b.bitcast(self.b.gep(data, [off]), self.t.as_pointer())

    def load(self, data, offset):
        return [self.b.load(self._ptr(data, offset, u), align=8) for u in range(self.U)]

    def store(self, v, data, offset):
        for u in range(self.U):
            self.b.store(v[u], self._ptr(data, offset, u), align=8)

    def mul(self, x, y):
        return [self.b.fmul(a, c) for a, c in zip(x, y)]

    def add(self, x, y):
        return [self.b.fadd(a, c) for a, c in zip(x, y)]

    def sub(self, x, y):
        return [self.b.fsub(a, c) for a, c in zip(x, y)]

    def neg(self, x):
        return [self.b.fneg(a) for a in x]

    def fma(self, x, y, z):
        """x * y + z rounded once: llvm.fma, so no pass can choose another pair to fuse."""
        f = cgutils.get_or_insert_function(self.b.module, ir.FunctionType(self.t, [self.t] * 3),
                                           "llvm.fma.v4f64")
        return [self.b.call(f, [a, c, d]) for a, c, d in zip(x, y, z)]

    def fabs(self, x):
        f = cgutils.get_or_insert_function(self.b.module, ir.FunctionType(self.t, [self.t]),
                                           "llvm.fabs.v4f64")
        return [self.b.call(f, [a]) for a in x]

    def above(self, x, hi):
        """x > hi ? hi : x (NaN fails the test and stays)."""
        b = self.b
        return [b.select(b.fcmp_ordered(">", a, h), h, a) for a, h in zip(x, hi)]

    def below(self, x, lo):
        """x < lo ? lo : x."""
        b = self.b
        return [b.select(b.fcmp_ordered("<", a, l_), l_, a) for a, l_ in zip(x, lo)]

    def fast_exp_fused(self, x):
        """fastexp.fast_exp on every lane, returned unmultiplied as (p, 2^k): the caller
        fuses the last product with its next addition, as LLVM does in the scalar code."""
        b = self.b
        x = self.below(self.above(x, self.const(709.0)), self.const(-708.0))
        t = self.fma(x, self.const(_LOG2E), self.const(_ROUND))
        kf = self.sub(t, self.const(_ROUND))
        k = [b.sub(b.bitcast(a, self.ti), c) for a, c in zip(t, self.iconst(_ROUND_BITS))]
        nkf = self.neg(kf)
        r = self.fma(nkf, self.const(_LN2_LO), self.fma(nkf, self.const(_LN2_HI), x))
        p = self.const(_EXP_POLY[0])
        for c in _EXP_POLY[1:]:
            p = self.fma(p, r, self.const(c))
        two_k = [b.bitcast(b.shl(b.add(a, c1), c52), self.t)
                 for a, c1, c52 in zip(k, self.iconst(1023), self.iconst(52))]
        return p, two_k

    def sigmoid(self, s):
        """1.0 / (1.0 + fast_exp(-s)), the addition fused with fast_exp's last product."""
        p, two_k = self.fast_exp_fused(self.neg(s))
        one = self.const(1.0)
        return [self.b.fdiv(a, c) for a, c in zip(one, self.fma(p, two_k, one))]

    def forward(self, pW, w0, stride, pX, x0, n_i):
        """sum over i < n_i of W[w0 + i*stride : +L] * X[x0 + i], from 0.0, in order of i."""
        b = self.b
        acc = [cgutils.alloca_once_value(b, z) for z in self.const(0.0)]
        with for_range(b, n_i) as loop:
            i = loop.index
            w = self.load(pW, b.add(w0, b.mul(i, stride)))
            a = self.splat(b.load(b.gep(pX, [b.add(x0, i)])))
            new = self.fma(w, a, [b.load(p) for p in acc])
            for p, v in zip(acc, new):
                b.store(v, p)
        return [b.load(p) for p in acc]


def _update(v, w, a, p, lo, hi):
    """_multilinear.clipped_update on lanes."""
    p0, p1, q0, q1 = p
    return v.below(v.above(v.add(w, v.fma(v.fma(q1, a, q0), w, v.fma(p1, a, p0))), hi), lo)


def _data(context, builder, ty, val):
    return context.make_array(ty)(context, builder, value=val).data


def _make_train(L, per_loop=0):
    @intrinsic
    def train_step(typingctx, W, w0, stride, X, x0, n_i, k, g, t, clip):
        """Lanes g .. g+L of output j at one pattern: forward, factors, clipped update.

        W[w0 + i*stride + l] is synapse (j, i) of lane g + l; X[x0 + i] input i of the
        pattern; k[c*stride + g + l] coefficient c of that lane; t the target, clip the clip.
        """
        if not _ok(W, X, k):
            return None
        sig = types.void(W, w0, stride, X, x0, n_i, k, g, t, clip)

        def codegen(context, builder, signature, args):
            W_, w0_, st_, X_, x0_, n_, k_, g_, t_, clip_ = args
            tW, _, _, tX, _, _, tk, _, _, _ = signature.args
            pW, pX, pk = (_data(context, builder, ty, v)
                          for ty, v in ((tW, W_), (tX, X_), (tk, k_)))
            b, v = builder, _Vec(builder, L)
            oj = v.sigmoid(v.forward(pW, w0_, st_, pX, x0_, n_))
            tv = v.splat(t_)
            kc = [v.load(pk, b.add(b.mul(ir.Constant(_I64, c), st_), g_)) for c in range(11)]
            # c0 = k0 (k3 o + k4 t + k10 o t), c1 = k0 (k2 + k8 o + k9 t),
            # c2 = k0 (k1 + k6 o + k7 t), c3 = k0 k5: as kernels/single_layer.py writes them.
            c0 = v.mul(kc[0], v.fma(v.mul(kc[10], oj), tv,
                                    v.fma(kc[3], oj, v.mul(kc[4], tv))))
            c1 = v.mul(kc[0], v.fma(kc[9], tv, v.fma(kc[8], oj, kc[2])))
            c2 = v.mul(kc[0], v.fma(kc[7], tv, v.fma(kc[6], oj, kc[1])))
            c3 = v.mul(kc[0], kc[5])
            hi = v.splat(clip_)
            lo = v.splat(b.fneg(clip_))
            n = per_loop or v.U
            groups = [(_Vec(b, 4 * len(c0[u:u + n])), b.add(w0_, ir.Constant(_I64, 4 * u)),
                       c0[u:u + n], c1[u:u + n], c2[u:u + n], c3[u:u + n])
                      for u in range(0, v.U, n)]
            for vg, base, d0, d1, d2, d3 in groups:
                with for_range(b, n_) as loop:
                    i = loop.index
                    off = b.add(base, b.mul(i, st_))
                    w = vg.load(pW, off)
                    a = vg.splat(b.load(b.gep(pX, [b.add(x0_, i)])))
                    vg.store(_update(vg, w, a, (d0, d1, d2, d3), lo[:vg.U], hi[:vg.U]), pW, off)
            return context.get_dummy_value()

        return sig, codegen
    return train_step


def _make_measure(L):
    @intrinsic
    def measure_step(typingctx, W, w0, stride, X, x0, n_i, t, out, g):
        """out[g:g+L] += |t - sigmoid(sum_i W[w0 + i*stride + l] X[x0 + i])|."""
        if not _ok(W, X, out):
            return None
        sig = types.void(W, w0, stride, X, x0, n_i, t, out, g)

        def codegen(context, builder, signature, args):
            W_, w0_, st_, X_, x0_, n_, t_, out_, g_ = args
            tW, _, _, tX, _, _, _, tout, _ = signature.args
            pW, pX, pout = (_data(context, builder, ty, v)
                            for ty, v in ((tW, W_), (tX, X_), (tout, out_)))
            v = _Vec(builder, L)
            o = v.sigmoid(v.forward(pW, w0_, st_, pX, x0_, n_))
            d = v.sub(v.splat(t_), o)
            v.store(v.add(v.load(pout, g_), v.fabs(d)), pout, g_)
            return context.get_dummy_value()

        return sig, codegen
    return measure_step


# A step runs 1 to MAX_CHUNKS groups of 4 lanes (4 to 28 lanes). Few groups leave the
# exp polynomial's FMA chain waiting on its latency: per lane a 4-lane step cost 2.6x, an
# 8-lane one 1.6x what a 24-lane one does, 28 lanes 0.9x, 40 lanes slower again (spills)
# (measured with all lanes in steps of one size). So a job's lanes are cut into as few steps
# as MAX_CHUNKS allows, of sizes as equal as possible (`step_chunks`): 52 lanes run as
# 28 + 24, not 24 + 24 + 4. The update loops over pairs of 4-lane groups: the factors of all
# groups live across one loop over the inputs spilled to the stack.
MAX_CHUNKS = 7
TRAIN_STEPS = tuple(_make_train(4 * c, 2 if c > 1 else 1) for c in range(1, MAX_CHUNKS + 1))
MEASURE_STEPS = tuple(_make_measure(4 * c) for c in range(1, MAX_CHUNKS + 1))
train4, train8, train12, train16, train20, train24, train28 = TRAIN_STEPS
measure4, measure8, measure12, measure16, measure20, measure24, measure28 = MEASURE_STEPS


@intrinsic
def fma_chains(typingctx, n, x):
    """n rounds of 48 independent lane-FMAs (acc = acc * m + c on a <48 x double>):
    12 AVX2 chains, enough to fill two FMA pipes of latency 4. Returns one lane's value
    so the work cannot be dropped. An instrument for the FMA peak (scripts/bench_inner.py)."""
    if not (isinstance(n, types.Integer) and x == types.float64):
        return None
    sig = types.float64(types.int64, types.float64)

    def codegen(context, builder, signature, args):
        n_, x_ = args
        v = _Vec(builder, 48)
        acc = [cgutils.alloca_once_value(builder, a) for a in v.splat(x_)]
        m, c = v.const(0.999999), v.const(1e-7)
        with cgutils.for_range(builder, n_):
            for p, new in zip(acc, v.fma([builder.load(p) for p in acc], m, c)):
                builder.store(new, p)
        return builder.extract_element(builder.load(acc[0]), ir.Constant(_I32, 0))

    return sig, codegen


# ----------------------------------------------------------------- two-layer nets
# kernels/two_layer.py: I inputs, H sigmoid hidden units, one sigmoid output with a
# hidden bias of HIDDEN_BIAS, a 16-term multilinear rule in (a, o, w, m), m = t - o.
# Weights per job: Wh (H, max_i, NRP), Wo (H + 1, NRP); k (16, NRP); hbuf (H, NRP) scratch.
TWO_LAYER_HIDDEN_BIAS = -1.0         # two_layer.HIDDEN_BIAS (a test checks they agree)

def _factors16(v, kc, o, m):
    """_multilinear.factors16 on lanes: (p0, p1, q0, q1), dw = (p0 + p1 a) + (q0 + q1 a) w."""
    om = v.mul(o, m)

    def f(c0, c1, c2, c3):       # k[c0] + k[c1] o + k[c2] m + k[c3] om, left to right
        return v.fma(kc[c3], om, v.fma(kc[c2], m, v.fma(kc[c1], o, kc[c0])))
    return f(0, 2, 4, 9), f(1, 5, 7, 12), f(3, 8, 10, 14), f(6, 11, 13, 15)


def _two_layer_forward(v, b, pWh, wh0, st, max_i, pWo, wo0, pX, x0, n_i, H, phb, hb0):
    """two_layer.forward on lanes: hidden activities into hbuf, returns the output."""
    i64 = lambda x: ir.Constant(_I64, x)      # noqa: E731
    with for_range(b, H) as loop:
        j = loop.index
        row = b.add(wh0, b.mul(b.mul(j, max_i), st))
        v.store(v.sigmoid(v.forward(pWh, row, st, pX, x0, n_i)), phb, b.add(hb0, b.mul(j, st)))
    o = cgutils.alloca_once_value(b, ir.Constant(ir.ArrayType(v.t, v.U), ir.Undefined))
    start = v.mul(v.load(pWo, b.add(wo0, b.mul(H, st))), v.const(TWO_LAYER_HIDDEN_BIAS))
    for u in range(v.U):
        b.store(start[u], b.gep(o, [i64(0), ir.Constant(_I32, u)]))
    with for_range(b, H) as loop:
        j = loop.index
        acc = [b.load(b.gep(o, [i64(0), ir.Constant(_I32, u)])) for u in range(v.U)]
        acc = v.fma(v.load(pWo, b.add(wo0, b.mul(j, st))), v.load(phb, b.add(hb0, b.mul(j, st))),
                    acc)
        for u in range(v.U):
            b.store(acc[u], b.gep(o, [i64(0), ir.Constant(_I32, u)]))
    return v.sigmoid([b.load(b.gep(o, [i64(0), ir.Constant(_I32, u)])) for u in range(v.U)])


def _make_two_layer_train(L, per_loop=0):
    @intrinsic
    def two_layer_train(typingctx, Wh, Wo, st, max_i, X, x0, n_i, H, k, hbuf, g, t, clip):
        """One pattern for lanes g .. g+L: forward, m = t - o, output then hidden updates.

        The forward pass runs on all L lanes at once; the updates on chunks of per_loop
        4-lane groups, whose coefficients are loaded where they are used (kept live
        across the loops, all groups' spilled to the stack)."""
        if not _ok(Wh, Wo, X, k, hbuf):
            return None
        sig = types.void(Wh, Wo, st, max_i, X, x0, n_i, H, k, hbuf, g, t, clip)

        def codegen(context, builder, signature, args):
            Wh_, Wo_, st_, mi_, X_, x0_, n_, H_, k_, hb_, g_, t_, clip_ = args
            ts = signature.args
            pWh, pWo, pX, pk, phb = (_data(context, builder, ts[i], args[i])
                                     for i in (0, 1, 4, 8, 9))
            b, v = builder, _Vec(builder, L)
            o_all = _two_layer_forward(v, b, pWh, g_, st_, mi_, pWo, g_, pX, x0_, n_, H_, phb, g_)
            m_all = v.sub(v.splat(t_), o_all)
            n = per_loop or v.U
            for u in range(0, v.U, n):
                vg = _Vec(b, 4 * len(o_all[u:u + n]))
                gg = b.add(g_, ir.Constant(_I64, 4 * u))
                o, m = o_all[u:u + n], m_all[u:u + n]

                def coefs():
                    return [vg.load(pk, b.add(b.mul(ir.Constant(_I64, c), st_), gg))
                            for c in range(16)]
                hi, lo = vg.splat(clip_), vg.splat(b.fneg(clip_))
                p = _factors16(vg, coefs(), o, m)
                with for_range(b, H_) as loop:              # output synapses, pre = h_j
                    off = b.add(gg, b.mul(loop.index, st_))
                    vg.store(_update(vg, vg.load(pWo, off), vg.load(phb, off), p, lo, hi), pWo,
                             off)
                off = b.add(gg, b.mul(H_, st_))                     # the hidden bias's synapse
                vg.store(_update(vg, vg.load(pWo, off), vg.const(TWO_LAYER_HIDDEN_BIAS), p, lo,
                                 hi), pWo, off)
                with for_range(b, H_) as loop:              # hidden synapses, post = h_j
                    j = loop.index
                    ph = _factors16(vg, coefs(), vg.load(phb, b.add(gg, b.mul(j, st_))), m)
                    row = b.add(gg, b.mul(b.mul(j, mi_), st_))
                    with for_range(b, n_) as inner:
                        i = inner.index
                        off = b.add(row, b.mul(i, st_))
                        a = vg.splat(b.load(b.gep(pX, [b.add(x0_, i)])))
                        vg.store(_update(vg, vg.load(pWh, off), a, ph, lo, hi), pWh, off)
            return context.get_dummy_value()

        return sig, codegen
    return two_layer_train


def _make_two_layer_measure(L):
    @intrinsic
    def two_layer_measure(typingctx, Wh, Wo, st, max_i, X, x0, n_i, H, hbuf, g, t, out):
        """out[g:g+L] += |t - o| for one pattern."""
        if not _ok(Wh, Wo, X, hbuf, out):
            return None
        sig = types.void(Wh, Wo, st, max_i, X, x0, n_i, H, hbuf, g, t, out)

        def codegen(context, builder, signature, args):
            Wh_, Wo_, st_, mi_, X_, x0_, n_, H_, hb_, g_, t_, out_ = args
            ts = signature.args
            pWh, pWo, pX, phb, pout = (_data(context, builder, ts[i], args[i])
                                       for i in (0, 1, 4, 8, 11))
            b, v = builder, _Vec(builder, L)
            o = _two_layer_forward(v, b, pWh, g_, st_, mi_, pWo, g_, pX, x0_, n_, H_, phb, g_)
            v.store(v.add(v.load(pout, g_), v.fabs(v.sub(v.splat(t_), o))), pout, g_)
            return context.get_dummy_value()

        return sig, codegen
    return two_layer_measure


# Updates on pairs of 4-lane groups (1.5-2.1x the previous kernel, against 1.3-1.6x with all
# four groups in one loop; one interleaved run on a loaded machine).
# Steps of 1 to TWO_LAYER_MAX_CHUNKS groups of 4 lanes, cut as in the single-layer kernel
# (_jobs.step_chunks): 52 lanes run as 20 + 16 + 16, not 16 + 16 + 16 + 4.
TWO_LAYER_MAX_CHUNKS = 5
TWO_LAYER_TRAIN_STEPS = tuple(_make_two_layer_train(4 * c, 2 if c > 1 else 1)
                              for c in range(1, TWO_LAYER_MAX_CHUNKS + 1))
TWO_LAYER_MEASURE_STEPS = tuple(_make_two_layer_measure(4 * c)
                                for c in range(1, TWO_LAYER_MAX_CHUNKS + 1))
(two_layer_train4, two_layer_train8, two_layer_train12, two_layer_train16,
 two_layer_train20) = TWO_LAYER_TRAIN_STEPS
(two_layer_measure4, two_layer_measure8, two_layer_measure12, two_layer_measure16,
 two_layer_measure20) = TWO_LAYER_MEASURE_STEPS


# ----------------------------------------------------------------- conditioning circuit
# kernels/conditioning.py: o = sigmoid(w1 CS1 + w2 CS2 + w_us US + bias), the 16-term rule
# in (a, o, w, f = US) on w1 and w2 after every training trial; probe trials only measure.
# w (2, RP), k (16, RP), err (RP,).

def _conditioning_output(v, b, pw, st, g, c1, c2, inv, bias):
    """1 / (1 + fast_exp(-(w1 c1 + w2 c2 + w_us us + bias))) with w_us us = inv (a scalar)."""
    w1, w2 = v.load(pw, g), v.load(pw, b.add(g, st))
    s = v.add(v.add(v.fma(w1, v.splat(c1), v.mul(w2, v.splat(c2))), v.splat(inv)), v.splat(bias))
    return v.sigmoid(s)


def _make_conditioning_step(L, per_loop=0):
    @intrinsic
    def conditioning_step(typingctx, w, st, k, g, c1, c2, inv, bias, us, probe, t, err, clip):
        """One trial for lanes g .. g+L: a probe adds |t - o| to err, a training trial updates."""
        if not _ok(w, k, err):
            return None
        sig = types.void(w, st, k, g, c1, c2, inv, bias, us, probe, t, err, clip)

        def codegen(context, builder, signature, args):
            w_, st_, k_, g_, c1_, c2_, inv_, bias_, us_, probe_, t_, err_, clip_ = args
            ts = signature.args
            pw, pk, perr = (_data(context, builder, ts[i], args[i]) for i in (0, 2, 11))
            b, v = builder, _Vec(builder, L)
            o = _conditioning_output(v, b, pw, st_, g_, c1_, c2_, inv_, bias_)
            with b.if_else(b.fcmp_ordered("!=", probe_, ir.Constant(_F64, 0.0))) as (yes, no):
                with yes:
                    v.store(v.add(v.load(perr, g_), v.fabs(v.sub(v.splat(t_), o))), perr, g_)
                with no:
                    n = per_loop or v.U
                    for u in range(0, v.U, n):
                        vg = _Vec(b, 4 * len(o[u:u + n]))
                        gg = b.add(g_, ir.Constant(_I64, 4 * u))
                        kc = [vg.load(pk, b.add(b.mul(ir.Constant(_I64, c), st_), gg))
                              for c in range(16)]
                        p = _factors16(vg, kc, o[u:u + n], vg.splat(us_))
                        hi, lo = vg.splat(clip_), vg.splat(b.fneg(clip_))
                        for i, a in enumerate((c1_, c2_)):
                            off = b.add(gg, b.mul(ir.Constant(_I64, i), st_))
                            vg.store(_update(vg, vg.load(pw, off), vg.splat(a), p, lo, hi), pw, off)
            return context.get_dummy_value()

        return sig, codegen
    return conditioning_step


# Steps of 1 to CONDITIONING_MAX_CHUNKS groups of 4 lanes (_jobs.step_chunks).
CONDITIONING_MAX_CHUNKS = 4
(conditioning_step4, conditioning_step8, conditioning_step12,
 conditioning_step16) = (_make_conditioning_step(4 * c, 2 if c > 1 else 1)
                         for c in range(1, CONDITIONING_MAX_CHUNKS + 1))
