"""AutoML-Zero programs (Real, Liang, So & Le 2020): Setup / Predict / Learn as a rule.

A program is three component functions, each a list of instructions over a memory of
scalars s0.., vectors v0.. (dimension F) and matrices m0.. (F x F); the op set is
kernels/programs.OPS. Fixed addresses: s0 the label (written before Learn), s1 the
prediction (read after Predict), v0 the features (written before Predict).

Text form (what the archive stores, parsed with a whitelist of op names, never eval'd):

    setup:
      s2 = const(0.01)
    predict:
      s1 = dot(v1, v0)
    learn:
      s3 = sub(s0, s1)
      s3 = mul(s2, s3)
      v0 = mul(s3, v0)
      v1 = add(v1, v0)

An instruction is a tuple (op, in1, in2, out, c0, c1); unused fields are 0. Floats are
written with repr, so text -> program -> text is exact.
"""
from __future__ import annotations

import itertools
import math
import re
from dataclasses import dataclass

import numpy as np

from ..components import GenomeSpec, Settings, need, setting
from ..kernels.programs import OPS, RANDOM_OPS

COMPONENTS = ("setup", "predict", "learn")
OP_KEYS = tuple(f"{out}={name}({args})" for name, out, args in OPS)
_BY_SIGNATURE = {(name, out, args): code for code, (name, out, args) in enumerate(OPS)}
_LINE = re.compile(r"^([svm])(\d+) = ([a-z_]+)\((.*)\)$")
_ADDR = re.compile(r"^([svm])(\d+)$")
MAX_INSTRUCTIONS = 1000       # per component, a cap for text from users
MUTATION_KINDS = ("insert_remove", "randomize_component", "modify_argument",
                  "randomize_instruction")

# The op set of the linear-regression demo (scalar and vector arithmetic; constants and
# initialisers in Setup), a subset of the paper's: its search space holds SGD.
LINEAR_SETUP_OPS = ["s=const(f)", "s=uniform(ff)", "s=gaussian(ff)", "v=uniform(ff)",
                    "v=gaussian(ff)"]
LINEAR_OPS = ["s=add(ss)", "s=sub(ss)", "s=mul(ss)", "s=div(ss)", "s=abs(s)", "s=exp(s)",
              "s=log(s)", "s=heaviside(s)", "v=mul(sv)", "v=add(vv)", "v=sub(vv)",
              "v=mul(vv)", "s=dot(vv)", "s=norm(v)", "s=mean(v)", "v=broadcast(s)"]


