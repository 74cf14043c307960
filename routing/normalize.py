"""Folding the many ways people type an Otaru address into one comparable form.

Operators type what the caller says, so the same place arrives as 稲穂二丁目, 稲穂2丁目,
稲穂２丁目, 梅ヶ枝町 / 梅ケ枝町 / 梅が枝町, with or without 北海道小樽市, with spaces, full-width
digits and any of half a dozen dash characters. Rather than list variants, both the gazetteer's
names and the typed text are folded with the same rules, then compared exactly.
"""

from __future__ import annotations

import re
import unicodedata

# Old or variant kanji that appear in Otaru names, folded to the forms the gazetteer uses.
_VARIANT_KANJI = str.maketrans(
    {"穗": "穂", "冨": "富", "嶋": "島", "嶌": "島", "櫻": "桜", "眞": "真", "澤": "沢",
     "濱": "浜", "邊": "辺", "邉": "辺", "鹽": "塩", "龍": "竜", "髙": "高", "﨑": "崎",
     "榮": "栄", "錢": "銭", "舩": "船", "團": "団"}
)
# ヶ/ヵ/が/ガ/ケ in names like 梅ケ枝町 and の/之/ノ in names like 住ノ江 are interchangeable.
_KE_NO = str.maketrans({"ヶ": "ケ", "ヵ": "ケ", "が": "ケ", "ガ": "ケ", "之": "ノ", "の": "ノ"})
# Every character people use as a hyphen in 2-5-1 (NFKC already maps the full-width one).
_DASHES = re.compile(r"[‐‑‒–—―−ー─━ｰ]")
_SPACES = re.compile(r"\s+")
_KANJI_DIGITS = {"〇": 0, "零": 0, "一": 1, "壱": 1, "二": 2, "弐": 2, "三": 3, "参": 3,
                 "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_KANJI_UNITS = {"十": 10, "拾": 10, "百": 100, "千": 1000}
_KANJI_NUMBER = re.compile("[" + "".join(_KANJI_DIGITS) + "".join(_KANJI_UNITS) + "]+")


def _hiragana_to_katakana(text: str) -> str:
    return "".join(chr(ord(c) + 0x60) if "ぁ" <= c <= "ゖ" else c for c in text)


def fold(text: str) -> str:
    """The comparable form of a name or an address (idempotent).

    NFKC (full-width digits and letters, ideographic spaces, half-width kana), no whitespace,
    variant kanji, ケ/ヶ/が and ノ/の/之 unified, hiragana as katakana (おたもい = オタモイ).
    """
    text = unicodedata.normalize("NFKC", text)
    text = _SPACES.sub("", text)
    text = text.translate(_VARIANT_KANJI).translate(_KE_NO)
    return _hiragana_to_katakana(text)


def kanji_to_int(numeral: str) -> int:
    """二 -> 2, 十五 -> 15, 二十 -> 20, 百二 -> 102, 二〇 -> 20 (positional digits)."""
    if not any(c in _KANJI_UNITS for c in numeral):
        return int("".join(str(_KANJI_DIGITS[c]) for c in numeral))
    total, current = 0, 0
    for char in numeral:
        if char in _KANJI_DIGITS:
            current = current * 10 + _KANJI_DIGITS[char]
        else:
            total += (current or 1) * _KANJI_UNITS[char]
            current = 0
    return total + current


def numbers_and_dashes(text: str) -> str:
    """Kanji numerals as digits and every dash as "-", for the part after the town name.

    Only applied after the town is matched, so a town name can never be mangled.
    """
    text = _DASHES.sub("-", text)
    return _KANJI_NUMBER.sub(lambda m: str(kanji_to_int(m.group(0))), text)
