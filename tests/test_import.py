"""`storectl import KIND FILE` (SPEC §2): every kind from .csv and .xlsx, all rows or none."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import fails, ok
from test_bad_input import _template, cached_shop  # noqa: F401  (fixtures: a copy of one shop per module)

# kind → (header, rows, how to read them back, what one of them looks like there)
FIXTURES = {
    "stores": (
        ["code", "name"],
        [["SZ03", "福田中心店"], ["GZ01", "广州天河店"]],
        ("store", "list"),
        {"code": "SZ03", "name": "福田中心店"},
    ),
    "suppliers": (
        ["code", "name"],
        [["SUP02", "广州市天河区联拓数码科技有限公司"], ["SUP03", "东莞市长安镇配件厂"]],
        ("supplier", "list"),
        {"code": "SUP03", "name": "东莞市长安镇配件厂"},
    ),
    "staff": (
        ["code", "name", "store", "role"],
        [["E101", "周杰", "SZ01", "manager"], ["E102", "吴芳", "SZ01", ""]],
        ("staff", "list"),
        {"code": "E102", "name": "吴芳", "store": "SZ01", "role": "clerk", "has_pin": False, "active": True},
    ),
    "products": (
        ["sku", "name", "brand", "category", "price", "serial", "codes", "warranty_months"],
        [
            ["HW-M70", "华为 Mate 70 512GB", "Huawei", "手机", "6499.00", "yes", "IMEI1,IMEI2,SN", "12"],
            ["00456", "钢化膜 iPhone 17", "", "配件", "29.9", "no", "", ""],
        ],
        ("product", "list"),
        {"sku": "00456", "name": "钢化膜 iPhone 17", "brand": "", "category": "配件", "serial": False,
         "codes": [], "price": "29.90", "warranty_months": 0},
    ),
    "customers": (
        ["code", "name", "phone", "group", "credit_limit"],
        [["T001", "深圳市龙岗区速修手机维修中心", "13612874530", "批发", "20,000.00"], ["", "王小明", "+86 137-0013-7000", "", ""]],
        ("customer", "list"),
        {"code": "13700137000", "name": "王小明", "phone": "13700137000", "group": ""},
    ),
}


def write_csv(path: Path, header: list[str], rows: list[list[str]], encoding: str = "utf-8") -> Path:
    import csv
    import io

    buf = io.StringIO()
    csv.writer(buf).writerows([header, *rows])
    path.write_bytes(buf.getvalue().encode(encoding))
    return path


def write_xlsx(path: Path, header: list[str], rows: list[list]) -> Path:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(header)
    for row in rows:
        ws.append(row)
    wb.save(path)
    return path


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("kind", list(FIXTURES))
def test_each_kind_imports_from_csv_and_xlsx(kind, fmt, cached_shop, tmp_path):
    header, rows, lister, sample = FIXTURES[kind]
    write = write_csv if fmt == "csv" else write_xlsx
    path = write(tmp_path / f"{kind}.{fmt}", header, rows)
    result = ok("import", kind, str(path))
    assert result == {"kind": kind, "imported": len(rows), "file": str(path)}
    listed = ok(*lister)
    key = "sku" if kind == "products" else "code"
    found = next(r for r in listed if r[key] == sample[key])
    assert {k: found[k] for k in sample} == sample


def test_a_gbk_csv_from_chinese_excel_imports_with_its_names_intact(cached_shop, tmp_path):
    path = write_csv(tmp_path / "customers.csv", ["code", "name", "phone", "group"],
                     [["G001", "深圳市宝安区鑫达通讯店", "13823456781", "批发"], ["G002", "陈晓燕", "", ""]], encoding="gbk")
    assert ok("import", "customers", str(path))["imported"] == 2
    assert ok("customer", "show", "G001")["name"] == "深圳市宝安区鑫达通讯店"
    assert ok("customer", "show", "G001")["group"] == "批发"


def test_a_csv_with_a_utf8_bom_and_capitalised_headers_imports(cached_shop, tmp_path):
    path = tmp_path / "stores.csv"
    path.write_bytes("\ufeffCode,Name\r\nSZ05,宝安店\r\n\r\nSZ06,龙华店\r\n".encode())
    assert ok("import", "stores", str(path))["imported"] == 2
    assert [s["code"] for s in ok("store", "list")] == ["SZ01", "SZ02", "SZ05", "SZ06"]


def test_an_xlsx_keeps_leading_zeros_of_text_cells_and_reads_numbers_as_whole_numbers(cached_shop, tmp_path):
    path = write_xlsx(tmp_path / "products.xlsx", ["sku", "name", "price", "serial", "warranty_months"],
                      [["00789", "充电头 20W", 49, "no", 0], ["SN-PAD", "iPad mini", 3999.5, "yes", 12.0]])
    assert ok("import", "products", str(path))["imported"] == 2
    assert ok("product", "show", "00789")["price"] == "49.00"
    pad = ok("product", "show", "SN-PAD")
    assert pad["price"] == "3999.50" and pad["warranty_months"] == 12 and pad["codes"] == ["SN"]


def test_a_phone_typed_as_a_number_in_excel_still_imports(cached_shop, tmp_path):
    path = write_xlsx(tmp_path / "customers.xlsx", ["code", "name", "phone"], [["X001", "李雷", 13912345678]])
    ok("import", "customers", str(path))
    assert ok("customer", "show", "X001")["phone"] == "13912345678"


def test_an_import_is_all_or_nothing(cached_shop, tmp_path):
    path = write_csv(tmp_path / "stores.csv", ["code", "name"], [["SZ07", "ok"], ["SZ08", "ok"], ["SZ07", "twice in the file"]])
    error = fails("invalid_input", "import", "stores", str(path))
    assert "line 4" in error["message"] and "nothing imported" in error["message"]
    assert [s["code"] for s in ok("store", "list")] == ["SZ01", "SZ02"]


def test_staff_rows_naming_an_unknown_store_are_all_reported(cached_shop, tmp_path):
    path = write_xlsx(tmp_path / "staff.xlsx", ["code", "name", "store", "role"],
                      [["E201", "甲", "SZ01", "clerk"], ["E202", "乙", "NOPE", "clerk"], ["E203", "丙", "SZ01", "boss"]])
    error = fails("invalid_input", "import", "staff", str(path))
    assert "2 bad row(s)" in error["message"] and "line 3" in error["message"] and "line 4" in error["message"]
    assert [s["code"] for s in ok("staff", "list")] == ["E001", "E002", "E003"]


def test_an_empty_file_or_a_header_without_rows_is_refused(cached_shop, tmp_path):
    (tmp_path / "empty.csv").write_text("")
    fails("invalid_input", "import", "stores", str(tmp_path / "empty.csv"))
    (tmp_path / "header.csv").write_text("code,name\n")
    error = fails("invalid_input", "import", "stores", str(tmp_path / "header.csv"))
    assert "no rows" in error["message"]


def test_an_import_is_audited_with_its_command_name(cached_shop, tmp_path):
    path = write_csv(tmp_path / "suppliers.csv", ["code", "name"], [["SUP09", "测试供应商"]])
    ok("import", "suppliers", str(path))
    assert ok("audit")[-1]["command"] == "import"


def test_the_packaged_sample_data_imports_cleanly():
    from storectl.demo import sample_dir

    data = sample_dir()  # the copy inside the installed package, as the demo reads it
    ok("init")
    for kind in ("stores", "suppliers", "staff", "products", "customers"):
        assert ok("import", kind, str(data / f"{kind}.csv"))["imported"] > 0
    products = ok("product", "list")
    assert len(products) == 36
    assert "00123" in {p["sku"] for p in products}
    assert len(ok("staff", "list")) == 9 and len(ok("customer", "list")) == 40
