"""Lab results as the laboratory sends them: HL7 v2.x ORU^R01 (ER7) and FHIR R4 JSON, read into
plain data, matched to the knowledge base and planned against a visit's labs. Qt-free and
database-free: the service stores a plan in one audited transaction, the CLI and the app show it.
"""

from __future__ import annotations

from cramp_dx.labimport.model import Incoming, LabMessage, SentPatient
from cramp_dx.labimport.plan import ImportPlan, PlanRow, check_patient, plan_import
from cramp_dx.labimport.read import parse_lab_text, read_lab_file

__all__ = [
    "ImportPlan",
    "Incoming",
    "LabMessage",
    "PlanRow",
    "SentPatient",
    "check_patient",
    "parse_lab_text",
    "plan_import",
    "read_lab_file",
]
