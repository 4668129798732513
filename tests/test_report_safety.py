"""The summary shows any user text literally, wraps and paginates it, and never crashes."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support.report import (
    body_text,
    drawn,
    flat,
    hand_context,
    page_texts,
    with_medications,
    with_notes,
    with_patient,
)

from cramp_dx.case.model import Medication
from cramp_dx.report import build_report, render_pdf

HOSTILE = "<b>Bold</b> & <font size=40>"


def test_markup_in_a_name_prints_literally(tmp_path: Path) -> None:
    ctx = with_patient(hand_context(), family_name=HOSTILE)
    text = flat("\n".join(page_texts(build_report(ctx, tmp_path / "s.pdf"))))
    assert HOSTILE in text


def test_markup_in_notes_prints_literally(tmp_path: Path) -> None:
    notes = 'Patient said "it\'s < 3 days & > 1 day" <br/> <para>'
    text = flat("\n".join(page_texts(build_report(with_notes(hand_context(), notes),
                                                  tmp_path / "s.pdf"))))
    assert notes in text


def test_a_10000_character_note_paginates(tmp_path: Path) -> None:
    short = page_texts(build_report(hand_context(), tmp_path / "short.pdf"))
    words = " ".join(f"word{i:05d}" for i in range(1000))  # 10,000 characters
    assert len(words) >= 9_999
    pages = page_texts(build_report(with_notes(hand_context(), words), tmp_path / "long.pdf"))
    assert len(pages) > len(short)
    joined = "".join(pages)
    assert "word00000" in joined and "word00999" in joined


def test_a_10000_character_unbroken_word_wraps_onto_more_pages(tmp_path: Path) -> None:
    word = "ΩЖ" * 5_000  # letters found nowhere else in the summary
    pages = page_texts(build_report(with_notes(hand_context(), word), tmp_path / "w.pdf"))
    assert len(pages) > len(page_texts(build_report(hand_context(), tmp_path / "s.pdf")))
    text = "".join(pages)
    assert (text.count("Ω"), text.count("Ж")) == (5_000, 5_000)  # wrapped, nothing cut


def test_a_huge_medication_note_is_kept_in_full(tmp_path: Path) -> None:
    note = " ".join(f"n{i:04d}" for i in range(2000))
    ctx = with_medications(hand_context(), Medication(name="furosemide", dose="40", note=note))
    text = "".join(page_texts(build_report(ctx, tmp_path / "m.pdf")))
    assert "Full text of long entries" in text
    assert "n0000" in text and "n1999" in text


def test_a_10000_character_name_is_kept_in_full(tmp_path: Path) -> None:
    name = "Ω" * 10_000
    pages = page_texts(build_report(with_patient(hand_context(), family_name=name),
                                    tmp_path / "n.pdf"))
    body = body_text(pages)
    assert name in body[body.index("Full text of long entries"):]
    for page in pages:  # the footer shortens the name and still fits page number and MRN
        assert "MRN EX-9" in page and "Page " in page


def test_right_to_left_and_emoji_do_not_crash() -> None:
    ctx = with_patient(hand_context(), family_name="שלום עליכם", given_name="مرحبا 😀🩺")
    ctx = with_notes(ctx, "Pain 😖 since surgery — ‏עברית‎ and العربية mixed 👍🏽")
    assert render_pdf(ctx).startswith(b"%PDF")


def test_right_to_left_names_are_drawn_in_reading_order(monkeypatch: pytest.MonkeyPatch) -> None:
    # ReportLab draws glyphs left to right; the Hebrew name must come out right to left, i.e.
    # the drawn (visual) string is the logical one reversed, not the logical one as typed, in
    # the header, in its table cell and in every page's footer alike.
    name = "כהן"
    strings = [text for _, text in drawn(with_patient(hand_context(), family_name=name), monkeypatch)]
    assert sum(name[::-1] in text for text in strings) >= 3  # the header and two footers
    assert not [text for text in strings if name in text]


def test_a_right_to_left_override_cannot_reverse_a_name(monkeypatch: pytest.MonkeyPatch) -> None:
    # U+202E would make "evil" show as "live" (a Hebrew given name puts the line through the
    # bidirectional reordering); it is dropped, so the letters print as typed
    ctx = with_patient(hand_context(), family_name="\u202eevil", given_name="כהן")
    shown = "".join(text for _, text in drawn(ctx, monkeypatch))
    assert "evil" in shown
    assert "live" not in shown and "\u202e" not in shown


def test_bidirectional_controls_cannot_reorder_a_note(monkeypatch: pytest.MonkeyPatch) -> None:
    note = "Told us: \u202eevil\u202c, \u2067evil\u2069 and \u202dlive\u202c. שלום"
    shown = "".join(text for _, text in drawn(with_notes(hand_context(), note), monkeypatch))
    assert "evil, evil and live." in shown  # Latin, in the order typed
    assert "םולש" in shown  # the Hebrew word still drawn right to left
    assert not set(shown) & set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def test_control_characters_do_not_crash() -> None:
    ctx = with_notes(hand_context(), "a\x00b\x0bc\ud800d\x1be\r\nf\u2028g")
    assert render_pdf(ctx).startswith(b"%PDF")


printable = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=400
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(name=printable, notes=printable, medication=printable)
def test_any_printable_text_builds_a_pdf(name: str, notes: str, medication: str) -> None:
    ctx = with_notes(with_patient(hand_context(), family_name=name, given_name=name), notes)
    ctx = with_medications(ctx, Medication(name=medication or "x", dose=medication,
                                           note=medication))
    assert render_pdf(ctx).startswith(b"%PDF")
