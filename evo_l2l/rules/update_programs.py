"""Optimizer programs: a per-parameter update program, as in the program search that found
Lion (Chen et al. 2023, "Symbolic discovery of optimization algorithms"), searched here as a
fixed number of instruction slots (a linear genetic program, AutoML-Zero style).

Every parameter runs the same program each step over its own registers: g (its gradient),
w (its weight), m1-m3 (state: kept from step to step, 0 at the start), r1-r2 and u
(temporaries, 0 at each step's start); then w -= lr * u. An instruction writes one of
m1..u from up to two registers and a constant c:

    add(a, b) sub(a, b) mul(a, b) div(a, b) (0 where b = 0)  sign(a)  sqrt(a) (of |a|)
    abs(a)  square(a)  interp(a, b, c) = c*a + (1-c)*b (c in [0, 1])  scale(a, c) = c*a
    shift(a, c) = a + c  clip(a, c) (to [-|c|, |c|])  debias(a, c) = a / (1 - c^t)
    const(c)

Adam is eight instructions (ADAM below), Lion three. A genome is typed genes (rules/genes.py):
the rate lr (log10 in the genome), then per slot the op (a choice, nop included), the
register written, the two read and the constant. A decoded row is the program in canonical
form: the instructions that can reach u, in order, in the first slots, the other slots nops,
and the fields an op does not read 0, so programs that differ only in dead code or in where
their nops sit share one row (one fitness-cache entry, one known-program match).
The kernel (kernels/mlp_train.py, mode PROGRAM) runs rows as they are.
"""
from __future__ import annotations

import re

import numpy as np

from ..kernels.mlp_train import N_SLOTS, SLOT
from .family import ParametricForm, ProgramRowSettings, TypedRuleFamily
from .genes import Gene, decode_genes

OPS = ("nop", "add", "sub", "mul", "div", "sign", "sqrt", "abs", "square", "interp", "scale",
       "shift", "clip", "debias", "const")
# per op: registers read, whether it reads the constant
ARITY = {"nop": (0, False), "add": (2, False), "sub": (2, False), "mul": (2, False),
         "div": (2, False), "sign": (1, False), "sqrt": (1, False), "abs": (1, False),
         "square": (1, False), "interp": (2, True), "scale": (1, True), "shift": (1, True),
         "clip": (1, True), "debias": (1, True), "const": (0, True)}
REGISTERS = ("g", "w", "m1", "m2", "m3", "r1", "r2", "u")
STATE = (2, 3, 4)
U = 7
N_COEF = 1 + N_SLOTS * SLOT

GENES = (Gene("lr", "logreal", -5.0, 0.0, doc="learning rate (log10 in the genome)"),) + tuple(
    gene for s in range(N_SLOTS) for gene in (
        Gene(f"op{s}", "cat", choices=OPS, doc="operation"),
        Gene(f"dst{s}", "int", 2, 7, doc="register written (m1..u)"),
        Gene(f"a{s}", "int", 0, 7, doc="first register read"),
        Gene(f"b{s}", "int", 0, 7, doc="second register read"),
        Gene(f"c{s}", "real", -1.0, 1.0, doc="constant")))
COEF_NAMES = tuple(g.name for g in GENES)


def _fields(row, s: int) -> tuple[str, int, int, int, float]:
    base = 1 + s * SLOT
    return (OPS[int(row[base])], int(row[base + 1]), int(row[base + 2]), int(row[base + 3]),
            float(row[base + 4]))


def _reads(op: str, a: int, b: int) -> tuple[int, ...]:
    return (a, b)[:ARITY[op][0]]


def live_slots(row) -> list[int]:
    """The slots whose results can reach u (this step's or, through m1-m3, a later one's)."""
    ops = [_fields(row, s) for s in range(N_SLOTS)]
    live_at_end = {U}
    while True:
        live, marked = set(live_at_end), []
        for s in range(N_SLOTS - 1, -1, -1):
            op, dst, a, b, _ = ops[s]
            if op != "nop" and dst in live:
                marked.append(s)
                live.discard(dst)
                live.update(_reads(op, a, b))
        grown = {U} | (live & set(STATE)) | live_at_end
        if grown == live_at_end:
            return sorted(marked)
        live_at_end = grown


