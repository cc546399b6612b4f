"""Task families: arrays only, generated from a seed. One module each, registered here."""
from ..components import Registry
from . import boolean, boolean_functions, conditioning, gaussian, student
from .boolean import CHALMERS_SHAPES, linearly_separable_mapping, make_boolean_environment
from .family import TaskFamily, TaskSettings
from .taskset import HELDOUT, SPLIT_NAMES, TRAIN, TaskSet

TASK_FAMILIES = Registry("task family")
for _module in (boolean, student, gaussian, boolean_functions, conditioning):
    TASK_FAMILIES.add(_module.FAMILY)

__all__ = ["TaskSet", "TRAIN", "HELDOUT", "SPLIT_NAMES", "CHALMERS_SHAPES", "TaskFamily",
           "TaskSettings", "linearly_separable_mapping", "make_boolean_environment",
           "TASK_FAMILIES"]
