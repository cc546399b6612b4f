"""Symbolic learning rules: DEAP expression trees over a learner's local variables.

The form of the rule is searched, not only its coefficients, as in Bengio,
Bengio & Cloutier (1994, genetic programming over {+, -, *, /}) and Jordan et
al. (2021, Cartesian GP). A tree becomes a postfix program (int opcodes and a
float per slot) that one numba interpreter runs for a whole population (see
kernels/symbolic.py); trees are stored as text (`mul(a, sub(t, o))`) and
parsed back with a whitelist of primitive names: never eval.

Semantics (shared by the kernel, `python_function` and sympy display):
pdiv(x, y) = x / y if |y| > 1e-12 else 1 (protected division);
pexp(x) = exp(min(x, 50)); square(x) = x * x.
"""
from __future__ import annotations

import contextlib
import functools
import math
import operator
import os
import random
import re
import signal
import threading
import time

import numpy as np
from dataclasses import dataclass
from deap import gp

from ..components import GenomeSpec, setting
from ..components import Settings as Settings_

# Opcodes of the postfix programs; OP_VAR and OP_CONST read their slot's
# argument (a variable index, or the float constant).
OP_VAR, OP_CONST, OP_ADD, OP_SUB, OP_MUL, OP_DIV, OP_NEG, OP_SQUARE, OP_TANH, OP_EXP = range(10)
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
PDIV_EPS = 1e-12
EXP_MAX = 50.0


def pdiv(x, y):
    return x / y if abs(y) > PDIV_EPS else 1.0


def square(x):
    return x * x


def pexp(x):
    return math.exp(min(x, EXP_MAX))


def neg(x):
    return -x


# name -> (python function, arity, opcode)
BINARY = {"add": (operator.add, OP_ADD), "sub": (operator.sub, OP_SUB),
          "mul": (operator.mul, OP_MUL), "pdiv": (pdiv, OP_DIV)}
UNARY = {"neg": (neg, OP_NEG), "square": (square, OP_SQUARE),
         "tanh": (math.tanh, OP_TANH), "pexp": (pexp, OP_EXP)}
TRANSCENDENTAL = ("tanh", "pexp")
FIXED_CONSTANTS = {"one": 1.0, "two": 2.0, "half": 0.5}

def _ephemeral() -> float:
    # Module-level (not a lambda) so trees pickle; rounded so formulas read well.
    return round(random.uniform(-1.0, 1.0), 3)


@functools.lru_cache(maxsize=None)
def make_pset(variables: tuple = ("w", "a", "o", "t"), unary: tuple = (),
              learner: str = "single_layer") -> gp.PrimitiveSet:
    """The primitive set over a learner's local variables, +, -, *, pdiv and `unary` ops."""
    bad = sorted(set(unary) - set(UNARY))
    if bad:
        raise ValueError(f"unknown unary primitive(s) {', '.join(bad)}; known: {', '.join(UNARY)}")
    names = tuple(variables)
    pset = gp.PrimitiveSet(f"{learner}_{'_'.join(unary) or 'basic'}", len(names))
    pset.renameArguments(**{f"ARG{i}": n for i, n in enumerate(names)})
    for name, (fn, _) in BINARY.items():
        pset.addPrimitive(fn, 2, name=name)
    for name in unary:
        pset.addPrimitive(UNARY[name][0], 1, name=name)
    for name, value in FIXED_CONSTANTS.items():
        pset.addTerminal(value, name=name)
    pset.addEphemeralConstant(f"erc_{learner}", _ephemeral)
    return pset


def _leaf(node, var_index: dict) -> tuple[str, float]:
    """('var', index) or ('const', value) for a leaf of a tree."""
    value = node.value
    if isinstance(value, str):
        if value in var_index:
            return "var", float(var_index[value])
        if value in FIXED_CONSTANTS:
            return "const", FIXED_CONSTANTS[value]
        raise ValueError(f"unknown terminal {value!r}")
    return "const", float(value)


