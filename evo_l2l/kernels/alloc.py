"""float64 arrays allocated inside a kernel without numba's np.empty.

Why: numba compiles np.empty as functions of numba.np.arrayobj and links them into
every kernel that calls it; loading such a kernel from numba's disk cache then
imports numba.np.arrayobj (and numba.cpython.charseq and unicode with it) to rebuild
those functions' environments: about 35 ms of every run's start, for nothing a
kernel uses. `empty` is np.empty(shape) (float64, C order) written as an intrinsic,
so its code is generated inside the calling kernel: the same runtime allocation
(NRT_MemInfo_alloc_safe_aligned, numba's alignment for float64) and the same error
for a size that overflows, but no function of arrayobj in the kernel's library.
numba.np.arrayobj is imported only while a kernel is being compiled.
"""
from llvmlite import ir
from numba.core import cgutils, types
from numba.extending import intrinsic


def _shape_types(shape):
    """The integer types of a shape argument (an integer or a tuple of them), else None."""
    if isinstance(shape, types.Integer):
        return (shape,)
    if isinstance(shape, types.BaseTuple) and shape.count and \
            all(isinstance(t, types.Integer) for t in shape.types):
        return tuple(shape.types)
    return None


@intrinsic
def empty(typingctx, shape):
    """np.empty(shape) of float64 in C order: shape an integer or a tuple of integers."""
    dims = _shape_types(shape)
    if dims is None:
        return None
    arrtype = types.Array(types.float64, len(dims), "C")

    def codegen(context, builder, signature, args):
        from numba.np.arrayobj import make_array, populate_array    # compile time only
        if isinstance(signature.args[0], types.Integer):
            raw = [args[0]]
        else:
            raw = cgutils.unpack_tuple(builder, args[0], len(dims))
        shapes = [context.cast(builder, v, t, types.intp) for v, t in zip(raw, dims)]
        intp = context.get_value_type(types.intp)
        itemsize = ir.Constant(intp, 8)
        # np.empty's checks, as numba.np.arrayobj._empty_nd_impl makes them
        length, overflow = ir.Constant(intp, 1), ir.Constant(ir.IntType(1), 0)
        for s in shapes:
            mult = builder.smul_with_overflow(length, s)
            length = builder.extract_value(mult, 0)
            overflow = builder.or_(overflow, builder.extract_value(mult, 1))
        strides = [itemsize]
        for s in reversed(shapes[1:]):
            strides.append(builder.mul(strides[-1], s))
        strides.reverse()
        mult = builder.smul_with_overflow(length, itemsize)
        size = builder.extract_value(mult, 0)
        overflow = builder.or_(overflow, builder.extract_value(mult, 1))
        with builder.if_then(overflow, likely=False):
            context.call_conv.return_user_exc(
                builder, ValueError,
                ("array is too big; `arr.size * arr.dtype.itemsize` is larger than"
                 " the maximum possible size.",))
        align = context.get_constant(types.uint32,
                                     context.get_preferred_array_alignment(types.float64))
        meminfo = context.nrt.meminfo_alloc_aligned(builder, size, align)
        ary = make_array(arrtype)(context, builder)
        data = context.nrt.meminfo_data(builder, meminfo)
        populate_array(ary, data=builder.bitcast(data, context.get_data_type(types.float64).as_pointer()),
                       shape=cgutils.pack_array(builder, shapes, ty=intp),
                       strides=cgutils.pack_array(builder, strides, ty=intp),
                       itemsize=itemsize, meminfo=meminfo)
        return ary._getvalue()

    return arrtype(shape), codegen
