"""The Bundle's entries: each resource gets a `urn:uuid` fullUrl that other entries reference,
so the Bundle is self-contained (no server ids needed)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

Resource = dict[str, Any]


def _uuid() -> str:
    return str(uuid.uuid4())


@dataclass
class Entries:
    """Collects resources in Bundle order."""

    new_id: Callable[[], str] = _uuid
    items: list[tuple[str, Resource]] = field(default_factory=list)

    def add(self, resource: Resource) -> dict[str, str]:
        """Add a resource and return a Reference to it."""
        ref = self.reserve()
        self.fill(ref, resource)
        return ref

    def reserve(self) -> dict[str, str]:
        """A place (and a Reference) for a resource built later, from what follows it."""
        url = f"urn:uuid:{self.new_id()}"
        self.items.append((url, {}))
        return {"reference": url}

    def fill(self, ref: dict[str, str], resource: Resource) -> None:
        url = ref["reference"]
        index = next(i for i, (u, _) in enumerate(self.items) if u == url)
        rid = url.removeprefix("urn:uuid:")
        self.items[index] = (
            url,
            {"resourceType": resource["resourceType"], "id": rid, **_without_type(resource)},
        )

    def as_entries(self) -> list[dict[str, Any]]:
        return [{"fullUrl": url, "resource": resource} for url, resource in self.items]


def _without_type(resource: Resource) -> Resource:
    return {k: v for k, v in resource.items() if k != "resourceType"}


def concept(text: str, *codings: dict[str, str]) -> dict[str, Any]:
    """A CodeableConcept: the codings given (empty ones dropped) and a text for people."""
    out: dict[str, Any] = {}
    kept = [c for c in codings if c]
    if kept:
        out["coding"] = kept
    out["text"] = text
    return out


def coding(system: str, code: str, display: str | None = None) -> dict[str, str]:
    out = {"system": system, "code": code}
    if display:
        out["display"] = display
    return out


def annotation(text: str, *, author: str | None = None, time: str | None = None) -> dict[str, str]:
    out: dict[str, str] = {}
    if author:
        out["authorString"] = author
    if time:
        out["time"] = time
    out["text"] = text
    return out
