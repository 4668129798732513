"""Errors opening or maintaining the record, each worded for the person at the desk."""

from __future__ import annotations

from cramp_dx.errors import CrampDxError


class StoreError(CrampDxError):
    """The record cannot be opened or maintained; the message says why and what to do."""


class NewerSchemaError(StoreError):
    """The database was written by a newer cramp-dx; this version must not touch it."""
