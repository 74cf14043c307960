"""The offline Otaru gazetteer: real-world spellings, bad inputs and their messages."""

from __future__ import annotations

import csv

import pytest

from routing.gazetteer import CITY_AREA_MARGIN_KM, FIXTURE, default_gazetteer
from routing.locate import LocateError, Location, check_in_area, locate_address
from routing.normalize import fold, kanji_to_int, numbers_and_dashes
from solver.season import Depot


def fixture_rows() -> dict[tuple[str, str], tuple[float, float]]:
    with FIXTURE.open(encoding="utf-8", newline="") as handle:
        return {(r["town"], r["chome"]): (float(r["lat"]), float(r["lng"]))
                for r in csv.DictReader(handle)}


ROWS = fixture_rows()

# (typed, town, chome or "" for town precision)
SPELLINGS: list[tuple[str, str, str]] = [
    ("小樽市稲穂2丁目5-1", "稲穂", "2"),
    ("北海道小樽市稲穂2丁目5番1号", "稲穂", "2"),
    ("稲穂二丁目", "稲穂", "2"),
    ("稲穂２丁目", "稲穂", "2"),
    ("稲穂 2 丁目 5-1", "稲穂", "2"),
    ("北海道　小樽市　稲穂２－５－１", "稲穂", "2"),
    ("稲穂2-5-1", "稲穂", "2"),
    ("稲穂2ー5ー1", "稲穂", "2"),
    ("稲穂2−5−1", "稲穂", "2"),
    ("〒047-0032 北海道小樽市稲穂2丁目5-1", "稲穂", "2"),
    ("〒０４７－００３２小樽市稲穂二丁目五番一号", "稲穂", "2"),
    ("北海道小樽市稲穂2丁目5-1 駅前ビル3F", "稲穂", "2"),
    ("小樽市稲穂町2丁目", "稲穂", "2"),
    ("稲穗3丁目", "稲穂", "3"),
    ("小樽市色内1丁目1番1号", "色内", "1"),
    ("色内三丁目", "色内", "3"),
    ("小樽市梅ケ枝町12-3", "梅ケ枝町", ""),
    ("小樽市梅ヶ枝町12番3号", "梅ケ枝町", ""),
    ("梅が枝町１２", "梅ケ枝町", ""),
    ("松ヶ枝2丁目", "松ケ枝", "2"),
    ("松が枝一丁目3-5", "松ケ枝", "1"),
    ("松ケ枝2-10-3", "松ケ枝", "2"),
    ("住ノ江1丁目", "住ノ江", "1"),
    ("住の江2丁目4番", "住ノ江", "2"),
    ("住之江２ー３", "住ノ江", "2"),
    ("朝里川温泉2丁目", "朝里川温泉", "2"),
    ("小樽市朝里川温泉１丁目２５０番地", "朝里川温泉", "1"),
    ("朝里3丁目", "朝里", "3"),
    ("朝里4-5-10", "朝里", "4"),
    ("新光5丁目", "新光", "5"),
    ("新光町１２３番地", "新光町", ""),
    ("新光町", "新光町", ""),
    ("オタモイ1丁目", "オタモイ", "1"),
    ("おたもい4丁目", "オタモイ", "4"),
    ("銭函3丁目263", "銭函", "3"),
    ("北海道小樽市銭函５丁目", "銭函", "5"),
    ("相生町5-1", "相生町", ""),
    ("相生町", "相生町", ""),
    ("小樽市相生10-3", "相生町", ""),
    ("花園1丁目3-1", "花園", "1"),
    ("花園町5丁目", "花園", "5"),
    ("緑町2丁目", "緑", "2"),
    ("緑三丁目10番5号", "緑", "3"),
    ("稲穂", "稲穂", ""),
    ("稲穂5番地", "稲穂", ""),
    ("入船5丁目", "入船", "5"),
    ("桜1-2-3", "桜", "1"),
    ("望洋台二丁目", "望洋台", "2"),
    ("天神4丁目", "天神", "4"),
    ("見晴町", "見晴町", ""),
    ("北海道小樽市堺町7-26", "堺町", ""),
    ("小樽市 手宮 1 丁目", "手宮", "1"),
    ("港町5番3号", "港町", ""),
    ("長橋５丁目", "長橋", "5"),
    ("幸 3丁目", "幸", "3"),
    ("忍路1丁目", "忍路", "1"),
    ("蘭島二丁目", "蘭島", "2"),
    ("潮見台1丁目2-3", "潮見台", "1"),
    ("小樽市奥沢５丁目", "奥沢", "5"),
    ("ｵﾀﾓｲ3丁目", "オタモイ", "3"),
]


def test_the_table_has_at_least_fifty_spellings():
    assert len(SPELLINGS) >= 50


@pytest.mark.parametrize(("typed", "town", "chome"), SPELLINGS)
def test_real_world_spellings(typed: str, town: str, chome: str):
    found = locate_address(typed)
    assert isinstance(found, Location)
    if chome:
        assert (found.precision, found.matched) == ("chome", f"{town}{chome}丁目")
        assert (found.lat, found.lng) == ROWS[(town, chome)]
    else:
        assert (found.precision, found.matched) == ("town", town)
        if (town, "") in ROWS:
            assert (found.lat, found.lng) == ROWS[(town, "")]


