"""The reader's inner loops compiled (`votes_in_bulk`): the whole numbers in the cells of a VOTES section, byte by
byte, and the votes merged by those numbers.

Built into the same extension module as the counting kernel (`compiled_kernel`). The reader uses
them only where that module is already built, and its numpy way otherwise, with the same result:
at a million votes numpy's way took 1.4 s to parse the numbers and 0.6 s to merge them.
"""

from __future__ import annotations

import numpy as np

from .compiled_cache import use_user_cache

use_user_cache()
from numba import njit  # noqa: E402

__all__ = ["ballot_keys", "merged_by_key", "whole_number_items"]


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


@njit(cache=True, nogil=True)
def ballot_keys(numbers, lengths, points, with_points, mix):
    """One 64-bit key per ballot from its numbers in order (and their points), mixed as `votes_in_bulk` mixes them."""
    keys = np.empty(len(lengths), dtype=np.uint64)
    item = 0
    for ballot in range(len(lengths)):
        total = np.uint64(0)
        for place in range(lengths[ballot]):
            mixed = (np.uint64(numbers[item]) + np.uint64(1)) * mix[0] + np.uint64(place) * mix[1]
            if with_points:
                mixed ^= np.uint64(points[item]) * mix[2]
            total += (mixed ^ (mixed >> np.uint64(31))) * mix[1]
            item += 1
        keys[ballot] = total ^ (np.uint64(lengths[ballot]) * mix[2])
    return keys


@njit(cache=True, nogil=True)
def merged_by_key(keys, order, numbers, lengths, points, with_points):
    """The ballots grouped by key (`order` sorts the keys stably), in order of each group's first ballot: those
    first ballots, how many each group holds, and the first ballots' lengths, numbers and points; `whole` is
    False if two ballots of a group differ, in their numbers in order or in their points."""
    count = len(keys)
    offsets = np.zeros(count + 1, dtype=np.int64)
    for ballot in range(count):
        offsets[ballot + 1] = offsets[ballot] + lengths[ballot]
    group_size = np.zeros(count, dtype=np.int64)
    start = 0
    while start < count:
        first = order[start]
        end = start
        while end < count and keys[order[end]] == keys[first]:
            ballot = order[end]
            if lengths[ballot] != lengths[first]:
                return order, group_size, lengths, numbers, points, False
            for place in range(lengths[ballot]):
                if numbers[offsets[ballot] + place] != numbers[offsets[first] + place]:
                    return order, group_size, lengths, numbers, points, False
                if with_points and points[offsets[ballot] + place] != points[offsets[first] + place]:
                    return order, group_size, lengths, numbers, points, False
            end += 1
        group_size[first] = end - start
        start = end
    first_rows = np.flatnonzero(group_size)
    kept = lengths[first_rows]
    kept_numbers = np.empty(kept.sum(), dtype=np.int64)
    kept_points = np.empty(kept.sum() if with_points else 0, dtype=np.int64)
    item = 0
    for ballot in first_rows:
        for place in range(lengths[ballot]):
            kept_numbers[item] = numbers[offsets[ballot] + place]
            if with_points:
                kept_points[item] = points[offsets[ballot] + place]
            item += 1
    return first_rows, group_size[first_rows], kept, kept_numbers, kept_points, True
