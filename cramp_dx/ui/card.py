"""The centred card used by the sign-in and lock pages."""

from __future__ import annotations

from PySide6.QtWidgets import QFrame, QHBoxLayout, QVBoxLayout, QWidget

CARD_MAX_WIDTH = 520


def card_page(page: QWidget) -> QFrame:
    """A card centred on `page`, returned for the caller to fill.

    The card takes its maximum width whenever the page is wide enough (stretches on either
    side, not an alignment flag): an aligned widget gets only its size hint, and a
    word-wrapped label in it is then cut off instead of wrapped."""
    card = QFrame(page)
    card.setObjectName("card")
    card.setFrameShape(QFrame.Shape.StyledPanel)
    card.setMaximumWidth(CARD_MAX_WIDTH)
    middle = QHBoxLayout()
    middle.addStretch(1)
    middle.addWidget(card, 10)
    middle.addStretch(1)
    outer = QVBoxLayout(page)
    outer.addStretch(1)
    outer.addLayout(middle)
    outer.addStretch(2)
    return card
