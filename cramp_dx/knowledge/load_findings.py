"""findings.toml and measurements.toml: the checklist's domains and findings (with their
opposites), and the measurements with their plausible bounds."""

from __future__ import annotations

import dataclasses
from typing import Any

from cramp_dx.knowledge import cutoffs
from cramp_dx.knowledge.conditions import Vocabulary
from cramp_dx.knowledge.keys import DOMAIN_KEYS, FINDING_KEYS, MEASUREMENT_CATEGORIES, MEASUREMENT_KEYS
from cramp_dx.knowledge.load_labs import LOINC_CODE
from cramp_dx.knowledge.model import Domain, Finding, Measurement
from cramp_dx.knowledge.reader import Reader, suggest


def load_domains(reader: Reader) -> tuple[dict[str, Domain], dict[str, dict[str, Any]]]:
    """The domains, and their raw tables (their `note_when` is read once the vocabulary exists)."""
    domains: dict[str, Domain] = {}
    domains_raw = reader.table("findings", "domains")
    for dom_id, entry in domains_raw.items():
        reader.unknown_keys("findings", f"domains.{dom_id}", entry, DOMAIN_KEYS)
        domains[dom_id] = Domain(
            dom_id, entry.get("label", dom_id), bool(entry.get("intake")), entry.get("note")
        )
    return domains, domains_raw


def load_findings(reader: Reader, domains: dict[str, Domain]) -> dict[str, Finding]:
    findings: dict[str, Finding] = {}
    for fid, entry in reader.table("findings", "findings").items():
        key = f"findings.{fid}"
        reader.unknown_keys("findings", key, entry, FINDING_KEYS)
        domain = entry.get("domain")
        if domain not in domains:
            reader.fail(
                "findings", f"{key}.domain", f"unknown domain {domain!r}{suggest(str(domain), domains)}"
            )
        label = reader.require("findings", key, entry, "label", str) or fid
        findings[fid] = Finding(fid, str(domain), label, entry.get("help", ""), entry.get("opposite"))
    for finding in findings.values():
        if finding.opposite is None:
            continue
        other = findings.get(finding.opposite)
        if other is None:
            reader.fail(
                "findings",
                f"findings.{finding.id}.opposite",
                f"unknown finding {finding.opposite!r}{suggest(finding.opposite, findings)}",
            )
        elif other.opposite != finding.id:
            reader.fail(
                "findings",
                f"findings.{finding.id}.opposite",
                f"{finding.opposite!r} must name {finding.id!r} as its opposite too",
            )
    return findings


def load_measurements(reader: Reader) -> dict[str, Measurement]:
    measurements: dict[str, Measurement] = {}
    for mid, entry in reader.table("measurements", "measurements").items():
        key = f"measurements.{mid}"
        reader.unknown_keys("measurements", key, entry, MEASUREMENT_KEYS)
        lo, hi = entry.get("minimum"), entry.get("maximum")
        if not isinstance(lo, int | float) or not isinstance(hi, int | float) or lo >= hi:
            reader.fail("measurements", key, "needs numeric minimum < maximum")
            continue
        bound = entry.get("not_interpretable")
        loinc = entry.get("loinc")
        if loinc is not None and (not isinstance(loinc, str) or not LOINC_CODE.match(loinc)):
            reader.fail("measurements", f"{key}.loinc", f"{loinc!r} is not a LOINC code (like 8310-5)")
            loinc = None
        category = entry.get("category", "exam")
        if category not in MEASUREMENT_CATEGORIES:
            reader.fail("measurements", f"{key}.category", f"accepted: {', '.join(MEASUREMENT_CATEGORIES)}")
            category = "exam"
        measurements[mid] = Measurement(
            mid,
            entry.get("label", mid),
            entry.get("unit", ""),
            float(lo),
            float(hi),
            entry.get("help", ""),
            None
            if bound is None
            else cutoffs.not_interpretable(reader, f"{key}.not_interpretable", bound, lo, hi),
            loinc,
            category,
        )
    return measurements


def add_domain_notes(
    reader: Reader, domains: dict[str, Domain], domains_raw: dict[str, dict[str, Any]], vocab: Vocabulary
) -> None:
    """A domain's `note_when`: its condition needs the whole vocabulary, so it is read last."""
    for dom_id, entry in domains_raw.items():
        if "note_when" not in entry:
            continue
        key = f"domains.{dom_id}.note_when"
        if not entry.get("note"):
            reader.fail("findings", key, "note_when needs a note to show")
        note_when = reader.condition("findings", key, entry["note_when"], vocab)
        domains[dom_id] = dataclasses.replace(domains[dom_id], note_when=note_when)
