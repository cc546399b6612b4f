"""Learners: small networks and the kernels that train them with a rule. One module each,
registered here."""
from ..components import Registry
from . import conditioning, linear_neuron, reward, single_layer, student, two_layer
from .base import Learner, LearnerSettings, fitness_from_curves
from .single_layer import learning_curves

LEARNERS = Registry("learner")
for _module in (single_layer, student, reward, linear_neuron, two_layer, conditioning):
    LEARNERS.add(_module.LEARNER)

__all__ = ["LEARNERS", "Learner", "LearnerSettings", "fitness_from_curves", "learning_curves"]
