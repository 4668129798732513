"""The differential engine: a pure function from a workup to a ranked assessment."""

from cramp_dx.engine.assess import assess
from cramp_dx.engine.result import STATUS_ORDER, Assessment

__all__ = ["STATUS_ORDER", "Assessment", "assess"]
