"""The one service layer the GUI and CLI call: each method is one audited, role-checked
transaction on the record."""

from cramp_dx.services.errors import (
    AuthError,
    ConflictError,
    NotFoundError,
    PermissionDenied,
    RedFlagsOpenError,
    SignedVisitError,
)
from cramp_dx.services.records import (
    Account,
    AddendumRow,
    AuditEntry,
    DemoPatient,
    EarlierLab,
    EmergencyAccessRow,
    PatientRow,
    VisitRecord,
    VisitRow,
)
from cramp_dx.services.service import Services

__all__ = [
    "Account",
    "AddendumRow",
    "AuditEntry",
    "AuthError",
    "ConflictError",
    "DemoPatient",
    "EarlierLab",
    "EmergencyAccessRow",
    "NotFoundError",
    "PatientRow",
    "PermissionDenied",
    "RedFlagsOpenError",
    "Services",
    "SignedVisitError",
    "VisitRecord",
    "VisitRow",
]
