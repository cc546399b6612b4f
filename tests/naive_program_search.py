"""The AutoML-Zero search written out slowly: programs as text between every step, bred
plainly (not as tuples over a prepared Space), one program at a time through the kernels,
and the FEC cache as a plain list. tests/test_automl_zero.py checks that the search's fast path gives exactly this."""
import math
import random

import numpy as np

from evo_l2l.kernels.programs import OPS
from evo_l2l.learners import programs as lp
from evo_l2l.rules import programs as pg
from evo_l2l.rules.programs import Program, _sizes

def random_instruction(rnd, s, component: int) -> tuple:
    op = rnd.choice(s.op_codes(component))
    name, out, args = OPS[op]
    n = _sizes(s)
    addrs = [rnd.randrange(n[k]) for k in args if k != "f"]
    consts = [_random_const(rnd, s, name) for k in args if k == "f"]
    if name == "uniform" and consts[0] > consts[1]:
        consts = [consts[1], consts[0]]
    if name == "gaussian":
        consts[1] = abs(consts[1])
    addrs += [0] * (2 - len(addrs))
    consts += [0.0] * (2 - len(consts))
    return (op, addrs[0], addrs[1], rnd.randrange(n[out]), consts[0], consts[1])


def _random_const(rnd, s, name: str) -> float:
    return rnd.gauss(0.0, s.const_scale)


def random_program(rnd, s) -> Program:
    """Random components (init_sizes instructions each); those not in s.evolve: s.fixed's."""
    fixed = s.fixed_program()
    searched = s.searched()
    return Program(*(tuple(random_instruction(rnd, s, c) for _ in range(s.init_sizes[c]))
                     if c in searched else fixed.components()[c] for c in range(3)))


MUTATIONS = ("insert_remove", "randomize_component", "modify_argument")


def mutate(rnd, program: Program, s) -> Program:
    """One of the paper's mutations, chosen uniformly: insert or remove a random instruction
    at a random place in a random component (of those searched; each half the time, as the
    sizes allow); randomise every instruction of a random component; modify one argument (an
    input, the output or an immediate) of a random instruction. An immediate is drawn afresh
    or, half the time, scaled by exp(N(0, const_step)) (ours: it tunes rates finely)."""
    bodies = [list(b) for b in program.components()]
    kind = rnd.choice(MUTATIONS)
    searched = s.searched()
    c = searched[rnd.randrange(len(searched))]
    body = bodies[c]
    if kind == "modify_argument" and not body:
        kind = "insert_remove"
    if kind == "insert_remove":
        can_insert = len(body) < s.max_sizes[c]
        can_remove = len(body) > s.min_sizes[c]
        if can_insert and (not can_remove or rnd.random() < 0.5):
            body.insert(rnd.randrange(len(body) + 1), random_instruction(rnd, s, c))
        elif can_remove:
            del body[rnd.randrange(len(body))]
    elif kind == "randomize_component":
        bodies[c] = [random_instruction(rnd, s, c) for _ in range(len(body))]
    else:
        j = rnd.randrange(len(body))
        op, a, b, o, c0, c1 = body[j]
        name, out, args = OPS[op]
        n = _sizes(s)
        slots = ["out"] + [f"in{i}" for i, k in enumerate(args.replace("f", ""))] \
            + [f"c{i}" for i, k in enumerate(args.replace("s", "").replace("v", "")
                                            .replace("m", ""))]
        slot = rnd.choice(slots)
        addr_kinds = args.replace("f", "")
        if slot == "out":
            o = rnd.randrange(n[out])
        elif slot == "in0":
            a = rnd.randrange(n[addr_kinds[0]])
        elif slot == "in1":
            b = rnd.randrange(n[addr_kinds[1]])
        else:
            old = c0 if slot == "c0" else c1
            if rnd.random() < 0.5:          # a fresh draw
                value = _random_const(rnd, s, name)
            else:                           # or the old value, scaled by up to about 1.5x
                value = old * math.exp(rnd.gauss(0.0, s.const_step))
            if slot == "c0":
                c0 = value
            else:
                c1 = abs(value) if name == "gaussian" else value
            if name == "uniform" and c0 > c1:
                c0, c1 = c1, c0
        body[j] = (op, a, b, o, c0, c1)
    return Program(*(tuple(b) for b in bodies))



def one_fitness(problem, text: str, view) -> float:
    """A program's fitness, evaluated alone from its text (slow packing)."""
    p = pg.parse_program(text, problem.sizes)
    return float(lp.scores(pg.pack_slow([p]), view, problem.sizes).mean(axis=1)[0])


def one_key(problem, text: str) -> int:
    from evo_l2l.evolution.program_problem import fingerprint_keys
    p = pg.parse_program(text, problem.sizes)
    preds, _ = lp.predictions(pg.pack_slow([p]), problem._fec_view, problem.sizes)
    return fingerprint_keys(preds[:, 0, :])[0]


def slow_search(problem, settings, population: int, children: int, batch: int,
                tournament: int, mutation_prob: float, strategy: str, seed: int):
    """(texts bred in order, their fitness): regularised evolution (or random search) with
    batches of `batch` children (cut at every `population` children, where the archive
    stores a generation) bred after the previous batch's fitness is in (in_flight 1),
    FEC as an LRU of fec_cache_size fingerprints walked one program at a time."""
    rnd = random.Random(seed)
    view = problem._views["train"]
    pop, bred, fits = [], [], []
    order, value = [], {}
    size = problem.s.fec_cache_size if problem.fec_on else 0
    born = 0
    while born < children:
        texts = []
        every = population           # batches end at the archived generations' boundaries
        boundary = population if born < population else \
            population + ((born - population) // every + 1) * every
        for i in range(min(batch, children - born, boundary - born)):
            if born + i < population or not pop or strategy == "random":
                texts.append(pg.to_text(random_program(rnd, settings)))
            else:
                best = None
                for _ in range(tournament):
                    m = pop[rnd.randrange(len(pop))]
                    if best is None or m[1] > best[1]:
                        best = m
                text = best[0]
                if rnd.random() < mutation_prob:
                    text = pg.to_text(mutate(rnd, pg.parse_program(text, problem.sizes),
                                             settings))
                texts.append(text)
        born += len(texts)
        for text in texts:
            if size:
                k = one_key(problem, text)
                if k in order:
                    order.remove(k)
                else:
                    value[k] = one_fitness(problem, text, view)
                order.append(k)
                if len(order) > size:
                    del value[order.pop(0)]
                f = value[k]
            else:
                f = one_fitness(problem, text, view)
            pop.append((text, f))
            bred.append(text)
            fits.append(f)
        del pop[:max(0, len(pop) - population)]
    return bred, fits