def test_town_point_of_a_chome_town_is_the_chome_nearest_their_centroid():
    points = [ROWS[("銭函", str(k))] for k in range(1, 6)]
    lat = sum(p[0] for p in points) / 5
    lng = sum(p[1] for p in points) / 5
    nearest = min(points, key=lambda p: (p[0] - lat) ** 2 + (p[1] - lng) ** 2)
    found = locate_address("銭函")
    assert (found.lat, found.lng) == nearest == ROWS[("銭函", "3")]


def test_a_chome_less_town_ignores_a_chome():
    found = locate_address("相生町2丁目")
    assert (found.precision, found.matched) == ("town", "相生町")


RETRY = "緯度・経度を手入力してください。"

# (typed, reason, text the message must contain, suggestions)
BAD: list[tuple[str, str, str, tuple[str, ...]]] = [
    ("", "empty", "住所が入力されていません。", ()),
    ("　 ", "empty", "住所が入力されていません。", ()),
    ("北海道小樽市", "no_town", "町名がありません", ()),
    ("札幌市中央区北1条西2丁目", "other_city", "小樽市外の住所のようです（札幌市）。", ()),
    ("北海道余市郡余市町黒川町1", "other_city", "小樽市外の住所のようです（余市郡余市町）。", ()),
    ("東京都千代田区千代田1-1", "other_city", "小樽市外の住所のようです（東京都）。", ()),
    ("asdfgh", "unknown_town", "「asdfgh」に当たる小樽市の町名が見つかりません。", ()),
    ("稲ほ2丁目", "unknown_town", "近い町名: 稲穂", ("稲穂",)),
    ("小樽市色丙1丁目", "unknown_town", "「小樽市色丙1丁目」に当たる小樽市の町名が見つかりません。"
     "近い町名: 色内", ("色内",)),
    ("稲穂9丁目", "bad_chome", "稲穂に9丁目はありません（1〜5丁目）。", ("稲穂",)),
    ("朝里8-1", "bad_chome", "朝里に8丁目はありません（1〜4丁目）。", ("朝里",)),
    ("忍路五丁目", "bad_chome", "忍路に5丁目はありません（1〜3丁目）。", ("忍路",)),
]


@pytest.mark.parametrize(("typed", "reason", "text", "suggestions"), BAD)
def test_bad_inputs_get_a_clear_message(typed, reason, text, suggestions):
    with pytest.raises(LocateError) as error:
        locate_address(typed)
    assert error.value.reason == reason
    assert text in str(error.value)
    assert str(error.value).endswith(RETRY)
    assert error.value.suggestions[: len(suggestions)] == suggestions
    assert len(error.value.suggestions) <= 3


def test_suggestions_are_the_closest_towns():
    assert default_gazetteer().suggest("朝理川温泉")[:2] == ["朝里川温泉", "朝里"]
    assert default_gazetteer().suggest("新公")[:1] in (["新光"], ["新光町"])
    assert default_gazetteer().suggest("xyz") == []


@pytest.mark.parametrize(("numeral", "value"), [
    ("一", 1), ("二", 2), ("十", 10), ("十五", 15), ("二十", 20), ("二十三", 23),
    ("百二", 102), ("二〇", 20), ("弐", 2), ("千二百三十四", 1234),
])
def test_kanji_numerals(numeral: str, value: int):
    assert kanji_to_int(numeral) == value


def test_fold_and_numbers():
    assert fold("梅ヶ枝町") == fold("梅が枝町") == fold("梅ケ枝町") == "梅ケ枝町"
    assert fold("北海道　小樽市 稲穂２") == "北海道小樽市稲穂2"
    assert fold(fold("すみのえ")) == fold("スミノエ")
    assert numbers_and_dashes("二丁目五番一号") == "2丁目5番1号"
    assert numbers_and_dashes("2ー5‐1") == "2-5-1"


# --- the city's area (coordinates typed by hand) -------------------------------------------

WELFARE = FIXTURE.parent / "otaru_welfare_facilities.csv"


def test_every_town_point_and_welfare_facility_is_inside_the_area():
    for lat, lng in ROWS.values():
        check_in_area(lat, lng)
    with WELFARE.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            check_in_area(float(row["lat"]), float(row["lng"]))


def test_the_depot_and_a_point_just_inside_the_margin_are_inside():
    depot = Depot()
    check_in_area(depot.lat, depot.lng)
    lat, lng = ROWS[("銭函", "5")]
    # ~1 km of latitude is 1/111 degree: a point margin-1 km south of 銭函5丁目 still counts.
    check_in_area(lat - (CITY_AREA_MARGIN_KM - 1) / 111.2, lng)


@pytest.mark.parametrize(("lat", "lng", "text"), [
    (35.0, 139.0, "緯度・経度（35.0, 139.0）は小樽市の区域外です（最も近い小樽市の町「"),
    (35.0, 139.0, "小樽市内の位置を入力するか、緯度・経度を空欄にして住所から探してください。"),
    (43.0687, 141.3508, "（最も近い小樽市の町「銭函4丁目」から約14km）"),  # 札幌駅
    (43.1953, 140.7836, "小樽市の区域外です"),  # 余市町の中心部
    (-43.19, 141.0, "小樽市の区域外です"),  # the sign of the latitude lost
    (43.19, 14.10, "小樽市の区域外です"),  # a digit lost
    (float("nan"), 141.0, "緯度・経度は数値で入力してください"),
])
def test_points_outside_the_area_are_refused_with_the_nearest_town(lat, lng, text):
    with pytest.raises(LocateError) as refused:
        check_in_area(lat, lng)
    assert refused.value.reason == "outside_area"
    assert text in str(refused.value)
