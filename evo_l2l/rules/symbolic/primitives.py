"""The primitive set of symbolic rules: a learner's local variables, +, -, *, protected
division, optional unary ops, fixed constants and random constants; their Python functions
and opcodes.

Semantics (shared by the kernel, `python_function` and sympy display):
pdiv(x, y) = x / y if |y| > 1e-12 else 1 (protected division);
pexp(x) = exp(min(x, 50)); square(x) = x * x.

A random constant's value is round(U(-1, 1), 3). A search draws it from its own generator
(`ephemeral_value`, through optimizers/draws.py); DEAP's own tree generators, which call
the primitive set's no-argument function, draw it from the global `random`.
"""
from __future__ import annotations

import functools
import math
import operator
import random

from deap import gp

# Opcodes of the postfix programs (compiler.py) for the primitives; OP_VAR and OP_CONST
# read their slot's argument (a variable index, or the float constant).
OP_VAR, OP_CONST, OP_ADD, OP_SUB, OP_MUL, OP_DIV, OP_NEG, OP_SQUARE, OP_TANH, OP_EXP = range(10)

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


def ephemeral_value(rng) -> float:
    """A random constant drawn from rng (a random.Random); rounded so formulas read well."""
    return round(rng.uniform(-1.0, 1.0), 3)


def _ephemeral() -> float:
    # The primitive set's ephemeral function, which DEAP calls without arguments: the same
    # value from the global stream. Module-level (not a lambda) so trees pickle.
    return ephemeral_value(random)


_ephemeral.draw = ephemeral_value          # what searches call (optimizers/draws.py)


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

