"""Tree text: symbolic rules are stored as text (`mul(a, sub(t, o))`) and parsed back
with a whitelist of the primitive set's names, never eval'd."""
from __future__ import annotations

import math
import re

from deap import gp

from .primitives import _ephemeral_class

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


def scaled(rate, body: str) -> str:
    """The tree text rate * body (body itself when rate is None or 1)."""
    return body if rate is None or rate == 1.0 else f"mul({float(rate)!r}, {body})"
