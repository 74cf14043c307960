"""The operator's intake page (SPEC §6-§7, issue 5 §1-§2): every rule the form enforces,
bad input kept and marked, offers with reasons, booking an offer."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import replace
from typing import Any

import pytest
from sqlalchemy import func, select

from app.bookings import texts
from app.bookings.models import Booking
from app.bookings.operations import Slot, reserve
from app.dates import jp_date
from solver.season import SeasonConfig
from tests.app.test_bookings_reserve import INAHO, TODAY, ZENIBAKO, intake
from tests.conftest import make_user

URL = "/operator/bookings/new"


def answers(**changes: Any) -> dict[str, Any]:
    """A complete, valid call: the applicant herself, 稲穂2丁目 by coordinates."""
    data: dict[str, Any] = {
        "caller_relationship": "self",
        "name": "小樽 花子", "name_kana": "オタル ハナコ", "birth_date": "1942-05-10",
        "phone": "0134-22-1234", "address": "小樽市稲穂2丁目", "lat": INAHO[0], "lng": INAHO[1],
        "eligibility": "age75", "eligibility_detail": "足が悪く外出が難しい",
        "applicants": 1, "application_type": "new",
        "wish_from": "2026-06-22", "wish_to": "2026-07-31",
        "id_documents": ["health_insurance"],
        "can_photo": "yes", "can_write": "yes", "helper_present": "yes", "parking": "yes",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def errors_of(page: str) -> str:
    return " ".join(re.findall(r'class="field-error">(.*?)</p>', page, flags=re.S)) or page[:2000]


def booking_count(db) -> int:
    return db.scalar(select(func.count()).select_from(Booking))


def test_the_page_asks_every_question_of_spec_7(operator_client, season):
    page = operator_client.get(URL).get_data(as_text=True)
    for name in ("caller_relationship", "name", "name_kana", "birth_date", "phone", "address",
                 "eligibility", "eligibility_detail", "application_type", "applicants",
                 "wish_from", "wish_to", "wish_weekdays", "wish_half", "id_documents",
                 "can_photo", "can_write", "helper_present", "parking", "visit_notes",
                 "other_notes"):
        assert f'name="{name}"' in page, name
    for script in (texts.RENEWAL_SCRIPT, texts.LOST_SCRIPT, texts.REFUSE_CALLER_SCRIPT):
        assert script[:20] in page


@pytest.mark.parametrize(("changes", "field", "reason"), [
    ({"caller_relationship": "other"}, "caller_relationship", "ご本人様、同居のご家族"),
    ({"caller_relationship": "relative"}, "caller_name", "電話をかけている方の氏名"),
    ({"name": ""}, "name", "申請希望者の氏名を入力してください"),
    ({"name_kana": "Otaru"}, "name_kana", "カタカナ"),
    ({"phone": "12345"}, "phone", "連絡先電話番号: 形式が正しくありません"),
    ({"birth_date": "2030-01-01"}, "birth_date", "未来"),
    ({"birth_date": "1990-01-01"}, "eligibility", "歳のため"),
    ({"address": ""}, "address", "住所を入力してください"),
    ({"lng": None}, "lat", "緯度と経度は両方"),
    ({"lat": 35.0, "lng": 139.0}, "lat", "緯度・経度（35.0, 139.0）は小樽市の区域外です"),
    ({"lat": 43.0687, "lng": 141.3508}, "lat", "小樽市の区域外です（最も近い小樽市の町「銭函"),
    ({"lat": "nan", "lng": 141.0}, "lat", "緯度が範囲外です"),
    ({"applicants": 0}, "applicants", "1〜20"),
    ({"application_type": "renewal"}, "has_shikaku_kakuninsho", "資格確認書"),
    ({"application_type": "lost"}, "card_suspended", "一時停止"),
    ({"wish_from": "2026-08-01", "wish_to": "2026-07-01"}, "wish_to", "終わりが始まりより前"),
    ({"id_documents": None}, "id_documents", "本人確認書類"),
    # 004 §8(2)オ(ア) e: the old card identifies renewals; a first application has none.
    ({"id_documents": ["old_mynumber", "pension_book"]}, "id_documents",
     "用意できる本人確認書類: 新規申請では「旧マイナンバーカード」は選べません"),
    ({"parking": None}, "parking", "駐車スペース"),
    ({"eligibility_detail": ""}, "eligibility_detail", "外出困難な事情"),
])
def test_bad_input_is_refused_naming_the_field_and_keeping_the_answers(
        operator_client, db, season, changes, field, reason):
    response = operator_client.post_form(URL, answers(**changes))
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert reason in page
    block = page.split(f'data-field="{field}"', 1)[1].split("data-field=", 1)[0]
    assert reason in block, (field, block[:500])
    # what the operator typed is still there
    kept = answers(**changes)
    if kept.get("name"):
        assert f'value="{kept["name"]}"' in page
    if changes.get("lat") == 35.0:
        assert 'value="35.0"' in page and 'value="139.0"' in page
        assert 'name="offer"' not in page  # no offers for a place outside the city
    assert booking_count(db) == 0


def test_full_width_phone_numbers_are_accepted_and_normalised(operator_client, season):
    response = operator_client.post_form(URL, answers(phone="０１３４－２２－１２３４"))
    assert response.status_code == 200, errors_of(response.get_data(as_text=True))
    assert 'value="0134-22-1234"' in response.get_data(as_text=True)


def test_renewal_and_lost_cards_get_their_talk_scripts_in_the_answer_page(operator_client, season):
    page = operator_client.post_form(
        URL, answers(application_type="lost", card_suspended="no")).get_data(as_text=True)
    assert "2,000円" in page and "お釣り" in page


def test_a_search_offers_dates_in_the_wish_window_with_reasons_for_the_others(
        app, operator_client, season):
    app.config["APP_TODAY"] = dt.date(2026, 6, 10)  # days before 6/24 are inside the lead time
    response = operator_client.post_form(URL, answers(wish_from="2026-06-15",
                                                      wish_to="2026-07-15"))
    page = response.get_data(as_text=True)
    assert response.status_code == 200, errors_of(page)
    offers = re.findall(r'name="offer" value="(\d{4}-\d{2}-\d{2})\|(am|pm)\|', page)
    assert offers
    for date, _half in offers:
        assert dt.date(2026, 6, 15) <= dt.date.fromisoformat(date) <= dt.date(2026, 7, 15)
    # days before the two-week lead time are summarised in one line, not listed one by one
    lead = texts.reason_label("lead_time", SeasonConfig().rules)
    assert f'id="closed-until">6月23日（火）までの訪問日は{lead}。</p>' in page
    assert all(d >= "2026-06-24" for d, _why in reason_rows(page))
    assert all(d >= "2026-06-24" for d, _h in offers)


WEEKDAY_NAMES = "月火水木金土日"


def reason_rows(page: str) -> list[tuple[str, str]]:
    """(ISO date, reasons) of the reason table's day rows (shown as 「6月24日（水）」 in 2026)."""
    return [(f"2026-{int(m):02d}-{int(d):02d}", why) for m, d, why in re.findall(
        r"<tr><td>(\d{1,2})月(\d{1,2})日（.）</td><td>([^<]*)</td></tr>", page)]


