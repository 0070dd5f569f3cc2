"""Every table of the HTML report, parsed cell by cell and checked against the result
table it came from (``data-table`` / ``data-row`` / ``data-col``), in English and Chinese;
human headers and values; the summary opens with the headline and the decision."""

import hashlib
import re
import warnings
import html
from html.parser import HTMLParser

import numpy as np
import pandas as pd
import pytest

import servgap as sg
from servgap.model.gaps import gap as gap_def
from servgap.model.ipa import quadrant_label

NUMBER = re.compile(r"[−+-]?\d[\d,]*(?:\.\d+)?")
P_COLUMNS = {"p", "p_adj", "msa_p_adj", "mss_p_adj"}


class Tables(HTMLParser):
    """All tables: their data-table name, header cells and rows of (text, attrs) cells."""

    def __init__(self):
        super().__init__()
        self.tables, self._cell, self._row = [], None, None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "table":
            self.tables.append({"name": a.get("data-table"), "head": [], "rows": []})
        elif tag == "tr" and self.tables:
            self._row = {"attrs": a, "cells": []}
        elif tag in ("td", "th") and self._row is not None:
            self._cell = {"tag": tag, "attrs": a, "text": []}

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self._cell["text"] = "".join(self._cell["text"]).strip()
            self._row["cells"].append(self._cell)
            self._cell = None
        elif tag == "tr" and self._row is not None:
            t = self.tables[-1]
            if all(c["tag"] == "th" for c in self._row["cells"]):
                t["head"] = self._row["cells"]
            else:
                t["rows"].append(self._row)
            self._row = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell["text"].append(data)


def numbers(text):
    return [float(x.replace("−", "-").replace(",", "")) for x in NUMBER.findall(text)]


def check_number(text, v, where):
    """``text`` shows ``v`` rounded to the decimals it shows (an en dash for a missing value)."""
    if v is None or (isinstance(v, float) and not np.isfinite(v)):
        assert text.startswith("–"), f"{where}: {text!r} for {v!r}"
        return
    got = numbers(text)
    assert got, f"{where}: no number in {text!r} (value {v!r})"
    shown = NUMBER.findall(text)[0]
    decimals = len(shown.split(".")[1]) if "." in shown else 0
    assert abs(got[0] - float(v)) <= 0.5 * 10 ** -decimals + 1e-9, f"{where}: {text!r} vs {v!r}"


def check_p(text, v, where):
    if text == "<0.001":
        assert v < 0.001, f"{where}: <0.001 for p = {v!r}"
    else:
        check_number(text, v, where)
        assert re.fullmatch(r"[\d.]+|–", text), f"{where}: {text!r} is not a p-value"


def check_label(col, text, v, lang, where):
    if col == "dimension":
        assert text == sg.SERVQUAL22.dimension(v).label(lang), where
    elif col == "construct":
        assert text == sg.GAP_CONSTRUCTS.dimension(v).label(lang), where
    elif col == "quadrant":
        assert text == quadrant_label(v, lang), where
    elif col == "gap" and isinstance(v, (int, np.integer)):
        assert text == gap_def(int(v)).label(lang), where
    elif col in ("unfavourable", "paired"):
        assert text == {"en": {True: "yes", False: "no"}, "zh": {True: "是", False: "否"}}[lang][bool(v)], where
    elif col == "zone":
        assert text and text != v, f"{where}: zone {v!r} shown raw"
    else:
        assert text, where


