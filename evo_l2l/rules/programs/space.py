"""The search space of programs: a ProgramSettings prepared for breeding, random
instructions and random programs (rnd: an object with random.Random's methods). The
mutations that breed children are the optimizer's (optimizers/program_mutations.py)."""
from __future__ import annotations

from ...kernels.programs import OPS
from .program import Instruction, Program
from .settings import ProgramSettings


def _sizes(s: ProgramSettings) -> dict:
    return {"s": s.n_scalar, "v": s.n_vector, "m": s.n_matrix}


class Space:
    """A ProgramSettings prepared for breeding (op codes per component, address counts,
    the searched components, the fixed program), so that drawing an instruction or a
    mutation does not recompute them. random_instruction, random_program and the mutations
    (optimizers/program_mutations.py) take either; given the same rnd they make the same
    draws and the same programs."""

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


def below(rnd):
    """rnd's own draw of an integer in [0, n), as randrange(n) and choice make it (the same
    stream), without their argument checks: breeding draws millions of them."""
    below = getattr(rnd, "_randbelow", None)
    return below if below is not None else rnd.randrange


def random_instruction(rnd, s, component: int) -> Instruction:
    sp = space(s)
    draw = below(rnd)
    codes = sp.codes[component]
    op = codes[draw(len(codes))]
    name, out, in_sizes, n_f = sp.op[op]
    addrs = [draw(k) for k in in_sizes]
    consts = [random_const(rnd, sp, name) for _ in range(n_f)]
    if name == "uniform" and consts[0] > consts[1]:
        consts = [consts[1], consts[0]]
    if name == "gaussian":
        consts[1] = abs(consts[1])
    addrs += [0] * (2 - len(addrs))
    consts += [0.0] * (2 - len(consts))
    return (op, addrs[0], addrs[1], out_address(rnd, sp, out), consts[0], consts[1])


def out_address(rnd, sp: Space, kind: str) -> int:
    first = sp.first_out[kind]
    return first + below(rnd)(sp.n[kind] - first)


def random_const(rnd, s, name: str) -> float:
    if getattr(s, "uniform_const", False):
        return rnd.uniform(-s.const_scale, s.const_scale)
    return rnd.gauss(0.0, s.const_scale)


def random_program(rnd, s) -> Program:
    """Random components (init_sizes instructions each); those not in s.evolve: s.fixed's."""
    sp = space(s)
    return Program(*(tuple(random_instruction(rnd, sp, c) for _ in range(sp.init_sizes[c]))
                     if c in sp.searched else sp.fixed.components()[c] for c in range(3)))

