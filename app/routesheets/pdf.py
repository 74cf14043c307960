"""The route sheet as an A4 PDF (reportlab), Japanese text in an embedded TrueType font.

The font is IPAex Gothic from Debian's fonts-ipaexfont-gothic (scripts/ensure_fonts.sh installs
it; the ROUTE_SHEET_FONT setting names the file). reportlab embeds the subset of glyphs a PDF
uses, so every viewer shows the same text whether or not it has a Japanese font of its own,
and the text stays real text (searchable, extractable with `pdftotext`). Without the font file
the PDF is still made, in the built-in CID font HeiseiKakuGo-W5, which is not embedded: a
viewer without a Japanese font pack substitutes another font or shows blanks; a warning is
logged once. One team-day fits on one page up to 5 stops (AM 2 + PM 3, SPEC §3); a longer day
flows on.
"""

from __future__ import annotations

import io
import logging
import threading
from typing import Any
from xml.sax.saxutils import escape

from reportlab.graphics.shapes import Circle, Drawing, Line, PolyLine, Rect, String
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFError, TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
from reportlab.platypus.flowables import Flowable

from app.config import BaseConfig
from app.dates import jp_date
from app.routesheets.sheet import HalfRoute, RouteSheet, Stop
from app.routesheets.sketch import HALF_COLOURS, Sketch, build_sketch, scale_text

log = logging.getLogger(__name__)

# The name every style and canvas below writes in; use_font() says which font it stands for.
FONT = "JapaneseGothic"
FALLBACK_FONT = "HeiseiKakuGo-W5"


class _FallbackFont(UnicodeCIDFont):
    """The built-in CID font (not embedded) registered under FONT."""

    def __init__(self) -> None:
        super().__init__(FALLBACK_FONT)
        self.name = self.fontName = FONT


_lock = threading.Lock()
_fonts: dict[str, TTFont | None] = {}  # by path: the parsed font, None if it cannot be read
_in_use: str | None = None  # the path FONT is registered from


def use_font(path: str) -> str:
    """Register FONT as the TrueType font file at `path`, embedded (as a subset) in each PDF,
    or, when that file is missing or unreadable, as the CID font HeiseiKakuGo-W5 (not
    embedded), with a warning logged once per path. Returns the font's own name.

    One process serves one configuration, so FONT changes only when a test asks for another
    path."""
    global _in_use
    with _lock:
        if path not in _fonts:
            try:
                _fonts[path] = TTFont(FONT, path)
            except (OSError, TTFError) as error:
                _fonts[path] = None
                log.warning("Route-sheet font %s cannot be read (%s): PDFs use the CID font "
                            "%s, which is not embedded; install fonts-ipaexfont-gothic "
                            "(scripts/ensure_fonts.sh) or set ROUTE_SHEET_FONT.",
                            path, error, FALLBACK_FONT)
        font = _fonts[path]
        if _in_use != path:
            # reportlab registers a TrueType font only under a name not taken yet, and keeps
            # the first font of each face: forget the one in use, or it would stay.
            pdfmetrics._fonts.pop(FONT, None)
            if font:
                pdfmetrics._dynFaceNames.pop(font.face.name, None)
            pdfmetrics.registerFont(font or _FallbackFont())
            _in_use = path
        return font.face.name.decode() if font else FALLBACK_FONT


use_font(BaseConfig.ROUTE_SHEET_FONT)

BASE = ParagraphStyle("base", fontName=FONT, fontSize=8, leading=10.2, wordWrap="CJK")
SMALL = ParagraphStyle("small", parent=BASE, fontSize=7, leading=8.8)
BOLD = ParagraphStyle("bold", parent=BASE, fontSize=9.5, leading=12)
TITLE = ParagraphStyle("title", parent=BASE, fontSize=14, leading=18)
HEAD = ParagraphStyle("head", parent=BASE, fontSize=10, leading=13)
NUMBER = ParagraphStyle("number", parent=BASE, fontSize=15, leading=17, alignment=TA_CENTER)
# The times cell: the told time (案内 / 計画) is what the team reads first, so it is the largest
# text of the cell; a line holding it grows to fit (autoLeading).
TIMES = ParagraphStyle("times", parent=SMALL, autoLeading="max")
TOLD_SIZE = 9.5

