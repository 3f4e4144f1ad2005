"""Tests for sim.voting: the Security Council's rule (UN Charter Art. 27(3)), by the
`security_council` preset and by `count_votes` (the general rules: tests/test_voting_rules.py)."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import hypothesis.extra.numpy as hnp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.voting import (
    ABSTAIN,
    NO,
    VOTE_CODES,
    YES,
    Tally,
    VoteResult,
    resolve_vote,
    rule_from_preset,
    voting_rule,
)

P5 = ("China", "France", "Russian Federation", "United Kingdom", "United States")
ELECTED = tuple(f"elected_{i}" for i in range(1, 11))
COUNCIL = P5 + ELECTED
RULE = rule_from_preset("security_council", COUNCIL, P5)


def count_votes(
    votes: np.ndarray, permanent: np.ndarray, threshold: int = 9, veto: bool = True
) -> Tally:
    """The Council's rule (Art. 27(3)) for M anonymous members, `permanent` (M,) bool."""
    members = [f"member_{m}" for m in range(len(permanent))]
    vetoers = [name for name, is_permanent in zip(members, permanent, strict=True) if is_permanent]
    rule = voting_rule(members, veto_players=vetoers, threshold=threshold, veto=veto)
    return rule.count(votes)


# --------------------------------------------------------------------------------------------
# Recorded votes: every row of tests/data/unsc_votes.csv is a test case
# --------------------------------------------------------------------------------------------

DATA = Path(__file__).parent / "data" / "unsc_votes.csv"
COLUMNS = [
    "document",
    "date",
    "subject",
    "yes",
    "no",
    "abstain",
    "voted_no",
    "abstained",
    "adopted",
]


def _read_rows() -> list[dict[str, str]]:
    with DATA.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


ROWS = _read_rows()


def _names(cell: str) -> list[str]:
    return [name.strip() for name in cell.split(";") if name.strip()]


def test_vote_data_has_expected_columns_and_rows():
    with DATA.open(newline="", encoding="utf-8") as f:
        assert next(csv.reader(f)) == COLUMNS
    assert ROWS, "no recorded votes to test against"


@pytest.mark.parametrize("row", ROWS, ids=[row["document"] for row in ROWS])
def test_resolve_vote_reproduces_recorded_vote(row):
    voted_no, abstained = _names(row["voted_no"]), _names(row["abstained"])
    votes = {name: "no" for name in voted_no} | {name: "abstain" for name in abstained}
    assert len(votes) == len(voted_no) + len(abstained), "a member is listed twice"
    # Everyone else of the 15 voted yes: the permanent members not listed by name, then
    # elected members whose names the record does not give (placeholders).
    votes |= {name: "yes" for name in P5 if name not in votes}
    votes |= {f"elected_{i}": "yes" for i in range(1, 15 - len(votes) + 1)}
    assert len(votes) == 15
    members = (*P5, *(name for name in votes if name not in P5))

    yes, no, abstain = int(row["yes"]), int(row["no"]), int(row["abstain"])
    adopted = {"true": True, "false": False}[row["adopted"].strip().lower()]
    result = resolve_vote(votes, rule_from_preset("security_council", members, P5))

    assert result.adopted is adopted
    assert (result.yes, result.no, result.abstain) == (yes, no, abstain)
    assert result.yes_weight == yes
    if yes >= 9:
        assert result.vetoed_by == tuple(name for name in voted_no if name in P5)
    else:
        assert result.vetoed_by == ()


# --------------------------------------------------------------------------------------------
# count_votes: hand-computed replicates
# --------------------------------------------------------------------------------------------

_LETTER = {"Y": YES, "N": NO, "A": ABSTAIN}


def _ballots(*columns: str) -> np.ndarray:
    """Votes array (15, R): each column is 15 letters Y/N/A, the 5 permanent members first."""
    return np.array(
        [[_LETTER[c] for c in col.replace(" ", "")] for col in columns], dtype=np.int8
    ).T


IS_P5 = np.array([True] * 5 + [False] * 10)

#         permanent     elected
BALLOTS = _ballots(
    "AYYYY YYYYYYYYYY",  # 0: China-style abstention (S/RES/1244): 14-0-1, adopted
    "AAAAA YYYYYYYYAA",  # 1: 8 yes: fails, nobody vetoed
    "NYYYY YYYYYAAAAA",  # 2: 9 yes + a permanent no: vetoed by member 0
    "NAAAA YYYYYYYAAA",  # 3: 7 yes + a permanent no: fails anyway, not a veto
    "NNAAA YYYYYYYYYA",  # 4: 9 yes + two permanent no: both vetoed
    "YYYYY YYYYNNNNNN",  # 5: 9 yes, six elected no: adopted (elected no is no veto)
)


