"""AutoML-Zero's breeding in compiled code: a batch of children as fixed-width program rows.

The same draws, in the same order, from the same random.Random stream (kernels/mt19937.py),
as the Python breeding (rules/programs/space.py: random_instruction, random_program;
optimizers/program_mutations.py: mutate; optimizers/program_search.py: the tournament), so
the children are the same programs bit for bit (tests/test_program_breeding.py).

A program row (rules/programs/arrays.py, encode_fixed): the sizes of Setup, Predict and
Learn, then each instruction's six numbers (op, in1, in2, out, c0, c1), Setup's first.

The search space arrives as arrays (optimizers/program_breeding.py builds them):
  codes (3, C) int64, n_codes (3,): the op codes each component draws from;
  op_out, op_nin, op_nf, op_flag (N_OPS,): output kind (0 s, 1 v, 2 m), number of address
      inputs, number of immediates, 1 for a uniform initialiser, 2 for a gaussian one;
  op_insz (N_OPS, 2): the address count of each input;
  n_addr, first_out (3,): addresses of each kind, the first an instruction may write;
  searched (S,): the components searched; mutations (K,): 0 insert_remove,
      1 randomize_component, 2 modify_argument, 3 randomize_instruction;
  sizes (3, 3): max, min, init sizes per component; fixed_row: the program whose
      components not searched every program shares;
  knobs (6,) float64: const_scale, const_step, uniform_const, flip_or_log, tournament_size,
      mutation_prob.
"""
from __future__ import annotations

import math

import numpy as np
from numba import njit

from . import mt19937 as mt

INSERT_REMOVE, RANDOMIZE_COMPONENT, MODIFY_ARGUMENT, RANDOMIZE_INSTRUCTION = 0, 1, 2, 3
UNIFORM, GAUSSIAN = 1, 2


@njit(cache=True)
def _const(st, g, knobs) -> float:
    if knobs[2] != 0.0:
        return mt.uniform(st, -knobs[0], knobs[0])
    return mt.gauss(st, g, 0.0, knobs[0])


@njit(cache=True)
def _instruction(st, g, sp_i, sp_2, c, knobs, out):
    """random_instruction into out (6,): op, its inputs, immediates, then the output."""
    codes, n_codes, op_insz = sp_2
    op_out, op_nin, op_nf, op_flag, n_addr, first_out = sp_i
    op = codes[c, mt.randbelow(st, n_codes[c])]
    a0 = 0
    a1 = 0
    if op_nin[op] > 0:
        a0 = mt.randbelow(st, op_insz[op, 0])
    if op_nin[op] > 1:
        a1 = mt.randbelow(st, op_insz[op, 1])
    c0 = 0.0
    c1 = 0.0
    if op_nf[op] > 0:
        c0 = _const(st, g, knobs)
    if op_nf[op] > 1:
        c1 = _const(st, g, knobs)
    if op_flag[op] == UNIFORM and c0 > c1:
        c0, c1 = c1, c0
    if op_flag[op] == GAUSSIAN:
        c1 = abs(c1)
    k = op_out[op]
    o = first_out[k] + mt.randbelow(st, n_addr[k] - first_out[k])
    out[0] = op
    out[1] = a0
    out[2] = a1
    out[3] = o
    out[4] = c0
    out[5] = c1


@njit(cache=True)
def _unpack(row, body, n):
    at = 3
    for c in range(3):
        n[c] = int(row[c])
        for j in range(n[c]):
            for f in range(6):
                body[c, j, f] = row[at + f]
            at += 6


@njit(cache=True)
def _copy6(src, dst):
    """dst[:] = src for one instruction's six numbers, element by element: an array
    assigned to a slice compiles numba's shape-mismatch message (string formatting), a
    third of this module's cold compile."""
    for f in range(6):
        dst[f] = src[f]


@njit(cache=True)
def _repack(body, n, row):
    row[:] = 0.0
    at = 3
    for c in range(3):
        row[c] = n[c]
        for j in range(n[c]):
            for f in range(6):
                row[at + f] = body[c, j, f]
            at += 6