NOTICE = ("個人情報を含みます。持ち出し・複写は業務に必要な範囲に限り、訪問後は所定の方法で返却・廃棄してください。"
          "時間は出発・到着の見込みです（移動は1分単位の切り上げ）。")


def _p(text: str, style: ParagraphStyle = BASE) -> Paragraph:
    return Paragraph(text, style)


def _e(text: object) -> str:
    return escape(str(text))


def sketch_drawing(sketch: Sketch, width: float) -> Drawing:
    """The SVG sketch redrawn for the PDF (y flipped), scaled to `width` points."""
    k = width / sketch.width
    # (its initial font would otherwise put Helvetica, unused, into the PDF)
    drawing = Drawing(sketch.width * k, sketch.height * k, initialFontName=FONT)
    h = sketch.height

    def xy(x: float, y: float) -> tuple[float, float]:
        return x * k, (h - y) * k

    drawing.add(Rect(0, 0, sketch.width * k, h * k, fillColor=colors.white,
                     strokeColor=colors.grey, strokeWidth=0.5))
    for label in sketch.landmarks:
        x, y = xy(label.at.x, label.at.y)
        drawing.add(String(x, y, label.text, fontName=FONT, fontSize=6.5,
                           fillColor=colors.HexColor("#777777"), textAnchor="middle"))
    for path in sketch.paths:
        points: list[float] = []
        for p in path.points:
            points.extend(xy(p.x, p.y))
        drawing.add(PolyLine(points, strokeColor=colors.HexColor(HALF_COLOURS[path.half]),
                             strokeWidth=1.4, strokeDashArray=[4, 2] if path.half == "pm" else None))
    dx, dy = xy(sketch.depot.x, sketch.depot.y)
    drawing.add(Rect(dx - 4, dy - 4, 8, 8, fillColor=colors.black, strokeColor=None))
    drawing.add(String(dx + 6, dy - 3, sketch.depot_name, fontName=FONT, fontSize=7.5))
    for m in sketch.markers:
        x, y = xy(m.at.x, m.at.y)
        colour = colors.HexColor(HALF_COLOURS[m.half])
        drawing.add(Circle(x, y, 6, fillColor=colors.white, strokeColor=colour, strokeWidth=1.4))
        drawing.add(String(x, y - 2.8, str(m.number), fontName=FONT, fontSize=8,
                           fillColor=colour, textAnchor="middle"))
    sx, sy = xy(10, sketch.height - 10)
    drawing.add(Line(sx, sy, sx + sketch.scale_px * k, sy, strokeWidth=1.2))
    drawing.add(String(sx, sy + 3, scale_text(sketch), fontName=FONT, fontSize=6.5))
    nx, ny = xy(sketch.width - 10, 16)
    drawing.add(String(nx, ny, "↑北", fontName=FONT, fontSize=7.5, textAnchor="end"))
    return drawing


WARN = "#b3261e"
# A table's cells that hold no Paragraph (the empty ones) would set Helvetica, which the
# PDF then names as a font left to the viewer.
CELL_FONT = ("FONTNAME", (0, 0), (-1, -1), FONT)


class WideRow(list):  # type: ignore[type-arg]
    """A row under a stop whose second cell spans the rest of the table (the applicant
    list of a facility stop); `_half_table` spans it."""


def _told(stop: Stop) -> str:
    return f'<font size="{TOLD_SIZE}"><b>{_e(stop.told)}</b></font>'