def offer_rows(page: str) -> list[tuple[str, str, str, str]]:
    """(date, half, おすすめ mark, 希望 note) of each offer row, in page order."""
    rows = re.findall(r'<tr class="offer"[^>]*>(.*?)</tr>', page, flags=re.S)
    found = []
    for row in rows:
        date, half = re.search(r'name="offer" value="([^|]+)\|(am|pm)\|', row).groups()
        note = re.sub(r"<[^>]+>", "", re.search(r'class="wish-note">(.*?)</td>', row).group(1))
        found.append((date, half, "おすすめ" if "おすすめ" in row else "", note))
    return found


def md(day: dt.date) -> str:
    return jp_date(day)


def home_days(season: Any) -> list[dt.date]:
    return sorted(d.date for d in season.visit_days if d.kind == "home")


def test_a_period_without_visit_days_names_the_earliest_free_slot_and_summarises_closed_days(
        app, operator_client, season):
    days = sorted(d.date for d in season.visit_days)
    # a gap of 3+ days between two visit days in September; "today" puts the whole gap and
    # the next visit day inside the two-week lead time, as on the 9/15-9/23 call of the review
    before, after = next((a, b) for a, b in zip(days, days[1:], strict=False)
                         if a.month == 9 and (b - a).days >= 3)
    today = after - dt.timedelta(days=10)
    app.config["APP_TODAY"] = today
    bookable = today + dt.timedelta(days=14)
    earliest = min(d for d in home_days(season) if d >= bookable)
    page = operator_client.post_form(URL, answers(
        wish_from=(before + dt.timedelta(days=1)).isoformat(),
        wish_to=(after - dt.timedelta(days=1)).isoformat())).get_data(as_text=True)
    assert 'name="offer"' not in page
    assert "この期間に訪問日はありません。" in page
    assert re.search(rf'最も早い空き</span>は<strong id="nearest-first">{re.escape(md(earliest))}午前 ',
                     page), page[page.find('id="no-offers"'):][:800]
    closed = bookable - dt.timedelta(days=1)
    lead = texts.reason_label("lead_time", SeasonConfig().rules)
    assert f"{jp_date(closed)}までの訪問日は{lead}。" in page
    # only the days around the period are listed, none of the closed ones one by one
    rows = reason_rows(page)
    assert len(rows) <= 2 and all(d >= bookable.isoformat() for d, _why in rows)
    assert lead not in " ".join(why for _d, why in rows)


