"""Learners: small networks and the kernels that train them with a rule. One module each,
registered here by name and imported when a run first asks for it."""
from ..components import Registry
from .base import Learner, LearnerSettings, fitness_from_curves
from .single_layer import learning_curves

LEARNERS = Registry("learner")
for _name in ("single_layer", "student", "reward", "linear_neuron", "two_layer", "conditioning",
              "episode_net", "symbolic_episode", "evolution", "srwm", "two_layer_automl",
              "program_interpreter", "mlp_trainer"):
    # each in the module of its name, but for the AutoML-Zero interpreter's
    _module = {"program_interpreter": "programs"}.get(_name, _name)
    LEARNERS.add_lazy(_name, f"{__name__}.{_module}:LEARNER")


def program_curves(programs, tasks, n_epochs: int = 10, clip: float = 20.0, views=None,
                   learner: str = "single_layer", eta: float = 1.0, noise_seed: int = 0):
    """Learning curves (R, T, n_epochs + 1) of compiled programs (ops, args, lengths, depth)
    on a registered learner's nets: w += eta * rule, clipped to [-clip, clip]."""
    if n_epochs < 0 or not clip > 0:
        raise ValueError("n_epochs must be >= 0 and clip > 0")
    lr = LEARNERS.get(learner)
    return lr.program_curves(programs, tasks, LearnerSettings(n_epochs=n_epochs, clip=clip), eta,
                             views, noise_seed)


__all__ = ["LEARNERS", "Learner", "LearnerSettings", "fitness_from_curves", "learning_curves",
           "program_curves"]
