"""JSON export: schema validation, plain types, NaN -> null, round trip."""

import json
import math

import pandas as pd
import pytest

jsonschema = pytest.importorskip("jsonschema")

from factories import small_result

from servgap.analysis import saved
from servgap.report import jsonout


@pytest.fixture(scope="module")
def res():
    return small_result(gaps=[5])


@pytest.fixture(scope="module")
def data(res):
    return res.to_dict()


def test_valid_against_schema(data):
    schema = jsonout.schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.Draft202012Validator(schema).validate(data)
    assert data["schema_version"] == "1.2"
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def test_schema_rejects_broken_output(data):
    bad = json.loads(json.dumps(data))
    bad["tables"]["items"][0]["mean_gap"] = "−0.5"        # a formatted string is not a number
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad, jsonout.schema())
    del bad["schema_version"]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad, jsonout.schema())


def test_plain_types_and_values(res, data):
    def walk(v):
        if isinstance(v, dict):
            for x in v.values():
                walk(x)
        elif isinstance(v, list):
            for x in v:
                walk(x)
        else:
            assert v is None or type(v) in (str, int, float, bool), type(v)
            assert not (isinstance(v, float) and not math.isfinite(v))
    walk(data)
    items = data["tables"]["items"]
    assert len(items) == len(res.items)
    for rec, (_, row) in zip(items, res.items.iterrows()):
        assert rec["mean_gap"] == row["mean_gap"] and rec["n"] == int(row["n"])
        assert rec["item"] == row["item"] and rec["branch"] == row["branch"]
    # gap 5 has no Welch df of gap 1 and no mean_expected NaN: NaN columns are null
    assert all(r["mean_benchmark"] == r["mean_expected"] for r in items)
    assert {r["test"] for r in items} == {"t"}
    assert data["settings"]["by"] == ["branch"] and data["by"] == ["branch"]


def test_nan_is_null(tmp_path):
    res = small_result(segments=["A", "B"], gaps=[5])
    res.items.loc[0, "p"] = float("nan")
    text = res.to_json(tmp_path / "r.json")
    assert "NaN" not in text
    assert json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))["tables"]["items"][0]["p"] is None


def test_round_trip(data):
    back = saved.from_dict(json.loads(json.dumps(data)))
    assert back.to_dict() == data
    assert back.instrument.item_ids == [str(i) for i in range(1, 23)]


def test_not_a_results_file():
    from servgap.errors import ConfigError

    with pytest.raises(ConfigError, match="not a servgap results file"):
        saved.from_dict({"hello": 1})
    with pytest.raises(ConfigError, match="schema_version"):
        saved.from_dict({"schema_version": "2.0", "tables": {}})


def _example_by_branch():
    import warnings

    import servgap as sg

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return sg.analyze(list(sg.load_example()), by="branch")


def test_every_table_round_trips_nan_and_inf(tmp_path):
    """read_results(to_json(res)) equals res on every table, NaN and ±inf included."""
    import dataclasses

    import numpy as np
    import pandas as pd

    import servgap as sg

    res = _example_by_branch()
    items = res.items.copy()
    items.loc[0, "statistic"], items.loc[1, "statistic"], items.loc[2, "effect"] = np.inf, -np.inf, np.nan
    res = dataclasses.replace(res, items=items)          # planted, whatever the statistics report today
    path = tmp_path / "results.json"
    text = res.to_json(path)
    assert "NaN" not in text and '"-Infinity"' in text and '"Infinity"' in text
    back = sg.read_results(path)
    for name in ("items", "dimensions", "overall", "quality", "missing_gaps"):
        pd.testing.assert_frame_equal(getattr(back, name), getattr(res, name), check_exact=True, obj=name)
    assert back.items["statistic"].iloc[0] == np.inf and back.items["statistic"].iloc[1] == -np.inf
    assert np.isnan(back.items["effect"].iloc[2])
    for name in ("ipa", "tolerance", "constructs"):
        try:
            want = getattr(res, name)
        except sg.errors.ServgapError:
            continue
        if len(want) == 0:
            continue
        pd.testing.assert_frame_equal(getattr(back, name), want, check_exact=True, obj=name)
    pd.testing.assert_frame_equal(back.causes(), res.causes(), obj="causes")   # the saved top 10
    for name in ("actions", "cause_tree"):
        pd.testing.assert_frame_equal(getattr(back, name)(), getattr(res, name)(), obj=name)
    # a second trip gives the same file (the provenance block is the one saved)
    assert back.to_json() == text
    jsonschema.Draft202012Validator(jsonout.schema()).validate(json.loads(text))