def test_count_votes_hand_computed_with_veto():
    tally = count_votes(BALLOTS, IS_P5)
    assert isinstance(tally, Tally)
    np.testing.assert_array_equal(tally.yes, [14, 8, 9, 7, 9, 9])
    np.testing.assert_array_equal(tally.no, [0, 0, 1, 1, 2, 6])
    np.testing.assert_array_equal(tally.abstain, [1, 7, 5, 7, 4, 0])
    np.testing.assert_array_equal(tally.adopted, [True, False, False, False, False, True])
    expected_vetoed = np.zeros((15, 6), dtype=bool)
    expected_vetoed[0, 2] = True
    expected_vetoed[[0, 1], 4] = True
    np.testing.assert_array_equal(tally.vetoed, expected_vetoed)


def test_count_votes_hand_computed_without_veto():
    tally = count_votes(BALLOTS, IS_P5, veto=False)
    np.testing.assert_array_equal(tally.adopted, [True, False, True, False, True, True])
    assert not tally.vetoed.any()
    assert tally.vetoed.shape == (15, 6)


def test_count_votes_threshold_is_a_parameter():
    tally = count_votes(BALLOTS, IS_P5, threshold=8)
    # Column 1 (8 yes) now passes; column 3 (7 yes + permanent no) still fails, not a veto.
    np.testing.assert_array_equal(tally.adopted, [True, True, False, False, False, True])
    assert not tally.vetoed[:, 3].any()


def test_count_votes_accepts_other_integer_dtypes_and_returns_read_only_arrays():
    tally = count_votes(BALLOTS.astype(np.int64), IS_P5)
    np.testing.assert_array_equal(tally.adopted, count_votes(BALLOTS, IS_P5).adopted)
    for array in (tally.yes, tally.yes_weight, tally.no, tally.abstain, tally.vetoed):
        with pytest.raises(ValueError):
            array[0] = 0
    with pytest.raises(ValueError):
        tally.adopted[0] = False


def test_count_votes_is_the_security_council_preset():
    tally = count_votes(BALLOTS, IS_P5)
    preset = RULE.count(BALLOTS)
    for field in ("yes", "yes_weight", "no", "abstain", "vetoed", "adopted"):
        np.testing.assert_array_equal(getattr(tally, field), getattr(preset, field))
    np.testing.assert_array_equal(tally.yes_weight, tally.yes)


def test_vote_codes():
    assert (YES, NO, ABSTAIN) == (1, -1, 0)
    assert all(np.asarray(code).dtype == np.int8 for code in (YES, NO, ABSTAIN))
    assert VOTE_CODES == {"yes": YES, "no": NO, "abstain": ABSTAIN}


# --------------------------------------------------------------------------------------------
# count_votes: invariants and agreement with a one-replicate-at-a-time reference
# --------------------------------------------------------------------------------------------


@st.composite
def ballot_boxes(draw):
    m = draw(st.integers(1, 15))  # a body has members; its quota can be reached
    r = draw(st.integers(0, 8))
    votes = draw(hnp.arrays(np.int8, (m, r), elements=st.sampled_from([-1, 0, 1])))
    permanent = draw(hnp.arrays(np.bool_, (m,)))
    threshold = draw(st.integers(1, m))
    veto = draw(st.booleans())
    return votes, permanent, threshold, veto


def _reference(column, permanent, threshold, veto):
    """The rule for one replicate, written out plainly."""
    yes = sum(v == 1 for v in column)
    permanent_no = [bool(p and v == -1) for v, p in zip(column, permanent, strict=True)]
    adopted = yes >= threshold and not (veto and any(permanent_no))
    vetoed = [veto and yes >= threshold and pn for pn in permanent_no]
    return adopted, vetoed


@settings(max_examples=200, deadline=None)
@given(ballot_boxes())
def test_count_votes_invariants(box):
    votes, permanent, threshold, veto = box
    tally = count_votes(votes, permanent, threshold=threshold, veto=veto)
    m, r = votes.shape
    assert tally.yes.shape == tally.no.shape == tally.abstain.shape == tally.adopted.shape
    assert tally.adopted.shape == (r,)
    assert tally.vetoed.shape == (m, r)
    np.testing.assert_array_equal(tally.yes + tally.no + tally.abstain, m)
    assert np.all(tally.yes[tally.adopted] >= threshold)
    assert not np.any(tally.vetoed.any(axis=0) & tally.adopted)
    assert not tally.vetoed[~permanent].any()
    for j in range(r):
        adopted, vetoed = _reference(votes[:, j], permanent, threshold, veto)
        assert tally.adopted[j] == adopted
        assert tally.vetoed[:, j].tolist() == vetoed
    if 1 <= m and threshold <= m:
        names = [f"m{i}" for i in range(m)]
        rule = rule_from_preset(
            "security_council",
            names,
            [name for name, p in zip(names, permanent, strict=True) if p],
            threshold=threshold,
            veto=veto,
        )
        preset = rule.count(votes)
        for field in ("yes", "yes_weight", "no", "abstain", "vetoed", "adopted"):
            np.testing.assert_array_equal(getattr(tally, field), getattr(preset, field))


