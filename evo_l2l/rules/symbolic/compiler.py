"""A tree compiled for running: to a postfix program (int opcodes and a float per slot)
that one numba interpreter runs for a whole population (kernels/symbolic.py), or to a
Python function built without eval."""
from __future__ import annotations

import numpy as np
from deap import gp

from .primitives import (BINARY, OP_ADD, OP_CONST, OP_DIV, OP_MUL, OP_SUB, OP_VAR, UNARY,
                         _leaf)

# Fused "x op= leaf" forms (second operand a variable / a constant), made by fuse().
OP_ADDV, OP_SUBV, OP_MULV, OP_DIVV, OP_ADDC, OP_SUBC, OP_MULC, OP_DIVC = range(10, 18)
_FUSED = {(OP_ADD, OP_VAR): OP_ADDV, (OP_SUB, OP_VAR): OP_SUBV, (OP_MUL, OP_VAR): OP_MULV,
          (OP_DIV, OP_VAR): OP_DIVV, (OP_ADD, OP_CONST): OP_ADDC, (OP_SUB, OP_CONST): OP_SUBC,
          (OP_MUL, OP_CONST): OP_MULC, (OP_DIV, OP_CONST): OP_DIVC}


def fuse(ops: list, args: list) -> tuple[list, list]:
    """Peephole pass: 'leaf, binary op' (the leaf is the second operand) -> one fused op.

    Same arithmetic in the same order, one pass over the synapses fewer.
    """
    out_ops, out_args = [], []
    for op, arg in zip(ops, args):
        if out_ops and len(out_ops) >= 2 and (op, out_ops[-1]) in _FUSED:
            leaf = out_ops.pop()
            leaf_arg = out_args.pop()
            out_ops.append(_FUSED[(op, leaf)])
            out_args.append(leaf_arg)
        else:
            out_ops.append(op)
            out_args.append(arg)
    return out_ops, out_args


def compile_tree(tree, pset: gp.PrimitiveSet) -> tuple[list, list, int]:
    """One tree -> (postfix ops, args, stack depth it needs), leaf operands fused.

    args holds the variable index for variable leaves and the value for constants.
    """
    var_index = {name: i for i, name in enumerate(pset.arguments)}
    opcode = {name: op for name, (_, op) in {**BINARY, **UNARY}.items()}
    ops, args = [], []
    depth = [0, 0]    # current, max

    def emit(i: int) -> int:
        node = tree[i]
        if node.arity == 0:
            kind, value = _leaf(node, var_index)
            ops.append(OP_VAR if kind == "var" else OP_CONST)
            args.append(value)
            depth[0] += 1
            depth[1] = max(depth[1], depth[0])
            return i + 1
        j = i + 1
        for _ in range(node.arity):
            j = emit(j)
        ops.append(opcode[node.name])
        args.append(0.0)
        depth[0] -= node.arity - 1
        return j

    emit(0)
    ops, args = fuse(ops, args)
    return ops, args, stack_depth(ops)


def stack_depth(ops: list) -> int:
    """The deepest stack a postfix program reaches."""
    depth = deepest = 0
    for op in ops:
        if op in (OP_VAR, OP_CONST):
            depth += 1
        elif op in (OP_ADD, OP_SUB, OP_MUL, OP_DIV):
            depth -= 1
        deepest = max(deepest, depth)
    return max(deepest, 1)


def pack_programs(progs: list) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """[(ops, args, depth), ...] -> (ops (N, L) int32, args (N, L) f8, lengths (N,), depth)."""
    n = len(progs)
    L = max([len(p[0]) for p in progs] + [1])
    ops = np.zeros((n, L), dtype=np.int32)
    args = np.zeros((n, L), dtype=np.float64)
    lengths = np.zeros(n, dtype=np.int64)
    for k, (o, a, _) in enumerate(progs):
        ops[k, :len(o)] = o
        args[k, :len(a)] = a
        lengths[k] = len(o)
    return ops, args, lengths, max([p[2] for p in progs] + [1])


def compile_programs(trees, pset: gp.PrimitiveSet):
    """Trees -> (ops (N, L) int32, args (N, L) float64, lengths (N,) int64, max stack depth)."""
    return pack_programs([compile_tree(t, pset) for t in trees])


def python_function(tree, pset: gp.PrimitiveSet):
    """The rule as a Python function of the variables, built without eval (a closure tree)."""
    var_index = {name: i for i, name in enumerate(pset.arguments)}
    fns = {name: fn for name, (fn, _) in {**BINARY, **UNARY}.items()}

    def build(i: int):
        node = tree[i]
        if node.arity == 0:
            kind, value = _leaf(node, var_index)
            if kind == "var":
                k = int(value)
                return (lambda *v: v[k]), i + 1
            return (lambda *v: value), i + 1
        children, j = [], i + 1
        for _ in range(node.arity):
            f, j = build(j)
            children.append(f)
        fn = fns[node.name]
        if node.arity == 1:
            (c0,) = children
            return (lambda *v: fn(c0(*v))), j
        c0, c1 = children
        return (lambda *v: fn(c0(*v), c1(*v))), j

    return build(0)[0]

