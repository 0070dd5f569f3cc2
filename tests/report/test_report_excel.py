"""Excel export: typed numbers, number formats, frozen headers, filters, colours, injection."""

import math

import pytest

openpyxl = pytest.importorskip("openpyxl")

from factories import SEGMENTS, small_result

from servgap.report.excel import neutralise


@pytest.fixture(scope="module")
def book(tmp_path_factory):
    res = small_result()
    path = tmp_path_factory.mktemp("xlsx") / "results.xlsx"
    res.to_excel(path)
    return res, openpyxl.load_workbook(path)


def _rows(ws):
    values = list(ws.values)
    return list(values[0]), values[1:]


def test_sheets_and_layout(book):
    res, wb = book
    for name in ("gaps", "items", "overall", "quality", "missing_gaps", "settings", "provenance"):
        assert name in wb.sheetnames
        ws = wb[name]
        assert ws.freeze_panes == "A2"
        assert ws.auto_filter.ref and ws.auto_filter.ref.startswith("A1:")
    header, rows = _rows(wb["items"])
    assert header == [str(c) for c in res.items.columns]
    assert len(rows) == len(res.items)


def test_numbers_are_numbers(book):
    res, wb = book
    header, rows = _rows(wb["gaps"])
    ws = wb["gaps"]
    g = res.gaps
    for col, fmt in (("mean_gap", "0.000"), ("p_adj", "0.0000"), ("n", "0")):
        j = header.index(col)
        cells = [ws.cell(row=i + 2, column=j + 1) for i in range(len(g))]
        expected = g[col].to_numpy(dtype=float)
        for c, e in zip(cells, expected):
            if math.isnan(e):
                assert c.value is None                  # NaN -> empty cell
            else:
                assert isinstance(c.value, (int, float)) and not isinstance(c.value, bool)
                assert c.value == pytest.approx(e, rel=1e-15, abs=0)
                assert c.number_format == fmt
    j = header.index("paired")
    assert all(isinstance(r[j], bool) for r in rows)


def test_text_kept_exactly_and_never_a_formula(book):
    _, wb = book
    header, rows = _rows(wb["gaps"])
    cells = [r[header.index("branch")] for r in rows]
    assert set(cells) == set(SEGMENTS)          # "=HYPERLINK(...)", "-1+2", "@SUM(A1)" shown as they are
    # the CSV guard: a would-be formula gets a quote, numbers and plain text stay as they are
    assert neutralise("-1+1") == "'-1+1" and neutralise("=cmd|' /C calc'!A0") == "'=cmd|' /C calc'!A0"
    assert neutralise("\t=1") == "'\t=1" and neutralise("@SUM(A1)") == "'@SUM(A1)"
    assert neutralise("-1") == "-1" and neutralise("+2.5") == "+2.5" and neutralise("B01") == "B01"
    # no cell of the workbook holds a formula
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                assert c.data_type != "f"


def test_significant_shortfalls_coloured(book):
    _, wb = book
    ws = wb["gaps"]
    header, rows = _rows(ws)
    mg, pa = header.index("mean_gap"), header.index("p_adj")
    rules = [(str(cf.sqref), r) for cf in ws.conditional_formatting for r in cf.rules]
    assert rules
    letter = openpyxl.utils.get_column_letter
    formulas = [r.formula[0] for _, r in rules]
    short = f"AND(ISNUMBER(${letter(pa + 1)}2),${letter(pa + 1)}2<0.05,ISNUMBER(${letter(mg + 1)}2),${letter(mg + 1)}2<0)"
    assert short in formulas
    rng, rule = next((s, r) for s, r in rules if r.formula[0] == short)
    assert rng == f"A2:{letter(len(header))}{len(rows) + 1}"
    assert rule.dxf.fill.fgColor.rgb.endswith("F8D7DA") or rule.dxf.fill.bgColor.rgb.endswith("F8D7DA")
    # the planted responsiveness shortfall is among the rows the rule shades
    flagged = [r for r in rows if r[mg] is not None and r[mg] < 0 and r[pa] is not None and r[pa] < 0.05]
    assert any(r[header.index("dimension")] == "responsiveness" for r in flagged)


