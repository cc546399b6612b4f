"""AutoML-Zero's compiled breeding (kernels/program_breeding.py) against the Python breeding
it replaces (rules/programs/space.py, optimizers/program_mutations.py, the tournament of
optimizers/program_search.py): the same children bit for bit, and the generator left in the
same state, over search spaces that exercise every mutation and immediate rule."""
import random

import numpy as np
import pytest

from evo_l2l.kernels import mt19937, program_breeding
from evo_l2l.optimizers.program_mutations import mutate
from evo_l2l.optimizers.program_search import ProgramSearchSettings, breeding_arrays
from evo_l2l.rules import programs as pg

SPACES = {
    "linear": {},
    "paper_code": {"const_init": "uniform", "const_mutation": "flip_or_log_scale",
                   "write_inputs": False, "mutations": list(pg.MUTATION_KINDS)},
    "demo_fixed_sizes": {"mutations": ["randomize_instruction", "randomize_component",
                                       "modify_argument"], "init_sizes": [3, 4, 5],
                         "min_sizes": [0, 1, 0], "max_sizes": [6, 6, 9]},
    "learn_only": {"evolve": ["learn"], "n_matrix": 2,
                   "learn_ops": pg.LINEAR_OPS + ["m=outer(vv)", "v=matmul(mv)", "s=norm(m)"],
                   "fixed": "setup:\n  s2 = const(0.01)\npredict:\n  s1 = dot(v1, v0)\nlearn:",
                   "min_sizes": [0, 1, 1], "init_sizes": [0, 1, 2]},
    "tight": {"init_sizes": [0, 1, 0], "min_sizes": [0, 1, 0], "max_sizes": [1, 1, 2],
              "const_scale": 0.01, "const_step": 3.0},
}


def python_breed(rng, sp, members, fitness, skip, n_current, kinds, s):
    """The Python breeding, as the search did it before it was compiled."""
    out = []
    draw = pg.below(rng)
    for kind in kinds:
        if kind == 0:
            out.append(pg.random_program(rng, sp))
            continue
        best = skip + draw(n_current)
        for _ in range(s.tournament_size - 1):
            c = skip + draw(n_current)
            if fitness[c] > fitness[best]:
                best = c
        program = members[best]
        if rng.random() < s.mutation_prob:
            program = mutate(rng, program, sp)
        out.append(program)
    return out


@pytest.mark.parametrize("name", sorted(SPACES))
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_compiled_breeding_makes_the_python_children(name, seed):
    rule = pg.ProgramSettings(**SPACES[name])
    rule.check()
    sp = pg.Space(rule)
    s = ProgramSearchSettings(tournament_size=[1, 3, 10][seed], mutation_prob=[0.9, 1.0, 0.5][seed])
    rng = random.Random(seed)
    n = 40
    members = [pg.random_program(rng, sp) for _ in range(n)]
    for i in range(0, n, 3):        # children of children: longer and odd programs too
        members[i] = mutate(rng, mutate(rng, members[i], sp), sp)
    fitness = np.random.default_rng(seed).random(n)
    fitness[::7] = np.nan            # NaN never wins a comparison
    fitness[1::5] = fitness[1]       # ties: the first drawn stays
    if seed == 1:
        rng.gauss(0.0, 1.0)          # a cached gauss value goes in and out
    kinds = np.random.default_rng(seed + 10).integers(0, 2, 400)
    kinds[:5] = 1
    skip = 4
    # The queue as a ring: member i at row (head + i) % n.
    head = 13
    rows = np.zeros((n, pg.fixed_width(rule)))
    for i, p in enumerate(members):
        rows[(head + i) % n] = pg.encode_fixed(p, rule)
    fit = np.zeros(n)
    fit[(head + np.arange(n)) % n] = fitness

    ref_rng = random.Random()
    ref_rng.setstate(rng.getstate())
    want = python_breed(ref_rng, sp, members, fitness, skip, n - skip, kinds, s)

    st, g = mt19937.load(rng)
    out = np.empty((len(kinds), pg.fixed_width(rule)))
    program_breeding.breed(st, g, rows, fit, head, skip, n - skip, kinds,
                           *breeding_arrays(sp, s), out)
    mt19937.store(rng, st, g)
    got = [pg.decode_fixed(r, rule) for r in out]
    assert [pg.to_text(p) for p in got] == [pg.to_text(p) for p in want]
    assert got == want                           # immediates to the last bit
    assert np.array_equal(out, np.array([pg.encode_fixed(p, rule) for p in want]))
    assert rng.getstate() == ref_rng.getstate()


def test_pack_rows_is_pack_of_the_decoded_programs():
    rule = pg.ProgramSettings(**SPACES["paper_code"])
    sp = pg.Space(rule)
    rng = random.Random(5)
    programs = [pg.random_program(rng, sp) for _ in range(30)]
    programs = [mutate(rng, mutate(rng, p, sp), sp) for p in programs]
    programs.append(pg.Program((), ((20, 0, 0, 1, 0.0, 0.0),), ()))
    rows = np.array([pg.encode_fixed(p, rule) for p in programs])
    for got, want in zip(pg.pack_rows(rows), pg.pack_slow(programs)):
        assert got.dtype == want.dtype and np.array_equal(got, want)
    for got, want in zip(pg.pack_rows(rows[:0]), pg.pack_slow([])):
        assert got.shape == want.shape


def test_live_pack_rows_is_live_pack_of_pack_rows():
    from evo_l2l.kernels.programs import live_pack, live_pack_rows
    for name in ("linear", "paper_code", "learn_only"):
        rule = pg.ProgramSettings(**SPACES[name])
        sp = pg.Space(rule)
        rng = random.Random(7)
        programs = [mutate(rng, mutate(rng, pg.random_program(rng, sp), sp), sp)
                    for _ in range(60)]
        rows = np.array([pg.encode_fixed(p, rule) for p in programs])
        n_addr = max(rule.n_scalar, rule.n_vector, rule.n_matrix)
        want = live_pack(*pg.pack_rows(rows), n_addr)
        got = live_pack_rows(rows, n_addr)
        assert len(got[0]) < len(pg.pack_rows(rows)[0])          # it removed something
        for g, w in zip(got, want):
            assert g.dtype == w.dtype and np.array_equal(g, w)
    empty = live_pack_rows(np.zeros((2, 9)), 4)
    assert empty[0].shape == (0, 4) and np.array_equal(empty[2], np.zeros((2, 4)))
