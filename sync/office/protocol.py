"""The protocol of a count for the board: one renderer for the pages, the printout and the publication."""

from __future__ import annotations

from flask import render_template

from . import counting, key_shares, store
from .models import Count


def render_protocol(count: Count) -> str:
    package = store.require_election()
    result = counting.outcome(count)
    return render_template(
        "results/protocol.html",
        package=package,
        count=count,
        result=result,
        projects=sorted(result["projects"], key=lambda item: (-item["score"], item["id"])),
        duplicates=store.code_duplicates(),
        stations=store.stations(),
        holds=store.held_records(),
        rehearsal=store.is_rehearsal(count.counted_by),
        key_holders=key_shares.key_holders(count),
    )