def test_a_period_inside_the_lead_time_hints_the_earliest_bookable_slot(app, operator_client,
                                                                        season):
    app.config["APP_TODAY"] = today = dt.date(2026, 9, 10)
    earliest = min(d for d in home_days(season) if d >= today + dt.timedelta(days=14))
    page = operator_client.post_form(URL, answers(
        wish_from="2026-09-11", wish_to="2026-09-23")).get_data(as_text=True)
    assert "希望の期間に案内できる日時がありません。" in page
    assert f'<strong id="nearest-first">{md(earliest)}午前 ' in page
    assert 'id="closed-until">9月23日（水）までの訪問日は' in page and reason_rows(page) == []


def test_the_nearest_places_are_the_earliest_only_when_all_come_after_the_period():
    """One decision between 「最も早い空き」 and 「ご希望の期間に最も近い空き」, shared by the
    intake (search_offers) and the facility scheduling page (facility_offers)."""
    from app.bookings.offers import nearest_after
    from solver.policy import Offer
    from solver.season import Wish

    def place(day: int) -> Offer:
        return Offer(date=dt.date(2026, 9, day), half="am", team=1, position=1, eta="10:00",
                     wish_met=False, travel_from_previous_min=None)

    period = Wish(date_from=dt.date(2026, 9, 14), date_to=dt.date(2026, 9, 18))
    assert nearest_after(period, [place(24), place(25)])
    assert not nearest_after(period, [place(24), place(11)])
    assert nearest_after(Wish(date_to=dt.date(2026, 9, 18)), [place(24), place(11)])
    assert nearest_after(period, [])


def test_an_offered_day_says_why_its_other_half_is_not_offered(operator_client, db, season):
    day = min(d for d in home_days(season) if d >= TODAY + dt.timedelta(days=14))
    other = make_user(db, "operator", "other")
    reserve(db, season, intake(ZENIBAKO, name="銭函の先客"), Slot(day, "am", 1, 1), other.id,
            today=TODAY)
    db.commit()
    page = operator_client.post_form(URL, answers(
        wish_from=day.isoformat(), wish_to=day.isoformat(), wish_half="am")).get_data(as_text=True)
    assert [(d, h) for d, h, _mark, _note in offer_rows(page)] == [(day.isoformat(), "pm")]
    travel = texts.reason_label("travel_cap", SeasonConfig().rules)
    assert (f'<tr data-half="am"><td>{jp_date(day)}午前</td>'
            f"<td>{travel}</td></tr>") in page
    assert reason_rows(page) == []  # the day itself is offered: no day row