@pytest.fixture(scope="module")
def books_en_zh(tmp_path_factory):
    import warnings

    import servgap as sg

    cust, staff = sg.load_example(tolerance=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = sg.analyze([cust, staff, sg.load_example_constructs()], by="branch")
    tmp = tmp_path_factory.mktemp("xlsx_zh")
    res.to_excel(tmp / "en.xlsx")
    res.to_excel(tmp / "zh.xlsx", lang="zh")
    return res, openpyxl.load_workbook(tmp / "en.xlsx"), openpyxl.load_workbook(tmp / "zh.xlsx")


def _latin(text):
    return str(text).isascii()


def test_chinese_workbook_is_chinese_throughout(books_en_zh):
    import servgap as sg

    res, en, zh = books_en_zh
    assert len(zh.sheetnames) == len(en.sheetnames) >= 10
    assert not [n for n in zh.sheetnames if _latin(n)], zh.sheetnames          # sheet names
    for ws in zh.worksheets:
        header = [c.value for c in ws[1]]
        latin = [h for h in header if _latin(h) and h not in res.by]
        assert not latin, (ws.title, latin)                                    # headers
        assert len(set(header)) == len(header), (ws.title, header)             # one name, one column
    header, rows = _rows(zh["差距"])
    dims = {r[header.index("维度")] for r in rows}
    assert dims == {d.label("zh") for d in sg.SERVQUAL22.dimensions}          # labels
    assert {r[header.index("是否配对")] for r in rows} == {"是", "否"}
    assert {r[header.index("检验方法")] for r in rows} <= {"配对 t 检验", "Welch t 检验"}
    quad = {r[[c.value for c in zh["重要性–表现分析"][1]].index("象限")] for r in list(zh["重要性–表现分析"].values)[1:]}
    assert quad <= {"重点改进", "继续保持", "次要改进", "可能过度投入"} and quad
    issues = {r[2] for r in list(zh["数据质量"].values)[1:]}
    assert issues and not [i for i in issues if _latin(i)]
    causes = [r[[c.value for c in zh["根本原因"][1]].index("名称")] for r in list(zh["根本原因"].values)[1:]]
    assert causes and not [c for c in causes if _latin(c)]
    header, rows = _rows(zh["根本原因"])
    zh_dims = {d.label("zh") for d in sg.SERVQUAL22.dimensions}
    cells = [r[header.index("涉及维度")] for r in rows]
    assert cells and all(set(c.split("; ")) <= zh_dims for c in cells)              # list cells too
    header, rows = _rows(zh["原因树"])
    assert {r[header.index("证据")] for r in rows} <= {"差距", "组织因素"}


def test_chinese_workbook_has_the_same_numbers(books_en_zh):
    _, en, zh = books_en_zh
    for e_name, z_name in zip(en.sheetnames, zh.sheetnames):
        if e_name in ("settings", "provenance"):        # settings in words there
            continue
        e, z = list(en[e_name].values)[1:], list(zh[z_name].values)[1:]
        assert len(e) == len(z), e_name
        for er, zr in zip(e, z):
            for a, b in zip(er, zr):
                if isinstance(a, (int, float)) and not isinstance(a, bool):
                    assert a == b, e_name


def test_provenance_sheet(book):

    import servgap as sg

    _, wb = book
    rows = dict(list(wb["provenance"].values)[1:])
    assert rows["servgap_version"] == sg.__version__ and rows["created"].endswith("Z")
    assert rows["cust<b>.csv"] == "in-memory table (no file)"      # a DataFrame input has no file to hash


def test_infinite_values_are_marked(tmp_path):
    import dataclasses

    res = small_result(gaps=[5])
    items = res.items.copy()
    items.loc[0, "statistic"], items.loc[1, "statistic"] = float("inf"), float("-inf")
    dataclasses.replace(res, items=items).to_excel(tmp_path / "inf.xlsx")
    header, rows = _rows(openpyxl.load_workbook(tmp_path / "inf.xlsx")["items"])
    j = header.index("statistic")
    assert rows[0][j] == "∞" and rows[1][j] == "−∞"


def test_workbook_bytes_are_reproducible_with_source_date_epoch(monkeypatch):
    """The workbook's own created date is the provenance time: with SOURCE_DATE_EPOCH two runs (or two
    processes of `--jobs 2`) write the same bytes."""
    import io
    import zipfile

    import servgap as sg

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    out = []
    for _ in range(2):
        res = sg.analyze(list(sg.load_example()), by="branch")
        buf = io.BytesIO()
        res.to_excel(buf, lang="zh")
        out.append(buf.getvalue())
    assert out[0] == out[1]
    core = zipfile.ZipFile(io.BytesIO(out[0])).read("docProps/core.xml").decode()
    assert "<dcterms:created xsi:type=\"dcterms:W3CDTF\">2023-11-14T22:13:20Z</dcterms:created>" in core


def test_numbers_in_mixed_columns_are_numbers(book):
    """The settings sheet mixes text and numbers: alpha and confidence are numbers, not their text."""
    vals = dict(list(book[1]["settings"].values)[1:])
    assert isinstance(vals["alpha"], float) and vals["alpha"] == 0.05
    assert isinstance(vals["confidence"], float) and vals["weighted"] is True and vals["test"] == "t"
