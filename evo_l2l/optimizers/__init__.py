"""Optimizers: ask/tell searches over genome batches. One module each, registered
here by name and imported when a run first asks for it."""
from ..components import Registry
from .base import Batch, Optimizer

OPTIMIZERS = Registry("optimizer")
for _name in ("ga", "gp", "cmaes", "es", "sa", "selfadaptive", "fme", "aging", "mixed_ga",
              "mixed_random", "program_search", "islands", "crowding", "sep_cmaes"):
    OPTIMIZERS.add_lazy(_name, f"{__name__}.{_name}:OPTIMIZER")

__all__ = ["OPTIMIZERS", "Batch", "Optimizer"]