def test_provenance_names_inputs_with_sha256():
    import hashlib

    import servgap as sg

    p = _example_by_branch().to_dict()["provenance"]
    want = {n: hashlib.sha256(open(sg.example_path(n), "rb").read()).hexdigest() for n in ("customers", "staff")}
    assert {i["name"]: i["sha256"] for i in p["inputs"]} == {"customers.csv": want["customers"],
                                                              "staff.csv": want["staff"]}
    assert p["servgap_version"] == sg.__version__ and p["settings"]["by"] == ["branch"]
    assert p["created"].endswith("Z") and p["created"][:2] == "20"


def test_provenance_of_a_changed_file_has_no_digest(tmp_path):
    import shutil

    import servgap as sg

    f = tmp_path / "c.csv"
    shutil.copy(sg.example_path("customers"), f)
    cust = sg.read_survey(f, columns={"expected": "E{item}", "perceived": "P{item}"}, id="resp_id", missing=[0])
    f.write_text("changed after reading\n", encoding="utf-8")
    res = sg.analyze(cust, gaps=[5])
    assert res.to_dict()["provenance"]["inputs"] == [{"name": "c.csv", "bytes": f.stat().st_size and
                                                      cust.metadata["files"][0]["bytes"], "sha256": None}]


def test_saved_result_renders_the_same_headline(tmp_path):
    import re

    import servgap as sg

    res = _example_by_branch()
    res.to_json(tmp_path / "r.json")
    back = sg.read_results(tmp_path / "r.json")
    value = lambda html: re.search(r'<div class="value">(.*?)</div>', html).group(1)   # noqa: E731
    assert value(back.to_html(plots=False)) == value(res.to_html(plots=False))
    assert back.to_dict()["headline"]["n"] == 1200


def test_a_saved_result_renders_its_causes_in_either_language(tmp_path):
    """`servgap report results.json --lang zh`: the causes, actions and cause tree come back in Chinese (schema
    1.2 saves them in both languages), equal to the live result's; an older file says it holds English only."""
    import json
    import re

    import servgap as sg
    from servgap.errors import ConfigError

    res = _example_by_branch()
    res.to_json(tmp_path / "r.json")
    back = sg.read_results(tmp_path / "r.json")
    for lang in ("en", "zh"):
        for name in ("causes", "actions", "cause_tree"):
            got, want = getattr(back, name)(lang=lang), getattr(res, name)(lang=lang)
            pd.testing.assert_frame_equal(got.reset_index(drop=True), want.reset_index(drop=True), check_dtype=False)
    html = back.to_html(None, lang="zh", plots=False)
    summary = re.search(r'<section id="summary">(.*?)</section>', html, re.S).group(1)
    top = res.causes(lang="zh")["name"].iloc[0]
    assert top in summary and res.causes()["name"].iloc[0] not in summary
    old = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    old.pop("tables_zh")
    old["schema_version"] = "1.1"
    (tmp_path / "old.json").write_text(json.dumps(old, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(ConfigError, match=r"holds the 'causes' table in English only"):
        sg.read_results(tmp_path / "old.json").causes(lang="zh")


def test_read_results_from_an_open_file_object(tmp_path):
    """read_results reads what to_json writes into a text or binary stream; other targets are a ConfigError."""
    import io

    import servgap as sg
    from servgap.errors import ConfigError

    res = small_result()
    text = io.StringIO()
    res.to_json(text)
    for stream in (io.StringIO(text.getvalue()), io.BytesIO(text.getvalue().encode("utf-8"))):
        back = sg.read_results(stream)
        pd.testing.assert_frame_equal(back.items, res.items)
    with pytest.raises(ConfigError, match=r"Cannot read results from 123 \(int\): give a file path"):
        sg.read_results(123)
