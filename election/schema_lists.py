"""The package schema's enums that election/'s lists decide: the languages and the counting rules.

The schema file keeps them written out for whoever reads it without Vallokal;
scripts/update_schema.py rewrites them from the lists, and a test fails while they differ.
"""

from __future__ import annotations

import copy
from typing import Any

from .languages import CODES
from .rules import COUNTING_RULES


def with_lists(schema: dict[str, Any]) -> dict[str, Any]:
    """`schema` with its language and counting-rule enums taken from the lists."""
    updated = copy.deepcopy(schema)
    updated["$defs"]["language"]["enum"] = list(CODES)
    updated["properties"]["counting"]["properties"]["rule"]["enum"] = list(COUNTING_RULES)
    return updated
