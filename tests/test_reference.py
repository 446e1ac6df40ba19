"""Reference data: the crosswalk, border totals, enumerations, obligations and name matching."""
from __future__ import annotations

import unicodedata
from datetime import date

import pytest

from cotmoc.core import reference as ref

CONTRACT_ENUMS = {
    "team_type": {"duong_bien_cot_moc", "antt_thon_ban", "doan_ket_antt", "ket_nghia_cum_dan_cu",
                  "ben_bai_an_toan", "tau_thuyen_an_toan", "khac"},
    "issuer": {"thu_tuong", "bo_quoc_phong", "bo_tu_lenh_bdbp", "ubnd_tinh", "ubnd_huyen", "mttq_tinh", "khac"},
    "award_form": {"co_thi_dua", "bang_khen", "giay_khen"},
    "border": {"VN-CN", "VN-LA", "VN-KH"},
}
# DOMAIN.md: the 25 pre-merger land-border provinces and the 22 current ones
PRE_MERGER = {"VN-CN": {"dien_bien", "lai_chau", "lao_cai", "ha_giang", "cao_bang", "lang_son", "quang_ninh"},
              "VN-LA": {"dien_bien", "son_la", "thanh_hoa", "nghe_an", "ha_tinh", "quang_binh", "quang_tri", "hue",
                        "quang_nam", "kon_tum"},
              "VN-KH": {"kon_tum", "gia_lai", "dak_lak", "dak_nong", "binh_phuoc", "tay_ninh", "long_an", "dong_thap",
                        "an_giang", "kien_giang"}}
CURRENT = {"lai_chau", "dien_bien", "son_la", "cao_bang", "lang_son", "quang_ninh", "thanh_hoa", "nghe_an",
           "ha_tinh", "hue", "lao_cai", "tuyen_quang", "quang_tri", "da_nang", "quang_ngai", "gia_lai", "dak_lak",
           "lam_dong", "dong_nai", "tay_ninh", "dong_thap", "an_giang"}
BEFORE, AFTER = date(2020, 1, 1), date(2025, 12, 31)


@pytest.mark.parametrize("name", sorted(CONTRACT_ENUMS))
def test_enumerations_are_exactly_the_contract(name):
    values = ref.enumeration(name)
    assert {v.code for v in values} == CONTRACT_ENUMS[name]
    assert all(v.label_vi and v.label_en for v in values)


def test_pre_merger_border_provinces_and_their_borders():
    for border, provinces in PRE_MERGER.items():
        assert {p.code for p in ref.provinces_on(BEFORE) if border in ref.borders_of(p.code, BEFORE)} == provinces
    assert len(ref.provinces_on(BEFORE)) == 25


def test_crosswalk_maps_every_old_border_province_to_a_current_one():
    assert {p.code for p in ref.provinces_on(AFTER)} == CURRENT
    for p in ref.provinces_on(BEFORE):
        assert ref.province(p.current_code).code in CURRENT
    assert ref.province("kon_tum").current_code == "quang_ngai"
    assert ref.constituents("quang_tri") == ["quang_binh", "quang_tri"]
    assert ref.borders_of("quang_ngai", AFTER) == ["VN-KH", "VN-LA"] and ref.borders_of("quang_ngai", BEFORE) == []


def test_dien_bien_totals_come_from_the_source_and_are_verified():
    t = ref.border_total("dien_bien", "ALL")
    assert (t.total_km, t.total_markers, t.verified) == (400.861, 187, True)
    split = ref.border_total("dien_bien", "VN-CN").total_km + ref.border_total("dien_bien", "VN-LA").total_km
    assert split == pytest.approx(400.861)


def test_merged_province_totals_are_the_sum_of_their_constituents():
    after = ref.border_total("quang_tri", "VN-LA", AFTER).total_km
    assert after == pytest.approx(ref.border_total("quang_tri", "VN-LA", BEFORE).total_km
                                  + ref.border_total("quang_binh", "VN-LA", BEFORE).total_km)


@pytest.mark.parametrize("border, tolerance", [("VN-CN", 0.01), ("VN-LA", 0.10), ("VN-KH", 0.15)])
def test_province_lengths_add_up_to_about_the_national_border(border, tolerance):
    national = float(ref.load_table("borders").set_index("border").loc[border, "total_km"])
    provinces = sum(ref.border_total(p.code, border, BEFORE).total_km or 0 for p in ref.provinces_on(BEFORE)
                    if border in ref.borders_of(p.code, BEFORE))
    assert abs(provinces - national) / national <= tolerance, (provinces, national)


def test_expected_reporters_follow_the_province_that_existed():
    assert len(ref.expected_reporters("2016")) == 25
    assert len(ref.expected_reporters("2025S1")) == 25 and "kon_tum" in ref.expected_reporters("2025S1")
    assert set(ref.expected_reporters("2025")) == CURRENT and set(ref.expected_reporters("2025S2")) == CURRENT
    assert ref.expected_reporters("2015") == []
    assert ref.deadline("2016") == date(2017, 1, 31) and ref.deadline("2016S1") == date(2016, 7, 15)


@pytest.mark.parametrize("text, code, repaired", [
    ("Đắk Lắk", "dak_lak", False), ("Đăk Lăk", "dak_lak", True), ("Dak Lak", "dak_lak", False),
    ("tỉnh Điện Biên", "dien_bien", True), ("TỈNH ĐIỆN BIÊN", "dien_bien", True), ("dien_bien", "dien_bien", False),
    (unicodedata.normalize("NFD", "Điện Biên"), "dien_bien", False), ("  Kon   Tum ", "kon_tum", False),
    ("Thừa Thiên Huế", "hue", False), ("TT-Huế", "hue", False),
])
def test_province_names_as_written(text, code, repaired):
    m = ref.match_province(text)
    assert (m.code, m.repaired) == (code, repaired)


def test_unknown_names_come_with_the_closest_known_ones():
    m = ref.match_province("Dien Bein")
    assert m.code is None and m.suggestions[0] == "dien_bien"


def test_enumeration_and_commune_matching():
    assert ref.match_enum("team_type", "Tổ tự quản an ninh trật tự thôn, bản").code == "antt_thon_ban"
    assert ref.match_enum("team_type", "tu quan ANTT thon ban") == ref.NameMatch("antt_thon_ban", True)
    assert ref.match_enum("issuer", "UBND huyện").code == "ubnd_huyen"
    assert ref.match_enum("team_type", "Tổ bảo vệ rừng").code is None
    assert ref.match_commune("kon_tum", "xã Ia D’Hrai").code is None
    assert ref.match_commune("kon_tum", "Xã Ia Đal") == ref.NameMatch("Ia Đal", True)
    assert ref.match_commune("quang_ngai", "Bờ Y").code == "Bờ Y"        # merged province: Kon Tum's communes
