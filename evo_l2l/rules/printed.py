"""Rules as the command line prints them, read back (`evaluate --rule TEXT`, `--rule @FILE`):
the run summary's line ('best rule (generation 931): dw = ...  [the delta rule]'), `best`'s
whole output (a '#1 (generation G): ...' block per rule, details under it) or a rule's own
text. These helpers take the decorations off; each rule kind then reads its own form, with
its whitelist, never eval.
"""
from __future__ import annotations

import re

import numpy as np

# 'best rule (generation 12): ', 'best optimizer program (generation 0): ', '#1 (generation 3): '
_HEADER = re.compile(r"^\s*(?:best [A-Za-z -]+ \(generation \d+\)|#\d+ \(generation \d+\)):\s*")
# A known form's tag at the end of a rule's line: '  [the delta rule]'
_TAG = re.compile(r"\s+\[[^\[\]]*\]\s*$")
_RANK = re.compile(r"^\s*#(\d+) \(generation \d+\):")


def strip_line(line: str) -> str:
    """A printed rule line without its 'best rule (generation G): ' or '#k (generation G): '
    head and its '  [known form]' tag."""
    return _TAG.sub("", _HEADER.sub("", line)).strip()


def has_header(line: str) -> bool:
    return _HEADER.match(line) is not None


def first_block(text: str) -> list[str]:
    """The lines of the first rule `best` printed (`--top K` prints K blocks, each from a
    '#k (generation G):' line), blank lines left out; all the lines when there is no block."""
    lines = [line.rstrip() for line in text.splitlines() if line.strip()]
    starts = [i for i, line in enumerate(lines) if _RANK.match(line)]
    if not starts:
        return lines
    end = starts[1] if len(starts) > 1 else len(lines)
    return lines[starts[0]:end]


def split_top(text: str, sep: str) -> list[str]:
    """text split at sep outside parentheses: 'a, f(b, c)' -> ['a', ' f(b, c)']."""
    out, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == sep and depth == 0:
            out.append(text[start:i])
            start = i + 1
    out.append(text[start:])
    return out


_NUMBER = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"


def parse_number(text: str, what: str) -> float:
    text = text.strip()
    if not re.fullmatch(_NUMBER, text):
        raise ValueError(f"{what}: {text!r} is not a number")
    return float(text)


def signed_terms(text: str) -> list[tuple[float, str]]:
    """'0.5*w - a*o + 2' (terms joined by ' + ' and ' - ' outside parentheses, each
    NUMBER*NAME, NAME or NUMBER) -> [(0.5, 'w'), (-1.0, 'a*o'), (2.0, '1')]."""
    text = text.strip()
    if not text:
        raise ValueError("no terms")
    sign, rest = 1.0, text
    if rest.startswith("-"):
        sign, rest = -1.0, rest[1:].lstrip()
    parts: list[tuple[float, str]] = []
    depth, start, i = 0, 0, 0
    pending = sign
    while i < len(rest):
        ch = rest[i]
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif depth == 0 and rest.startswith((" + ", " - "), i):
            parts.append((pending, rest[start:i]))
            pending = 1.0 if rest[i + 1] == "+" else -1.0
            i += 3
            start = i
            continue
        i += 1
    parts.append((pending, rest[start:]))
    out = []
    for s, term in parts:
        term = term.strip()
        m = re.fullmatch(rf"({_NUMBER})\*(.+)", term)
        if m:
            out.append((s * float(m.group(1)), m.group(2).strip()))
        elif re.fullmatch(_NUMBER, term):
            out.append((s * float(term), "1"))
        elif term:
            out.append((s, term))
        else:
            raise ValueError(f"an empty term in {text!r}")
    return out


def named_numbers(line: str, names, choices: dict | None = None) -> np.ndarray | None:
    """A line 'k0=0.5  k1=-1  ...' naming every one of `names` once -> their values in
    that order; None if the line is not of that form. choices: name -> the choices of a
    categorical gene, which may be given by name (activation=tanh: its index)."""
    pairs = re.findall(r"([A-Za-z_][\w.\[\],/()]*)=(\S+)", line)
    if not pairs or len(pairs) != len(line.split()):
        return None
    values = dict(pairs)
    if sorted(values) != sorted(names) or len(pairs) != len(names):
        return None
    choices = choices or {}

    def value(n: str) -> float:
        if values[n] in choices.get(n, ()):
            return float(list(choices[n]).index(values[n]))
        return parse_number(values[n], f"coefficient {n}")

    return np.array([value(n) for n in names])


def program_text(text: str) -> str:
    """An AutoML-Zero program as `best` prints it (a 'setup:' line, its instructions, then
    'predict:' and 'learn:' alike, under a '#1 (generation G): fitness ...' line) or as the
    summary prints it on one line ('setup: ...; predict: s1 = dot(v1, v0); learn: ...',
    instructions joined by ', ') -> the program's own text form, one line a component head or
    instruction. Any other text comes back as it is (the parser then says what is wrong)."""
    lines = first_block(text)
    heads = [i for i, raw in enumerate(lines) if raw.strip() == "setup:"]
    if heads:
        # From 'setup:' on, every line is the program's: the parser names a wrong one.
        return "\n".join(raw.strip() for raw in lines[heads[0]:])
    for raw in lines:
        line = strip_line(raw)
        at = line.find("setup:")
        if at < 0 or "predict:" not in line:
            continue
        out = []
        for part in split_top(line[at:], ";"):
            head, sep, rest = part.strip().partition(":")
            if not sep:
                raise ValueError(f"expected 'setup: ...; predict: ...; learn: ...', got "
                                 f"{part.strip()!r}")
            out.append(f"{head.strip()}:")
            out.extend(ins.strip() for ins in split_top(rest, ",") if ins.strip())
        return "\n".join(out)
    return text


