"""FHIR R4 export of one visit: plain dicts, no FHIR library at run time (the tests validate
the output with `fhir.resources`).

    from cramp_dx.fhir import build_bundle
    bundle = build_bundle(workup, assess(workup, kb), kb, status="signed")
"""

from cramp_dx.fhir.bundle import STATUSES, build_bundle, bundle_for_record
from cramp_dx.fhir.document import PdfDocument

__all__ = ["STATUSES", "PdfDocument", "build_bundle", "bundle_for_record"]