def _ephemeral_class(pset: gp.PrimitiveSet):
    for term in pset.terminals[pset.ret]:
        if isinstance(term, gp.MetaEphemeral):
            return term
    raise ValueError("primitive set has no ephemeral constant")


_TOKEN = re.compile(r"\s*(?:([A-Za-z_][A-Za-z_0-9]*)|([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)|([(),]))")


# Hard bounds of parse_tree whatever the caller's limits: compile_tree,
# python_function and to_sympy recurse once per level, sympy more.
MAX_PARSE_TOKENS = 20_000
MAX_PARSE_HEIGHT = 64
_NON_FINITE_NAMES = ("nan", "inf", "infinity")
_NON_FINITE = re.compile(r"\s*([-+]\s*(?:nan|inf(?:inity)?))\b", re.IGNORECASE)


class TreeTextError(ValueError):
    """A rule text the parser reads but refuses: too deep, too large, a non-finite constant."""


def _short(text: str, n: int = 60) -> str:
    return text if len(text) <= n else text[:n] + "..."


def parse_tree(text: str, pset: gp.PrimitiveSet, max_height: int | None = None,
               max_size: int | None = None) -> gp.PrimitiveTree:
    """Text such as 'mul(a, sub(t, -0.5))' -> PrimitiveTree; ValueError on anything else.

    Iterative (no recursion), so no text can exhaust Python's stack. The
    tree's height (a leaf alone: 0, as DEAP counts) must be <= max_height
    and <= MAX_PARSE_HEIGHT, its node count <= max_size: TreeTextError
    otherwise, raised as soon as the text goes past the limit. Constants
    must be finite floats.
    """
    text = text.strip()
    shown = repr(_short(text))
    tokens, pos = [], 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            bad = _NON_FINITE.match(text, pos)
            if bad:
                raise TreeTextError(f"constant {bad.group(1)} in rule {shown} is not a finite "
                                    "float; constants must be finite numbers such as 0.5 or -1e-3")
            raise ValueError(f"unexpected character at {pos} in rule {shown}")
        tokens.append(m.groups())
        if len(tokens) > MAX_PARSE_TOKENS:
            raise TreeTextError(f"rule text too long (over {MAX_PARSE_TOKENS} tokens)")
        pos = m.end()
    height_limit = MAX_PARSE_HEIGHT if max_height is None else min(max_height, MAX_PARSE_HEIGHT)
    nodes: list = []
    erc = _ephemeral_class(pset)
    stack: list = []          # [primitive, arguments still to read] of the open calls
    k = 0
    while True:
        # one node at tokens[k], at depth len(stack)
        if k >= len(tokens):
            raise ValueError(f"rule {shown} ends too early")
        if len(stack) > height_limit:
            if height_limit == max_height:
                raise TreeTextError(f"rule {shown} is nested deeper than this run's optimizer.max_height "
                                    f"of {max_height}")
            raise TreeTextError(f"rule {shown} is nested deeper than {MAX_PARSE_HEIGHT} levels, "
                                "the most any rule may be")
        if max_size is not None and len(nodes) >= max_size:
            raise TreeTextError(f"rule {shown} has more nodes than this run's optimizer.max_size of "
                                f"{max_size}")
        name, number, punct = tokens[k]
        if number is not None:
            value = float(number)
            if not math.isfinite(value):
                raise TreeTextError(f"constant {_short(number, 30)} in rule {shown} is not a finite "
                                 "float")
            # __new__, not erc(): calling the class draws a random value from
            # stdlib random, which would shift a resumed run's random stream.
            node = erc.__new__(erc)
            node.value = value
            nodes.append(node)
            k += 1
        elif name is None:
            raise ValueError(f"unexpected {punct!r} in rule {shown}")
        elif name.lower() in _NON_FINITE_NAMES:
            raise TreeTextError(f"constant {name} in rule {shown} is not a finite float; constants "
                             "must be finite numbers such as 0.5 or -1e-3")
        elif name not in pset.mapping:
            raise ValueError(f"unknown primitive or variable {name!r} in rule {shown}")
        else:
            prim = pset.mapping[name]
            nodes.append(prim)
            if prim.arity == 0:
                k += 1
            else:
                if k + 1 >= len(tokens) or tokens[k + 1][2] != "(":
                    raise ValueError(f"{name} needs {prim.arity} argument(s) in rule {shown}")
                stack.append([prim, prim.arity])
                k += 2
                continue
        # a subtree is complete: close the calls it completes
        while stack:
            frame = stack[-1]
            frame[1] -= 1
            want = ")" if frame[1] == 0 else ","
            if k >= len(tokens):
                raise ValueError(f"rule {shown} ends before {frame[0].name}(...) is closed: "
                                 "a ')' is missing")
            if tokens[k][2] != want:
                raise ValueError(f"{frame[0].name} takes {frame[0].arity} argument(s) in rule "
                                 f"{shown}")
            k += 1
            if frame[1]:
                break
            stack.pop()
        if not stack:
            break
    if k != len(tokens):
        raise ValueError(f"trailing text in rule {shown}")
    return gp.PrimitiveTree(nodes)