@dataclass
class ProgramSettings(Settings):
    n_scalar: int = setting(4, "scalar addresses (s0 label, s1 prediction)", low=2, high=64)
    n_vector: int = setting(3, "vector addresses (v0 features)", low=1, high=64)
    n_matrix: int = setting(0, "matrix addresses", low=0, high=64)
    setup_ops: list[str] = setting(list(LINEAR_SETUP_OPS), "ops Setup draws from (as "
                                   "`evo-l2l components` lists them, e.g. s=const(f))")
    predict_ops: list[str] = setting(list(LINEAR_OPS), "ops Predict draws from")
    learn_ops: list[str] = setting(list(LINEAR_OPS), "ops Learn draws from")
    init_sizes: list[int] = setting([2, 2, 4], "instructions of Setup, Predict, Learn in a "
                                    "random program (initial population, random search)")
    max_sizes: list[int] = setting([8, 8, 12], "most instructions of Setup, Predict, Learn")
    min_sizes: list[int] = setting([0, 1, 0], "fewest instructions of Setup, Predict, Learn")
    const_scale: float = setting(1.0, "random immediates: constants ~ N(0, scale); "
                                 "initialisers' ranges and deviations from the same",
                                 low=0, low_open=True)
    evolve: list[str] = setting(["setup", "predict", "learn"], "the component functions "
                                "searched; the others are `fixed`'s (the paper's 'learning "
                                "only' experiments search Learn alone)",
                                choices=COMPONENTS)
    fixed: str = setting("", "a program text whose components not in `evolve` every program "
                         "shares (needed when evolve leaves one out)")
    const_step: float = setting(0.2, "modifying an immediate: half the time a fresh draw, "
                                "half the time the old value times exp(N(0, const_step)) "
                                "(ours; it tunes rates finely)", low=0)
    fec_cache_size: int = setting(100_000, "functional-equivalence cache: fingerprints kept "
                                  "(LRU); 0 (or run.fitness_cache false): off", low=0)
    fec_train: int = setting(10, "fingerprint: predictions on this many training examples",
                             low=1)
    fec_valid: int = setting(10, "fingerprint: and on this many validation examples", low=0)
    fec_verify: bool = setting(False, "also evaluate every FEC hit in full and count the "
                               "hits whose full fitness differs from the cached one "
                               "(collisions); the cached value is still used, so the search "
                               "is the FEC run's (its cost: the run without FEC, on the same "
                               "path)")
    mutations: list[str] = setting(list(MUTATION_KINDS[:3]), "the mutations a child draws from "
                                   "(uniformly): insert_remove, randomize_component, "
                                   "modify_argument (the paper's); randomize_instruction (the "
                                   "demo's run_demo.sh, with fixed sizes: no insert_remove)",
                                   choices=MUTATION_KINDS)
    const_init: str = setting("gaussian", "a constant's draw: gaussian N(0, const_scale); "
                              "uniform U(-const_scale, const_scale) (the paper's code)",
                              choices=("gaussian", "uniform"))
    const_mutation: str = setting("redraw_or_scale", "modifying an immediate: redraw_or_scale "
                                  "(ours, const_step); flip_or_log_scale: the sign flipped with "
                                  "probability 0.1, else times exp(N(0, 1)) (the paper's code)",
                                  choices=("redraw_or_scale", "flip_or_log_scale"))
    write_inputs: bool = setting(True, "instructions may write s0 (the label) and v0 (the "
                                 "features); false: outputs are s1.. and v1.. (the paper's code: "
                                 "kFirstOutScalarAddress = kFirstOutVectorAddress = 1)")
    experiment_size: int = setting(0, "restarts (the demo's --max_experiments=0): children per "
                                   "experiment; after each, the search starts again from "
                                   "random programs on fresh search tasks (FEC keys of their "
                                   "own), the selection and unseen tasks stay; the run's "
                                   "budget counts every experiment's children. 0: one "
                                   "experiment", low=0)
    sufficient_fitness: float = setting(0.0, "end the run (complete) at the first archived "
                                        "generation where the run's program's selection "
                                        "fitness (without selection tasks: its search "
                                        "fitness) exceeds this (the demo: 0.9999); 0: never",
                                        low=0, high=1)
    select_top: int = setting(10, "selection stage (the tasks' n_select selection tasks): at "
                              "each archived generation the population's this many best "
                              "programs by search fitness (distinct after dead-code removal) "
                              "are scored on the selection tasks, and the run's best program "
                              "is the best there so far (the paper's code: 1, the final "
                              "population's best); 0: the best by search fitness", low=0)

    def check(self) -> None:
        for comp in COMPONENTS:
            ops = getattr(self, f"{comp}_ops")
            need(len(ops) > 0, f"{comp}_ops must name at least one op")
            bad = [o for o in ops if o not in OP_KEYS]
            need(not bad, f"{comp}_ops: unknown op(s) {', '.join(bad)}; ops: {', '.join(OP_KEYS)}")
            if self.n_matrix == 0:
                mat = [o for o in ops if "m" in OPS[OP_KEYS.index(o)][1] + OPS[OP_KEYS.index(o)][2]]
                need(not mat, f"{comp}_ops use matrices ({', '.join(mat)}) but n_matrix is 0")
        for name in ("init_sizes", "max_sizes", "min_sizes"):
            v = getattr(self, name)
            need(len(v) == 3 and all(0 <= x <= MAX_INSTRUCTIONS for x in v),
                 f"{name} must be 3 numbers (Setup, Predict, Learn) in 0..{MAX_INSTRUCTIONS}")
        need(all(lo <= i <= hi for lo, i, hi in zip(self.min_sizes, self.init_sizes,
                                                    self.max_sizes)),
             "need min_sizes <= init_sizes <= max_sizes in each component")
        need(self.max_sizes[1] >= 1, "Predict needs room for an instruction")
        need(len(self.mutations) > 0 and len(set(self.mutations)) == len(self.mutations),
             "mutations must name distinct mutations")
        if not self.write_inputs:
            need(self.n_scalar >= 2 and self.n_vector >= 2, "write_inputs false needs an "
                 "address to write besides s0 and v0: n_scalar and n_vector at least 2")
        need(len(self.evolve) > 0 and len(set(self.evolve)) == len(self.evolve),
             "evolve must name distinct components")
        if len(self.evolve) < 3:
            need(bool(self.fixed.strip()), "evolve leaves out a component: give `fixed`, a "
                 "program text whose other components every program shares")
            try:
                parse_program(self.fixed, (self.n_scalar, self.n_vector, self.n_matrix))
            except ValueError as exc:
                need(False, f"fixed: {exc}")

    def searched(self) -> list[int]:
        return [c for c, name in enumerate(COMPONENTS) if name in self.evolve]

    def fixed_program(self) -> "Program | None":
        if len(self.evolve) == 3:
            return None
        return program_of(self.fixed, (self.n_scalar, self.n_vector, self.n_matrix))

    def genome_kind(self) -> str:
        return "program"

    def op_codes(self, component: int) -> list[int]:
        return [OP_KEYS.index(o) for o in getattr(self, f"{COMPONENTS[component]}_ops")]


