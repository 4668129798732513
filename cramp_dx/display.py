"""Stored text made safe to show, wherever it is shown: the PDF summary, the app's patient list
and patient header.

The explicit bidirectional formatting characters (embeddings U+202A/B, pop U+202C, overrides
U+202D/E, isolates U+2066 to U+2069) are invisible and reorder the text they enclose: a
right-to-left override makes "evil" show as "live". A name or a note never needs them, since
Hebrew and Arabic letters carry their direction themselves, so they are dropped from what is
shown (the record keeps what was typed). The marks LRM, RLM and ALM, which place punctuation
beside right-to-left words but cannot reverse letters, stay.
"""

from __future__ import annotations

import re

_BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")


def without_bidi_controls(text: str) -> str:
    """`text` with the explicit bidirectional formatting characters removed."""
    return _BIDI_CONTROLS.sub("", text)
