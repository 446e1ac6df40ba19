"""Vietnamese text as it arrives in provincial workbooks: NFC/NFD, stray spaces, curly apostrophes,
names with or without diacritics, and text typed in the legacy TCVN3 (ABC) or VNI-Windows encodings
that older offices still use (shown in a Unicode font it looks like `§iÖn Biªn` or `Ñieän Bieân`)."""
from __future__ import annotations

import difflib
import re
import unicodedata
from functools import lru_cache

_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "`": "'", "´": "'", "ʼ": "'"})
_SPACES = re.compile(r"\s+")
_NOT_WORD = re.compile(r"[^0-9a-z ]+")
# The same labels (communes, borders, team types) repeat on every row of a report: the pure text functions
# below remember their recent answers. Bounded, so one large report's unique notes cannot grow them for ever.
_TEXT_CACHE_SIZE = 8192


def clean(s: str) -> str:
    """NFC, one space between words (NBSP, tabs and newlines included), straight apostrophes."""
    return _clean(s if type(s) is str else str(s))


@lru_cache(maxsize=_TEXT_CACHE_SIZE)
def _clean(s: str) -> str:
    return _SPACES.sub(" ", unicodedata.normalize("NFC", s).translate(_APOSTROPHES)).strip()


class _LazyTable(dict):
    """A str.translate table whose entry for a character is worked out when the character is first met
    (kept only below U+2000, where Latin letters and their marks are, so it stays small whatever comes)."""

    def __init__(self, rule):
        super().__init__()
        self.rule = rule

    def __missing__(self, code: int):
        entry = self.rule(chr(code))
        if code < 0x2000:
            self[code] = entry
        return entry


_WITHOUT_MARKS = _LazyTable(lambda ch: None if unicodedata.category(ch) == "Mn" else ch)


def strip_accents(s: str) -> str:
    return unicodedata.normalize("NFD", s.replace("đ", "d").replace("Đ", "D")).translate(_WITHOUT_MARKS)


def fold(s: str) -> str:
    """A matching key: no case, no diacritics, no punctuation (apostrophes and hyphens vanish, so
    "Ia H’Drai", "ia h'drai" and "Ia HDrai" fold alike; "Việt - Lào" and "Viet Lao" too)."""
    return _fold(clean(s))


@lru_cache(maxsize=_TEXT_CACHE_SIZE)
def _fold(cleaned: str) -> str:
    s = strip_accents(cleaned).lower().replace("'", "")
    return _SPACES.sub(" ", _NOT_WORD.sub(" ", s)).strip()


_PREFIXES = {
    "province": ("thanh pho truc thuoc trung uong", "thanh pho", "tinh", "tp"),
    "district": ("thanh pho", "thi xa", "huyen", "quan", "tx", "tp"),
    "commune": ("thi tran", "phuong", "xa", "tt"),
    "village": ("to dan pho", "thon", "ban", "lang", "buon", "ap", "plei", "khom"),
}


def strip_prefix(folded: str, kind: str) -> str:
    """Drop an administrative prefix ("tinh", "huyen", "xa", "thon"...) from a folded name."""
    for prefix in _PREFIXES[kind]:
        if folded.startswith(prefix + " ") and len(folded) > len(prefix) + 1:
            return folded[len(prefix) + 1:]
    return folded


# --- legacy encodings -------------------------------------------------------------------------------
# Vowels with their five tones in the order: grave (huyền), hook (hỏi), tilde (ngã), acute (sắc), dot (nặng).
_TONED = {
    "a": "àảãáạ", "ă": "ằẳẵắặ", "â": "ầẩẫấậ", "e": "èẻẽéẹ", "ê": "ềểễếệ", "i": "ìỉĩíị",
    "o": "òỏõóọ", "ô": "ồổỗốộ", "ơ": "ờởỡớợ", "u": "ùủũúụ", "ư": "ừửữứự", "y": "ỳỷỹýỵ",
}
# TCVN3 (ABC): one byte per letter; capitals with tones share the lowercase codes (a capital font shows them).
_TCVN3_BASE = {"ă": "¨", "â": "©", "ê": "ª", "ô": "«", "ơ": "¬", "ư": "\xad", "đ": "®",
               "Ă": "¡", "Â": "¢", "Ê": "£", "Ô": "¤", "Ơ": "¥", "Ư": "¦", "Đ": "§"}
_TCVN3_TONED = {
    "a": "µ¶·¸¹", "ă": "»¼½¾Æ", "â": "ÇÈÉÊË", "e": "ÌÎÏÐÑ", "ê": "ÒÓÔÕÖ", "i": "×ØÜÝÞ",
    "o": "ßáâãä", "ô": "åæçèé", "ơ": "êëìíî", "u": "ïñòóô", "ư": "õö÷øù", "y": "úûüýþ",
}
# VNI-Windows: a base letter followed by mark characters.
_VNI_BASE = {"ă": "aê", "â": "aâ", "ê": "eâ", "ô": "oâ", "ơ": "ô", "ư": "ö", "đ": "ñ",
             "Ă": "AÊ", "Â": "AÂ", "Ê": "EÂ", "Ô": "OÂ", "Ơ": "Ô", "Ư": "Ö", "Đ": "Ñ"}
_VNI_TONE_MARKS = {"plain": "øûõùï", "hat": "àåãáä", "breve": "èúüéë"}  # grave hook tilde acute dot
_VNI_I = {"i": "ìæóíò", "I": "ÌÆÓÍÒ"}
_VNI_Y_DOT = {"y": "î", "Y": "Î"}


