"""Task families: arrays only, generated from a seed. One module each, registered
here by name and imported when a run first asks for it."""
from ..components import Registry
from .boolean import CHALMERS_SHAPES, linearly_separable_mapping, make_boolean_environment
from .boolean_functions import make_boolean_function_tasks
from .conditioning import make_conditioning_tasks
from .gaussian import make_gaussian_pca_tasks
from .student import make_student_teacher_tasks
from .family import TaskFamily, TaskSettings
from .taskset import HELDOUT, SPLIT_NAMES, TRAIN, TaskSet

TASK_FAMILIES = Registry("task family")
for _name, _where in (("linearly_separable", "boolean:FAMILY"), ("student_teacher", "student:FAMILY"),
                      ("gaussian_pca", "gaussian:FAMILY"),
                      ("boolean_functions", "boolean_functions:FAMILY"),
                      ("conditioning", "conditioning:FAMILY"), ("rot_digits", "rot_digits:FAMILY"),
                      ("permuted_digits", "permuted_digits:FAMILY"),
                      ("split_digits", "split_digits:FAMILY"),
                      ("class_episodes", "class_episodes:FAMILY"),
                      ("continual_glyphs", "continual_glyphs:FAMILY"),
                      ("runs_below", "runs_below:FAMILY"),
                      ("net_training", "net_training:FAMILY"),
                      ("program_linear", "program_tasks:FAMILIES"),
                      ("program_digits", "program_tasks:FAMILIES")):
    TASK_FAMILIES.add_lazy(_name, f"{__name__}.{_where}")

__all__ = ["TaskSet", "TRAIN", "HELDOUT", "SPLIT_NAMES", "CHALMERS_SHAPES", "TaskFamily",
           "TaskSettings", "linearly_separable_mapping", "make_boolean_environment",
           "make_boolean_function_tasks", "make_conditioning_tasks", "make_gaussian_pca_tasks",
           "make_student_teacher_tasks", "TASK_FAMILIES"]
