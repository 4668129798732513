"""Reading a lab file: HL7 v2 ER7 (starts with MSH) or FHIR R4 JSON (starts with {)."""

from __future__ import annotations

import json
from pathlib import Path

from cramp_dx.errors import InputError, Problem
from cramp_dx.labimport.fhir_json import parse_fhir
from cramp_dx.labimport.hl7v2 import looks_like_er7, parse_er7
from cramp_dx.labimport.model import LabMessage

MAX_BYTES = 20 * 1024 * 1024
ACCEPTED = "an HL7 v2.x ORU^R01 message (ER7, starting with MSH) or FHIR R4 JSON"


def parse_lab_text(text: str) -> LabMessage:
    if looks_like_er7(text):
        return parse_er7(text)
    stripped = text.lstrip("\ufeff \t\r\n")
    if stripped.startswith("{"):
        try:
            data = json.loads(stripped)
        except ValueError as exc:
            raise InputError(Problem("", f"not valid JSON ({exc}); accepted: {ACCEPTED}")) from None
        return parse_fhir(data)
    raise InputError(Problem("", f"not a lab message; accepted: {ACCEPTED}"))


def read_lab_file(path: str | Path) -> LabMessage:
    """The message in a file; a problem in it names its place in the message (`OBX[3].5`)."""
    path = Path(path)
    try:
        size = path.stat().st_size
        raw = path.read_bytes() if size <= MAX_BYTES else b""
    except FileNotFoundError:
        raise InputError(Problem(str(path), "no such file")) from None
    except OSError as exc:
        raise InputError(Problem(str(path), f"cannot read: {exc}")) from None
    if size > MAX_BYTES:
        raise InputError(Problem(str(path), f"larger than {MAX_BYTES // 2**20} MiB; accepted: {ACCEPTED}"))
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = raw.decode("latin-1")  # HL7 v2 feeds are often ISO 8859-1 (MSH-18)
    return parse_lab_text(text)