# A rule file is a rule's text or `best`'s output: far below this.
MAX_RULE_FILE_BYTES = 1 << 20


def read_rule_text(spec: str) -> tuple[str, str | None]:
    """`--rule @FILE`, or `--rule PATH` of an existing file: (the file's text, its path);
    any other spec: (spec, None). RuleTextError, one line, if the file cannot be read."""
    import os
    from .kinds import RuleTextError
    if spec.startswith("@"):
        path = spec[1:]
    elif os.path.isfile(spec):
        path = spec
    else:
        return spec, None
    try:
        if os.path.getsize(path) > MAX_RULE_FILE_BYTES:
            raise RuleTextError(f"rule file {path} is larger than {MAX_RULE_FILE_BYTES} bytes: "
                                "not a rule or `best`'s output")
        with open(path, encoding="utf-8") as fh:
            return fh.read(), path
    except OSError as exc:
        raise RuleTextError(f"cannot read rule file {path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise RuleTextError(f"rule file {path} is not UTF-8 text") from None


# A formula longer than this is no formula `best` or the summary printed.
MAX_FORMULA_CHARS = 20_000


def tree_of_formula(body: str, variables, primitives) -> str:
    """A symbolic rule's formula as the summary prints it ('-pdiv(1/2, t) + a*o^2', the
    tree simplified) -> a tree text over `variables` and the primitive names `primitives`:
    + - * as add, sub, mul, / as pdiv (protected, as the formula means it), x^n as products,
    -x as neg (or a negative constant), calls of pdiv, tanh, exp (pexp) and square; numbers
    folded. Read with Python's parser into a syntax tree, never evaluated. The tree computes
    the formula, which is the rule up to how the simplification rounded: the tree itself (the
    'exact:' line) is the rule."""
    import ast
    if len(body) > MAX_FORMULA_CHARS:
        raise ValueError(f"a formula of more than {MAX_FORMULA_CHARS} characters")
    try:
        node = ast.parse(body.replace("^", "**"), mode="eval").body
    except (SyntaxError, RecursionError, MemoryError, ValueError):
        raise ValueError(f"cannot read the formula {body[:60]!r}") from None
    variables, primitives = tuple(variables), set(primitives)
    binary = {ast.Add: "add", ast.Sub: "sub", ast.Mult: "mul", ast.Div: "pdiv"}
    calls = {"pdiv": ("pdiv", 2), "tanh": ("tanh", 1), "exp": ("pexp", 1),
             "pexp": ("pexp", 1), "square": ("square", 1), "neg": ("neg", 1)}

    def const(value: float) -> tuple[str, float]:
        if not np.isfinite(value):
            raise ValueError(f"a non-finite number in the formula {body[:60]!r}")
        return repr(float(value)), float(value)

    def build(n, depth: int = 0):
        """(tree text, its value if it is a number else None)."""
        if depth > 200:
            raise ValueError("the formula is nested too deeply")
        if isinstance(n, ast.Constant) and type(n.value) in (int, float):
            return const(n.value)
        if isinstance(n, ast.Name):
            if n.id not in variables:
                raise ValueError(f"unknown variable {n.id!r} (variables: {', '.join(variables)})")
            return n.id, None
        if isinstance(n, ast.UnaryOp) and isinstance(n.op, (ast.USub, ast.UAdd)):
            text, value = build(n.operand, depth + 1)
            if isinstance(n.op, ast.UAdd):
                return text, value
            if value is not None:
                return const(-value)
            return (f"neg({text})" if "neg" in primitives else f"mul(-1.0, {text})"), None
        if isinstance(n, ast.BinOp) and isinstance(n.op, ast.Pow):
            base, _ = build(n.left, depth + 1)
            exp = n.right
            if not (isinstance(exp, ast.Constant) and type(exp.value) is int
                    and 1 <= exp.value <= 8):
                raise ValueError("powers must be x^n with n in 1..8")
            text = base
            for _ in range(exp.value - 1):
                text = f"mul({text}, {base})"
            return text, None
        if isinstance(n, ast.BinOp) and type(n.op) in binary:
            (a, va), (b, vb) = build(n.left, depth + 1), build(n.right, depth + 1)
            if va is not None and vb is not None:       # a number: 1/2, 3*0.25
                op = type(n.op)
                if op is ast.Div:
                    return const(va / vb if abs(vb) > 1e-12 else 1.0)
                return const({ast.Add: va + vb, ast.Sub: va - vb, ast.Mult: va * vb}[op])
            return f"{binary[type(n.op)]}({a}, {b})", None
        if (isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and not n.keywords
                and n.func.id in calls):
            name, arity = calls[n.func.id]
            if len(n.args) != arity:
                raise ValueError(f"{n.func.id} takes {arity} argument(s)")
            if name not in primitives and name != "pdiv":
                raise ValueError(f"this run's trees have no {name}")
            args = [build(a, depth + 1)[0] for a in n.args]
            return f"{name}({', '.join(args)})", None
        raise ValueError(f"cannot read {ast.unparse(n)[:40]!r} in a formula (+ - * / ^, "
                         "pdiv, tanh, exp, numbers and the variables)")

    return build(node)[0]
