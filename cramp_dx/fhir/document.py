"""The PDF workup summary as a DocumentReference: embedded (base64) by default so the Bundle
travels alone, or linked by file URL; always with its SHA-1 hash and size."""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from cramp_dx.errors import CrampDxError
from cramp_dx.fhir.entries import concept

Ref = dict[str, str]


@dataclass(frozen=True, slots=True)
class PdfDocument:
    """A generated PDF: where it is and when it was made (the record's PDF event)."""

    path: Path
    created: datetime
    embed: bool = True


def document_reference(
    pdf: PdfDocument, *, subject: Ref, encounter: Ref, final: bool, author: str | None
) -> dict[str, Any]:
    try:
        data = Path(pdf.path).read_bytes()
    except OSError as exc:
        raise CrampDxError(f"cannot read the PDF {pdf.path}: {exc.strerror or exc}") from exc
    if not data.startswith(b"%PDF"):
        raise CrampDxError(f"{pdf.path} is not a PDF file")
    created = _aware(pdf.created).isoformat(timespec="seconds")
    title = "Leg cramp workup summary"
    attachment: dict[str, Any] = {"contentType": "application/pdf"}
    if pdf.embed:
        attachment["data"] = base64.b64encode(data).decode("ascii")
    else:
        attachment["url"] = Path(pdf.path).resolve().as_uri()
    attachment |= {
        "size": len(data),
        "hash": base64.b64encode(hashlib.sha1(data).digest()).decode("ascii"),
        "title": f"{title} ({Path(pdf.path).name})",
        "creation": created,
    }
    out: dict[str, Any] = {
        "resourceType": "DocumentReference",
        "status": "current",
        "docStatus": "final" if final else "preliminary",
        "type": concept(title),
        "subject": subject,
        "date": created,
    }
    if author:
        out["author"] = [{"display": author}]
    out |= {
        "description": f"{title} generated {created}",
        "content": [{"attachment": attachment}],
        "context": {"encounter": [encounter]},
    }
    return out


def _aware(moment: datetime) -> datetime:
    """FHIR instants need a time zone: a naive time is taken as local."""
    return moment if moment.tzinfo else moment.astimezone()
