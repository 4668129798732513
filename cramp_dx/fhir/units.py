"""Units as entered → UCUM codes. The entered spelling stays the display (`Quantity.unit`);
the UCUM code is what a receiving system computes with. Every unit the knowledge base
accepts must be here (a test walks the knowledge base)."""

from __future__ import annotations

from cramp_dx.errors import CrampDxError
from cramp_dx.fhir.systems import UCUM

LAB_UCUM: dict[str, str] = {
    "mg/dL": "mg/dL",
    "mg/L": "mg/L",
    "mmol/L": "mmol/L",
    "mEq/L": "meq/L",
    "g/dL": "g/dL",
    "g/L": "g/L",
    "µmol/L": "umol/L",
    "umol/L": "umol/L",
    "nmol/L": "nmol/L",
    "U/L": "U/L",
    "%": "%",
    "mIU/L": "m[IU]/L",
    "ng/mL": "ng/mL",
    "pg/mL": "pg/mL",
    "pmol/L": "pmol/L",
    "µg/L": "ug/L",
    "ug/L": "ug/L",
    "mm/h": "mm/h",
    "10*3/uL": "10*3/uL",
    "10^3/uL": "10*3/uL",
    "10^9/L": "10*9/L",
    "G/L": "10*9/L",  # giga per litre; in UCUM "G" would be the gauss
    "mL/min/1.73m2": "mL/min/{1.73_m2}",
    # D-dimer: UCUM has no DDU/FEU; the convention goes into a note and the display unit.
    "ng/mL DDU": "ng/mL",
    "ng/mL FEU": "ng/mL",
}

LAB_UNIT_NOTES: dict[str, str] = {
    "ng/mL DDU": "Reported in D-dimer units (DDU). DDU and FEU (fibrinogen-equivalent units) are "
    "different conventions: never convert one into the other.",
    "ng/mL FEU": "Reported in fibrinogen-equivalent units (FEU). FEU and DDU (D-dimer units) are "
    "different conventions: never convert one into the other.",
}

# measurement units as the knowledge base spells them → UCUM
MEASUREMENT_UCUM: dict[str, str] = {
    "°C": "Cel",
    "beats/min": "/min",
    "cm": "cm",
    "ratio": "{ratio}",
    "kg/m²": "kg/m2",
    "weeks": "wk",
    "drinks/week": "{drinks}/wk",
    "%": "%",
    "/min": "/min",
    "mmHg": "mm[Hg]",
    "mL": "mL",
}


def lab_ucum(unit: str) -> str:
    try:
        return LAB_UCUM[unit]
    except KeyError:
        raise CrampDxError(f"no UCUM code for the lab unit {unit!r}") from None


def measurement_ucum(unit: str) -> str:
    try:
        return MEASUREMENT_UCUM[unit]
    except KeyError:
        raise CrampDxError(f"no UCUM code for the measurement unit {unit!r}") from None


def quantity(value: float, unit: str, code: str) -> dict[str, object]:
    return {"value": value, "unit": unit, "system": UCUM, "code": code}
