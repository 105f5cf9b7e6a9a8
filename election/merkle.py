"""A Merkle root over a station's record hashes in sorted order, as its closing report signs it.

Sorting drops the order of casting, so the signed set says which records exist
and not when. Leaves and inner nodes are hashed with distinct prefixes (as RFC
6962 does) so that no inner node can pass for a leaf; an odd node is carried up.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

EMPTY = hashlib.sha256(b"").hexdigest()


def root(record_hashes: Iterable[str]) -> str:
    """The root over the hashes, sorted here; raises ValueError for a hash that is not 64 hex digits."""
    level = []
    for text in sorted(record_hashes):
        if len(text) != 64:
            raise ValueError(f"{text[:70]!r} is not a SHA-256 record hash")
        level.append(hashlib.sha256(b"\x00" + bytes.fromhex(text)).digest())
    if not level:
        return EMPTY
    while len(level) > 1:
        paired = [hashlib.sha256(b"\x01" + level[index] + level[index + 1]).digest() for index in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            paired.append(level[-1])
        level = paired
    return level[0].hex()