def test_offers_missing_a_wish_are_ranked_and_marked_by_the_wishes_they_meet(
        operator_client, db, season):
    days = [d for d in home_days(season) if d >= dt.date(2026, 6, 22)]
    first = days[0]
    second = next(d for d in days if d.weekday() != first.weekday())
    other = make_user(db, "operator", "other")
    for position in (1, 2):  # the wished weekday's morning is full
        reserve(db, season, intake(INAHO, name=f"先客{position}"),
                Slot(second, "am", 1, position), other.id, today=TODAY)
    db.commit()
    page = operator_client.post_form(URL, answers(
        wish_from=first.isoformat(), wish_to=second.isoformat(),
        wish_weekdays=[str(second.weekday())], wish_half="am")).get_data(as_text=True)
    rows = offer_rows(page)
    assert rows[0][2] == "おすすめ" and all(mark == "" for _d, _h, mark, _n in rows[1:])
    notes = {(d, h): note for d, h, _mark, note in rows}
    assert notes[(second.isoformat(), "pm")] == "曜日○・午前午後×"
    assert notes[(first.isoformat(), "am")] == "曜日×・午前午後○"
    assert notes[(first.isoformat(), "pm")] == "曜日×・午前午後×"
    # after the recommendation: the partial matches, then the rest
    missed = [note.count("×") for _d, _h, _mark, note in rows[1:]]
    assert missed == sorted(missed)
    assert "希望に合う順" in page


def test_without_wishes_the_offers_read_in_date_order(operator_client, season):
    page = operator_client.post_form(URL, answers()).get_data(as_text=True)
    rows = offer_rows(page)
    assert len(rows) > 3 and rows[0][2] == "おすすめ"
    rest = [(d, h) for d, h, _mark, _note in rows[1:]]
    assert rest == sorted(rest)
    assert {note for _d, _h, _mark, note in rows} == {"指定なし"}
    assert "（日付順）" in page


def wish_cells(page: str) -> list[str]:
    """The 希望 cells of the offer rows, markup and all (a greyed note is a span.muted)."""
    return re.findall(r'<td[^>]* class="wish-note">(.*?)</td>', page)


def test_without_wishes_no_offer_is_greyed(operator_client, season):
    """An offer is greyed when it misses a wish the caller gave; with none given, no offer
    misses one (the policy's `meets_wishes` is false for every such offer: not the test)."""
    cells = wish_cells(operator_client.post_form(URL, answers()).get_data(as_text=True))
    assert len(cells) > 3 and set(cells) == {"指定なし"}
    page = operator_client.post_form(URL, answers(wish_half="pm")).get_data(as_text=True)
    for row in re.findall(r'<tr class="offer"[^>]*>(.*?)</tr>', page, flags=re.S):
        half = re.search(r'name="offer" value="[^|]+\|(am|pm)\|', row).group(1)
        assert wish_cells(row) == (["希望どおり"] if half == "pm"
                                   else ['<span class="muted">午前午後×</span>'])


def test_offers_that_meet_the_wishes_come_first(operator_client, season):
    page = operator_client.post_form(URL, answers(wish_half="pm")).get_data(as_text=True)
    halves = re.findall(r'name="offer" value="[^|]+\|(am|pm)\|', page)
    assert halves and halves[0] == "pm"
    assert "pm" in halves and ("am" not in halves or halves.index("am") > halves.index("pm"))


def test_booking_an_offer_saves_it_and_shows_it_in_the_reception_list(operator_client, db, season):
    page = operator_client.post_form(URL, answers()).get_data(as_text=True)
    key = re.search(r'name="offer" value="([^"]+)"', page).group(1)
    response = operator_client.post_form(URL, answers(offer=key))
    assert response.status_code == 302, errors_of(response.get_data(as_text=True))
    booking = db.scalar(select(Booking))
    assert booking.name == "小樽 花子" and booking.receipt_no == 1
    assert booking.visit_date.isoformat() == key.split("|")[0]
    listing = operator_client.get("/operator/bookings/").get_data(as_text=True)
    assert f'data-booking="{booking.id}"' in listing