def tree_text(tree) -> str:
    """Canonical text of a tree; constants in repr form so parse_tree round-trips exactly."""
    return str(tree)


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


def divides_by_variable(tree, pset: gp.PrimitiveSet) -> bool:
    """Whether some protected division's divisor contains a variable."""
    names = set(pset.arguments)
    for i, node in enumerate(tree):
        if node.name == "pdiv":
            divisor = tree.searchSubtree(tree.searchSubtree(i + 1).stop)
            if any(n.arity == 0 and isinstance(n.value, str) and n.value in names
                   for n in tree[divisor]):
                return True
    return False


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


@functools.lru_cache(maxsize=None)
def sympy_pdiv():
    """pdiv as an opaque sympy function, for display: str prints pdiv(x, y), LaTeX x ⊘ y."""
    import sympy

    class pdiv(sympy.Function):     # noqa: N801 (printed by its class name)
        nargs = 2

        def _latex(self, printer, exp=None):
            from sympy.printing.precedence import PRECEDENCE
            x, y = (printer.parenthesize(arg, PRECEDENCE["Mul"]) for arg in self.args)
            body = rf"\left({x} \oslash {y}\right)"
            return body if exp is None else rf"{body}^{{{exp}}}"

    return pdiv


def to_sympy(tree, pset: gp.PrimitiveSet, protected: bool = False):
    """The tree as a sympy expression.

    pdiv is plain division and pexp uncapped, except where a subtree is
    constant: its float value, computed as the kernel computes it, decides
    (a divisor within 1e-12 of 0 gives 1, an exponent over EXP_MAX is capped);
    a divisor that sympy itself reduces to a number (o - o) counts as constant.
    Floats decide, not sympy relations, which can take forever on towers
    such as exp(exp(exp(exp(exp(1))))). protected=True (display) keeps a
    division by an expression of the variables as the function pdiv(x, y),
    which sympy does not cancel: a*x/a is not x where a = 0. Known forms are
    matched on the plain expression and confirmed numerically.
    """
    import sympy
    symbols = {name: sympy.Symbol(name) for name in pset.arguments}
    var_index = {name: i for i, name in enumerate(pset.arguments)}
    ops = {"add": lambda x, y: x + y, "sub": lambda x, y: x - y, "mul": lambda x, y: x * y,
           "pdiv": lambda x, y: x / y, "neg": lambda x: -x, "square": lambda x: x ** 2,
           "tanh": sympy.tanh, "pexp": sympy.exp}
    if protected:
        ops["pdiv"] = lambda x, y: x / y if not y.free_symbols else sympy_pdiv()(x, y)
    floats = {name: f for name, (f, _) in {**BINARY, **UNARY}.items()}

    def build(i: int):
        """(expression, float value or None if the subtree has a variable, next index)."""
        node = tree[i]
        if node.arity == 0:
            kind, value = _leaf(node, var_index)
            if kind == "var":
                return symbols[pset.arguments[int(value)]], None, i + 1
            # Exact fractions read well for everyday constants (0.5 -> 1/2); a huge or tiny
            # one stays a float (1e308 as a rational is a 309-digit integer).
            nice = value == 0 or 1e-6 <= abs(value) <= 1e6
            return (sympy.nsimplify(value, rational=True) if nice else sympy.Float(value),
                    value, i + 1)
        exprs, values, j = [], [], i + 1
        for _ in range(node.arity):
            e, v, j = build(j)
            exprs.append(e)
            values.append(v)
        value = None if None in values else floats[node.name](*values)
        if node.name == "pdiv":
            divisor = values[1]
            if divisor is None and exprs[1].is_Number:     # e.g. o - o, which sympy makes 0
                divisor = float(exprs[1])
            if divisor is not None and not abs(divisor) > PDIV_EPS:
                return sympy.Integer(1), value, j
        if node.name == "pexp" and values[0] is not None and values[0] > EXP_MAX:
            return sympy.exp(sympy.nsimplify(EXP_MAX)), value, j
        return ops[node.name](*exprs), value, j

    return build(0)[0]


