"""JSON export: schema validation, plain types, NaN -> null, round trip."""

import json
import math

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
    assert data["schema_version"] == "1.1"
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