@pytest.fixture(scope="module")
def res():
    cust, staff = sg.load_example(tolerance=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return sg.analyze([cust, staff, sg.load_example_constructs()], by="branch")


@pytest.fixture(scope="module", params=["en", "zh"])
def parsed(request, res):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        text = res.to_html(lang=request.param, plots=False)
    p = Tables()
    p.feed(text)
    return request.param, text, p.tables


def _source(res, name):
    return {"gaps": res.gaps, "items": res.items, "overall": res.overall, "tolerance": res.tolerance,
            "constructs": res.constructs, "ipa": res.ipa, "quality": res.quality}.get(name)


def test_every_cell_matches_its_result_table(res, parsed):
    lang, _, tables = parsed
    names = {t["name"] for t in tables}
    assert {"gaps", "items", "overall", "tolerance", "constructs", "ipa", "quality", "provenance"} <= names
    assert all(t["name"] for t in tables), "every table says where it comes from"
    checked = 0
    for t in tables:
        src = _source(res, t["name"])
        if src is None:
            continue
        head = [c["attrs"].get("data-col") for c in t["head"]]
        for r in t["rows"]:
            for j, c in enumerate(r["cells"]):
                col = c["attrs"].get("data-col") or (head[j] if j < len(head) else None)
                pos = c["attrs"].get("data-row") or r["attrs"].get("data-row")
                if col is None or pos is None:
                    continue
                cols = col.split()
                rec = src.iloc[int(pos)]
                where = f"{lang} {t['name']}[{pos}].{col}"
                text = c["text"]
                if len(cols) == 2:                            # a CI: low … high
                    lo, hi = text.split("…")
                    check_number(lo.strip(), rec[cols[0]], where)
                    check_number(hi.strip(), rec[cols[1]], where)
                elif col in P_COLUMNS:
                    check_p(text, rec[col], where)
                elif isinstance(rec[col], (bool, np.bool_)) or isinstance(rec[col], str) or col == "gap" and \
                        pd.api.types.is_integer_dtype(src[col]):
                    check_label(col, text, rec[col], lang, where)
                elif isinstance(rec[col], (int, float, np.integer, np.floating)):
                    check_number(text, rec[col], where)
                checked += 1
    assert checked > 3000


def test_ipa_gap_cells_are_gaps_not_p_values(res, parsed):
    """The defect: a p-value format on the IPA gap column showed <0.001 for gaps of −0.28 … −1.46."""
    lang, _, tables = parsed
    ipa = next(t for t in tables if t["name"] == "ipa")
    j = [c["attrs"].get("data-col") for c in ipa["head"]].index("gap")
    shown = [numbers(r["cells"][j]["text"])[0] for r in ipa["rows"]]
    np.testing.assert_allclose(shown, res.ipa["gap"].round(2), atol=1e-9)


def test_human_headers_and_values(parsed):
    lang, _, tables = parsed
    for t in tables:
        for c in t["head"]:
            assert not re.fullmatch(r"[a-z]+(_[a-z]+)+", c["text"]), f"{t['name']}: raw header {c['text']!r}"
            key = c["attrs"].get("data-col")
            if key and key not in ("branch", "n", "p"):        # a column name is never its own header
                assert c["text"] != key, f"{t['name']}: raw header {key!r}"
        for r in t["rows"]:
            for c in r["cells"]:
                assert c["text"] not in ("True", "False", "nan", "None", "NaN"), (t["name"], c["text"])
    if lang == "zh":
        text = parsed[1]
        for heading in ("扩展模型的组织因素（员工问卷）", "容忍区间", "重要性–表现分析"):
            assert f"<h3>{heading}</h3>" in text
        assert "<h3>constructs</h3>" not in text and "<h3>ipa</h3>" not in text
        heads = " ".join(c["text"] for t in tables for c in t["head"])
        for word in ("维度", "样本数", "校正后 p", "象限", "重要性"):
            assert word in heads
        assert "p_adj" not in heads and "Quadrant" not in heads


def test_quality_and_provenance_tables(res, parsed):
    lang, _, tables = parsed
    by_issue = next(t for t in tables if t["name"] == "quality-by-issue")
    want = res.quality.groupby(["source", "issue"], sort=False)["count"].sum()
    assert [numbers(r["cells"][2]["text"])[0] for r in by_issue["rows"]] == list(want.astype(float))
    prov = next(t for t in tables if t["name"] == "provenance")
    got = {r["cells"][0]["text"]: r["cells"][2]["text"] for r in prov["rows"]}
    for name in ("customers", "staff"):
        assert got[f"{name}.csv"] == hashlib.sha256(open(sg.example_path(name), "rb").read()).hexdigest()


def test_summary_opens_with_the_headline(res, parsed):
    lang, text, _ = parsed
    summary = text[text.index('<section id="summary">'):text.index("</section>")]
    whole = sg.analyze([s for s in res.surveys if "perceived" in s.viewpoints], gaps=[5]).overall
    row = whole[whole["measure"] == "unweighted"].iloc[0]           # the whole sample, one number
    value = re.search(r'<div class="value">(.*?)</div>', summary).group(1)
    assert value.startswith(f"{row['mean_gap']:+.2f}".replace("-", "−")) and "…" not in value
    note = re.search(r'<div class="note">(.*?)</div>', summary).group(1)
    assert f"{row['ci_low']:+.2f}".replace("-", "−") in note and f"{int(row['n']):,}" in note
    # then the three largest significant shortfalls, the top causes (with basis) and the first actions
    assert summary.index('class="headline') < summary.index('data-table="gaps"')
    sig = res.gaps[(res.gaps["mean_gap"] < 0) & (res.gaps["p_adj"] < 0.05)].nsmallest(3, "mean_gap")
    first = re.search(r'<table data-table="gaps">.*?</table>', summary, flags=re.DOTALL).group(0)
    assert [int(x) for x in re.findall(r'<tr data-row="(\d+)">', first)] == list(sig.index)
    # the top three causes and every cause tied with the third (ties are not cut), each at its rank
    ranked = res.causes(lang=lang)
    cut = ranked[ranked["rank"] <= ranked["rank"].iloc[2]]
    listed = re.search(r'<ol class="top">(.*?)</ol>', summary, flags=re.DOTALL).group(1)
    got = re.findall(r'<li value="(\d+)"><strong>(.*?)</strong>( <span class="note">\((.*?)\)</span>)?', listed)
    assert [(int(r), html.unescape(n)) for r, n, *_ in got] == list(zip(cut["rank"], cut["name"]))
    assert [bool(mark) for _, _, mark, _ in got] == cut["tied"].tolist()
    assert all(word == ("tied" if lang == "en" else "并列") for *_, word in got if word)
    heads = [html.unescape(h) for h in re.findall(r"<h3>(\d+[=.] .*?)</h3>", text)]
    assert len(heads) >= 4
    for r in ranked.head(len(heads)).itertuples():                 # the cause cards: "3=" when tied, "2." alone
        assert f"{r.rank}{'=' if r.tied else '.'} {r.name}" in heads
    assert ("measured" if lang == "en" else "已测量") in summary
    assert ("First actions" if lang == "en" else "首先要做的事") in summary
    assert summary.count("<li") >= 6
    # respondents: one count per file, although the staff file feeds two surveys (ratings and constructs)
    n = sum(len(pd.read_csv(sg.example_path(f))) for f in ("customers", "staff"))
    assert f'<div class="value">{n:,}</div>' in summary


def test_small_samples_are_marked_and_explained(res, parsed):
    """Every respondent count below 30 in a report table carries †, no other does, and a table with
    such a row explains the mark (the result tables keep the plain number)."""
    from servgap.display import SMALL_SAMPLE

    lang, text, tables = parsed
    seen_small = 0
    for t in tables:
        src = _source(res, t["name"])
        cols = [c["attrs"].get("data-col") for c in t["head"]]
        if src is None or "n" not in cols or "n" not in src.columns:
            continue
        k = cols.index("n")
        for row in t["rows"]:
            if "data-row" not in row["attrs"] or len(row["cells"]) != len(cols):
                continue
            n = src["n"].iloc[int(row["attrs"]["data-row"])]
            shown = row["cells"][k]["text"]
            assert shown.endswith("†") == bool(n < SMALL_SAMPLE), (t["name"], shown, n)
            seen_small += bool(n < SMALL_SAMPLE)
    assert seen_small > 0                                           # the staff branches have 8 respondents
    note = "† fewer than 30 respondents: read with care." if lang == "en" else "† 样本不足 30 人，解读需谨慎。"
    assert note in text
    assert res.gaps["n"].dtype.kind in "iu"                         # the numbers stay numbers