def _result_cell(stop: Stop, blank: str) -> Paragraph:
    if stop.outcome_recorded:
        taken = f" {stop.applications_taken}件" if stop.status == "visited" else ""
        over = (f"<br/><font color='{WARN}'>{_e(stop.over_booking_note)}</font>"
                if stop.over_booking_note else "")
        return _p(f"<b>{_e(stop.status_label)}{taken}</b>{over}"
                  + (f"<br/>{_e(stop.outcome_notes)}" if stop.outcome_notes else ""), SMALL)
    # The blank "申請　　件" is for writing the count in: a Paragraph folds runs of spaces,
    # full-width ones too, unless they are written as character references.
    return _p(blank.replace("\u3000", "&#x3000;"), SMALL)


APPLICANT_COLUMNS = [7 * mm, 28 * mm, 44 * mm, 10 * mm, 13 * mm, 17 * mm, 26 * mm, 25 * mm]


def _applicant_table(stop: Stop) -> list[Flowable]:
    """A facility stop's applicant list (SPEC §8) as the team needs it on site."""
    yes = f"<font color='{WARN}'><b>%s</b></font>"
    rows: list[list[object]] = [[_p(h, SMALL) for h in (
        "No.", "氏名", "生年月日（訪問日の年齢）", "代筆", "顔認証<br/>カード", "郵送先",
        "新規／再申請の理由", "その他")]]
    for a in stop.applicant_lines:
        rows.append([
            _p(str(a.number), SMALL), _p(_e(a.name), SMALL), _p(_e(a.birth_date), SMALL),
            _p(yes % "要" if a.proxy_writer else "不要", SMALL),
            _p(yes % "希望" if a.face_auth_only else "－", SMALL),
            _p(yes % "施設" if a.deliver_to_facility else "住民登録地", SMALL),
            _p(yes % _e(a.reapplication_reason) if a.reapplication_reason else "新規", SMALL),
            _p(_e(a.other), SMALL)])
    table = Table(rows, colWidths=APPLICANT_COLUMNS, repeatRows=1)
    table.setStyle(TableStyle([
        CELL_FONT, ("GRID", (0, 0), (-1, -1), 0.3, colors.HexColor("#aaaaaa")),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eef1f4")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("TOPPADDING", (0, 0), (-1, -1), 1), ("BOTTOMPADDING", (0, 0), (-1, -1), 1),
        ("LEFTPADDING", (0, 0), (-1, -1), 2), ("RIGHTPADDING", (0, 0), (-1, -1), 2),
    ]))
    return [_p(f"<b>{_e(stop.name)} 申請者リスト（{stop.list_count}名）</b>", SMALL), table]


def _facility_rows(stop: Stop) -> list[list[object]]:
    """A facility stop: the facility, its contact person, the applicant count, the checklist
    and whether the applicant list has arrived; no receipt number, no 様."""
    agreed = f"<br/>施設と調整 <b>{_e(stop.agreed_time)}</b>" if stop.agreed_time else ""
    times = _p(f"計画 {_told(stop)}{agreed}<br/>到着見込 {_e(stop.arrival)}<br/>"
               f"移動 {stop.travel_shown}分<br/>滞在 約{stop.on_site_min}分", TIMES)
    list_colour = "" if stop.list_received else " color='#b3261e'"
    place = _p(
        f"<b>{_e(stop.name)}</b>（福祉施設）<br/>{_e(stop.address)}<br/>"
        f"電話 {_e(stop.phone)}　担当 {_e(stop.contact_person or '－')}<br/>"
        f"申請予定 <b>{stop.applicants}人</b>　"
        f"<font{list_colour}>申請者リスト: {_e(stop.list_state)}</font>"
        + "".join(f"<br/>注意: {_e(n)}" for n in stop.notes))
    confirmed = "".join(f"<br/>{_e(t)}" for t in stop.checklist) or "<br/>確認済みの項目はまだありません"
    missing = (f"<br/><font color='#666666'>未確認: {_e('・'.join(stop.checklist_missing))}</font>"
               if stop.checklist_missing else "")
    checks = _p("準備の確認事項" + confirmed + missing, SMALL)
    result = _result_cell(stop, "□ 訪問済（申請　　件）<br/>□ 当日取消<br/>メモ:")
    rows: list[list[object]] = [[_p(str(stop.number), NUMBER), times, place, checks, result]]
    if stop.applicant_lines:
        rows.append(WideRow(["", _applicant_table(stop), "", "", ""]))
    return rows


