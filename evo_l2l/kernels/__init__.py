"""numba kernels (arrays and scalars in, arrays out). Importing the package applies
_startup.load_cached_without_refresh: a cheaper first dispatch, same results."""
from ._startup import load_cached_without_refresh

load_cached_without_refresh()