def test_a_slot_taken_meanwhile_is_refused_with_fresh_offers(operator_client, db, season):
    page = operator_client.post_form(URL, answers(lat=ZENIBAKO[0], lng=ZENIBAKO[1])).get_data(
        as_text=True)
    key = re.search(r'name="offer" value="([^"]+)"', page).group(1)
    date, half, team, _position, _route = key.split("|")
    other = make_user(db, "operator", "other")
    for position in (1, 2):  # another operator fills that half-day first
        reserve(db, season, intake(ZENIBAKO, name=f"先客{position}"),
                Slot(dt.date.fromisoformat(date), half, int(team), position), other.id,
                today=TODAY)
    db.commit()
    response = operator_client.post_form(URL, answers(lat=ZENIBAKO[0], lng=ZENIBAKO[1], offer=key))
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "この枠は予約できませんでした" in page
    assert autofocused(page)[0] == '<strong tabindex="-1" data-autofocus>'  # the refusal first
    fresh = re.findall(r'name="offer" value="([^"]+)"', page)
    assert fresh and not [k for k in fresh if k.startswith(f"{date}|{half}|")]
    assert db.scalar(select(func.count()).select_from(Booking)
                     .where(Booking.name == "小樽 花子")) == 0


def test_an_address_is_placed_by_the_gazetteer_and_the_match_is_shown(operator_client, season):
    response = operator_client.post_form(URL, answers(lat=None, lng=None,
                                                      address="小樽市稲穂２丁目５－１"))
    page = response.get_data(as_text=True)
    assert response.status_code == 200, errors_of(page)
    assert 'id="location"' in page and "稲穂" in page and "丁目まで一致" in page


def test_an_unknown_address_is_refused_on_the_address_field(operator_client, db, season):
    response = operator_client.post_form(URL, answers(lat=None, lng=None, address="札幌市中央区北1条"))
    assert response.status_code == 422
    assert booking_count(db) == 0
    assert 'value="札幌市中央区北1条"' in response.get_data(as_text=True)


def test_a_second_call_for_the_same_person_is_warned_of_the_first_booking(
        operator_client, db, season):
    page = operator_client.post_form(URL, answers()).get_data(as_text=True)
    assert 'id="same-person"' not in page
    key = re.search(r'name="offer" value="([^"]+)"', page).group(1)
    assert operator_client.post_form(URL, answers(offer=key)).status_code == 302
    first = db.scalar(select(Booking))
    again = operator_client.post_form(URL, answers(name="小樽　花子")).get_data(as_text=True)  # full-width space
    assert 'id="same-person"' in again
    assert same_person_links(again) == [(f"/operator/bookings/{first.id}", str(first.receipt_no))]
    sister = operator_client.post_form(URL, answers(birth_date="1944-01-02")).get_data(
        as_text=True)
    assert 'id="same-person"' not in sister


def same_person_links(page: str) -> list[tuple[str, str]]:
    """(href, text) of the links in the same-person warning; each must open in a new tab so
    the answers typed into the intake form stay."""
    warning = re.search(r'id="same-person">(.*?)</div>', page, flags=re.S)
    assert warning, "no same-person warning"
    links = re.findall(r"<a ([^>]*)>(.*?)</a>", warning.group(1))
    for attributes, _text in links:
        assert 'target="_blank"' in attributes and 'rel="noopener"' in attributes, attributes
    return [(re.search(r'href="([^"]+)"', a).group(1), text) for a, text in links]


def test_the_same_person_warning_links_each_of_that_persons_slips(operator_client, db, season):
    """Two earlier bookings for the caller's person around someone else's: the warning links
    exactly those two slips, each by its own receipt number."""
    user = make_user(db, "operator", "other-operator")
    days = sorted(d.date for d in season.visit_days
                  if d.kind == "home" and d.date >= dt.date(2026, 6, 22))
    born = dt.date(1942, 5, 10)  # as in answers()
    callers = [("小樽 花子", born), ("小樽 次郎", dt.date(1950, 1, 1)),
               ("オタル ハナコ", born), ("小樽花子", born)]  # the 1st and the 4th are her
    booked = [reserve(db, season, replace(intake(INAHO, name=name), birth_date=birth),
                      Slot(day, "am", 1, 1), user.id, today=TODAY)
              for day, (name, birth) in zip(days, callers, strict=False)]
    db.commit()
    ours = [booked[0], booked[3]]

    page = operator_client.post_form(URL, answers()).get_data(as_text=True)

    assert same_person_links(page) == [
        (f"/operator/bookings/{b.id}", str(b.receipt_no)) for b in ours]
    slip = operator_client.get(f"/operator/bookings/{ours[1].id}").get_data(as_text=True)
    assert f"<title>受付票 {ours[1].receipt_no} |" in slip and "小樽花子" in slip