Instruction = tuple            # (op, in1, in2, out, c0, c1)


@dataclass(frozen=True)
class Program:
    setup: tuple
    predict: tuple
    learn: tuple

    def components(self) -> tuple:
        return (self.setup, self.predict, self.learn)

    def size(self) -> int:
        return len(self.setup) + len(self.predict) + len(self.learn)


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


def to_text(program: Program) -> str:
    lines = []
    for comp, body in zip(COMPONENTS, program.components()):
        lines.append(f"{comp}:")
        lines.extend(f"  {instruction_text(ins)}" for ins in body)
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


_LIVE: dict = {}


def live_program_of(text: str, sizes: tuple[int, int, int]) -> Program:
    """prune(program_of(text)) through a cache: what the interpreter runs (the pruned
    program predicts bit for bit as the original, so it scores the same)."""
    key = (sizes, text)
    p = _LIVE.get(key)
    if p is None:
        p = prune(program_of(text, sizes))
        if len(_LIVE) >= _KNOWN_MAX:
            _LIVE.clear()
        _LIVE[key] = p
    return p


def pack(programs: list[Program]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Programs -> (code (I, 4) int64, imm (I, 2) float64, bounds (P, 4) int64) for the kernel.
    (Through one float64 array: op codes and addresses are small integers, exact there.)"""
    rows = [ins for p in programs for body in (p.setup, p.predict, p.learn) for ins in body]
    if rows:
        flat = np.fromiter(itertools.chain.from_iterable(rows), dtype=np.float64,
                           count=6 * len(rows)).reshape(len(rows), 6)
        code = flat[:, :4].astype(np.int64)
        imm = np.ascontiguousarray(flat[:, 4:])
    else:
        code, imm = np.zeros((0, 4), dtype=np.int64), np.zeros((0, 2))
    bounds = np.zeros((len(programs), 4), dtype=np.int64)
    if programs:
        lens = [len(body) for p in programs for body in (p.setup, p.predict, p.learn)]
        ends = np.cumsum(lens).reshape(len(programs), 3)
        bounds[:, 1:] = ends
        bounds[1:, 0] = ends[:-1, 2]
    return code, imm, bounds


def pack_slow(programs: list[Program]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """pack, written out plainly (the reference its tests compare with)."""
    rows = [ins for p in programs for body in p.components() for ins in body]
    code = np.array([r[:4] for r in rows], dtype=np.int64).reshape(len(rows), 4)
    imm = np.array([r[4:] for r in rows], dtype=np.float64).reshape(len(rows), 2)
    bounds = np.zeros((len(programs), 4), dtype=np.int64)
    at = 0
    for i, p in enumerate(programs):
        bounds[i, 0] = at
        for c, body in enumerate(p.components()):
            at += len(body)
            bounds[i, c + 1] = at
    return code, imm, bounds


# -- random programs and mutations (rnd: an object with random.Random's methods) ----------

def _sizes(s: ProgramSettings) -> dict:
    return {"s": s.n_scalar, "v": s.n_vector, "m": s.n_matrix}


class Space:
    """A ProgramSettings prepared for breeding (op codes per component, address counts,
    the searched components, the fixed program), so that drawing an instruction or a
    mutation does not recompute them. random_instruction, random_program and mutate take
    either; given the same rnd they make the same draws and the same programs."""

    def __init__(self, s: ProgramSettings):
        self.s = s
        self.codes = [s.op_codes(c) for c in range(3)]
        self.n = _sizes(s)
        self.searched = s.searched()
        self.fixed = s.fixed_program()
        self.max_sizes, self.min_sizes, self.init_sizes = (
            list(s.max_sizes), list(s.min_sizes), list(s.init_sizes))
        self.const_scale, self.const_step = s.const_scale, s.const_step
        self.mutations = list(s.mutations)
        self.uniform_const = s.const_init == "uniform"
        self.flip_or_log = s.const_mutation == "flip_or_log_scale"
        # outputs: addresses first_out[kind]..n[kind]-1
        self.first_out = {"s": 0, "v": 0, "m": 0} if s.write_inputs else {"s": 1, "v": 1, "m": 0}
        # per op: name, output kind, address counts of its inputs, number of immediates
        self.op = [(name, out, [self.n[k] for k in args if k != "f"], args.count("f"))
                   for name, out, args in OPS]


def space(s) -> Space:
    return s if isinstance(s, Space) else Space(s)


def random_instruction(rnd, s, component: int) -> Instruction:
    sp = space(s)
    op = rnd.choice(sp.codes[component])
    name, out, in_sizes, n_f = sp.op[op]
    addrs = [rnd.randrange(k) for k in in_sizes]
    consts = [_random_const(rnd, sp, name) for _ in range(n_f)]
    if name == "uniform" and consts[0] > consts[1]:
        consts = [consts[1], consts[0]]
    if name == "gaussian":
        consts[1] = abs(consts[1])
    addrs += [0] * (2 - len(addrs))
    consts += [0.0] * (2 - len(consts))
    return (op, addrs[0], addrs[1], _out_address(rnd, sp, out), consts[0], consts[1])


def _out_address(rnd, sp: Space, kind: str) -> int:
    first = sp.first_out[kind]
    return rnd.randrange(sp.n[kind]) if first == 0 else first + rnd.randrange(sp.n[kind] - first)


def _random_const(rnd, s, name: str) -> float:
    if getattr(s, "uniform_const", False):
        return rnd.uniform(-s.const_scale, s.const_scale)
    return rnd.gauss(0.0, s.const_scale)


def random_program(rnd, s) -> Program:
    """Random components (init_sizes instructions each); those not in s.evolve: s.fixed's."""
    sp = space(s)
    return Program(*(tuple(random_instruction(rnd, sp, c) for _ in range(sp.init_sizes[c]))
                     if c in sp.searched else sp.fixed.components()[c] for c in range(3)))


MUTATIONS = MUTATION_KINDS[:3]          # the paper's (the default)


def mutate(rnd, program: Program, s) -> Program:
    """One of the paper's mutations, chosen uniformly: insert or remove a random instruction
    at a random place in a random component (of those searched; each half the time, as the
    sizes allow); randomise every instruction of a random component; modify one argument (an
    input, the output or an immediate) of a random instruction. An immediate is drawn afresh
    or, half the time, scaled by exp(N(0, const_step)) (ours: it tunes rates finely)."""
    sp = space(s)
    bodies = [program.setup, program.predict, program.learn]
    kind = rnd.choice(sp.mutations)
    searched = sp.searched
    c = searched[rnd.randrange(len(searched))]
    body = list(bodies[c])
    if kind == "modify_argument" and not body:
        kind = "insert_remove"
    if kind == "insert_remove":
        can_insert = len(body) < sp.max_sizes[c]
        can_remove = len(body) > sp.min_sizes[c]
        if can_insert and (not can_remove or rnd.random() < 0.5):
            body.insert(rnd.randrange(len(body) + 1), random_instruction(rnd, sp, c))
        elif can_remove:
            del body[rnd.randrange(len(body))]
    elif kind == "randomize_component":
        body = [random_instruction(rnd, sp, c) for _ in range(len(body))]
    elif kind == "randomize_instruction":
        if body:
            body[rnd.randrange(len(body))] = random_instruction(rnd, sp, c)
    else:
        j = rnd.randrange(len(body))
        op, a, b, o, c0, c1 = body[j]
        name, out, in_sizes, n_f = sp.op[op]
        slot = rnd.choice(_SLOTS[len(in_sizes)][n_f])
        if slot == "out":
            o = _out_address(rnd, sp, out)
        elif slot == "in0":
            a = rnd.randrange(in_sizes[0])
        elif slot == "in1":
            b = rnd.randrange(in_sizes[1])
        else:
            old = c0 if slot == "c0" else c1
            if sp.flip_or_log:              # the paper's code (MutateActivationLogScaleOrFlip)
                if rnd.random() < 0.1:
                    value = -old
                elif old > 0:
                    value = math.exp(math.log(old) + rnd.gauss(0.0, 1.0))
                elif old < 0:
                    value = -math.exp(math.log(-old) + rnd.gauss(0.0, 1.0))
                else:
                    value = old * math.exp(rnd.gauss(0.0, 1.0))
            elif rnd.random() < 0.5:        # a fresh draw
                value = _random_const(rnd, sp, name)
            else:                           # or the old value, scaled by up to about 1.5x
                value = old * math.exp(rnd.gauss(0.0, sp.const_step))
            if slot == "c0":
                c0 = value
            else:
                c1 = abs(value) if name == "gaussian" else value
            if name == "uniform" and c0 > c1:
                c0, c1 = c1, c0
        body[j] = (op, a, b, o, c0, c1)
    bodies[c] = tuple(body)
    return Program(*bodies)


# The argument slots modify_argument draws from, by (inputs, immediates): the output, the
# inputs, the immediates, in that order.
_SLOTS = [[["out"] + [f"in{i}" for i in range(n_in)] + [f"c{i}" for i in range(n_f)]
           for n_f in range(3)] for n_in in range(3)]


# -- fixed-size number arrays (the optimizer's state) ------------------------------------

def fixed_width(s: ProgramSettings) -> int:
    return 3 + 6 * sum(s.max_sizes)


def encode_fixed(program: Program, s: ProgramSettings) -> np.ndarray:
    """(fixed_width,) float64: the three sizes, then each instruction's six numbers (exact:
    op codes and addresses are small integers, immediates float64)."""
    out = np.zeros(fixed_width(s))
    out[:3] = [len(b) for b in program.components()]
    rows = [ins for b in program.components() for ins in b]
    if rows:
        out[3:3 + 6 * len(rows)] = np.array(rows, dtype=np.float64).ravel()
    return out


def decode_fixed(row: np.ndarray, s: ProgramSettings) -> Program:
    n = [int(x) for x in row[:3]]
    flat = np.asarray(row[3:3 + 6 * sum(n)]).reshape(-1, 6)
    rows = [(int(r[0]), int(r[1]), int(r[2]), int(r[3]), float(r[4]), float(r[5]))
            for r in flat]
    return Program(tuple(rows[:n[0]]), tuple(rows[n[0]:n[0] + n[1]]), tuple(rows[n[0] + n[1]:]))


# -- liveness -----------------------------------------------------------------------------

def _reads(ins: Instruction) -> list[tuple[str, int]]:
    op, a, b = ins[0], ins[1], ins[2]
    args = OPS[op][2].replace("f", "")
    return [(k, i) for k, i in zip(args, (a, b))]


def _writes(ins: Instruction) -> tuple[str, int]:
    return (OPS[ins[0]][1], ins[3])


def _live_in(body, live_out: set) -> tuple[set, list[bool]]:
    live = set(live_out)
    keep = [False] * len(body)
    for j in range(len(body) - 1, -1, -1):
        w = _writes(body[j])
        if w in live:
            keep[j] = True
            live.discard(w)
            live.update(_reads(body[j]))
    return live, keep


def prune(program: Program) -> Program:
    """The program with dead instructions removed: those whose result never reaches the
    prediction s1. Liveness runs backwards from s1 after Predict through the loop
    Setup; (Predict; Learn)*; Predict*, with v0 written before each Predict and s0 before
    each Learn. Initialisers share one RNG stream, so when any is live all are kept (removing
    one would shift the draws of the others). The pruned program predicts exactly as the
    original (tests/test_programs.py)."""
    label, feats, pred = ("s", 0), ("v", 0), ("s", 1)
    pred_in: set = set()
    learn_in: set = set()
    while True:
        after_learn = pred_in - {feats}
        learn_live, _ = _live_in(program.learn, after_learn)
        learn_need = learn_live - {label}
        after_pred = {pred} | learn_need | (pred_in - {feats})
        pred_live, _ = _live_in(program.predict, after_pred)
        if pred_live == pred_in and learn_live == learn_in:
            break
        pred_in, learn_in = pred_live, learn_live
    _, keep_l = _live_in(program.learn, pred_in - {feats})
    _, keep_p = _live_in(program.predict, {pred} | (learn_in - {label}) | (pred_in - {feats}))
    _, keep_s = _live_in(program.setup, pred_in - {feats})
    bodies = [program.setup, program.predict, program.learn]
    keeps = [keep_s, keep_p, keep_l]
    if any(k and ins[0] in RANDOM_OPS for body, ks in zip(bodies, keeps)
           for ins, k in zip(body, ks)):
        keeps = [[k or ins[0] in RANDOM_OPS for ins, k in zip(body, ks)]
                 for body, ks in zip(bodies, keeps)]
    return Program(*(tuple(ins for ins, k in zip(body, ks) if k)
                     for body, ks in zip(bodies, keeps)))


# -- the rule family ----------------------------------------------------------------------

KNOWN_PROGRAMS = {
    "sgd": lambda rate=0.1: (
        "setup:\n"
        f"  s2 = const({float(rate)!r})\n"
        "predict:\n"
        "  s1 = dot(v1, v0)\n"
        "learn:\n"
        "  s3 = sub(s0, s1)\n"
        "  s3 = mul(s2, s3)\n"
        "  v0 = mul(s3, v0)\n"
        "  v1 = add(v1, v0)"),
}
KNOWN_LABELS = {"sgd": "SGD on a linear model (w = 0 at the start)"}
REFERENCE_RULE = "sgd"


class ProgramFamily:
    """The rule family `automl_zero` (kind 'program'): genomes are program texts."""

    name = "automl_zero"
    kind = "program"
    summary = "AutoML-Zero programs: Setup/Predict/Learn over scalar/vector/matrix memory"
    settings = ProgramSettings
    module = None

    def check(self, s: ProgramSettings) -> None:
        """Field checks are in ProgramSettings.check."""

    def genome(self, s: ProgramSettings) -> GenomeSpec:
        return GenomeSpec("program", 0, pset=s,
                          parse=lambda text: parse_program(text, (s.n_scalar, s.n_vector,
                                                                  s.n_matrix)))


FAMILY = ProgramFamily()
