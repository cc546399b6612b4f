"""Rule families: genome <-> kernel coefficients <-> formula, and known rules."""
from . import chalmers

RULE_FAMILIES = {"chalmers": chalmers}

__all__ = ["chalmers", "RULE_FAMILIES"]
