"""Instrument files: the two shorthands are accepted, anything else outside the schema is refused
with the place and the allowed form (no silent fallback to 1-7, no quiet non-reverse item)."""

import numpy as np
import pandas as pd
import pytest

import servgap as sg
from servgap.errors import ConfigError

FULL = """\
id: bank5
scale: {min: 1, max: 5}
dimensions:
  - id: speed
    name: {en: Speed, zh: 速度}
    items: [{id: "1"}, {id: "2", reverse: true}]
  - id: care
    items: [{id: "3"}]
"""
SHORT = """\
id: bank5
scale: [1, 5]
dimensions:
  speed: {name: Speed, items: [1, {id: 2, reverse: true}]}
  care: [3]
"""


def _yaml(tmp_path, text, name="scale.yaml"):
    (tmp_path / name).write_text(text, encoding="utf-8")
    return tmp_path / name


def test_shorthands_equal_the_full_form(tmp_path):
    full = sg.Instrument.from_yaml(_yaml(tmp_path, FULL, "full.yaml"))
    short = sg.Instrument.from_yaml(_yaml(tmp_path, SHORT, "short.yaml"))
    assert short == full
    assert (short.scale_min, short.scale_max) == (1, 5) and short.reverse_mask.tolist() == [False, True, False]
    assert short.dimension("speed").label("zh") == "Speed"      # plain text serves every language
    # the reverse item is recoded min + max - x = 6 - x (by hand), not 8 - x of a silent 1-7 default
    df = pd.DataFrame({"E1": [5, 1], "E2": [1, 4], "E3": [3, 3], "P1": [4, 2], "P2": [2, 5], "P3": [1, 5]})
    s = sg.read_survey(df, short, columns={"expected": "E{item}", "perceived": "P{item}"})
    np.testing.assert_array_equal(s.data["expected"][:, 1], [5, 2])
    np.testing.assert_array_equal(s.data["perceived"][:, 1], [4, 1])


@pytest.mark.parametrize("text, words", [
    (FULL.replace("scale:", "scael:"), ("unknown key 'scael'", "did you mean 'scale'", "allowed")),
    (FULL.replace("max: 5", "max: .inf"), ("scale max", "finite number", "inf")),
    (FULL.replace("reverse: true", "reversed: true"), ("item '2'", "unknown key 'reversed'", "did you mean 'reverse'")),
    (FULL.replace("reverse: true", 'reverse: "false"'), ("item '2'", "reverse must be true or false", "'false'")),
    (FULL.replace('items: [{id: "3"}]', 'items: "12"'), ("dimension 'care'", "'items' must be a non-empty list", "'12'")),
    (FULL.replace('{id: "3"}', '{id: "3", text: [a, b]}'), ("item '3'", "'text'", "['a', 'b']")),
    (FULL.replace("scale: {min: 1, max: 5}", "scale: [1, 5, 7]"), ("[min, max]",)),
    (FULL.replace("scale: {min: 1, max: 5}", "scale: {min: 1}"), ("'min' and 'max'",)),
    (FULL.replace("scale: {min: 1, max: 5}", "scale: {min: true, max: 5}"), ("scale min", "finite number")),
    (FULL.replace("- id: care\n", "- id: care\n    weight: 2\n"), ("dimension 'care'", "unknown key 'weight'")),
    (FULL.replace('items: [{id: "3"}]', "items: [{text: {en: x}}]"), ("has no 'id'",)),
    (FULL.replace('{id: "3"}', '{id: "1"}'), ("item id '1' appears twice",)),
    ("id: x\ndimensions: {a: 5}\n", ("dimension 'a'", "item ids")),
    ("id: x\ndimensions: []\n", ("'dimensions' is missing or empty",)),
])
def test_anything_else_is_refused(tmp_path, text, words):
    with pytest.raises(ConfigError) as err:
        sg.Instrument.from_yaml(_yaml(tmp_path, text))
    msg = str(err.value)
    assert "scale.yaml" in msg
    for w in words:
        assert w in msg, (w, msg)


def test_gap_constructs_and_saved_instruments_still_load():
    inst = sg.GAP_CONSTRUCTS
    assert len(inst.items) == 55 and inst.dimensions[0].extra == {"gap": 1}
    from servgap.report.jsonout import instrument_dict

    assert sg.Instrument.from_dict(instrument_dict(sg.SERVQUAL22)) == sg.SERVQUAL22
