"""Code systems and identifier namespaces the export uses: standard ones where a standard
exists, `urn:cramp-dx:*` for the app's own ids (the ids of SPEC.md are a stable contract)."""

from __future__ import annotations

LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
ICD10CM = "http://hl7.org/fhir/sid/icd-10-cm"
SNOMED = "http://snomed.info/sct"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
INTERPRETATION = "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation"
ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
DATA_ABSENT = "http://terminology.hl7.org/CodeSystem/data-absent-reason"
URI = "urn:ietf:rfc:3986"

MRN = "urn:cramp-dx:mrn"
VISIT = "urn:cramp-dx:visit"
FINDING = "urn:cramp-dx:finding"
DOMAIN = "urn:cramp-dx:domain"
MEASUREMENT = "urn:cramp-dx:measurement"
LAB = "urn:cramp-dx:lab"
PROCEDURE = "urn:cramp-dx:procedure"
DIFFERENTIAL = "urn:cramp-dx:differential"
RED_FLAG = "urn:cramp-dx:red-flag"
TEST = "urn:cramp-dx:test"
SCORE = "urn:cramp-dx:score"
VISIT_ITEM = "urn:cramp-dx:visit-item"
KNOWLEDGE = "urn:cramp-dx:knowledge"
NEURO_SIGN = "urn:cramp-dx:neuro-sign"  # side.kind.item, the case file's path of one sign
NEURO_VALUE = "urn:cramp-dx:neuro-value"  # normal / reduced / absent / painful / brisk
LEVEL_VERDICT = "urn:cramp-dx:level-verdict"