def test_names_compare_without_spaces_and_across_character_widths():
    from app.bookings.records import fold_name

    assert fold_name("ｵﾀﾙ ﾊﾅｺ") == fold_name("オタル　ハナコ") == "オタルハナコ"
    assert fold_name("小樽 花子") != fold_name("小樽 花")


def test_a_refused_caller_is_not_also_asked_for_their_name(operator_client, season):
    """Someone who may not book (SPEC §6) gets the refusal, not a contradictory request to
    give their name as if the booking could go on."""
    response = operator_client.post_form(URL, answers(caller_relationship="other"))
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and texts.REFUSE_CALLER_SCRIPT[:30] in page
    assert "電話をかけている方の氏名を入力してください" not in page
    relative = operator_client.post_form(URL, answers(caller_relationship="relative"))
    assert "電話をかけている方の氏名を入力してください" in relative.get_data(as_text=True)


@pytest.mark.parametrize(("address", "flagged"), [
    ("小樽市銭函", True),            # a town with 丁目, none given: a point km off
    ("小樽市銭函2丁目5-3", False),   # its 丁目 point
    ("小樽市相生町3-1", False),      # a town without 丁目: its point is all there is
])
def test_a_town_placed_without_its_chome_asks_for_the_chome(operator_client, season, address,
                                                            flagged):
    page = operator_client.post_form(URL, answers(address=address, lat=None, lng=None)
                                     ).get_data(as_text=True)
    location = re.search(r'id="location">(.*?)</p>', page, flags=re.S).group(1)
    assert ("丁目（1〜" in location and "を確認してください" in location) == flagged, location

# --- a caller on the line: marks, the birth date said back, half-width kana, focus --------------

def test_required_fields_are_marked_from_their_validators(app, operator_client, season):
    """「必須」 next to exactly the answers the form's validators require; the form keeps
    `novalidate`, so the browser leaves the checking (and its Japanese messages) to the server."""
    from wtforms.validators import DataRequired, InputRequired

    from app.bookings.forms import IntakeForm, RequiredUnlessFacilityCaller

    page = operator_client.get(URL).get_data(as_text=True)
    assert re.search(r'<form [^>]*novalidate[^>]*id="intake-form"', page)
    marked = set(re.findall(r'data-field="([^"]+)"[^>]*>\s*<(?:label|legend) [^>]*>[^<]*'
                            r'<span class="required-badge">必須</span></(?:label|legend)>', page))
    with app.test_request_context():
        form = IntakeForm(meta={"csrf": False})
    required = {f.name for f in form
                if any(isinstance(v, InputRequired | DataRequired | RequiredUnlessFacilityCaller)
                       for v in f.validators)}
    assert marked == required
    assert {"name", "name_kana", "birth_date", "phone", "caller_relationship",
            "id_documents"} <= marked
    assert not marked & {"caller_name", "visit_notes", "wish_from", "lat"}
    # and the controls say so to a screen reader
    assert re.search(r'<input [^>]*id="name"[^>]*required', page)
    assert re.search(r'<fieldset [^>]*data-field="caller_relationship"[^>]*>\s*'
                     r'<legend id="caller_relationship-label">', page)
    assert re.search(r'<input id="caller_relationship-0"[^>]*required', page)


