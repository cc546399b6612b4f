"""Python wrappers (validate, allocate) around the numba learner kernels."""
from .single_layer import fitness_from_curves, learning_curves

__all__ = ["learning_curves", "fitness_from_curves"]
