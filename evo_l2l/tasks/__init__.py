"""Task families: arrays only, generated from a seed."""
from .taskset import HELDOUT, SPLIT_NAMES, TRAIN, TaskSet
from .boolean import CHALMERS_SHAPES, linearly_separable_mapping, make_boolean_environment
from .student import make_student_teacher_tasks
from .gaussian import make_gaussian_pca_tasks
from .boolean_functions import make_boolean_function_tasks
from .conditioning import make_conditioning_tasks

# name -> factory(rng, **params) -> TaskSet; presets and tests iterate over it.
TASK_FAMILIES = {"linearly_separable": make_boolean_environment,
                 "student_teacher": make_student_teacher_tasks,
                 "gaussian_pca": make_gaussian_pca_tasks,
                 "boolean_functions": make_boolean_function_tasks,
                 "conditioning": make_conditioning_tasks}

__all__ = ["TaskSet", "TRAIN", "HELDOUT", "SPLIT_NAMES", "CHALMERS_SHAPES",
           "linearly_separable_mapping", "make_boolean_environment", "make_student_teacher_tasks",
           "make_gaussian_pca_tasks", "TASK_FAMILIES"]
