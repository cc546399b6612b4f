"""Dead-code removal: the instructions whose result never reaches the prediction."""
from __future__ import annotations

from ...kernels.programs import OPS, RANDOM_OPS
from .program import Instruction, Program
from .text import _KNOWN_MAX, program_of

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


