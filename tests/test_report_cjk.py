"""Chinese, Japanese and Korean print: runs of characters DejaVu Sans lacks are set in the
embedded TrueType fallback font, and only those runs."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from pypdf import PdfReader
from support.report import drawn, hand_context, page_texts, with_notes, with_patient

from cramp_dx.report import build_report
from cramp_dx.report.fonts import FALLBACK, REGULAR
from cramp_dx.report.styles import styles

NAMES = ("山田太郎", "김민준", "佐藤")
NOTE = "Seen with 佐藤 (interpreter) today."


def _context():
    ctx = with_patient(hand_context(), family_name=NAMES[0], given_name=NAMES[1])
    return with_notes(ctx, NOTE)


@pytest.fixture
def pdf(tmp_path: Path) -> Path:
    return build_report(_context(), tmp_path / "cjk.pdf")


def test_chinese_japanese_and_korean_names_read_back_from_the_pdf(pdf: Path) -> None:
    text = "".join(page_texts(pdf))
    assert [name for name in NAMES if name not in text] == []


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")
def test_pdftotext_reads_the_names_back(pdf: Path) -> None:
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert [name for name in NAMES if name not in text] == []


def test_the_fallback_font_is_embedded_as_truetype(pdf: Path) -> None:
    embedded = set()
    for page in PdfReader(pdf).pages:
        for ref in page["/Resources"].get_object().get("/Font", {}).values():
            font = ref.get_object()
            descriptor = font.get("/FontDescriptor")
            if descriptor is not None and "/FontFile2" in descriptor.get_object():
                embedded.add(str(font["/BaseFont"]).split("+")[-1])
    assert any(name.startswith(FALLBACK) for name in embedded), embedded


@pytest.mark.skipif(shutil.which("pdffonts") is None, reason="poppler-utils not installed")
def test_pdffonts_lists_the_fallback_font_embedded(pdf: Path) -> None:
    listing = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True,
                             check=True).stdout.splitlines()
    fallback = [line.split() for line in listing if FALLBACK in line]
    assert fallback, listing
    assert all(fields[1] == "TrueType" and fields[-5] == "yes" for fields in fallback), fallback


def test_only_the_characters_dejavu_lacks_switch_font(monkeypatch: pytest.MonkeyPatch) -> None:
    styles()
    strings = drawn(_context(), monkeypatch)
    assert {text for font, text in strings if font == FALLBACK} == set(NAMES)
    assert (REGULAR, "Seen with ") in strings
    assert (REGULAR, " (interpreter) today.") in strings
