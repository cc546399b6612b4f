"""Rule families: genome <-> kernel coefficients <-> formula, and known rules."""
from . import bengio, chalmers, volterra

RULE_FAMILIES = {"chalmers": chalmers, "volterra": volterra, "bengio": bengio}

__all__ = ["bengio", "chalmers", "volterra", "RULE_FAMILIES"]
