"""The PDF file itself: embedded fonts, metadata, owner-only atomic write, page numbering."""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path

import pytest
from pypdf import PdfReader
from support.report import GENERATED, hand_context, page_texts, with_notes

from cramp_dx.errors import CrampDxError
from cramp_dx.report import build_report


def _font_files(reader: PdfReader) -> dict[str, str]:
    """base font name → which FontFile key carries its embedded program."""
    found: dict[str, str] = {}
    for page in reader.pages:
        fonts = page["/Resources"].get_object().get("/Font", {})
        for ref in fonts.values():
            font = ref.get_object()
            descendants = font.get("/DescendantFonts")
            candidates = [d.get_object() for d in descendants] if descendants else [font]
            for candidate in candidates:
                descriptor = candidate.get("/FontDescriptor")
                if descriptor is None:
                    found[str(font["/BaseFont"])] = ""
                    continue
                descriptor = descriptor.get_object()
                keys = [k for k in ("/FontFile", "/FontFile2", "/FontFile3") if k in descriptor]
                found[str(font["/BaseFont"])] = keys[0] if keys else ""
    return found


def test_every_font_is_an_embedded_truetype_dejavu(tmp_path: Path) -> None:
    fonts = _font_files(PdfReader(build_report(hand_context(), tmp_path / "s.pdf")))
    assert fonts, "no font resources found"
    assert all("DejaVuSans" in name for name in fonts), fonts
    assert set(fonts.values()) == {"/FontFile2"}, fonts


def test_metadata_names_the_summary_patient_author_and_date(tmp_path: Path) -> None:
    meta = PdfReader(build_report(hand_context(), tmp_path / "s.pdf")).metadata
    assert meta.title.startswith("Leg cramps after spine surgery — workup summary")
    assert "Żółć, Łukasz" in meta.title and "EX-9" in meta.title
    assert meta.author == "Dr Test"
    assert "decision support" in meta.subject
    assert meta.creation_date.replace(tzinfo=None) == GENERATED.replace(tzinfo=None)
    assert meta.creation_date.utcoffset().total_seconds() == 0


def test_file_is_readable_by_its_owner_only(tmp_path: Path) -> None:
    out = tmp_path / "s.pdf"
    out.write_bytes(b"old")
    out.chmod(0o644)
    build_report(hand_context(), out)
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert out.read_bytes().startswith(b"%PDF")


def test_no_temporary_file_is_left_behind(tmp_path: Path) -> None:
    build_report(hand_context(), tmp_path / "s.pdf")
    assert sorted(os.listdir(tmp_path)) == ["s.pdf"]


def test_missing_folder_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(CrampDxError, match="does not exist"):
        build_report(hand_context(), tmp_path / "nowhere" / "s.pdf")


def test_every_page_says_page_x_of_y_with_the_right_total(tmp_path: Path) -> None:
    notes = " ".join(f"word{i:05d}" for i in range(1000))
    pages = page_texts(build_report(with_notes(hand_context(), notes), tmp_path / "s.pdf"))
    assert len(pages) >= 3
    for number, text in enumerate(pages, start=1):
        assert re.findall(r"Page \d+ of \d+", text) == [f"Page {number} of {len(pages)}"]


def test_every_page_footer_identifies_patient_and_disclaims(tmp_path: Path) -> None:
    notes = " ".join(f"word{i:05d}" for i in range(1000))
    pages = page_texts(build_report(with_notes(hand_context(), notes), tmp_path / "s.pdf"))
    for text in pages:
        assert "Żółć, Łukasz · MRN EX-9 · born 1960-01-02" in text
        assert "Decision support — not a diagnosis" in text
        assert "Generated 2026-10-15 14:30 UTC · knowledge test-1" in text
