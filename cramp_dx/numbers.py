"""Numbers as a person types them into a field."""

from __future__ import annotations

import math


def parse_number(text: str) -> float:
    """A decimal point or comma is accepted; anything else, or a value that is not finite
    ("nan", "inf"), raises ValueError."""
    number = float(text.strip().replace(",", "."))
    if not math.isfinite(number):
        raise ValueError(f"not a finite number: {text!r}")
    return number
