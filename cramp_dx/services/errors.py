"""Errors the service layer raises for the GUI and CLI to show."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cramp_dx.errors import CrampDxError

if TYPE_CHECKING:
    from cramp_dx.services.records import VisitRecord


class AuthError(CrampDxError):
    """Unknown user, wrong password or a disabled account (deliberately not saying which)."""


class PermissionDenied(CrampDxError):
    """The account's role may not do this (enforced here, not only in the UI)."""


class SignedVisitError(PermissionDenied):
    """A signed visit is read-only; later changes go in as an addendum."""


class RedFlagsOpenError(CrampDxError):
    """A visit is signed only once each of its red flags has been acknowledged."""

    def __init__(self, visit_id: int, flags: list[tuple[str, str]]) -> None:
        self.flag_ids = tuple(flag_id for flag_id, _title in flags)
        shown = "; ".join(f"{title} ({flag_id})" for flag_id, title in flags)
        super().__init__(
            f"visit {visit_id} cannot be signed: acknowledge each red flag first: {shown}"
        )


class NotFoundError(CrampDxError):
    """No patient or visit with that id / MRN."""


class ConflictError(CrampDxError):
    """Someone else saved `field` since this copy was loaded. Carries both values and the
    record as it now is, so the user can choose; nothing was overwritten."""

    def __init__(self, field: str, mine: Any, theirs: Any, current: VisitRecord) -> None:
        self.field = field
        self.mine = mine
        self.theirs = theirs
        self.current = current
        super().__init__(
            f"{field}: changed by someone else since you opened this visit "
            f"(yours: {mine!r}, now saved: {theirs!r}); nothing was overwritten"
        )