def canonical(row) -> np.ndarray:
    """The live slots packed to the front in order (the kernel skips nops, so it computes
    the same), the rest nops, unread fields 0 (interp's and debias's constants clipped to
    the range the kernel uses)."""
    row = np.asarray(row, dtype=np.float64)
    out = np.zeros(N_COEF)
    out[0] = row[0]
    for slot, s in enumerate(live_slots(row)):
        op, dst, a, b, c = _fields(row, s)
        n_reads, uses_c = ARITY[op]
        if op == "interp":
            c = min(1.0, max(0.0, c))
        elif op == "debias":
            c = min(0.9999, max(0.0, c))
        elif op == "clip":
            c = abs(c)
        base = 1 + slot * SLOT
        out[base:base + SLOT] = (OPS.index(op), dst, a if n_reads > 0 else 0,
                                 b if n_reads > 1 else 0, c if uses_c else 0.0)
    return out + 0.0


def decode_real(genomes) -> np.ndarray:
    """(N, 51) genomes -> (N, 51) canonical rows."""
    rows = decode_genes(GENES, genomes)
    return np.array([canonical(r) for r in rows]).reshape(rows.shape)


def _const(c: float, exact: bool = False) -> str:
    return repr(float(c)) if exact else f"{c:.6g}"


def instruction_text(op: str, dst: int, a: int, b: int, c: float, exact: bool = False) -> str:
    """'m1 = interp(m1, g, 0.9)'; exact: the constant as repr (what parse reads back)."""
    n_reads, uses_c = ARITY[op]
    args = [REGISTERS[x] for x in (a, b)[:n_reads]] + ([_const(c, exact)] if uses_c else [])
    return f"{REGISTERS[dst]} = {op}({', '.join(args)})"


def lines(row) -> list[str]:
    """The live program, one instruction a line, then the step."""
    row = np.asarray(row, dtype=np.float64)
    body = [instruction_text(*_fields(row, s)) for s in live_slots(row)]
    return body + [f"w -= {row[0]:.4g} * u"]


def text_of(row) -> str:
    """One line: 'lr = 0.001; m1 = interp(m1, g, 0.9); u = sign(m1)', numbers as repr, so
    that parse reads back the canonical row exactly (a program copied from `best`)."""
    row = np.asarray(row, dtype=np.float64)
    body = [instruction_text(*_fields(row, s), exact=True) for s in live_slots(row)]
    return "; ".join([f"lr = {_const(row[0], True)}"] + body)


_INSTRUCTION = re.compile(r"^\s*([a-z0-9]+)\s*=\s*([a-z]+)\s*\(([^()]*)\)\s*$")
_STEP = re.compile(r"^\s*w\s*-=\s*([-+0-9.eE]+)\s*\*\s*u\s*$")
_LR = re.compile(r"^\s*lr\s*=\s*([-+0-9.eE]+)\s*$")