def test_the_error_summary_links_each_line_to_its_field(operator_client, season):
    response = operator_client.post_form(URL, answers(name="", caller_relationship=None,
                                                      id_documents=None))
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    summary = re.search(r'<div class="errors" role="alert">(.*?)</div>', page, flags=re.S)[1]
    assert '<strong tabindex="-1" data-autofocus>入力内容を確認してください。</strong>' in summary
    links = dict(re.findall(r'<a href="#([^"]+)">(.*?)</a>', summary))
    assert links["name"] == "申請希望者の氏名を入力してください。"
    assert links["caller_relationship-0"] == "電話をかけている方を選んでください。"  # 1st choice
    assert "本人確認書類" in links["id_documents-0"]
    for target in links:
        assert f'id="{target}"' in page
    assert autofocused(page) == [  # no offers: the summary takes the focus
        '<strong tabindex="-1" data-autofocus>']


def autofocused(page: str) -> list[str]:
    """The tags base.html's script focuses on load (the first of them)."""
    return re.findall(r"<\w+ [^>]*data-autofocus[^>]*>", page)


def test_after_a_search_the_offers_heading_takes_the_focus(operator_client, season):
    page = operator_client.post_form(URL, answers()).get_data(as_text=True)
    assert autofocused(page) == [
        '<h2 id="offers-title" tabindex="-1" data-autofocus>']


@pytest.mark.parametrize("typed", ["昭和17年5月10日", "S17.5.10", "昭17.5.10", "１９４２／５／１０",
                                   "19420510", "昭和十七年五月十日"])
def test_a_birth_date_is_read_as_the_caller_says_it_and_said_back(operator_client, db, season,
                                                                  typed):
    response = operator_client.post_form(URL, answers(birth_date=typed))
    page = response.get_data(as_text=True)
    assert response.status_code == 200, errors_of(page)
    assert f'value="{typed}"' in page  # shown as typed
    echo = re.search(r'<p class="echo" id="birth_date-echo" aria-live="polite">(.*?)</p>', page)
    assert echo and echo[1] == "1942年5月10日（昭和17年）・84歳"  # today is 2026-06-01
    key = re.search(r'name="offer" value="([^"]+)"', page)[1]
    assert operator_client.post_form(URL, answers(birth_date=typed, offer=key)).status_code == 302
    assert db.scalar(select(Booking)).birth_date == dt.date(1942, 5, 10)


@pytest.mark.parametrize(("typed", "message"), [
    ("昭和64年1月8日", "生年月日: 昭和64年1月8日はありません（昭和は元年12月25日から64年1月7日まで）。"),
    ("5月10日", "生年月日: 形式が正しくありません。「昭和19年3月15日」「S19.3.15」"),
    ("令和9年1月1日", "生年月日が未来の日付になっています。"),
])
def test_a_birth_date_that_cannot_be_read_says_how_to_type_it(operator_client, db, season, typed,
                                                              message):
    response = operator_client.post_form(URL, answers(birth_date=typed))
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in errors_of(page)
    assert f'value="{typed}"' in page
    assert '<p class="echo" id="birth_date-echo" aria-live="polite"></p>' in page
    assert booking_count(db) == 0


def test_the_birth_date_is_a_text_box_not_a_date_picker(operator_client, season):
    page = operator_client.get(URL).get_data(as_text=True)
    box = re.search(r'<input [^>]*id="birth_date"[^>]*>', page)[0]
    assert 'type="text"' in box and 'data-today="2026-06-01"' in box and "昭和" in box
    assert 'aria-describedby="birth_date-help birth_date-echo"' in box and "required" in box


@pytest.mark.parametrize("typed", ["ｵﾀﾙ ﾊﾅｺ", "おたる はなこ", "ｵﾀﾙ　ﾊﾅｺ", "オタル ﾊﾅｺ"])
def test_half_width_kana_and_hiragana_are_stored_as_full_width_katakana(operator_client, db,
                                                                        season, typed):
    page = operator_client.post_form(URL, answers(name_kana=typed)).get_data(as_text=True)
    assert 'value="オタル ハナコ"' in page, errors_of(page)
    key = re.search(r'name="offer" value="([^"]+)"', page)[1]
    assert operator_client.post_form(URL, answers(name_kana=typed, offer=key)).status_code == 302
    assert db.scalar(select(Booking)).name_kana == "オタル ハナコ"


