"""The mutations of AutoML-Zero's search (Real, Liang, So & Le 2020): a child is its parent
with one instruction inserted or removed, one component function randomised, or one
argument modified (and the demo's randomize_instruction). rnd is an object with
random.Random's methods. The search breeds in compiled code (kernels/program_breeding.py),
which makes the same draws and the same children; this is its reference
(tests/test_program_breeding.py) and the mutation for Python callers."""
from __future__ import annotations

import math

from ..rules.programs.program import Program
from ..rules.programs.settings import MUTATION_KINDS
from ..rules.programs.space import below, out_address, random_const, random_instruction, space

MUTATIONS = MUTATION_KINDS[:3]          # the paper's (the default)


def mutate(rnd, program: Program, s) -> Program:
    """One of the paper's mutations, chosen uniformly: insert or remove a random instruction
    at a random place in a random component (of those searched; each half the time, as the
    sizes allow); randomise every instruction of a random component; modify one argument (an
    input, the output or an immediate) of a random instruction. An immediate is drawn afresh
    or, half the time, scaled by exp(N(0, const_step)) (ours: it tunes rates finely)."""
    sp = space(s)
    draw = below(rnd)
    bodies = [program.setup, program.predict, program.learn]
    kind = sp.mutations[draw(len(sp.mutations))]
    searched = sp.searched
    c = searched[draw(len(searched))]
    body = list(bodies[c])
    if kind == "modify_argument" and not body:
        kind = "insert_remove"
    if kind == "insert_remove":
        can_insert = len(body) < sp.max_sizes[c]
        can_remove = len(body) > sp.min_sizes[c]
        if can_insert and (not can_remove or rnd.random() < 0.5):
            body.insert(draw(len(body) + 1), random_instruction(rnd, sp, c))
        elif can_remove:
            del body[draw(len(body))]
    elif kind == "randomize_component":
        body = [random_instruction(rnd, sp, c) for _ in range(len(body))]
    elif kind == "randomize_instruction":
        if body:
            body[draw(len(body))] = random_instruction(rnd, sp, c)
    else:
        j = draw(len(body))
        op, a, b, o, c0, c1 = body[j]
        name, out, in_sizes, n_f = sp.op[op]
        slots = _SLOTS[len(in_sizes)][n_f]
        slot = slots[draw(len(slots))]
        if slot == "out":
            o = out_address(rnd, sp, out)
        elif slot == "in0":
            a = draw(in_sizes[0])
        elif slot == "in1":
            b = draw(in_sizes[1])
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
                value = random_const(rnd, sp, name)
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