def parse(text: str) -> np.ndarray:
    """A program text (instructions separated by ';' or new lines, one 'lr = X', as text_of
    writes them) -> its canonical row. ValueError naming the first thing it cannot read;
    never evaluates the text."""
    row = np.zeros(N_COEF)
    row[0] = np.nan
    parts = [p for p in re.split(r"[;\n]", text) if p.strip() and not p.strip().startswith("#")]
    slot = 0
    for part in parts:
        # 'lr = X', or the last line `best` shows: 'w -= X * u'
        lr = _LR.match(part) or _STEP.match(part)
        if lr:
            try:
                row[0] = float(lr.group(1))
            except ValueError:
                raise ValueError(f"lr must be a number, not {lr.group(1)!r}") from None
            continue
        m = _INSTRUCTION.match(part)
        if not m:
            raise ValueError(f"cannot read {part.strip()!r}: expected 'REG = op(args)', "
                             "'lr = NUMBER' or 'w -= NUMBER * u'")
        dst, op, args = m.group(1), m.group(2), [x.strip() for x in m.group(3).split(",")
                                                if x.strip()]
        if op not in ARITY or op == "nop":
            raise ValueError(f"unknown op {op!r}; ops: {', '.join(OPS[1:])}")
        if dst not in REGISTERS[2:]:
            raise ValueError(f"cannot write {dst!r}: write one of {', '.join(REGISTERS[2:])}")
        n_reads, uses_c = ARITY[op]
        if len(args) != n_reads + uses_c:
            raise ValueError(f"{op} takes {n_reads} register(s)"
                             + (" and a constant" if uses_c else ""))
        regs = args[:n_reads]
        bad = [r for r in regs if r not in REGISTERS]
        if bad:
            raise ValueError(f"unknown register {bad[0]!r}; registers: {', '.join(REGISTERS)}")
        c = 0.0
        if uses_c:
            try:
                c = float(args[-1])
            except ValueError:
                raise ValueError(f"{op}'s last argument must be a number, "
                                 f"not {args[-1]!r}") from None
            if not np.isfinite(c):
                raise ValueError(f"{op}'s constant must be finite")
        if slot == N_SLOTS:
            raise ValueError(f"a program has at most {N_SLOTS} instructions")
        idx = [REGISTERS.index(r) for r in regs] + [0, 0]
        row[1 + slot * SLOT:1 + (slot + 1) * SLOT] = (OPS.index(op), REGISTERS.index(dst),
                                                      idx[0], idx[1], c)
        slot += 1
    if np.isnan(row[0]):
        raise ValueError("a program needs its rate: 'lr = NUMBER'")
    if not row[0] > 0 or not np.isfinite(row[0]):
        raise ValueError("lr must be a positive number")
    return canonical(row)


def insert_instruction(genome: list, rng) -> int | None:
    """The insertion mutation of a genome (GenomeSpec.insert), in place: a live instruction's
    read of register X goes through a new random instruction Y = op(X, Z, c) placed just
    before it, as DEAP's mutInsert puts a new node above a subtree. The instructions between
    it and the nearest dead slot shift by one into that slot, in order. So one mutation can
    turn u = sign(g) into m1 = interp(g, m1, c); u = sign(m1). Y is a register the live
    program neither reads nor writes, so with an identity op the program is unchanged. A
    genome with no live read, no dead slot or no such register gets one per-gene op change
    instead. Returns the new instruction's slot (None for the op change)."""
    row = decode_genes(GENES, np.asarray(genome, dtype=np.float64)[None])[0]
    live = live_slots(row)
    reads = [(s, k) for s in live for k in range(ARITY[_fields(row, s)[0]][0])]
    dead = [s for s in range(N_SLOTS) if s not in live]
    used = set()
    for s in live:
        op, dst, a, b, _ = _fields(row, s)
        used.update((dst, *_reads(op, a, b)))
    free = [r for r in range(2, U) if r not in used]
    if not reads or not dead or not free:
        s = rng.randrange(N_SLOTS)
        genome[1 + s * SLOT] = float(rng.choice([k for k in range(len(OPS))
                                                 if k != int(row[1 + s * SLOT])]))
        return None
    s, k = rng.choice(reads)
    slots = [list(genome[1 + i * SLOT:1 + (i + 1) * SLOT]) for i in range(N_SLOTS)]
    after = [d for d in dead if d > s]
    if after:                               # s..d-1 move to s+1..d; the new one at s
        d = after[0]
        slots[s + 1:d + 1] = slots[s:d]
        new_at, reader = s, s + 1
    else:                                   # d+1..s-1 move to d..s-2; the new one at s-1
        d = max(dead)
        slots[d:s - 1] = slots[d + 1:s]
        new_at, reader = s - 1, s
    op = rng.choice([o for o in OPS if ARITY[o][0] > 0])
    dst = rng.choice(free)
    slots[new_at] = [float(OPS.index(op)), float(dst), float(slots[reader][2 + k]),
                     float(rng.randint(0, len(REGISTERS) - 1)), rng.uniform(-1.0, 1.0)]
    slots[reader][2 + k] = float(dst)
    genome[1:] = [v for slot in slots for v in slot]
    return new_at