def _stop_rows(stop: Stop) -> list[list[object]]:
    if stop.kind == "facility":
        return _facility_rows(stop)
    late = "<br/><font color='#b3261e'>案内時間帯を過ぎる見込み：事前に電話</font>" if stop.late else ""
    times = _p(f"案内 {_told(stop)}<br/>到着見込 {_e(stop.arrival)}<br/>"
               f"移動 {stop.travel_shown}分<br/>滞在 約{stop.on_site_min}分{late}", TIMES)
    conditions = "／".join(f"<font color='{WARN}'>{_e(text)}</font>" if attention else _e(text)
                          for text, attention in stop.conditions)
    born = f"生年月日 {_e(stop.birth_date)}<br/>" if stop.birth_date else ""
    caller = f"予約の電話: {_e(stop.caller)}<br/>" if stop.caller else ""
    eligibility = f"外出困難: {_e(stop.eligibility)}<br/>" if stop.eligibility else ""
    person = _p(
        f"<b>{_e(stop.name)}</b> 様（{_e(stop.name_kana)}）　受付番号 {stop.receipt_no}<br/>"
        f"{_e(stop.address)}<br/>電話 {_e(stop.phone)}　申請 <b>{stop.applicants}人</b>・{_e(stop.application_type)}<br/>"
        f"{caller}{eligibility}状態: {conditions}　{_e(stop.parking)}"
        + "".join(f"<br/>注意: {_e(n)}" for n in stop.notes))
    warning = (f"<br/><font color='{WARN}'><b>{_e(stop.id_warning)}</b></font>"
               if stop.id_warning else "")
    checks = _p(born + "本人確認書類: " + (_e("、".join(stop.id_documents)) or "（未確認）") + warning
                + "".join(f"<br/><b>{_e(t)}</b>" for t in stop.tasks), SMALL)
    result = _result_cell(stop, "□ 訪問済（申請　　件）<br/>□ 不在<br/>□ 当日取消<br/>メモ:")
    return [[_p(str(stop.number), NUMBER), times, person, checks, result]]


# The times column holds "案内 14:30-15:30" on one line at TOLD_SIZE.
COLUMNS = [10 * mm, 30 * mm, 69 * mm, 44 * mm, 33 * mm]


