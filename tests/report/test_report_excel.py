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
    for name in ("gaps", "items", "overall", "quality", "missing_gaps", "settings"):
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
