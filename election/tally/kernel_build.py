"""Builds `kernel` and `reading_kernel` into one extension module with Numba's ahead-of-time compiler (`numba.pycc`).

Run in a process of its own by `compiled_kernel` (`python -m vallokal.election.tally.kernel_build
FOLDER NAME`): the build imports Numba and LLVM, runs a C compiler and prints, none of which a
count should carry. The functions let go of the GIL as their JIT versions do (`nogil=True`), so
two probes still run on two cores.
"""

from __future__ import annotations

import importlib
import sys
import warnings

from .compiled_cache import use_user_cache
from .compiled_kernel import EXPORTS, SOURCES


def build(folder: str, name: str) -> None:
    use_user_cache()  # before Numba is imported: its JIT cache goes to the user's folder, never beside the package
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import numba.pycc.compiler as pycc_compiler
        from numba.core.compiler import Flags
        from numba.pycc import CC

    class ReleasingTheGil(Flags):
        def __init__(self, *arguments, **options):
            super().__init__(*arguments, **options)
            self.release_gil = True

    pycc_compiler.Flags = ReleasingTheGil
    sources = [importlib.import_module(f"{__package__}.{source}") for source in SOURCES]
    module = CC(name)
    module.output_dir = folder
    for function, signature in EXPORTS.items():
        (found,) = (getattr(source, function) for source in sources if hasattr(source, function))
        module.export(function, signature)(found.py_func)
    module.compile()


if __name__ == "__main__":
    build(*sys.argv[1:3])