# sympy gets this many seconds per rule (formula, known_form); then the rule
# is shown unsimplified (or as its tree text) and matches no known form.
# Legal trees can keep sympy busy for minutes: simplify on
# square(square(square(square(square(add(a, add(o, add(t, w)))))))), and
# merely building tanh(tanh(...(a))) nested 9 deep.
SIMPLIFY_SECONDS = 3.0
# Without a timer (not on the main thread, no SIGALRM, a timer already
# running) sympy sees only small trees and expressions.
UNTIMED_MAX_NODES = 40
UNTIMED_MAX_TRANSCENDENTAL_DEPTH = 3
UNTIMED_MAX_OPS = 40
UNTIMED_MAX_POWER = 8


class SympyTimeout(BaseException):
    """Raised by the timer in sympy's work; a BaseException, so sympy's own
    `except Exception` blocks let it through."""


# llvmlite's binding package: LLVM calls Python back through ctypes from there (numba's
# object cache while a kernel compiles), and an exception raised in a ctypes callback is
# printed and dropped, after which numba fails with "no compiled object yet".
_LLVMLITE_BINDING = os.sep + os.path.join("llvmlite", "binding") + os.sep


def in_finaliser(frame) -> bool:
    """Whether the interrupted code runs inside a finaliser, a weakref callback, a
    garbage-collector callback or llvmlite's bindings (anywhere up its stack), where Python
    would print and drop an exception instead of raising it (ctypes callbacks)."""
    import gc
    callbacks = {getattr(cb, "__code__", None) for cb in gc.callbacks}
    while frame is not None:
        code = frame.f_code
        if (code.co_name == "__del__" or code in callbacks
                or code.co_filename.endswith(("weakref.py", "_weakrefset.py"))
                or _LLVMLITE_BINDING in code.co_filename):
            return True
        frame = frame.f_back
    return False


@contextlib.contextmanager
def _time_limit(seconds: float):
    """Yields True and raises SympyTimeout in the block after `seconds` (then every
    0.25 s, should sympy swallow one), or yields False when no timer can be set:
    not on the main thread, or no setitimer. A timer already running (such as
    pytest-timeout's) is suspended and restored, less the time spent; if it
    is due first, it keeps running and the block is untimed."""
    if not hasattr(signal, "setitimer") or threading.current_thread() is not threading.main_thread():
        yield False
        return
    outer_left, outer_interval = signal.getitimer(signal.ITIMER_REAL)
    if 0 < outer_left <= seconds:
        yield False
        return
    armed = [True]

    def on_alarm(signum, frame):
        # Not inside a finaliser or weakref callback (a garbage collection
        # that sympy triggered): Python would print and drop the exception
        # there. The next alarm, 0.25 s on, tries again.
        if armed[0] and not in_finaliser(frame):
            raise SympyTimeout

    t0 = time.monotonic()
    old = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds, 0.25)
    try:
        yield True
    finally:
        while True:         # a late alarm must not skip the clean-up
            try:
                armed[0] = False
                signal.setitimer(signal.ITIMER_REAL, 0)
                signal.signal(signal.SIGALRM, old)
                if outer_left > 0:
                    signal.setitimer(signal.ITIMER_REAL,
                                     max(outer_left - (time.monotonic() - t0), 1e-3), outer_interval)
                break
            except SympyTimeout:
                continue


