"""Eight-lane vector loops that numba cannot be coaxed into emitting.

numba runs LLVM without its SLP vectoriser, and its loop vectoriser only
pays off on loops of dozens of iterations; the interpreter's forward pass is
a few short sums of eight lanes (one lane per segment, see
kernels/symbolic.py). These intrinsics write the eight lanes as one LLVM
<8 x double> value: a block's sums stay in one vector register (AVX-512) or
two (AVX2). The arithmetic is the scalar code's, lane by lane and in the
same order: acc = acc + w * x with contraction allowed, as under
fastmath={"contract"}, so LLVM fuses it into the same FMA.
"""
from llvmlite import ir
from numba import types
from numba.core import cgutils
from numba.extending import intrinsic

LANES = 8
_VEC = ir.VectorType(ir.DoubleType(), LANES)


def _contiguous_f8(*arrays) -> bool:
    """The intrinsics read raw data pointers: only C-contiguous float64 arrays qualify."""
    return all(isinstance(a, types.Array) and a.dtype == types.float64 and a.layout == "C"
               for a in arrays)


def _data(context, builder, arrty, arr):
    return context.make_array(arrty)(context, builder, value=arr).data


def _vec_ptr(builder, data, offset):
    return builder.bitcast(builder.gep(data, [offset]), _VEC.as_pointer())


@intrinsic
def block_sums(typingctx, W, a, start, n_rows, out, g):
    """out[g:g+8] = sum over rows i < n_rows of W[k:k+8] * a[k:k+8], k = start + 8 i.

    Rows are summed in order from zero, each lane separately. The caller
    guarantees the slices are in bounds (no checks, as in any numba loop).
    """
    if not _contiguous_f8(W, a, out):
        return None      # no matching signature: numba reports a typing error
    sig = types.void(W, a, start, n_rows, out, g)

    def codegen(context, builder, signature, args):
        W_, a_, start_, n_, out_, g_ = args
        tW, ta, _, _, tout, _ = signature.args
        pW, pa, pout = (_data(context, builder, t, v) for t, v in ((tW, W_), (ta, a_), (tout, out_)))
        acc = cgutils.alloca_once_value(builder, ir.Constant(_VEC, [0.0] * LANES))
        i64 = ir.IntType(64)
        with cgutils.for_range(builder, n_) as loop:
            k = builder.add(start_, builder.mul(loop.index, ir.Constant(i64, LANES)))
            w = builder.load(_vec_ptr(builder, pW, k), align=8)
            x = builder.load(_vec_ptr(builder, pa, k), align=8)
            prod = builder.fmul(w, x, flags=("contract",))
            builder.store(builder.fadd(builder.load(acc), prod, flags=("contract",)), acc)
        builder.store(builder.load(acc), _vec_ptr(builder, pout, g_), align=8)
        return context.get_dummy_value()

    return sig, codegen


@intrinsic
def spread_rows(typingctx, src, g, dst, start, n_rows):
    """dst[k:k+8] = src[g:g+8] for k = start + 8 i, i < n_rows."""
    if not _contiguous_f8(src, dst):
        return None
    sig = types.void(src, g, dst, start, n_rows)

    def codegen(context, builder, signature, args):
        src_, g_, dst_, start_, n_ = args
        tsrc, _, tdst, _, _ = signature.args
        psrc, pdst = _data(context, builder, tsrc, src_), _data(context, builder, tdst, dst_)
        v = builder.load(_vec_ptr(builder, psrc, g_), align=8)
        i64 = ir.IntType(64)
        with cgutils.for_range(builder, n_) as loop:
            k = builder.add(start_, builder.mul(loop.index, ir.Constant(i64, LANES)))
            builder.store(v, _vec_ptr(builder, pdst, k), align=8)
        return context.get_dummy_value()

    return sig, codegen
