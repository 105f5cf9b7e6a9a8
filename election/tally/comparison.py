"""The comparison step Wieliczka used (`equalshares/add1-comparison`).

Keep the outcome of the completed Method of Equal Shares unless strictly more
voters prefer the outcome of greedy-by-votes. A voter prefers the outcome that
funds more of the projects they approved (equalshares.net's "satisfaction"
comparison); a voter with as many in both prefers neither.
"""

from __future__ import annotations

import numpy as np

from . import completion, greedy
from .profile import ApprovalProfile


def preferences(profile: ApprovalProfile, first: list[str], second: list[str]) -> tuple[int, int]:
    """How many voters prefer `first`, and how many prefer `second`: only the projects one funds and the other
    does not can tip a voter, so only their columns are read (a few of a million rows' hundreds)."""
    column = {project_id: index for index, project_id in enumerate(profile.project_ids)}

    def approved(projects: set[str]):
        return profile.approvals[:, sorted(column[project] for project in projects)].sum(axis=1, dtype=np.int64)

    difference = approved(set(first) - set(second)) - approved(set(second) - set(first))
    return int(profile.weights[difference > 0].sum()), int(profile.weights[difference < 0].sum())


def compared(profile: ApprovalProfile) -> list[str]:
    """Completed equal shares, unless a majority of those with a preference prefer greedy."""
    equal_shares = completion.completed(profile, "cost")
    standard = greedy.greedy(profile)
    prefer_equal_shares, prefer_greedy = preferences(profile, equal_shares, standard)
    return standard if prefer_greedy > prefer_equal_shares else equal_shares
