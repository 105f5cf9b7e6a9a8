"""The comparison step Wieliczka used (`equalshares/add1-comparison`).

Keep the outcome of the completed Method of Equal Shares unless strictly more
voters prefer the outcome of greedy-by-votes. A voter prefers the outcome that
funds more of the projects they approved (equalshares.net's "satisfaction"
comparison); a voter with as many in both prefers neither.
"""

from __future__ import annotations

from . import completion, greedy
from .profile import ApprovalProfile


def preferences(profile: ApprovalProfile, first: list[str], second: list[str]) -> tuple[int, int]:
    """How many voters prefer `first`, and how many prefer `second`."""
    column = {project_id: index for index, project_id in enumerate(profile.project_ids)}
    in_first = profile.approvals[:, [column[project] for project in first]].sum(axis=1)
    in_second = profile.approvals[:, [column[project] for project in second]].sum(axis=1)
    return int(profile.weights[in_first > in_second].sum()), int(profile.weights[in_second > in_first].sum())


def compared(profile: ApprovalProfile) -> list[str]:
    """Completed equal shares, unless a majority of those with a preference prefer greedy."""
    equal_shares = completion.completed(profile, "cost")
    standard = greedy.greedy(profile)
    prefer_equal_shares, prefer_greedy = preferences(profile, equal_shares, standard)
    return standard if prefer_greedy > prefer_equal_shares else equal_shares
