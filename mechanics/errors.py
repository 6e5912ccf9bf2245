"""The errors of the mechanics package: bad load cases, designs that cannot be analysed, solver failures."""

from __future__ import annotations

from base.errors import DvwError


class MechanicsError(DvwError):
    """Bad input to a finite-element analysis, or an analysis that cannot be carried out on it."""

    code = "mechanics_error"


class LoadCaseError(MechanicsError):
    """A load-case file that is malformed or names something that does not exist (``FILE:LINE: message``)."""

    code = "load_case_error"


class DesignNotAnalysableError(MechanicsError):
    """A design that cannot be meshed into a volume: not watertight, not manifold, or degenerate."""

    code = "design_not_analysable"
