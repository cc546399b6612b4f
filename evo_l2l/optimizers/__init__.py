"""Optimizers: ask/tell searches over genome batches. One module each, registered here."""
from ..components import Registry
from . import (aging, cmaes, crowding, es, fme, ga, gp, islands, mixed_ga, mixed_random,
               program_search, sa, selfadaptive)
from .base import Batch, Optimizer

OPTIMIZERS = Registry("optimizer")
for _module in (ga, gp, cmaes, es, sa, selfadaptive, fme, aging, mixed_ga, mixed_random,
                program_search, islands, crowding):
    OPTIMIZERS.add(_module.OPTIMIZER)

__all__ = ["OPTIMIZERS", "Batch", "Optimizer"]