# -- known optimizers, as programs -------------------------------------------------------
ADAM = ("m1 = interp(m1, g, 0.9); r1 = square(g); m2 = interp(m2, r1, 0.999); "
        "r1 = debias(m1, 0.9); r2 = debias(m2, 0.999); r2 = sqrt(r2); r2 = shift(r2, 1e-08); "
        "u = div(r1, r2)")
KNOWN_TEXTS = {
    "sgd": "u = scale(g, 1)",
    # torch's momentum buffer b = mu*b + g is interp(m1, g, mu) / (1 - mu): lr 10x smaller
    "momentum": "m1 = interp(m1, g, 0.9); u = scale(m1, 10)",
    "nesterov": "m1 = interp(m1, g, 0.9); r1 = scale(m1, 9); u = add(g, r1)",
    "adam": ADAM,
    "adamw": ADAM + "; r1 = scale(w, 0.01); u = add(u, r1)",
    "lion": "r1 = interp(m1, g, 0.9); u = sign(r1); m1 = interp(m1, g, 0.99)",
}
KNOWN_LABELS = {"sgd": "SGD", "momentum": "SGD with momentum 0.9", "nesterov": "Nesterov 0.9",
                "adam": "Adam (0.9, 0.999)", "adamw": "AdamW (0.9, 0.999, decay 0.01)",
                "lion": "Lion (0.9, 0.99; Chen et al. 2023)"}
DEFAULT_RATES = {"sgd": 0.1, "momentum": 0.01, "nesterov": 0.01, "adam": 1e-3,
                 "adamw": 1e-3, "lion": 1e-4}


def known(name: str, rate: float | None = None) -> np.ndarray:
    r = float(DEFAULT_RATES[name] if rate is None else rate)
    return parse(f"lr = {r!r}; " + KNOWN_TEXTS[name])


KNOWN_RULES = {name: (lambda rate=None, name=name: known(name, rate)) for name in KNOWN_TEXTS}
REFERENCE_RULE = "adam"


def same_program(row, other) -> bool:
    """The same canonical program, whatever the rates."""
    a, b = canonical(row), canonical(other)
    return bool(np.array_equal(a[1:], b[1:]))


# -- what kind of update a program is -------------------------------------------------------
def anatomy(row) -> dict:
    """What the live program does, read from its data flow (one step, then the state it
    leaves): which state slots are accumulators (kept values fed by g and by themselves,
    directly or through other slots), whether the step u reads one and past gradients turn
    it (momentum; `memory`), and how u is bounded: by a sign, by division by a square root
    (a second moment), or by a clip (reported, but not what momentum-based asks for), and
    whether the step's size is free of the gradient's (`size_spread`)."""
    flow = _flow(row)
    mem = memory(row)
    spread = size_spread(row)
    return {"accumulators": flow["accumulators"], "momentum": flow["reads_accumulator"]
            and mem >= MIN_MEMORY, "normalised": flow["normalised"], "memory": mem,
            "size_spread": spread, "scale_free": spread <= MAX_SIZE_SPREAD}