def _half_table(sheet: RouteSheet, half: HalfRoute) -> Table:
    rows: list[list[object]] = [[
        _p(f"<b>{_e(half.label)}</b>　{_e(half.departure)} {_e(sheet.depot.name)} 出発"
           f"　（{len(half.stops)}件・{half.applicants}人）", HEAD), "", "", "", ""]]
    rows.append([_p("No.", SMALL), _p("時間", SMALL), _p("訪問先", SMALL),
                 _p("確認・持ち帰るもの", SMALL), _p("結果", SMALL)])
    for stop in half.stops:
        rows.extend(_stop_rows(stop))
    rows.append([_p(f"{_e(half.return_at)} {_e(sheet.depot.name)} 帰着見込"
                    f"（移動 {half.return_travel_shown}分）", BASE), "", "", "", ""])
    table = Table(rows, colWidths=COLUMNS, repeatRows=2)
    wide = [("SPAN", (1, i), (-1, i)) for i, row in enumerate(rows) if isinstance(row, WideRow)]
    table.setStyle(TableStyle([
        *wide, CELL_FONT, ("SPAN", (0, 0), (-1, 0)), ("SPAN", (0, -1), (-1, -1)),
        ("GRID", (0, 1), (-1, -2), 0.4, colors.HexColor("#888888")),
        ("BACKGROUND", (0, 1), (-1, 1), colors.HexColor("#eef1f4")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("TOPPADDING", (0, 0), (-1, -1), 2), ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
        ("LEFTPADDING", (0, 0), (-1, -1), 3), ("RIGHTPADDING", (0, 0), (-1, -1), 3),
    ]))
    return table


def _summary(sheet: RouteSheet) -> list[Flowable]:
    lines = [f"出発・帰着: {_e(sheet.depot.name)}"]
    for half in sheet.halves:
        lines.append(f"{_e(half.label)}: {_e(half.departure)} 出発 → {len(half.stops)}件 → "
                     f"{_e(half.return_at)} 帰着見込")
    if not sheet.halves:
        lines.append("この日の訪問予定はありません。")
    lines.append("略図: □ 市役所、○ 訪問順（午前 実線・午後 破線）")
    return [_p("<br/>".join(lines), BASE)]


def render_pdf(sheet: RouteSheet, printed_by: str, printed_at: str,
               font_path: str = BaseConfig.ROUTE_SHEET_FONT) -> bytes:
    """The sheet as PDF bytes; the footer names who printed it and when (Japan time); the
    Japanese text in the font file at `font_path` (see use_font)."""
    use_font(font_path)
    buffer = io.BytesIO()
    title = f"訪問ルート表 {jp_date(sheet.date, year=True)} 第{sheet.team}班"
    doc = SimpleDocTemplate(
        buffer, pagesize=A4, leftMargin=12 * mm, rightMargin=12 * mm, topMargin=11 * mm,
        bottomMargin=14 * mm, title=title, author=sheet.season_title,
        initialFontName=FONT,  # else each page starts in Helvetica, a font the PDF does not need
    )
    header = Table(
        [[[_p(_e(title), TITLE), _p(_e(sheet.season_title), SMALL), Spacer(0, 3 * mm),
           *_summary(sheet)],
          sketch_drawing(build_sketch(sheet), 86 * mm)]],
        colWidths=[doc.width - 88 * mm, 88 * mm],
    )
    header.setStyle(TableStyle([CELL_FONT, ("VALIGN", (0, 0), (-1, -1), "TOP"),
                                ("LEFTPADDING", (0, 0), (-1, -1), 0)]))
    story: list[Flowable] = [header, Spacer(0, 3 * mm)]
    for half in sheet.halves:
        story.extend([_half_table(sheet, half), Spacer(0, 3 * mm)])

    printed = f"出力: {printed_by}　{printed_at}"
    day = f"{jp_date(sheet.date, year=True)} 第{sheet.team}班"

    def on_page(canvas: Canvas, document: SimpleDocTemplate) -> None:
        canvas.saveState()
        canvas.setFont(FONT, 6.5)
        canvas.drawString(12 * mm, 9 * mm, printed)
        canvas.drawString(12 * mm, 5.5 * mm, NOTICE)
        canvas.restoreState()

    doc.build(story, onFirstPage=on_page, onLaterPages=on_page,
              canvasmaker=_numbered_canvas(f"訪問ルート表 {day}", day))
    return buffer.getvalue()


def _numbered_canvas(title: str, day: str) -> type[Canvas]:
    """A canvas that holds every page until the end, so that each page can name the day and
    team and say "N / M ページ": a sheet that runs onto a second page is still read, and
    filed, as one. Pages after the first also get a running head (the first has the title)."""

    class NumberedCanvas(Canvas):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._held: list[dict[str, Any]] = []

        def showPage(self) -> None:  # noqa: N802 (reportlab's name)
            self._held.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._held)
            for state in self._held:
                self.__dict__.update(state)
                self._page_marks(total)
                super().showPage()
            super().save()

        def _page_marks(self, total: int) -> None:
            number = self.getPageNumber()
            self.saveState()
            self.setFont(FONT, 8)
            self.drawRightString(A4[0] - 12 * mm, 9 * mm, f"{day}　{number} / {total} ページ")
            if number > 1:
                self.drawString(12 * mm, A4[1] - 8 * mm, f"{title}（続き）")
                self.drawRightString(A4[0] - 12 * mm, A4[1] - 8 * mm, f"{number} / {total} ページ")
            self.restoreState()

    return NumberedCanvas
