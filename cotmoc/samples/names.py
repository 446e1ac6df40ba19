"""Plausible Vietnamese village names for synthetic reports (thôn, bản, làng, buôn, ấp by region)."""
from __future__ import annotations

import random

_SYLLABLES = {
    "north": ["Huổi", "Nậm", "Pa", "Na", "Phìn", "Lếch", "Chải", "Sáng", "Mò", "Chà", "Hồ", "Tá", "Lùng", "Xín",
              "Pờ", "Phàng", "Sì", "Ma", "Lao", "Khao", "Pắc", "Bó", "Cốc", "Lũng", "Nà", "Thẳm", "Cáy", "Hin"],
    "central": ["Ka", "Ta", "A", "Pa", "Ra", "Xơ", "Bhlô", "Dốc", "Mới", "Cù", "Bải", "Ly", "Tôn", "Vang",
                "Cha", "Lao", "Sơn", "Kim", "Hồng", "Trường", "Tân", "Pi", "Ré", "Chơm"],
    "highland": ["Plei", "Đăk", "Ia", "Kon", "Rơ", "Broong", "Mơ", "Rai", "Chư", "Krông", "Ea", "Hra", "Tang",
                 "Bơ", "Klah", "Nông", "Jơ", "Dun", "Xê", "Lốp"],
    "south": ["Tân", "Phước", "Bình", "Long", "Hòa", "Thạnh", "An", "Mỹ", "Vĩnh", "Thới", "Phú", "Hưng",
              "Lộc", "Khánh", "Đông", "Tây", "Trung", "Hiệp", "Thành", "Lợi"],
}
_PREFIX = {"north": ("Bản", "Thôn"), "central": ("Bản", "Thôn"), "highland": ("Làng", "Thôn", "Buôn"),
           "south": ("Ấp", "Khóm")}
_REGION = {
    "lai_chau": "north", "dien_bien": "north", "son_la": "north", "lao_cai": "north", "ha_giang": "north",
    "cao_bang": "north", "lang_son": "north", "quang_ninh": "north", "thanh_hoa": "north", "nghe_an": "north",
    "ha_tinh": "central", "quang_binh": "central", "quang_tri": "central", "hue": "central", "quang_nam": "central",
    "kon_tum": "highland", "gia_lai": "highland", "dak_lak": "highland", "dak_nong": "highland",
}


def region(province_code: str) -> str:
    return _REGION.get(province_code, "south")


def village_names(rng: random.Random, province_code: str, count: int) -> list[str]:
    """`count` distinct village names (numbered beyond what the syllables can make)."""
    reg = region(province_code)
    syl, prefixes = _SYLLABLES[reg], _PREFIX[reg]
    names: list[str] = []
    seen = set()
    while len(names) < count:
        base = f"{rng.choice(prefixes)} {rng.choice(syl)} {rng.choice(syl)}"
        if base in seen:
            base = f"{base} {len(names) + 1}"
        seen.add(base)
        names.append(base)
    return names
