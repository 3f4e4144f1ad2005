"""Compliance: whether a resolution the Council adopts ends the dispute.

A rule of `COMPLIANCE_RULES` (the scenario's `council.compliance`) decides, in each
replicate where the Council adopted a draft, whether the disputants accept it
(docs/ODD.md, section 7.11). An accepted resolution ends the run (outcome "resolution"); one
that is adopted but not accepted leaves the dispute going on.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import numpy as np

from sim.rules import Registry

if TYPE_CHECKING:
    from sim.agents import Party

ComplianceRule = Callable[[Sequence["Party"], np.ndarray, np.ndarray], np.ndarray]
"""A compliance rule: the disputants, the draft (K, L) and where it was adopted (L,) in;
where it is accepted (L,) out."""

COMPLIANCE_RULES: Registry[ComplianceRule] = Registry("compliance rule")
"""The compliance rules by the name `council.compliance` gives them."""


@COMPLIANCE_RULES.register("binding")
def binding(disputants: Sequence[Party], draft: np.ndarray, adopted: np.ndarray) -> np.ndarray:
    """Every adopted resolution is complied with: it ends the dispute.

    Source: Council decisions bind the members (UN Charter, Art. 25), as the first version of
    this model assumed. This is interpreted as: accepted wherever adopted.
    """
    return adopted.copy()


@COMPLIANCE_RULES.register("consent")
def consent(disputants: Sequence[Party], draft: np.ndarray, adopted: np.ndarray) -> np.ndarray:
    """A resolution ends the dispute only if every disputant can accept it.

    Source: a Council resolution binds under the Charter (Art. 25), but a party that rejects
    it may defy it: Serbia (then the FRY) never accepted Kosovo's loss, and Kosovo declared
    independence in 2008 against Serbia's reading of Resolution 1244 (1999); compliance with
    Council decisions depends on the parties' consent (Hurd 2007, *After Anarchy*). This is
    interpreted as: accepted where adopted and inside every disputant's red lines in force
    (`sim.agents.Party.within_red_lines`).
    """
    accepted = adopted.copy()
    for disputant in disputants:
        accepted &= disputant.within_red_lines(draft)
    return accepted
