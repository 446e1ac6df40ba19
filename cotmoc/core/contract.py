"""The report workbook's contract (template version 1): sheets, column codes, labels and kinds.

This module is the single description of the workbook that provinces fill in. The template
writer, the sample generator, the reader and the pandera schemas all read it, so a column is
added or relabelled here and nowhere else. Machine codes are fixed by CONTRACT.md; labels,
widths and help text are ours to improve.

Layout of every table sheet (``to_tu_quan``, ``doan_bien_gioi``, ``khen_thuong``):
row 1 a title, row 2 the Vietnamese labels, row 3 the machine codes, data from row 4.
``thong_tin`` is a form: column A the label, column B the machine code, column C the value,
one field per row from row 3. Readers find sheets and columns by code, never by position.
"""
from __future__ import annotations

from dataclasses import dataclass

TEMPLATE_VERSION = "1"
#: Template versions this system reads. A version not listed here is rejected as stale/unknown.
KNOWN_TEMPLATE_VERSIONS = frozenset({"1"})

TITLE_ROW = 1
LABEL_ROW = 2
CODE_ROW = 3
FIRST_DATA_ROW = 4

#: thong_tin layout: label in A, code in B, value in C, fields from row 3.
INFO_LABEL_COL = 1
INFO_CODE_COL = 2
INFO_VALUE_COL = 3
INFO_FIRST_ROW = 3

# Column kinds. Each kind has one reading rule (see cotmoc.reading.normalise) and one Excel number format.
TEXT = "text"
INT = "int"          # whole number >= 0
KM = "km"            # decimal kilometres, three decimals
DATE = "date"
ENUM = "enum"        # one code of a reference enumeration (see Column.enum)
PROVINCE = "province"
PERIOD = "period"

NUMBER_FORMATS = {INT: "#,##0", KM: "#,##0.000", DATE: "dd/mm/yyyy", TEXT: "@"}

#: Units a steward may type after a number, per column code (stripped with a warning).
UNITS = {
    "length_km": ("km",),
    "households": ("hộ", "ho"),
    "persons": ("người", "nguoi"),
    "members": ("người", "nguoi", "thành viên", "thanh vien"),
    "teams": ("tổ", "to"),
    "collectives": ("tập thể", "tap the"),
    "individuals": ("cá nhân", "ca nhan"),
    "markers": ("mốc", "moc", "cột mốc", "cot moc"),
}


@dataclass(frozen=True)
class Column:
    code: str
    label_vi: str
    label_en: str
    kind: str = TEXT
    required: bool = False
    enum: str | None = None   # name of the enumeration in warehouse/reference/enumerations.csv
    help_vi: str = ""
    width: int = 16


@dataclass(frozen=True)
class Sheet:
    code: str
    title_vi: str
    title_en: str
    columns: tuple[Column, ...]
    is_form: bool = False     # thong_tin: one value per field, laid out vertically

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(c.code for c in self.columns)

    def column(self, code: str) -> Column:
        for c in self.columns:
            if c.code == code:
                return c
        raise KeyError(code)


THONG_TIN = Sheet(
    "thong_tin", "Thông tin chung về báo cáo", "About the report",
    (
        Column("province", "Tỉnh", "Province", PROVINCE, True,
               help_vi="Chọn tỉnh trong danh sách"),
        Column("period", "Kỳ báo cáo", "Period", PERIOD, True,
               help_vi="Năm (vd 2024) hoặc 6 tháng (vd 2024S1, 2024S2)"),
        Column("reporting_unit", "Đơn vị báo cáo", "Reporting unit", TEXT, True,
               help_vi="Vd: Bộ Chỉ huy BĐBP tỉnh"),
        Column("prepared_by", "Người lập biểu", "Prepared by", TEXT, True),
        Column("phone", "Số điện thoại", "Phone", TEXT, False),
        Column("report_date", "Ngày ký báo cáo", "Report date", DATE, True,
               help_vi="Ngày/tháng/năm, không trước ngày đầu kỳ"),
        Column("template_version", "Phiên bản mẫu", "Template version", TEXT, True,
               help_vi="Không sửa ô này"),
    ),
    is_form=True,
)

TO_TU_QUAN = Sheet(
    "to_tu_quan", "Tổ tự quản", "Self-managed teams",
    (
        Column("district", "Huyện (trước 7/2025)", "District (before July 2025)", TEXT, False, width=18),
        Column("commune", "Xã", "Commune", TEXT, True, width=20),
        Column("team_type", "Loại tổ", "Team type", ENUM, True, enum="team_type", width=34),
        Column("teams", "Số tổ", "Teams", INT, True, width=10),
        Column("members", "Số thành viên", "Members", INT, True, width=14,
               help_vi="Không nhỏ hơn số tổ"),
        Column("households", "Số hộ tham gia", "Households", INT, False, width=14),
        Column("note", "Ghi chú", "Note", TEXT, False, width=30),
    ),
)

DOAN_BIEN_GIOI = Sheet(
    "doan_bien_gioi", "Đoạn biên giới đăng ký tự quản", "Registered border segments",
    (
        Column("border", "Tuyến biên giới", "Border", ENUM, True, enum="border", width=22),
        Column("district", "Huyện (trước 7/2025)", "District (before July 2025)", TEXT, False, width=18),
        Column("commune", "Xã", "Commune", TEXT, True, width=20),
        Column("collective", "Tập thể (thôn, bản)", "Collective (village)", TEXT, True, width=22),
        Column("marker_from", "Từ mốc", "From marker", TEXT, False, width=10),
        Column("marker_to", "Đến mốc", "To marker", TEXT, False, width=10),
        Column("length_km", "Chiều dài (km)", "Length (km)", KM, True, width=14),
        Column("markers", "Số cột mốc", "Markers", INT, True, width=12),
        Column("border_works", "Số công trình biên giới", "Border works", INT, True, width=14),
        Column("households", "Số hộ đăng ký", "Households", INT, True, width=12),
        Column("persons", "Số người đăng ký", "Persons", INT, True, width=12,
               help_vi="Không nhỏ hơn số hộ"),
        Column("registered_on", "Ngày đăng ký", "Registered on", DATE, False, width=14),
    ),
)

KHEN_THUONG = Sheet(
    "khen_thuong", "Khen thưởng", "Awards",
    (
        Column("decision_no", "Số quyết định", "Decision no.", TEXT, False, width=16),
        Column("decision_date", "Ngày quyết định", "Decision date", DATE, False, width=14),
        Column("issuer", "Cấp khen", "Issuer", ENUM, True, enum="issuer", width=30),
        Column("award_form", "Hình thức khen", "Award form", ENUM, True, enum="award_form", width=20),
        Column("collectives", "Số tập thể", "Collectives", INT, True, width=12),
        Column("individuals", "Số cá nhân", "Individuals", INT, True, width=12),
        Column("note", "Ghi chú", "Note", TEXT, False, width=30),
    ),
)

SHEETS: tuple[Sheet, ...] = (THONG_TIN, TO_TU_QUAN, DOAN_BIEN_GIOI, KHEN_THUONG)
TABLE_SHEETS: tuple[Sheet, ...] = (TO_TU_QUAN, DOAN_BIEN_GIOI, KHEN_THUONG)
SHEETS_BY_CODE = {s.code: s for s in SHEETS}

#: Labels that mark a totals row, which is recognised and never counted as data.
TOTAL_ROW_MARKERS = ("tổng cộng", "tong cong", "cộng", "cong", "tổng", "tong", "total")

#: Name of the instructions sheet the template adds (not read back).
INSTRUCTIONS_SHEET = "huong_dan"
