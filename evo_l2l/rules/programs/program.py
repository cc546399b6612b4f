"""An AutoML-Zero program as data: three component functions (Setup, Predict, Learn),
each a tuple of instructions (op, in1, in2, out, c0, c1) over the op set
kernels/programs.OPS; unused fields are 0."""
from __future__ import annotations

from dataclasses import dataclass

from ...kernels.programs import OPS

COMPONENTS = ("setup", "predict", "learn")
OP_KEYS = tuple(f"{out}={name}({args})" for name, out, args in OPS)
MAX_INSTRUCTIONS = 1000       # per component, a cap for text from users


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

