"""Where Numba keeps the compiled counting kernel: the user's cache folder, not the installed package.

Beside `kernel.py` a read-only install (a system package, a kiosk image) cannot keep it, and
every count would compile again (about 8 s). `$NUMBA_CACHE_DIR`, if the user set it, wins.
"""

from __future__ import annotations

import os
from pathlib import Path


def folder() -> str:
    """`$XDG_CACHE_HOME/vallokal/numba`, else `~/.cache/vallokal/numba`."""
    base = os.environ.get("XDG_CACHE_HOME", "")
    root = Path(base) if os.path.isabs(base) else Path.home() / ".cache"
    return str(root / "vallokal" / "numba")


def use_user_cache() -> None:
    """Point Numba's cache at `folder()` unless the user chose one; must run before numba is imported."""
    os.environ.setdefault("NUMBA_CACHE_DIR", folder())


def extension_folder() -> str:
    """Where the kernel built ahead of time is kept (`compiled_kernel`): beside Numba's cache."""
    return str(Path(folder()).parent / "kernel")
