"""Programs as number arrays: packed for the kernels (kernels/programs.py), and as
fixed-size rows (the optimizer's state)."""
from __future__ import annotations

import itertools

import numpy as np

from .program import Program
from .settings import ProgramSettings


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


def pack_rows(rows: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """pack for programs given as fixed-size rows (k, W): the same three arrays as
    pack([decode_fixed(r) for r in rows]), without making Programs."""
    rows = np.asarray(rows, dtype=np.float64)
    lens = rows[:, :3].astype(np.int64)
    total = lens.sum(axis=1)
    longest = int(total.max()) if len(rows) else 0
    body = rows[:, 3:3 + 6 * longest].reshape(len(rows), longest, 6)
    flat = body[np.arange(longest)[None, :] < total[:, None]]
    code = flat[:, :4].astype(np.int64)
    imm = np.ascontiguousarray(flat[:, 4:])
    bounds = np.zeros((len(rows), 4), dtype=np.int64)
    if len(rows):
        ends = np.cumsum(lens.ravel()).reshape(len(rows), 3)
        bounds[:, 1:] = ends
        bounds[1:, 0] = ends[:-1, 2]
    return code, imm, bounds


def decode_fixed(row: np.ndarray, s: ProgramSettings) -> Program:
    v = np.asarray(row, dtype=np.float64).tolist()
    n0, n1, n2 = int(v[0]), int(v[1]), int(v[2])
    rows = [(int(v[i]), int(v[i + 1]), int(v[i + 2]), int(v[i + 3]), v[i + 4], v[i + 5])
            for i in range(3, 3 + 6 * (n0 + n1 + n2), 6)]
    return Program(tuple(rows[:n0]), tuple(rows[n0:n0 + n1]), tuple(rows[n0 + n1:]))

