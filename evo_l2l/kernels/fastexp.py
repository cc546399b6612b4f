"""An exp that LLVM can vectorise, accurate to about one ulp.

numba's np.exp is a scalar libm call inside otherwise SIMD loops (pip's
llvmlite has no SVML), and the sigmoid's exp was half of the learner's run
time. This is the textbook scheme: x = k ln2 + r with |r| <= ln2/2 (Cody-Waite
split of ln2), a degree-13 Taylor polynomial for exp(r), and 2^k built from
bits. Only bit casts, adds, multiplies and shifts, all of which vectorise.

NaN propagates; arguments beyond the double range saturate to 0 or a large
finite value, which is all the sigmoid needs (1/(1+exp(-s)) is then 1 or ~0).
"""
from numba import njit, types
from numba.extending import intrinsic

_LOG2E = 1.4426950408889634
_LN2_HI = 6.93147180369123816490e-01   # ln2 split so k * _LN2_HI is exact
_LN2_LO = 1.90821492927058770002e-10
_ROUND = 6755399441055744.0            # 1.5 * 2**52: adding it rounds to an integer
_ROUND_BITS = 0x4338000000000000


@intrinsic
def _f2i(typingctx, x):
    """The bits of a float64 as int64."""
    def codegen(context, builder, sig, args):
        return builder.bitcast(args[0], context.get_value_type(types.int64))
    return types.int64(types.float64), codegen


@intrinsic
def _i2f(typingctx, x):
    """An int64 read as the bits of a float64."""
    def codegen(context, builder, sig, args):
        return builder.bitcast(args[0], context.get_value_type(types.float64))
    return types.float64(types.int64), codegen


@njit(cache=True, inline="always")
def fast_exp(x):
    # NaN fails both comparisons and flows through unchanged.
    x = 709.0 if x > 709.0 else x
    x = -708.0 if x < -708.0 else x
    t = x * _LOG2E + _ROUND
    kf = t - _ROUND
    k = _f2i(t) - _ROUND_BITS
    r = (x - kf * _LN2_HI) - kf * _LN2_LO
    p = 1.0 / 6227020800.0
    p = p * r + 1.0 / 479001600.0
    p = p * r + 1.0 / 39916800.0
    p = p * r + 1.0 / 3628800.0
    p = p * r + 1.0 / 362880.0
    p = p * r + 1.0 / 40320.0
    p = p * r + 1.0 / 5040.0
    p = p * r + 1.0 / 720.0
    p = p * r + 1.0 / 120.0
    p = p * r + 1.0 / 24.0
    p = p * r + 1.0 / 6.0
    p = p * r + 0.5
    p = p * r + 1.0
    p = p * r + 1.0
    return p * _i2f((k + 1023) << 52)