def test_voiced_half_width_kana_join_into_one_letter():
    from app.bookings.forms import to_katakana

    assert to_katakana("ｶﾞｸ ﾊﾟﾝﾀﾞ ｰ") == "ガク パンダ ー"
    assert to_katakana("ぢゅうゔぁゝ") == "ヂュウヴァヽ"
    assert to_katakana(None) is None


def test_the_same_person_warning_is_repeated_beside_the_offers(operator_client, db, season):
    page = operator_client.post_form(URL, answers()).get_data(as_text=True)
    key = re.search(r'name="offer" value="([^"]+)"', page)[1]
    assert operator_client.post_form(URL, answers(offer=key)).status_code == 302
    again = operator_client.post_form(URL, answers()).get_data(as_text=True)
    offers = again.split('id="offers"', 1)[1]
    assert 'id="same-person-offers"' in offers and 'href="#same-person"' in offers

# --- identity documents: one with a face photo, or two without (texts.ID_DOCUMENTS_SCRIPT) ---

@pytest.mark.parametrize(("documents", "application_type", "warning"), [
    (["driver_license"], "new", ""),
    (["disability_cert"], "lost", ""),
    (["health_insurance", "pension_book"], "new", ""),
    (["health_insurance", "other"], "new", ""),
    (["health_insurance"], "new", "写真なし書類1点のみ：もう1点要確認"),
    (["pension_book"], "lost", "写真なし書類1点のみ：もう1点要確認"),
    (["other"], "new", "「その他」の書類1点のみ：顔写真付きでなければもう1点要確認"),
    ([], "new", "本人確認書類が未確認：顔写真付き1点か、写真なし2点が必要"),
    (None, "new", "本人確認書類が未確認：顔写真付き1点か、写真なし2点が必要"),
    (["health_insurance"], "renewal", ""),  # verified with the old card (SPEC §7 e)
    (["old_mynumber"], "renewal", ""),
    # ... which a new application does not have (one saved before the intake refused it).
    (["old_mynumber"], "new", "本人確認書類が未確認：顔写真付き1点か、写真なし2点が必要"),
    (["old_mynumber", "pension_book"], "new", "写真なし書類1点のみ：もう1点要確認"),
])
def test_documents_without_a_photo_need_two(documents, application_type, warning):
    assert texts.id_documents_shortfall(documents, application_type) == warning


def test_the_offers_warn_of_a_single_document_without_a_photo_but_still_book(
        operator_client, db, season):
    """The operator hears it while the caller is on the line; it is a warning, not a refusal."""
    page = operator_client.post_form(URL, answers(id_documents=["pension_book"])).get_data(
        as_text=True)
    warning = page.split('id="id-documents-warning"')[1].split("</p>")[0]
    assert "写真なし書類1点のみ：もう1点要確認" in warning and "予約はこのままでもできます" in warning
    key = re.search(r'name="offer" value="([^"]+)"', page).group(1)
    response = operator_client.post_form(URL, answers(id_documents=["pension_book"], offer=key))
    assert response.status_code == 302
    assert db.scalar(select(Booking)).details["id_documents"] == ["pension_book"]
    for enough in (answers(id_documents=["driver_license"]),
                   answers(id_documents=["health_insurance", "pension_book"]),
                   answers(application_type="renewal", has_shikaku_kakuninsho="yes")):
        assert 'id="id-documents-warning"' not in operator_client.post_form(URL, enough).get_data(
            as_text=True)


def test_the_old_card_is_an_identity_document_of_a_renewal(operator_client, db, season):
    renewal = answers(application_type="renewal", has_shikaku_kakuninsho="yes",
                      id_documents=["old_mynumber"])
    page = operator_client.post_form(URL, renewal).get_data(as_text=True)
    assert "旧マイナンバーカード" not in errors_of(page) and 'id="id-documents-warning"' not in page
    key = re.search(r'name="offer" value="([^"]+)"', page).group(1)
    assert operator_client.post_form(URL, {**renewal, "offer": key}).status_code == 302
    assert db.scalar(select(Booking)).details["id_documents"] == ["old_mynumber"]
