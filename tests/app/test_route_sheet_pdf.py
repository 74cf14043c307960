"""The route sheet's PDF: every page names the day, the team and "N / M ページ"; the blank
for the count keeps its width; the told time is not the smallest text (read back with
poppler's `pdftotext -bbox`)."""

from __future__ import annotations

import dataclasses
import re
import subprocess
from pathlib import Path

from app.routesheets.pdf import render_pdf
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
        assert f"{five_stops.isoformat()}（" in text and "第1班" in text, number
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