def _small_tree(tree) -> bool:
    """Where no timer runs: few nodes, transcendental functions nested at most 3 deep."""
    if len(tree) > UNTIMED_MAX_NODES:
        return False
    stack = []              # transcendental depth of the open nodes' ancestors, per node
    remaining = []
    depth = deepest = 0
    for node in tree:
        d = depth + (node.name in TRANSCENDENTAL)
        deepest = max(deepest, d)
        if node.arity:
            stack.append(depth)
            remaining.append(node.arity)
            depth = d
        else:
            while remaining:
                remaining[-1] -= 1
                if remaining[-1]:
                    break
                remaining.pop()
                depth = stack.pop()
    return deepest <= UNTIMED_MAX_TRANSCENDENTAL_DEPTH


def _small_expr(expr) -> bool:
    """Where no timer runs: few operations and no high powers."""
    import sympy
    if sympy.count_ops(expr) > UNTIMED_MAX_OPS:
        return False
    return all(not (p.exp.is_Number and abs(p.exp) > UNTIMED_MAX_POWER)
               for p in expr.atoms(sympy.Pow))


def simplified(tree, pset: gp.PrimitiveSet, protected: bool = True):
    """The rule as a simplified sympy expression (protected divisions kept as pdiv(x, y):
    see to_sympy): unsimplified if sympy fails or runs out of time simplifying it, None
    if it runs out of time building it."""
    import sympy
    e = None
    try:
        with _time_limit(SIMPLIFY_SECONDS) as timed:
            if not timed and not _small_tree(tree):
                return None
            e = to_sympy(tree, pset, protected)
            if not timed and not _small_expr(e):
                return e
            try:
                out = sympy.factor(sympy.simplify(e))
                if protected:   # sympy leaves a function's arguments as they were
                    pdiv = sympy_pdiv()
                    out = out.replace(lambda n: isinstance(n, pdiv),
                                      lambda n: pdiv(*(sympy.factor(x) for x in n.args)))
                return out
            except Exception:   # sympy can fail on odd expressions; show them unsimplified
                return e
    except SympyTimeout:
        return e


def formula(tree, pset: gp.PrimitiveSet) -> str:
    """'dw = 2*a*(t - o)' style: simplified with sympy, t before o where sympy allows,
    powers as x^2 (as every family's formula), a division by an expression of the
    variables as pdiv(x, y) (protected: 1 where |y| <= 1e-12); the tree's own text if
    sympy cannot build the expression in time."""
    e = simplified(tree, pset)
    text = tree_text(tree) if e is None else str(e).replace("**", "^")
    # "-o + t" -> "t - o" only where t stands alone: not "-o + t^2" or "-o + t*w" (which
    # became "t - o^2", "t - o*w": another rule).
    text = re.sub(r"(?<![\w^*/.])-o \+ t(?![\w^*/(.])", "t - o", text)
    return f"dw = {text}"


def with_eta(text: str, eta: float) -> str:
    """A formula 'dw = BODY' of a tree applied as w += eta * tree: 'dw = 0.1 * (BODY)'
    (eta 1: the text as it is), so that the printed rule is the weight change."""
    if eta == 1.0:
        return text
    body = text[len("dw = "):] if text.startswith("dw = ") else text
    body = body if re.fullmatch(r"-?[\w.]+", body) else f"({body})"
    return f"dw = {eta:g} * {body}"


def scaled(rate, body: str) -> str:
    """The tree text rate * body (body itself when rate is None or 1)."""
    return body if rate is None or rate == 1.0 else f"mul({float(rate)!r}, {body})"


