"""numba kernels (arrays and scalars in, arrays out). In a process that asked for them
(evo_l2l.configure_process(), as the command line does), importing the package applies
_startup's shortcuts: a cheaper first dispatch, same results."""
from .. import _process

if _process.numba_shortcuts:
    from ._startup import apply_shortcuts

    apply_shortcuts()
