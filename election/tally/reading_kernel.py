"""The reader's inner loop compiled: the whole numbers in the cells of a VOTES section, byte by byte (`votes_in_bulk`).

Built into the same extension module as the counting kernel (`compiled_kernel`). The reader uses
it only where that module is already built, and its numpy way otherwise, with the same result:
at a million votes numpy's way (positions of commas, then digits column by column) took 1.4 s.
"""

from __future__ import annotations

import numpy as np

from .compiled_cache import use_user_cache

use_user_cache()
from numba import njit  # noqa: E402

__all__ = ["whole_number_items"]


@njit(cache=True, nogil=True)
def whole_number_items(tail, starts, ends, separator, most_digits):
    """Each cell's items (split at the byte `separator`, or whole if it is -1) as whole numbers, all in one array,
    and how many each cell has; `whole` is False if an item is not digits without a leading zero, at most
    `most_digits` of them (the arrays are then unfinished)."""
    cells = len(starts)
    lengths = np.ones(cells, dtype=np.int64)
    total = cells
    if separator >= 0:
        for cell in range(cells):
            for place in range(starts[cell], ends[cell]):
                if tail[place] == separator:
                    lengths[cell] += 1
            total += lengths[cell] - 1
    numbers = np.zeros(total, dtype=np.int64)
    item = 0
    for cell in range(cells):
        number = 0
        digits = 0
        first = 0
        for place in range(starts[cell], ends[cell] + 1):
            byte = tail[place] if place < ends[cell] else separator
            if place == ends[cell] or byte == separator:
                if digits == 0 or (first == 48 and digits > 1):
                    return numbers, lengths, False
                numbers[item] = number
                item += 1
                number = 0
                digits = 0
                continue
            if byte < 48 or byte > 57 or digits == most_digits:
                return numbers, lengths, False
            if digits == 0:
                first = byte
            digits += 1
            number = number * 10 + (byte - 48)
    return numbers, lengths, True