def _build_tables() -> dict[str, dict[str, str]]:
    tcvn3: dict[str, str] = dict(_TCVN3_BASE)
    for vowel, toned in _TONED.items():
        for i, ch in enumerate(toned):
            tcvn3[ch] = _TCVN3_TONED[vowel][i]
            tcvn3[ch.upper()] = _TCVN3_TONED[vowel][i]      # capital toned letters: same code
    vni: dict[str, str] = dict(_VNI_BASE)
    for vowel, toned in _TONED.items():
        for case in (str.lower, str.upper):
            base = case(vowel)
            for i, ch in enumerate(toned):
                ch = case(ch)
                if vowel == "i":
                    vni[ch] = _VNI_I[base][i]
                elif vowel == "y" and i == 4:
                    vni[ch] = _VNI_Y_DOT[base]
                elif vowel in "âêô":
                    mark = _VNI_TONE_MARKS["hat"][i]
                    vni[ch] = case({"â": "a", "ê": "e", "ô": "o"}[vowel]) + (mark if base.islower() else mark.upper())
                elif vowel == "ă":
                    mark = _VNI_TONE_MARKS["breve"][i]
                    vni[ch] = case("a") + (mark if base.islower() else mark.upper())
                else:
                    stem = _VNI_BASE.get(base, base)
                    mark = _VNI_TONE_MARKS["plain"][i]
                    vni[ch] = stem + (mark if base.islower() else mark.upper())
    return {"tcvn3": tcvn3, "vni": vni}


_ENCODE = _build_tables()
_DECODE = {enc: {v: k for k, v in sorted(table.items(), key=lambda kv: kv[0].islower())}
           for enc, table in _ENCODE.items()}   # lowercase wins where TCVN3 shares a code
_DECODE_RE = {enc: re.compile("|".join(re.escape(k) for k in sorted(t, key=len, reverse=True)))
              for enc, t in _DECODE.items()}
VIETNAMESE_LETTERS = frozenset("".join(_TONED.values()) + "ăâêôơưđ" + "".join(_TONED.values()).upper() + "ĂÂÊÔƠƯĐ")
_TONE_CHARS = frozenset("".join(_TONED.values()) + "".join(_TONED.values()).upper())


def encode_legacy(s: str, encoding: str) -> str:
    """Unicode → TCVN3 or VNI text as a legacy font would store it (used to build faulty samples)."""
    table = _ENCODE[encoding]
    return "".join(table.get(ch, ch) for ch in unicodedata.normalize("NFC", s))


def decode_legacy(s: str, encoding: str) -> str:
    """TCVN3 or VNI text → Unicode NFC."""
    return unicodedata.normalize("NFC", _DECODE_RE[encoding].sub(lambda m: _DECODE[encoding][m.group(0)], s))


_DOUBLED_VOWEL = re.compile(r"aa|ee|ii|uu|yy")
_TCVN3_SYMBOLS = frozenset("§¨©ª«¬\xad®¡¢£¤¥¦µ¶·¸¹»¼½¾")


# Per character: one mark for a letter no Vietnamese word uses, one for a TCVN3 symbol (a character can be both).
_LEFTOVERS = _LazyTable(lambda ch: "x" * ((ord(ch) > 127 and ch not in VIETNAMESE_LETTERS and ch.isalpha())
                                          + (ch in _TCVN3_SYMBOLS)) or None)
_TONES_ONLY = _LazyTable(lambda ch: ch if ch in _TONE_CHARS else None)


def _implausibility(text: str) -> int:
    """Leftover non-Vietnamese letters, and words with more than one tone mark, make a decoding unlikely."""
    if text.isascii():            # no leftovers, tone marks or accents are possible: only doubled vowels
        return len(_DOUBLED_VOWEL.findall(text.lower()))
    leftovers = len(text.translate(_LEFTOVERS))
    multi_tone = sum(1 for word in text.split() if len(word.translate(_TONES_ONLY)) > 1)
    doubled = len(_DOUBLED_VOWEL.findall(strip_accents(text).lower()))   # VNI's "aà", "uù": not Vietnamese
    return leftovers * 10 + multi_tone + doubled


def detect_legacy(s: str) -> str | None:
    """"tcvn3" or "vni" when the text reads as legacy-encoded Vietnamese, else None.

    Ordinary Unicode Vietnamese, English and numbers are never flagged: only text holding characters
    that no Vietnamese word uses (§, ¨, ö, ñ, ø, ä, ...) is considered, and the decoding that gives the
    most plausible Vietnamese wins.
    """
    return _detect_legacy(s if type(s) is str else str(s))


@lru_cache(maxsize=_TEXT_CACHE_SIZE)
def _detect_legacy(s: str) -> str | None:
    text = unicodedata.normalize("NFC", s)
    if _implausibility(text) == 0:
        return None
    # On a tie, VNI wins unless the text holds TCVN3's own symbol characters (VNI never uses them).
    tcvn3_symbols = any(ch in _TCVN3_SYMBOLS for ch in text)
    best, best_score = None, (_implausibility(text), 0)
    for encoding in ("tcvn3", "vni"):
        decoded = decode_legacy(text, encoding)
        score = (_implausibility(decoded), int((encoding == "vni") == tcvn3_symbols))
        if decoded != text and score < best_score:
            best, best_score = encoding, score
    return best


def closest(text: str, candidates: dict[str, str], n: int = 3) -> list[str]:
    """The n candidate codes whose (folded) names are closest to the text, best first, no repeats."""
    key = fold(text)
    matches = difflib.get_close_matches(key, list(candidates), n=n * 3, cutoff=0.5)
    out: list[str] = []
    for m in matches:
        if candidates[m] not in out:
            out.append(candidates[m])
    return out[:n]
