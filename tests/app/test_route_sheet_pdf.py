"""The route sheet's PDF: every page names the day, the team and "N / M ページ"; the blank
for the count keeps its width; the told time is not the smallest text (read back with
poppler's `pdftotext -bbox`); the Japanese font is embedded, and without its file the PDF is
still made."""

from __future__ import annotations

import dataclasses
import logging
import re
import subprocess
from pathlib import Path

import pytest

from app.config import BaseConfig
from app.dates import jp_date
from app.routesheets.pdf import FALLBACK_FONT, render_pdf
from app.routesheets.sheet import build_route_sheet
from tests.app.test_route_sheets import five_stops, needs_poppler, sheet_url  # noqa: F401 (fixture)


def pdf_words(tmp_path: Path, data: bytes) -> list[tuple[int, float, float, float, float, str]]:
    """Each word of the PDF as (page, x min, y min, x max, y max, text), from poppler."""
    path = tmp_path / "words.pdf"
    path.write_bytes(data)
    html = subprocess.run(["pdftotext", "-bbox", str(path), "-"], check=True,
                          capture_output=True, text=True).stdout
    words = []
    for number, page in enumerate(html.split("<page ")[1:], start=1):
        for m in re.finditer(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" '
                             r'yMax="([\d.]+)">([^<]*)</word>', page):
            words.append((number, *map(float, m.groups()[:4]), m.group(5)))
    return words


@needs_poppler
def test_every_pdf_page_names_the_day_the_team_and_its_page(db, five_stops, season, tmp_path):  # noqa: F811
    sheet = build_route_sheet(db, season, five_stops, 1)
    long = tuple(f"長い注意書き{n}：" + "玄関の鍵は裏の物置にあります。" * 4 for n in range(8))
    halves = tuple(dataclasses.replace(h, stops=tuple(dataclasses.replace(s, notes=long)
                                                      for s in h.stops)) for h in sheet.halves)
    data = render_pdf(dataclasses.replace(sheet, halves=halves), "試験 職員", "2026-07-01 09:00")
    words = pdf_words(tmp_path, data)
    total = max(w[0] for w in words)
    assert total >= 2
    for number in range(1, total + 1):
        text = " ".join(w[5] for w in words if w[0] == number)
        assert jp_date(five_stops, year=True) in text and "第1班" in text, number
        assert f"{number} / {total} ページ" in text, number


@needs_poppler
def test_pdf_keeps_the_blank_for_the_count_and_shows_the_told_time_large(
        team_client, db, five_stops, season, tmp_path):  # noqa: F811
    data = team_client.get(sheet_url(five_stops, "/sheet.pdf")).data
    words = pdf_words(tmp_path, data)
    stop = build_route_sheet(db, season, five_stops, 1).stops[0]
    # "申請　　件": room to write the count between 申請 and 件
    blanks = [(w, after) for w in words if w[5].endswith("訪問済（申請")
              for after in words if after[:3:2] == w[:3:2] and after[5].startswith("件")]
    assert blanks, "no 申請 … 件 blank in the PDF"
    for w, after in blanks:  # two full-width spaces: two characters wide
        assert after[1] - w[3] >= 1.8 * (w[4] - w[2]), "the blank for the count collapsed"
    told = next(w for w in words if w[5] == stop.told)
    heights = [w[4] - w[2] for w in words if w[0] == 1]
    assert told[4] - told[2] > min(heights) * 1.2
    arrival = next(w for w in words if w[5] == stop.arrival and w is not told)
    assert told[4] - told[2] > arrival[4] - arrival[2]


needs_font = pytest.mark.skipif(
    not Path(BaseConfig.ROUTE_SHEET_FONT).is_file(),
    reason="fonts-ipaexfont-gothic missing (scripts/ensure_fonts.sh installs it)")


