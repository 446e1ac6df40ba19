"""The three sample reports built from the seed articles (shared/seeds, summarised in inputs/README.md).

Each carries its article's figures EXACTLY (as column sums); how they are spread over communes and
villages, and any figure an article does not give, is illustrative and says so in its note column.
"""
from __future__ import annotations

import random
from datetime import date

from cotmoc.core import reference
from cotmoc.samples.base import SampleReport, km_from_metres, marker_ranges, split_total
from cotmoc.samples.names import village_names

ILLUSTRATIVE = "Số liệu minh họa (bài báo không nêu) — illustrative figure"


def _communes(province: str) -> list[tuple[str, str]]:
    rows = reference.load_table("communes")
    rows = rows[rows["province_code"] == province]
    return list(zip(rows["district"], rows["commune"]))


def _segments(rng: random.Random, province: str, plan: list[tuple[str, int, int]], markers: int, works: int,
              households: int, persons: int, communes: list[tuple[str, str]], registered: date) -> list[dict]:
    """Rows for `plan` = [(border, collectives, metres)], with the province's exact column totals."""
    n = sum(c for _, c, _ in plan)
    hh = split_total(rng, households, n, minimum=1)
    extra = split_total(rng, persons - households, n)
    marker_counts = split_total(rng, markers, n)
    work_rows = set(rng.sample(range(n), works))
    villages = village_names(rng, province, n)
    rows, i = [], 0
    for border, count, metres in plan:
        lengths = km_from_metres(split_total(rng, metres, count, minimum=200))
        ranges = marker_ranges(marker_counts[i:i + count])
        for j in range(count):
            district, commune = communes[(i + j) % len(communes)]
            rows.append({"border": border, "district": district, "commune": commune,
                         "collective": villages[i + j], "marker_from": ranges[j][0], "marker_to": ranges[j][1],
                         "length_km": lengths[j], "markers": marker_counts[i + j],
                         "border_works": int(i + j in work_rows), "households": hh[i + j],
                         "persons": hh[i + j] + extra[i + j], "registered_on": registered})
        i += count
    return rows


def dien_bien_2016() -> SampleReport:
    """Sở TTTT Điện Biên, 25/04/2017: one year of Chỉ thị 01 in 29/29 border communes (year 2016)."""
    rng = random.Random("seed:dien_bien:2016")
    communes = _communes("dien_bien")
    segments = _segments(rng, "dien_bien", [("VN-CN", 12, 38_250), ("VN-LA", 113, 327_611)],
                         markers=173, works=4, households=2_789, persons=3_816, communes=communes,
                         registered=date(2016, 6, 15))
    members = split_total(rng, 2_041, len(communes), minimum=40)
    teams_per = split_total(rng, 347, len(communes), minimum=10)
    teams = [{"district": d, "commune": c, "team_type": "antt_thon_ban", "teams": t, "members": m}
             for (d, c), t, m in zip(communes, teams_per, members)]
    districts = sorted({d for d, _ in communes})
    awards = [{"decision_no": f"{100 + k * 17}/QĐ-UBND", "decision_date": date(2016, 12, 20 + k),
               "issuer": "ubnd_huyen", "award_form": "giay_khen", "collectives": c, "individuals": i,
               "note": f"UBND huyện {d}"}
              for k, (d, c, i) in enumerate(zip(districts, [8, 9, 7, 8], [13, 14, 12, 13]))]
    info = {"province": "dien_bien", "period": "2016", "reporting_unit": "Bộ Chỉ huy BĐBP tỉnh Điện Biên",
            "prepared_by": "Phòng Vận động quần chúng", "phone": "0215 3826 xxx", "report_date": date(2017, 4, 25),
            "template_version": "1"}
    return SampleReport("dien_bien_2016.xlsx", info, teams, segments, awards)


def quang_ninh_2018() -> SampleReport:
    """Báo Biên phòng, 17/01/2019: Quảng Ninh's 2018 review (238 teams trained in 4 classes)."""
    rng = random.Random("seed:quang_ninh:2018")
    communes = _communes("quang_ninh")
    by_type = [("duong_bien_cot_moc", 112), ("ben_bai_an_toan", 71), ("tau_thuyen_an_toan", 55)]  # sum 238
    teams = []
    for k, (team_type, count) in enumerate(by_type):
        d, c = communes[k % len(communes)]
        teams.append({"district": d, "commune": c, "team_type": team_type, "teams": count,
                      "members": count * rng.randint(5, 8), "note": "Tổng 238 tổ theo bài báo; chia theo loại: "
                      + ILLUSTRATIVE})
    segments = _segments(rng, "quang_ninh", [("VN-CN", 24, 96_400)], markers=120, works=6, households=1_450,
                         persons=2_980, communes=communes, registered=date(2018, 3, 1))
    awards = [{"decision_no": "152/QĐ-UBND", "decision_date": date(2019, 1, 15), "issuer": "ubnd_tinh",
               "award_form": "co_thi_dua", "collectives": 2, "individuals": 0, "note": ILLUSTRATIVE},
              {"decision_no": "153/QĐ-UBND", "decision_date": date(2019, 1, 15), "issuer": "ubnd_tinh",
               "award_form": "bang_khen", "collectives": 12, "individuals": 18, "note": ILLUSTRATIVE}]
    info = {"province": "quang_ninh", "period": "2018", "reporting_unit": "Bộ Chỉ huy BĐBP tỉnh Quảng Ninh",
            "prepared_by": "Ban Chỉ đạo Phong trào", "report_date": date(2019, 1, 17), "template_version": "1"}
    return SampleReport("quang_ninh_2018.xlsx", info, teams, segments, awards)


def kon_tum_2023() -> SampleReport:
    """Kon Tum 2023: 4 border districts; the provincial Fatherland Front's bằng khen to 1 collective and
    2 individuals (kontumtv.vn, 05/2023)."""
    rng = random.Random("seed:kon_tum:2023")
    communes = _communes("kon_tum")
    segments = _segments(rng, "kon_tum", [("VN-LA", 18, 104_300), ("VN-KH", 14, 96_750)], markers=60, works=3,
                         households=1_120, persons=2_410, communes=communes, registered=date(2023, 4, 1))
    teams = [{"district": d, "commune": c, "team_type": t, "teams": n, "members": n * rng.randint(6, 9),
              "note": ILLUSTRATIVE}
             for (d, c), (t, n) in zip(communes, [("antt_thon_ban", 24), ("duong_bien_cot_moc", 9),
                                                   ("ket_nghia_cum_dan_cu", 3), ("doan_ket_antt", 15)])]
    awards = [{"decision_no": "45/QĐ-MTTQ", "decision_date": date(2023, 5, 10), "issuer": "mttq_tinh",
               "award_form": "bang_khen", "collectives": 1, "individuals": 2,
               "note": "Tổng kết 10 năm chương trình phối hợp số 09"}]
    info = {"province": "kon_tum", "period": "2023", "reporting_unit": "Bộ Chỉ huy BĐBP tỉnh Kon Tum",
            "prepared_by": "Phòng Vận động quần chúng", "report_date": date(2024, 1, 12), "template_version": "1"}
    return SampleReport("kon_tum_2023.xlsx", info, teams, segments, awards)


def seed_reports() -> list[SampleReport]:
    return [dien_bien_2016(), quang_ninh_2018(), kon_tum_2023()]
