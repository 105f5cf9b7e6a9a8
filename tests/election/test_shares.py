"""The sealing key in k-of-n shares: k open it, k−1 do not, and a mistyped share is refused before use."""

from __future__ import annotations

import itertools
import os

import pytest
from vallokal.election import shares

KEY = os.urandom(32)


def test_any_three_of_five_shares_open_the_key():
    split = shares.split(KEY, 5, 3)
    for chosen in itertools.combinations(split.shares, 3):
        typed = [shares.parse(share.text) for share in chosen]
        assert shares.open_key(split.wrapped, typed, 3) == KEY


def test_two_of_three_needed_shares_do_not_open_the_key():
    split = shares.split(KEY, 5, 3)
    with pytest.raises(shares.ShareError, match="3 different board members' shares are needed, 2 given"):
        shares.open_key(split.wrapped, split.shares[:2], 3)
    with pytest.raises(shares.ShareError, match="needed"):
        shares.open_key(split.wrapped, [split.shares[0]] * 3, 3)


def test_k_minus_one_real_shares_and_a_forged_one_do_not_open_the_key():
    split = shares.split(KEY, 5, 3)
    forged = shares.Share(5, os.urandom(16))
    with pytest.raises(shares.ShareError, match="do not open the sealing key"):
        shares.open_key(split.wrapped, [*split.shares[:2], forged], 3)


def test_shares_of_another_election_do_not_open_this_key():
    ours, theirs = shares.split(KEY, 3, 2), shares.split(os.urandom(32), 3, 2)
    with pytest.raises(shares.ShareError, match="do not open"):
        shares.open_key(ours.wrapped, [ours.shares[0], theirs.shares[1]], 2)


def test_a_share_reads_back_typed_loosely():
    share = shares.split(KEY, 5, 3).shares[3]
    assert share.text.startswith("4-") and share.text.count("-") == 7
    assert shares.parse(f"  {share.text.lower().replace('-', ' ')} ") == share
    assert shares.parse(share.text.replace("0", "O").replace("1", "l")) == share


def test_every_single_typo_and_every_swap_of_neighbours_is_refused():
    share = shares.split(KEY, 5, 3).shares[1]
    number, _, rest = share.text.partition("-")
    symbols = rest.replace("-", "")
    for position in range(len(symbols) - 1):
        for replacement in "0123456789ABCDEFGHJKMNPQRSTVWXYZ":
            if replacement == symbols[position]:
                continue
            typo = symbols[:position] + replacement + symbols[position + 1 :]
            with pytest.raises(shares.ShareError):
                shares.parse(f"{number}-{typo}")
        swapped = symbols[:position] + symbols[position + 1] + symbols[position] + symbols[position + 2 :]
        if swapped != symbols:
            with pytest.raises(shares.ShareError, match="check"):
                shares.parse(f"{number}-{swapped}")
    with pytest.raises(shares.ShareError, match="check"):
        shares.parse(f"{int(number) % 5 + 1}-{rest}")


def test_a_check_symbol_swapped_into_the_share_is_called_a_swap_not_a_foreign_character():
    """A share's check symbol may be one of *~$=U, which only the check uses: swapped with its neighbour it stands
    inside the share, and the clerk is told of a typo or a swap (CI once drew such a share at random)."""
    share = next(share for share in (shares.Share(2, value.to_bytes(shares.SECRET_BYTES, "big")) for value in range(1000))
                 if share.text[-1] in "*~$=U")
    swapped = share.text[:-2] + share.text[-1] + share.text[-2]
    with pytest.raises(shares.ShareError, match="mistyped or two are swapped"):
        shares.parse(swapped)
    with pytest.raises(shares.ShareError, match="not on the sheet"):
        shares.parse(share.text[:-3] + "!" + share.text[-2:])


@pytest.mark.parametrize("typed, reason", [
    ("", "starts with its holder's number"),
    ("ABCD-EFGH", "starts with its holder's number"),
    ("3-ABCD", "symbols after the number"),
    ("0-" + "A" * 27, "starts with its holder's number"),
    ("3-" + "U" * 27, "not on the sheet"),
])
def test_a_share_that_cannot_be_right_is_refused_with_a_reason(typed, reason):
    with pytest.raises(shares.ShareError, match=reason):
        shares.parse(typed)


@pytest.mark.parametrize("count, threshold", [(1, 1), (5, 1), (3, 4), (256, 3)])
def test_a_board_split_must_make_sense(count, threshold):
    with pytest.raises(shares.ShareError):
        shares.split(KEY, count, threshold)