def pdf_fonts(tmp_path: Path, data: bytes) -> list[list[str]]:
    """poppler's `pdffonts` table: name, type, encoding, emb, sub, uni, object, generation."""
    path = tmp_path / "fonts.pdf"
    path.write_bytes(data)
    out = subprocess.run(["pdffonts", str(path)], check=True, capture_output=True,
                         text=True).stdout
    return [line.split() for line in out.splitlines()[2:]]


def pdf_text(tmp_path: Path, data: bytes) -> str:
    path = tmp_path / "text.pdf"
    path.write_bytes(data)
    return subprocess.run(["pdftotext", str(path), "-"], check=True, capture_output=True,
                          text=True).stdout


@needs_font
@needs_poppler
def test_pdf_embeds_its_japanese_font_and_its_text_reads_back(
        team_client, db, five_stops, season, tmp_path):  # noqa: F811
    data = team_client.get(sheet_url(five_stops, "/sheet.pdf")).data
    # A TrueType subset (ABCDEF+IPAexGothic) with its font file in the PDF, nothing else
    # Japanese, and no font left to the viewer.
    assert re.search(rb"/BaseFont /[A-Z]{6}\+IPAexGothic", data)
    assert b"/FontFile2" in data
    assert FALLBACK_FONT.encode() not in data
    fonts = pdf_fonts(tmp_path, data)
    japanese = [f for f in fonts if f[0].endswith("+IPAexGothic")]
    assert japanese
    for f in fonts:  # reportlab writes a subset per 256 glyphs used
        assert f in japanese and f[1] == "TrueType", f
        assert f[-5:-2] == ["yes", "yes", "yes"], f  # embedded, a subset, with ToUnicode
    text = pdf_text(tmp_path, data).replace("\n", "")
    assert f"訪問ルート表 {jp_date(five_stops, year=True)}" in text
    for stop in build_route_sheet(db, season, five_stops, 1).stops:
        assert stop.name in text and stop.address in text
    assert "□ 訪問済（申請" in text


@needs_poppler
def test_without_the_font_file_the_pdf_is_made_in_the_cid_font_with_one_warning(
        app, team_client, db, five_stops, season, tmp_path, caplog):  # noqa: F811
    missing = tmp_path / "no-such-font.ttf"
    app.config["ROUTE_SHEET_FONT"] = str(missing)
    with caplog.at_level(logging.WARNING, logger="app.routesheets.pdf"):
        first = team_client.get(sheet_url(five_stops, "/sheet.pdf"))
        second = team_client.get(sheet_url(five_stops, "/sheet.pdf"))
    for response in (first, second):
        assert response.status_code == 200 and response.mimetype == "application/pdf"
        assert f"/BaseFont /{FALLBACK_FONT}".encode() in response.data
        assert b"/FontFile2" not in response.data and b"IPAexGothic" not in response.data
        text = pdf_text(tmp_path, response.data)
        for stop in build_route_sheet(db, season, five_stops, 1).stops:
            assert stop.name in text.replace("\n", "")
    warnings = [r for r in caplog.records if str(missing) in r.getMessage()]
    assert len(warnings) == 1 and warnings[0].levelno == logging.WARNING
    assert "fonts-ipaexfont-gothic" in warnings[0].getMessage()


@needs_font
def test_the_embedded_font_comes_back_after_a_fallback(
        app, team_client, five_stops, tmp_path):  # noqa: F811
    """The font is chosen per configured path, in either order (tests switch it)."""
    for path in (str(tmp_path / "no-such-font.ttf"), BaseConfig.ROUTE_SHEET_FONT,
                 str(tmp_path), BaseConfig.ROUTE_SHEET_FONT):  # a folder is no font either
        app.config["ROUTE_SHEET_FONT"] = path
        data = team_client.get(sheet_url(five_stops, "/sheet.pdf")).data
        embedded = path == BaseConfig.ROUTE_SHEET_FONT
        assert (b"/FontFile2" in data) is embedded, path
        assert (FALLBACK_FONT.encode() in data) is not embedded, path
