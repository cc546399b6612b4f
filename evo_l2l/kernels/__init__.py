"""numba kernels (arrays and scalars in, arrays out). Importing the package applies
_startup.skip_blas_probe: a cheaper first dispatch, same results."""
from ._startup import skip_blas_probe

skip_blas_probe()
