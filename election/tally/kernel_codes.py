"""What the kernel's runs return besides their rounds, importable without Numba (the built kernel module carries them too)."""

UNCLEAR = -1
FITS = -2
OVERSPENDS = -3
BOUNDED = 0
TOO_WIDE = 1