# Values at which a symbolic match is confirmed numerically, zeros included
# (where protected division bites); a learner's variables must appear here.
CHECK_VALUES = {"w": (-1.5, 0.0, 0.7), "a": (-1.0, 0.0, 1.0), "o": (0.0, 0.3, 0.9),
                "t": (0.0, 1.0), "u_target": (-1.0, 0.0, 0.8), "u": (-0.5, 0.0, 1.2),
                "psp": (0.0, 0.4, 1.0), "R": (0.0, 1.0), "E": (-0.6, 0.0, 0.5),
                "m": (-0.7, 0.0, 0.4), "f": (0.0, 1.0)}


def _agrees_numerically(tree, pset, reference) -> bool:
    """Checks a symbolic match on points where protected division bites (zeros included).

    sympy treats pdiv as plain division, so pdiv(a*x, a) 'simplifies' to x
    although the kernel returns 1 where a = 0.
    """
    f = python_function(tree, pset)
    import itertools
    for point in itertools.product(*(CHECK_VALUES.get(n, (-1.0, 0.0, 0.5)) for n in pset.arguments)):
        got, want = f(*point), reference(dict(zip(pset.arguments, point)))
        if not (abs(got - want) <= 1e-9 * max(1.0, abs(want))):
            return False
    return True


def known_form(tree, pset: gp.PrimitiveSet, forms, special=None,
               exact: bool = True) -> tuple[str, float] | None:
    """(name, c) if the rule is c times a known form with c > 0, else None.

    forms: [(name, template)], template(symbols) -> sympy expression (the
    learner's known forms); special(tree, pset, expr, symbols, exact) -> (name,
    c) or None, a learner's own recogniser tried first. Found symbolically
    (sympy), then (exact=True) confirmed numerically, protected division
    included. exact=False keeps sympy's verdict alone: the rule equals the
    form wherever no protected division divides by zero, as a paper that
    simplifies its trees with sympy would count it.
    """
    try:
        with _time_limit(SIMPLIFY_SECONDS) as timed:
            if not timed and not _small_tree(tree):
                return None
            expr = to_sympy(tree, pset)
            if not timed and not _small_expr(expr):
                return None
            return _match_forms(tree, pset, expr, forms, special, exact)
    except SympyTimeout:
        return None


def _match_forms(tree, pset: gp.PrimitiveSet, expr, forms, special,
                 exact: bool) -> tuple[str, float] | None:
    import sympy
    symbols = {n: sympy.Symbol(n) for n in pset.arguments}
    if special is not None:
        hit = special(tree, pset, expr, symbols, exact)
        if hit is not None:
            return hit
    for name, template in forms:
        try:
            ratio = sympy.simplify(expr / template(symbols))
        except Exception:
            continue
        if ratio.free_symbols or not ratio.is_number:
            continue
        value = complex(ratio)
        if value.imag == 0 and value.real > 0 and math.isfinite(value.real):
            c = float(value.real)
            if not exact or _agrees_numerically(tree, pset, lambda v: c * template(v)):
                return name, c
            return None
    return None




@dataclass
class Settings(Settings_):
    unary: list[str] = setting([], "extra unary primitives", choices=tuple(UNARY))
    eta: float = setting(1.0, "the update is w += eta * rule", low=0, low_open=True)


@dataclass(frozen=True)
class SymbolicFamily:
    """Expression trees over the learner's local variables (rules/__init__.py registers it)."""

    name: str = "symbolic"
    settings: type = Settings
    kind: str = "symbolic"
    summary: str = "expression trees over the learner's local variables, searched by GP"

    def check(self, s: Settings) -> None:
        pass

    def pset(self, s: Settings, learner) -> gp.PrimitiveSet:
        return make_pset(tuple(learner.variables), tuple(s.unary), learner.name)

    def genome(self, s: Settings, learner) -> GenomeSpec:
        pset = self.pset(s, learner)
        return GenomeSpec("tree", pset=pset, parse=functools.partial(parse_tree, pset=pset))


FAMILY = SymbolicFamily()
