"""Rule families: genome <-> kernel coefficients <-> formula, and known rules."""
from . import chalmers, volterra

RULE_FAMILIES = {"chalmers": chalmers, "volterra": volterra}

__all__ = ["chalmers", "volterra", "RULE_FAMILIES"]
