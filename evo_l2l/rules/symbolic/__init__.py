"""Symbolic learning rules: DEAP expression trees over a learner's local variables.

The form of the rule is searched, not only its coefficients, as in Bengio,
Bengio & Cloutier (1994, genetic programming over {+, -, *, /}) and Jordan et
al. (2021, Cartesian GP). A tree becomes a postfix program (int opcodes and a
float per slot) that one numba interpreter runs for a whole population (see
kernels/symbolic.py); trees are stored as text (`mul(a, sub(t, o))`) and
parsed back with a whitelist of primitive names: never eval.

One idea per module:
  primitives  the primitive set, its Python functions and opcodes (and the semantics)
  parse       tree text: the whitelist parser, canonical text, scaled
  compiler    a tree to a postfix program for the kernels, or to a Python function
  timelimit   the time limit on sympy's work
  display     sympy expression, simplification, the formula text
  forms       known forms (c times delta, Hebb, ...)
  family      the rule family object FAMILY (registered in rules/__init__.py)
This package re-exports their names, so `sym.formula(...)` reads as before.
"""
from .compiler import (OP_ADDC, OP_ADDV, OP_DIVC, OP_DIVV, OP_MULC, OP_MULV, OP_SUBC, OP_SUBV,
                       compile_programs, compile_tree, fuse, pack_programs, python_function,
                       stack_depth)
from .display import formula, simplified, sympy_pdiv, to_sympy, with_eta
from .family import FAMILY, Settings, SymbolicFamily
from .forms import CHECK_VALUES, known_form
from .parse import MAX_PARSE_HEIGHT, MAX_PARSE_TOKENS, TreeTextError, parse_tree, scaled, tree_text
from .primitives import (BINARY, EXP_MAX, FIXED_CONSTANTS, OP_ADD, OP_CONST, OP_DIV, OP_EXP,
                         OP_MUL, OP_NEG, OP_SQUARE, OP_SUB, OP_TANH, OP_VAR, PDIV_EPS,
                         TRANSCENDENTAL, UNARY, _leaf, divides_by_variable, make_pset, neg, pdiv,
                         pexp, square)
from .timelimit import (SIMPLIFY_SECONDS, UNTIMED_MAX_NODES, UNTIMED_MAX_OPS, UNTIMED_MAX_POWER,
                        UNTIMED_MAX_TRANSCENDENTAL_DEPTH, SympyTimeout, _time_limit, in_finaliser)

__all__ = [
    "BINARY", "CHECK_VALUES", "EXP_MAX", "FAMILY", "FIXED_CONSTANTS", "MAX_PARSE_HEIGHT",
    "MAX_PARSE_TOKENS", "OP_ADD", "OP_ADDC", "OP_ADDV", "OP_CONST", "OP_DIV", "OP_DIVC",
    "OP_DIVV", "OP_EXP", "OP_MUL", "OP_MULC", "OP_MULV", "OP_NEG", "OP_SQUARE", "OP_SUB",
    "OP_SUBC", "OP_SUBV", "OP_TANH", "OP_VAR", "PDIV_EPS", "SIMPLIFY_SECONDS", "Settings",
    "SymbolicFamily", "SympyTimeout", "TRANSCENDENTAL", "TreeTextError", "UNARY",
    "UNTIMED_MAX_NODES", "UNTIMED_MAX_OPS", "UNTIMED_MAX_POWER",
    "UNTIMED_MAX_TRANSCENDENTAL_DEPTH", "_leaf", "_time_limit", "compile_programs",
    "compile_tree", "divides_by_variable", "formula", "fuse", "in_finaliser", "known_form",
    "make_pset", "neg", "pack_programs", "parse_tree", "pdiv", "pexp", "python_function",
    "scaled", "simplified", "square", "stack_depth", "sympy_pdiv", "to_sympy", "tree_text",
    "with_eta",
]
