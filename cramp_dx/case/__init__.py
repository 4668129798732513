"""Case files: the workup of one visit as plain data (CASE-FORMAT.md)."""

from cramp_dx.case.model import (
    FORMAT_ID,
    LabResult,
    Medication,
    Order,
    Patient,
    Surgery,
    Visit,
    Workup,
)

__all__ = [
    "FORMAT_ID",
    "LabResult",
    "Medication",
    "Order",
    "Patient",
    "Surgery",
    "Visit",
    "Workup",
]
