"""Optimizers: ask/tell searches over genome batches. One module each, registered here."""
from ..components import Registry
from . import cmaes, es, ga, gp, sa
from .base import Batch, Optimizer

OPTIMIZERS = Registry("optimizer")
for _module in (ga, gp, cmaes, es, sa):
    OPTIMIZERS.add(_module.OPTIMIZER)

__all__ = ["OPTIMIZERS", "Batch", "Optimizer"]
