"""What a result shows in a notebook (``_repr_html_``) and a console (``repr``): the
headline gap 5 first, p-values in one format, and a note on the rows left out."""

import re
import warnings
from html.parser import HTMLParser

import pytest

import servgap as sg
from servgap.display import pvalue, stars


class Cells(HTMLParser):
    def __init__(self):
        super().__init__()
        self.rows, self.head, self.text, self._row, self._cell = [], [], [], None, None

    def handle_starttag(self, tag, attrs):
        if tag == "tr":
            self._row = []
        elif tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self._row.append("".join(self._cell).strip())
            self._cell = None
        elif tag == "tr":
            (self.head if not self.rows and not self.head else self.rows).append(self._row)

    def handle_data(self, data):
        (self._cell if self._cell is not None else self.text).append(data)


@pytest.fixture(scope="module")
def res():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return sg.analyze(list(sg.load_example()), by="branch")


def test_html_repr_leads_with_gap5_and_counts_hidden_rows(res):
    p = Cells()
    p.feed(res._repr_html_())
    header = p.head[0]
    assert header[:3] == ["gap", "dimension", "branch"] and "adjusted p" in header
    total = len(res.gaps)
    n5 = int((res.gaps["gap"] == 5).sum())
    assert total == 150 and len(p.rows) == 60
    assert [r[0] for r in p.rows[:n5]] == ["5"] * n5            # the headline first: all of gap 5
    assert {r[0] for r in p.rows[n5:]} <= {"1", "2", "3", "4"}
    note = " ".join(p.text)
    assert "90 of 150 rows not shown" in note and ".gaps" in note
    # p in one format: display.pvalue of the table's p_adj, with its stars, row by row
    want = res.gaps.iloc[(res.gaps["gap"] != 5).to_numpy().argsort(kind="stable")].head(60)
    j = header.index("adjusted p")
    for cells, (_, r) in zip(p.rows, want.iterrows()):
        assert cells[j].replace("\xa0", " ").strip() == f"{pvalue(r['p_adj'])} {stars(r['p_adj'])}".strip()
        assert not re.search(r"\de-\d", cells[j])                  # never 4.54e-05 beside <0.001
        assert cells[2] == r["branch"]


def test_text_repr_leads_with_gap5(res):
    text = repr(res)
    body = text.splitlines()[2:]
    assert body[0].split()[0] == "5"
    assert "110 of 150 rows not shown" in text


def test_small_result_has_no_note():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = sg.analyze(sg.load_example()[0], gaps=[5])
    html = res._repr_html_()
    assert "not shown" not in html and html.count("<tr>") == 1 + 5
