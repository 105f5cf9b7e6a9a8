"""The counting kernel as an extension module built once per machine, loaded in milliseconds without Numba.

Importing Numba and loading its cached code costs a quarter to half a second on every count,
as much as the rest of a count of 100,000 voters. Numba's ahead-of-time compiler turns the same
functions (`kernel`) into an ordinary extension module: the first count builds it into the user's
cache folder (`compiled_cache`, about 10 s, as long as Numba's first compile), and every later
count imports it. Where it cannot be built (no C compiler, a Numba without `pycc`) the count
runs the kernel through Numba's JIT as before, and the failure is kept beside it so that later
counts do not try again; a changed kernel, numpy or Python builds anew.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.machinery
import importlib.util
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import ModuleType

import numpy as np

from . import kernel_codes
from .compiled_cache import extension_folder

_HEAD = "i8, i8[::1], i4[::1], f8[::1], f8[::1], f8[::1], f8[::1], f8[:, ::1]"
# Each exported function's Numba signature: the dtypes `completion.Arrays.kernel` passes.
EXPORTS = {
    "run": f"Tuple((i8, i8[::1], f8[::1]))({_HEAD}, f8, f8, f8)",
    "run_tracked": f"Tuple((i8, i8[::1], f8))({_HEAD}, f8, f8)",
    "bounded_run": f"Tuple((i8, b1[:, ::1], i8))({_HEAD}, f8, f8, f8, i8, f8, f8[:, ::1], f8[:, ::1])",
    "overlap": "f8[:, ::1](i8[::1], i8[::1], f8[::1], i8)",
    "side_by_side": "Tuple((i8[::1], i4[::1], i8[::1]))(i8[::1], i8[::1], i8, i8)",
    "whole_number_items": "Tuple((i8[::1], i8[::1], b1))(u1[::1], i8[::1], i8[::1], i8, i8)",
    "ballot_keys": "u8[::1](i8[::1], i8[::1], i8[::1], b1, u8[::1])",
    "merged_by_key": "Tuple((i8[::1], i8[::1], i8[::1], i8[::1], i8[::1], b1))(u8[::1], i8[::1], i8[::1], i8[::1], i8[::1], b1)",
}
# The modules whose functions the built module holds (`kernel_build` exports each from the one that has it).
SOURCES = ("kernel", "reading_kernel")
BUILD_SECONDS = 600

# Set to "jit" to count through Numba's JIT (the kernel's own tests compare the two).
CHOICE = "VALLOKAL_KERNEL"

_loaded: ModuleType | None = None


def load() -> ModuleType:
    """The kernel with its codes (`kernel_codes`): the built module, else `kernel` through Numba."""
    global _loaded
    if _loaded is None:
        _loaded = (None if os.environ.get(CHOICE) == "jit" else built()) or _jit()
    return _loaded


def _jit() -> ModuleType:
    from . import kernel

    return kernel


def module_name() -> str:
    """A name that changes with everything the built code depends on: the kernel's source, this recipe, numpy and Python."""
    here = Path(__file__).parent
    digest = hashlib.sha256()
    for source in (*SOURCES, "kernel_build", "compiled_kernel", "kernel_codes"):
        digest.update((here / f"{source}.py").read_bytes())
    digest.update(f"{np.__version__} {sys.version} {sys.platform}".encode())
    return f"kernel_{digest.hexdigest()[:20]}"


def ready() -> ModuleType | None:
    """The built module if this machine already has it, never building it nor loading Numba: for work
    that has a way of its own without it (the reader's numpy way)."""
    global _loaded
    if _loaded is None and os.environ.get(CHOICE) != "jit":
        name, path, _ = _places()
        if path.exists():
            with contextlib.suppress(ImportError):
                _loaded = _import(name, path)
    return _loaded if _loaded is not None and hasattr(_loaded, "whole_number_items") else None


def _places() -> tuple[str, Path, Path]:
    """The built module's name, its file and the file that records why it could not be built."""
    name = module_name()
    folder = Path(extension_folder())
    return name, folder / (name + importlib.machinery.EXTENSION_SUFFIXES[0]), folder / (name + ".failed")


def built() -> ModuleType | None:
    """The built module, building it first if this machine has not; None if it cannot be built."""
    name, path, failed = _places()
    folder = path.parent
    if not path.exists() and (failed.exists() or not _build(folder, name, path, failed)):
        return None
    try:
        return _import(name, path)
    except ImportError as error:
        if path.exists():  # not a module another version's clean-up removed just now
            with contextlib.suppress(OSError):
                failed.write_text(f"importing {path.name}: {error}\n")
        return None


def _build(folder: Path, name: str, path: Path, failed: Path) -> bool:
    """Build in a fresh folder beside the cache and move the module in whole, so that no count ever imports half a file."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=folder, prefix="building-") as building:
            done = subprocess.run(
                [sys.executable, "-m", __package__ + ".kernel_build", building, name],
                capture_output=True, text=True, timeout=BUILD_SECONDS, stdin=subprocess.DEVNULL,
            )
            made = Path(building) / path.name
            if done.returncode != 0 or not made.exists():
                failed.write_text(f"building {name} failed ({done.returncode}):\n{done.stdout[-4000:]}{done.stderr[-4000:]}")
                return False
            os.replace(made, path)
        _remove_older_builds(folder, name)
        return True
    except (OSError, subprocess.SubprocessError):
        return False


# A build no count has loaded for this long belongs to a version no longer run here.
UNUSED_DAYS = 30


def _remove_older_builds(folder: Path, name: str) -> None:
    """Each new kernel, numpy or Python leaves a module of about a megabyte behind: remove those no count
    has loaded for UNUSED_DAYS (loading one marks it), so that two installs sharing the cache keep theirs."""
    oldest = time.time() - UNUSED_DAYS * 86400
    for older in folder.glob("kernel_*"):
        if older.name.split(".")[0] == name or not (older.name.endswith(importlib.machinery.EXTENSION_SUFFIXES[0]) or older.suffix == ".failed"):
            continue
        with contextlib.suppress(OSError):
            if older.stat().st_mtime < oldest:
                older.unlink()


def _import(name: str, path: Path) -> ModuleType:
    with contextlib.suppress(OSError):
        os.utime(path)  # in use: kept by other versions' clean-up (`_remove_older_builds`)
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    for code in ("UNCLEAR", "FITS", "OVERSPENDS", "BOUNDED", "TOO_WIDE"):
        setattr(module, code, getattr(kernel_codes, code))
    return module