@njit(cache=True)
def _mutate(st, g, sp_i, sp_2, searched, mutations, sizes, knobs, body, n, scratch):
    """mutate (optimizers/program_mutations.py) on the unpacked program (body, n)."""
    op_out, op_nin, op_nf, op_flag, n_addr, first_out = sp_i
    op_insz = sp_2[2]
    kind = mutations[mt.randbelow(st, len(mutations))]
    c = searched[mt.randbelow(st, len(searched))]
    m = n[c]
    if kind == MODIFY_ARGUMENT and m == 0:
        kind = INSERT_REMOVE
    if kind == INSERT_REMOVE:
        can_insert = m < sizes[0, c]
        can_remove = m > sizes[1, c]
        if can_insert and (not can_remove or mt.random01(st) < 0.5):
            at = mt.randbelow(st, m + 1)
            _instruction(st, g, sp_i, sp_2, c, knobs, scratch)
            for j in range(m, at, -1):
                _copy6(body[c, j - 1], body[c, j])
            _copy6(scratch, body[c, at])
            n[c] = m + 1
        elif can_remove:
            at = mt.randbelow(st, m)
            for j in range(at, m - 1):
                _copy6(body[c, j + 1], body[c, j])
            n[c] = m - 1
    elif kind == RANDOMIZE_COMPONENT:
        for j in range(m):
            _instruction(st, g, sp_i, sp_2, c, knobs, scratch)
            _copy6(scratch, body[c, j])
    elif kind == RANDOMIZE_INSTRUCTION:
        if m:
            # body[draw(len)] = random_instruction(...): Python evaluates the right side
            # first, so the instruction's draws come before the position's.
            _instruction(st, g, sp_i, sp_2, c, knobs, scratch)
            _copy6(scratch, body[c, mt.randbelow(st, m)])
    else:
        j = mt.randbelow(st, m)
        op = int(body[c, j, 0])
        nin = op_nin[op]
        slot = mt.randbelow(st, 1 + nin + op_nf[op])
        if slot == 0:
            k = op_out[op]
            body[c, j, 3] = first_out[k] + mt.randbelow(st, n_addr[k] - first_out[k])
        elif slot <= nin:
            body[c, j, slot] = mt.randbelow(st, op_insz[op, slot - 1])
        else:
            ci = slot - 1 - nin
            old = body[c, j, 4 + ci]
            if knobs[3] != 0.0:
                if mt.random01(st) < 0.1:
                    value = -old
                elif old > 0:
                    value = math.exp(math.log(old) + mt.gauss(st, g, 0.0, 1.0))
                elif old < 0:
                    value = -math.exp(math.log(-old) + mt.gauss(st, g, 0.0, 1.0))
                else:
                    value = old * math.exp(mt.gauss(st, g, 0.0, 1.0))
            elif mt.random01(st) < 0.5:
                value = _const(st, g, knobs)
            else:
                value = old * math.exp(mt.gauss(st, g, 0.0, knobs[1]))
            if ci == 0:
                body[c, j, 4] = value
            else:
                body[c, j, 5] = abs(value) if op_flag[op] == GAUSSIAN else value
            if op_flag[op] == UNIFORM and body[c, j, 4] > body[c, j, 5]:
                lo = body[c, j, 5]
                body[c, j, 5] = body[c, j, 4]
                body[c, j, 4] = lo


@njit(cache=True)
def breed(st, g, pop, fit, head, skip, n_current, kinds, sp_i, sp_2, searched, mutations,
          sizes, fixed_row, knobs, out):
    """Children into out (k, W): kinds[i] 0 a random program, 1 a child of a tournament
    among the population's members skip .. skip + n_current - 1 (oldest first; member i
    is pop row (head + i) % len(pop)), mutated with probability mutation_prob."""
    cap = pop.shape[0]
    big = max(sizes[0, 0], sizes[0, 1], sizes[0, 2]) + 1
    body = np.zeros((3, big, 6))
    n = np.zeros(3, dtype=np.int64)
    scratch = np.zeros(6)
    tsize = int(knobs[4])
    for i in range(kinds.shape[0]):
        if kinds[i] == 0:
            _unpack(fixed_row, body, n)
            for c in searched:
                n[c] = sizes[2, c]
                for j in range(n[c]):
                    _instruction(st, g, sp_i, sp_2, c, knobs, scratch)
                    _copy6(scratch, body[c, j])
            _repack(body, n, out[i])
            continue
        best = (head + skip + mt.randbelow(st, n_current)) % cap
        for _ in range(tsize - 1):
            m = (head + skip + mt.randbelow(st, n_current)) % cap
            if fit[m] > fit[best]:
                best = m
        if mt.random01(st) < knobs[5]:
            _unpack(pop[best], body, n)
            _mutate(st, g, sp_i, sp_2, searched, mutations, sizes, knobs, body, n, scratch)
            _repack(body, n, out[i])
        else:
            for f in range(out.shape[1]):
                out[i, f] = pop[best, f]
