"""Task families: arrays only, generated from a seed. One module each, registered here."""
from ..components import Registry
from . import (boolean, boolean_functions, conditioning, gaussian, permuted_digits,
               program_tasks, rot_digits, runs_below, split_digits, student)
from .boolean import CHALMERS_SHAPES, linearly_separable_mapping, make_boolean_environment
from .boolean_functions import make_boolean_function_tasks
from .conditioning import make_conditioning_tasks
from .gaussian import make_gaussian_pca_tasks
from .student import make_student_teacher_tasks
from .family import TaskFamily, TaskSettings
from .taskset import HELDOUT, SPLIT_NAMES, TRAIN, TaskSet

TASK_FAMILIES = Registry("task family")
for _module in (boolean, student, gaussian, boolean_functions, conditioning, rot_digits,
                permuted_digits, split_digits, runs_below):
    TASK_FAMILIES.add(_module.FAMILY)
for _family in program_tasks.FAMILIES:
    TASK_FAMILIES.add(_family)

__all__ = ["TaskSet", "TRAIN", "HELDOUT", "SPLIT_NAMES", "CHALMERS_SHAPES", "TaskFamily",
           "TaskSettings", "linearly_separable_mapping", "make_boolean_environment",
           "make_boolean_function_tasks", "make_conditioning_tasks", "make_gaussian_pca_tasks",
           "make_student_teacher_tasks", "TASK_FAMILIES"]