# --------------------------------------------------------------------------------------------
# resolve_vote
# --------------------------------------------------------------------------------------------


def test_resolve_vote_basic_outcomes():
    assert resolve_vote(dict.fromkeys(COUNCIL, "yes"), RULE) == VoteResult(True, 15, 0, 0, (), 15)
    votes = dict.fromkeys(COUNCIL, "abstain") | dict.fromkeys(ELECTED[:9], "yes")
    votes["United States"] = "no"
    assert resolve_vote(votes, RULE) == VoteResult(False, 9, 1, 5, ("United States",), 9)
    without_veto = rule_from_preset("security_council", COUNCIL, P5, veto=False)
    assert resolve_vote(votes, without_veto) == VoteResult(True, 9, 1, 5, (), 9)


def test_resolve_vote_vetoed_by_follows_member_order():
    votes = dict.fromkeys(ELECTED, "yes") | {"United States": "no", "China": "no"}
    votes |= {"France": "yes", "Russian Federation": "no", "United Kingdom": "abstain"}
    result = resolve_vote(votes, RULE)
    assert result.vetoed_by == ("China", "Russian Federation", "United States")
    assert not result.adopted


def test_resolve_vote_tolerates_case_and_whitespace():
    votes = dict.fromkeys(COUNCIL, " Yes ") | {"China": "ABSTAIN\n", "elected_1": "\tNo"}
    assert resolve_vote(votes, RULE) == VoteResult(True, 13, 1, 1, (), 13)


@pytest.mark.parametrize("abstention_vetoes", [False, True])
def test_resolve_vote_absent_member_is_neither_a_vote_nor_a_veto(abstention_vetoes):
    rule = rule_from_preset("security_council", COUNCIL, P5, abstention_vetoes=abstention_vetoes)
    votes = dict.fromkeys(ELECTED[:9], "yes")  # 9 elected vote yes, the permanent five absent
    assert resolve_vote(votes, rule) == VoteResult(True, 9, 0, 0, (), 9)
    assert resolve_vote({}, rule) == VoteResult(False, 0, 0, 0, (), 0)


def test_resolve_vote_abstention_vetoes_when_the_rule_says_so():
    rule = rule_from_preset("security_council", COUNCIL, P5, abstention_vetoes=True)
    votes = dict.fromkeys(COUNCIL, "yes") | {"China": "abstain"}
    assert resolve_vote(votes, rule) == VoteResult(False, 14, 0, 1, ("China",), 14)
    assert resolve_vote(votes, RULE) == VoteResult(True, 14, 0, 1, (), 14)


@pytest.mark.parametrize("bad", ["maybe", "", "yes please", "y", None, 1, True])
def test_resolve_vote_rejects_bad_vote(bad):
    votes = dict.fromkeys(COUNCIL, "yes") | {"elected_3": bad}
    with pytest.raises(ValueError, match=r"'elected_3'.*" + re.escape(repr(bad))):
        resolve_vote(votes, RULE)


def test_resolve_vote_rejects_a_name_that_is_not_a_member():
    with pytest.raises(ValueError, match="Germany"):
        resolve_vote(dict.fromkeys(COUNCIL, "yes") | {"Germany": "yes"}, RULE)


def test_preset_rejects_string_as_permanent():
    with pytest.raises(ValueError, match="not a string"):
        rule_from_preset("security_council", COUNCIL, "China")


# --------------------------------------------------------------------------------------------
# count_votes: bad input
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("votes", "permanent", "threshold", "match"),
    [
        (np.ones(15, dtype=np.int8), IS_P5, 9, "2-D"),
        (np.ones((15, 2, 2), dtype=np.int8), IS_P5, 9, "2-D"),
        (np.ones((15, 2)), IS_P5, 9, "integer"),
        (np.ones((15, 2), dtype=bool), IS_P5, 9, "integer"),
        (np.full((15, 2), 2, dtype=np.int8), IS_P5, 9, "vote code"),
        (np.full((15, 2), -2, dtype=np.int64), IS_P5, 9, "vote code"),
        (np.ones((15, 2), dtype=np.int8), IS_P5, 0, "threshold"),
        (np.ones((15, 2), dtype=np.int8), IS_P5, -3, "threshold"),
        (np.ones((15, 2), dtype=np.int8), IS_P5, 8.5, "threshold"),
        (np.ones((15, 2), dtype=np.int8), IS_P5, True, "threshold"),
    ],
)
def test_count_votes_rejects_bad_input(votes, permanent, threshold, match):
    with pytest.raises(ValueError, match=match):
        count_votes(votes, permanent, threshold=threshold)


def test_count_votes_error_locates_bad_code():
    votes = np.ones((15, 3), dtype=np.int8)
    votes[4, 2] = 7
    with pytest.raises(ValueError, match=r"votes\[4, 2\] = 7"):
        count_votes(votes, IS_P5)