def _flow(row) -> dict:
    """anatomy's data-flow part: accumulators, whether u reads one, how u is bounded."""
    row = np.asarray(row, dtype=np.float64)
    deps = {i: set() for i in range(len(REGISTERS))}
    deps[0], deps[1] = {"g"}, {"w"}
    for k in STATE:
        deps[k] = {f"prev_{REGISTERS[k]}"}
    signed = {i: False for i in range(len(REGISTERS))}
    clipped = {i: False for i in range(len(REGISTERS))}
    rooted = {i: False for i in range(len(REGISTERS))}
    divided = {i: False for i in range(len(REGISTERS))}
    for s in live_slots(row):
        op, dst, a, b, _ = _fields(row, s)
        reads = _reads(op, a, b)
        d = set().union(*(deps[x] for x in reads)) if reads else set()
        signed[dst] = op == "sign" or any(signed[x] for x in reads)
        clipped[dst] = op == "clip" or any(clipped[x] for x in reads)
        rooted[dst] = op == "sqrt" or (op in ("shift", "scale", "debias", "abs")
                                       and rooted[a])
        divided[dst] = (op == "div" and rooted[b]) or any(divided[x] for x in reads
                                                          if not (op == "div" and x == b))
        deps[dst] = d
    # Across steps: which state slots each slot's next value reads (through other slots
    # too, as in m3 <- f(m1), m1 <- f(m3)), and which of them carry gradients.
    names = [REGISTERS[k] for k in STATE]
    reach = {m: {x[5:] for x in deps[REGISTERS.index(m)] if x.startswith("prev_")}
             for m in names}
    fed = {m for m in names if "g" in deps[REGISTERS.index(m)]}
    changed = True
    while changed:
        changed = False
        for m in names:
            wider = reach[m].union(*(reach[x] for x in reach[m]))
            if m not in fed and any(x in fed for x in reach[m]):
                fed.add(m)
                changed = True
            if wider != reach[m]:
                reach[m], changed = wider, True
    accumulators = [m for m in names if m in reach[m] and m in fed]
    norm = ("sign" if signed[U] else "second moment" if divided[U] else
            "clip" if clipped[U] else None)
    # a data path from an accumulator is momentum only if past gradients move the step
    # (anatomy's `memory`)
    return {"accumulators": accumulators, "normalised": norm,
            "reads_accumulator": any(f"prev_{m}" in deps[U] for m in accumulators)}


def steps(row, G, w) -> np.ndarray:
    """The step u a program takes at each of T steps, for gradients G (T, N) at weights w
    (N,): (T, N). The kernel's ops (kernels/mlp_train.py, PROGRAM rows) in NumPy."""
    row = canonical(row)
    G = np.asarray(G, dtype=np.float64)
    regs = np.zeros((len(REGISTERS), G.shape[1]))
    regs[1] = w
    out = np.empty_like(G)
    with np.errstate(all="ignore"):
        for t in range(1, G.shape[0] + 1):
            regs[5:] = 0.0
            regs[0] = G[t - 1]
            for s in live_slots(row):
                op, dst, a, b, c = _fields(row, s)
                x, y = regs[a], regs[b]
                regs[dst] = _OPS[op](x, y, c, t)
            out[t - 1] = regs[U]
    return out


_OPS = {"add": lambda x, y, c, t: x + y, "sub": lambda x, y, c, t: x - y,
        "mul": lambda x, y, c, t: x * y,
        "div": lambda x, y, c, t: np.where(y != 0, x / np.where(y != 0, y, 1.0), 0.0),
        "sign": lambda x, y, c, t: np.sign(x), "sqrt": lambda x, y, c, t: np.sqrt(np.abs(x)),
        "abs": lambda x, y, c, t: np.abs(x), "square": lambda x, y, c, t: x * x,
        "interp": lambda x, y, c, t: c * x + (1 - c) * y, "scale": lambda x, y, c, t: c * x,
        "shift": lambda x, y, c, t: x + c, "clip": lambda x, y, c, t: np.clip(x, -c, c),
        "debias": lambda x, y, c, t: x / (1 - c ** t),
        "const": lambda x, y, c, t: np.full_like(x, c)}

MEMORY_STEPS, MEMORY_PARAMS = 32, 4096
MEMORY_SCALES = (1e-3, 1e-2, 1e-1, 1.0)
MIN_MEMORY = 0.1


def memory(row, seed: int = 0) -> float:
    """How often past gradients turn the step: the last step u of MEMORY_STEPS steps of
    independent normal gradients, against u' after the same last gradient but other earlier
    ones; the fraction of parameters where u and u' differ in sign, the most at any of
    MEMORY_SCALES (a program with constants, such as a clip, acts differently on gradients
    of different sizes). 0 for a step that reads only this step's gradient, or whose
    accumulator forgets at once (interp(m, g, 0)), or whose past only scales the step
    (RMSprop's second moment); about 0.4 for Adam. Below MIN_MEMORY a data path from an
    accumulator is not called momentum."""
    rng = np.random.default_rng(seed)
    G = rng.standard_normal((MEMORY_STEPS, MEMORY_PARAMS))
    other = rng.standard_normal(G.shape)
    other[-1] = G[-1]
    w = rng.standard_normal(MEMORY_PARAMS)
    most = 0.0
    for scale in MEMORY_SCALES:
        u, v = steps(row, scale * G, w)[-1], steps(row, scale * other, w)[-1]
        ok = np.isfinite(u) & np.isfinite(v)
        most = max(most, float(np.mean((np.sign(u) != np.sign(v)) & ok)))
    return most


