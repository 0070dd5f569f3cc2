"""The report's words: English and Chinese say the same things with the same blanks."""

import string

import pytest

from servgap.report.strings import EXCEL_ZH, STRINGS


def _leaves(tree, path=()):
    if isinstance(tree, dict):
        for key, value in tree.items():
            yield from _leaves(value, path + (key,))
    elif isinstance(tree, (list, tuple)):
        for k, value in enumerate(tree):
            yield from _leaves(value, path + (k,))
    else:
        yield path, tree


def _fields(text):
    return sorted(f for _, f, _, _ in string.Formatter().parse(text) if f is not None)


def test_both_languages_have_the_same_keys():
    en, zh = dict(_leaves(STRINGS["en"])), dict(_leaves(STRINGS["zh"]))
    assert set(en) == set(zh), sorted(set(en) ^ set(zh), key=str)


def test_both_languages_fill_the_same_blanks():
    en, zh = dict(_leaves(STRINGS["en"])), dict(_leaves(STRINGS["zh"]))
    differ = {k: (_fields(en[k]), _fields(zh[k])) for k in en
              if isinstance(en[k], str) and _fields(en[k]) != _fields(zh[k])}
    assert not differ, differ


def test_chinese_strings_are_chinese():
    latin_only = {k for k, v in _leaves(STRINGS["zh"])
                  if isinstance(v, str) and v.strip() and not any("\u4e00" <= ch <= "\u9fff" for ch in v)}
    # Only names that stay as they are in Chinese reports, and blanks filled with Chinese text.
    assert latin_only == {("generated",), ("at",), ("rank",), ("method_items", 3, 1), ("sha256",),
                          ("corrections", "holm"), ("corrections", "bonferroni"), ("corrections", "fdr_bh")}


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_column_headers_are_unique(lang):
    labels = list(STRINGS[lang]["columns"].values())
    assert len(set(labels)) == len(labels)


def test_excel_headers_and_sheet_names_are_unique_and_fit():
    cols = EXCEL_ZH["columns"]
    dupes = {v: [k for k in cols if cols[k] == v] for v in cols.values() if list(cols.values()).count(v) > 1}
    assert not dupes, dupes
    sheets = list(EXCEL_ZH["sheets"].values())
    assert len(set(sheets)) == len(sheets)
    assert max(len(s) for s in sheets) <= 31                  # Excel's limit on a sheet name
    assert not [s for s in sheets if set(s) & set("[]:*?/\\")]  # characters Excel refuses
