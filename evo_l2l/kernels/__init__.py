"""numba kernels (arrays and scalars in, arrays out). Importing the package applies
_startup's shortcuts: a cheaper first dispatch, same results."""
from ._startup import (check_cache_folders_once, load_cached_without_refresh,
                       skip_extensions_for_own_kernels)

check_cache_folders_once()
load_cached_without_refresh()
skip_extensions_for_own_kernels()
