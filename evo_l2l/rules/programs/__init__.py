"""AutoML-Zero programs (Real, Liang, So & Le 2020): Setup / Predict / Learn as a rule.

A program is three component functions, each a list of instructions over a memory of
scalars s0.., vectors v0.. (dimension F) and matrices m0.. (F x F); the op set is
kernels/programs.OPS. Fixed addresses: s0 the label (written before Learn), s1 the
prediction (read after Predict), v0 the features (written before Predict).

One idea per module:
  program   the Program and its instructions (op, in1, in2, out, c0, c1)
  text      the text form the archive stores, parsed with a whitelist of op names
  settings  the family's settings (the [rule] section)
  arrays    programs packed for the kernels, and as fixed-size rows (optimizer state)
  space     the search space: random instructions and random programs
  liveness  dead-code removal (prune)
  family    the rule family object FAMILY (registered in rules/__init__.py), known programs
The mutations that breed programs are the optimizer's: optimizers/program_mutations.py.
This package re-exports its modules' names, so `pg.to_text(...)` reads as before.
"""
from .arrays import decode_fixed, encode_fixed, fixed_width, pack, pack_rows, pack_slow
from .family import FAMILY, KNOWN_LABELS, KNOWN_PROGRAMS, REFERENCE_RULE, ProgramFamily
from .liveness import live_program_of, prune
from .program import COMPONENTS, MAX_INSTRUCTIONS, OP_KEYS, Instruction, Program
from .settings import LINEAR_OPS, LINEAR_SETUP_OPS, MUTATION_KINDS, ProgramSettings
from .space import Space, _sizes, below, random_instruction, random_program, space
from .text import instruction_text, parse_instruction, parse_program, program_of, text_of, to_text

__all__ = [
    "COMPONENTS", "FAMILY", "KNOWN_LABELS", "KNOWN_PROGRAMS", "LINEAR_OPS", "LINEAR_SETUP_OPS",
    "MAX_INSTRUCTIONS", "MUTATION_KINDS", "OP_KEYS", "REFERENCE_RULE", "Instruction", "Program",
    "ProgramFamily", "ProgramSettings", "Space", "_sizes", "below", "decode_fixed", "encode_fixed",
    "fixed_width", "instruction_text", "live_program_of", "pack", "pack_rows", "pack_slow", "parse_instruction",
    "parse_program", "prune", "program_of", "random_instruction", "random_program", "space",
    "text_of", "to_text",
]
