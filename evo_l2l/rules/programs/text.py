"""The text form of programs (what the archive stores), parsed with a whitelist of op names,
never eval'd:

    setup:
      s2 = const(0.01)
    predict:
      s1 = dot(v1, v0)
    learn:
      s3 = sub(s0, s1)
      s3 = mul(s2, s3)
      v0 = mul(s3, v0)
      v1 = add(v1, v0)

Floats are written with repr, so text -> program -> text is exact.
"""
from __future__ import annotations

import math
import re

from ...kernels.programs import OPS
from .program import COMPONENTS, MAX_INSTRUCTIONS, OP_KEYS, Instruction, Program

_BY_SIGNATURE = {(name, out, args): code for code, (name, out, args) in enumerate(OPS)}
_LINE = re.compile(r"^([svm])(\d+) = ([a-z_]+)\((.*)\)$")
_ADDR = re.compile(r"^([svm])(\d+)$")


def _addr(kind: str, i: int) -> str:
    return f"{kind}{i}"


def _template(op: int) -> str:
    name, out, args = OPS[op]
    slots, a = [], 0
    for k in args:
        if k == "f":
            slots.append("{%d!r}" % (4 + (len(slots) - a)))
        else:
            slots.append(k + "{%d}" % (1 + a))
            a += 1
    return out + "{3} = " + name + "(" + ", ".join(slots) + ")"


_TEMPLATES = tuple(_template(op) for op in range(len(OPS)))


def instruction_text(ins: Instruction) -> str:
    op, a, b, o, c0, c1 = ins
    return _TEMPLATES[op].format(op, a, b, o, float(c0), float(c1))


# Indented instruction lines by instruction: a search's programs share most of their
# instructions with their parents, and writing the archive's populations formats them over
# and over. (0 and 0.0 are equal keys and print alike in the int fields; the immediates are
# floats in every Program made here, and a float key keeps -0.0 apart from 0.0.)
_LINES: dict = {}
_LINES_MAX = 200_000


def _line(ins: Instruction) -> str:
    key = (ins, math.copysign(1.0, ins[4]), math.copysign(1.0, ins[5]))
    line = _LINES.get(key)
    if line is None:
        if len(_LINES) >= _LINES_MAX:
            _LINES.clear()
        line = _LINES[key] = "  " + instruction_text(ins)
    return line


def to_text(program: Program) -> str:
    lines = []
    for comp, body in zip(COMPONENTS, program.components()):
        lines.append(f"{comp}:")
        lines.extend(map(_line, body))
    return "\n".join(lines)


def _parse_float(text: str) -> float:
    if not re.fullmatch(r"[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?|[-+]?(inf|nan)", text):
        raise ValueError(f"not a number: {text!r}")
    return float(text)


def parse_instruction(line: str, sizes: tuple[int, int, int] | None = None) -> Instruction:
    """One instruction's text -> tuple; sizes (n_scalar, n_vector, n_matrix) bound addresses."""
    m = _LINE.match(line.strip())
    if m is None:
        raise ValueError(f"not an instruction: {line.strip()!r} (expected e.g. s3 = dot(v1, v0))")
    out, o, name, rest = m.group(1), int(m.group(2)), m.group(3), m.group(4)
    items = [x.strip() for x in rest.split(",")] if rest.strip() else []
    kinds, addrs, consts = "", [], []
    for item in items:
        am = _ADDR.match(item)
        if am:
            kinds += am.group(1)
            addrs.append(int(am.group(2)))
        else:
            kinds += "f"
            consts.append(_parse_float(item))
    code = _BY_SIGNATURE.get((name, out, kinds))
    if code is None:
        raise ValueError(f"unknown op {out}{o} = {name}({', '.join(items)}); ops: "
                         f"{', '.join(OP_KEYS)}")
    if sizes is not None:
        limit = dict(zip("svm", sizes))
        for k, i in [(out, o)] + [(k, i) for k, i in zip(kinds.replace("f", ""), addrs)]:
            if i >= limit[k]:
                raise ValueError(f"address {k}{i} out of range: {limit[k]} {k} addresses")
    addrs += [0] * (2 - len(addrs))
    consts += [0.0] * (2 - len(consts))
    return (code, addrs[0], addrs[1], o, consts[0], consts[1])


def parse_program(text: str, sizes: tuple[int, int, int] | None = None) -> Program:
    """The text form -> Program (ValueError with the line on anything else)."""
    if not isinstance(text, str):
        raise ValueError("a program must be text")
    bodies: dict = {}
    current = None
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            continue
        if line.endswith(":") and line[:-1] in COMPONENTS:
            current = line[:-1]
            if current in bodies:
                raise ValueError(f"component {current} given twice")
            bodies[current] = []
            continue
        if current is None:
            raise ValueError(f"instruction before setup:/predict:/learn: {line!r}")
        if len(bodies[current]) >= MAX_INSTRUCTIONS:
            raise ValueError(f"{current} has more than {MAX_INSTRUCTIONS} instructions")
        bodies[current].append(parse_instruction(line, sizes))
    if list(bodies) != list(COMPONENTS):
        raise ValueError("a program needs setup:, predict: and learn:, in that order")
    return Program(*(tuple(bodies[c]) for c in COMPONENTS))


_KNOWN: dict = {}          # (sizes, text) -> Program: programs made or parsed here
_KNOWN_MAX = 200_000


def text_of(program: Program, sizes: tuple[int, int, int]) -> str:
    """to_text, remembering the program so that reading its text again (program_of with the
    same sizes) is a lookup."""
    text = to_text(program)
    if len(_KNOWN) >= _KNOWN_MAX:
        _KNOWN.clear()
    _KNOWN[(sizes, text)] = program
    return text


def program_of(text: str, sizes: tuple[int, int, int]) -> Program:
    """parse_program (addresses checked against sizes) through the cache of known texts."""
    key = (sizes, text)
    p = _KNOWN.get(key)
    if p is None:
        p = parse_program(text, sizes)
        if len(_KNOWN) >= _KNOWN_MAX:
            _KNOWN.clear()
        _KNOWN[key] = p
    return p