SIZE_SCALES = (1e-4, 1e-3, 1e-2, 1e-1, 1.0)
MAX_SIZE_SPREAD = 3.0


def size_spread(row, seed: int = 0) -> float:
    """How far the step's size follows the gradient's: the mean |u| of the last of
    MEMORY_STEPS steps of normal gradients, the largest over the smallest at the gradient
    sizes SIZE_SCALES (four decades). 1 for a sign or Adam's division by a second moment;
    10^4 for SGD or momentum; about 90 for a sum of gradients clipped to 0.04; inf for a step
    that is 0 at some size. At most MAX_SIZE_SPREAD the step is called scale-free: one
    learning rate serves losses of any size."""
    rng = np.random.default_rng(seed)
    G = rng.standard_normal((MEMORY_STEPS, MEMORY_PARAMS))
    w = rng.standard_normal(MEMORY_PARAMS)
    sizes = []
    for scale in SIZE_SCALES:
        u = steps(row, scale * G, w)[-1]
        sizes.append(float(np.mean(np.abs(u))) if np.all(np.isfinite(u)) else np.inf)
    low, high = min(sizes), max(sizes)
    if not np.isfinite(high) or low == 0.0:
        return np.inf
    return high / low


def describe(row) -> str:
    a = anatomy(row)
    if not a["momentum"]:
        kind = "no momentum"
    elif a["normalised"] in ("sign", "second moment") and not a["scale_free"]:
        kind = f"momentum, {a['normalised']} in part (its size follows the gradient's)"
    else:
        kind = "momentum" + (f", {a['normalised']}-normalised" if a["normalised"] else "")
    same = [n for n in KNOWN_TEXTS if same_program(row, known(n))]
    return kind + (f" (= {KNOWN_LABELS[same[0]]})" if same else "")


def is_reference_rule(row) -> bool:
    return same_program(row, known(REFERENCE_RULE))


def is_momentum_based(row) -> bool:
    """A momentum accumulator feeds the step, and the step is sign- or second-moment-
    normalised, so scale-free (what a search from random programs is asked to find). The
    data flow is read first: the measured parts of `anatomy` run only when it passes."""
    flow = _flow(row)
    return (flow["reads_accumulator"] and flow["normalised"] in ("sign", "second moment")
            and memory(row) >= MIN_MEMORY and size_spread(row) <= MAX_SIZE_SPREAD)


def details(row, settings=None) -> dict:
    return {"program": text_of(row), "update": describe(row), **anatomy(row)}


def encode(row) -> np.ndarray:
    """A row -> a genome that decodes to it."""
    return np.array([g.encode(v) for g, v in zip(GENES, np.asarray(row, dtype=np.float64))])


FORM = ParametricForm(
    coef_names=COEF_NAMES, term_names=COEF_NAMES, coef_label="program field",
    decode_real=decode_real, effective=lambda rows: np.asarray(rows, dtype=np.float64),
    formula=text_of, known_rules=KNOWN_RULES, known_labels=KNOWN_LABELS,
    reference_rule=REFERENCE_RULE, is_reference_rule=is_reference_rule,
    details_with=details, is_reference_like=is_momentum_based)

FAMILY = TypedRuleFamily(
    "update_program", ProgramRowSettings, FORM, kind="optimizer_program",
    summary="an optimizer program: a per-parameter update of up to 10 instructions over g, w, "
            "three state slots and temporaries (the program search that found Lion)",
    genes=GENES, insert=insert_instruction)
