"""Reports of a design-based analysis say how the variances were made; its settings are valid JSON."""

import html
import re
import warnings

import pytest
from factories import design_frame

import servgap as sg
from servgap.report import jsonout

COLS = {"expected": "E{item}", "perceived": "P{item}"}


def _method(text: str) -> str:
    """The visible text of the report's method section."""
    body = re.search(r'<section id="method">(.*?)</section>', text, flags=re.DOTALL).group(1)
    return html.unescape(re.sub(r"<[^>]+>", " ", body))


@pytest.fixture(scope="module")
def results():
    frame = design_frame(n=120)
    weighted = sg.read_survey(frame, columns=COLS, missing=[0], weight="w", strata="stratum", cluster="psu")
    plain = sg.read_survey(frame, columns=COLS, missing=[0], strata="stratum", cluster="psu")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return {"kish": sg.analyze(weighted), "design": sg.analyze(weighted, variance="design"),
                "design_unweighted": sg.analyze(plain, variance="design")}


def test_method_section_names_the_variance(results):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        kish, design, plain = (_method(results[k].to_html(lang="en", plots=False))
                               for k in ("kish", "design", "design_unweighted"))
        zh = _method(results["design"].to_html(lang="zh", plots=False))
    assert "Kish" in kish and "design-based" not in kish
    assert "design-based" in design and "PSUs minus strata" in design and "Kish" not in design
    assert "No survey weights were used." in plain and "design-based" in plain
    assert "泰勒线性化" in zh and "PSU 数减去层数" in zh
    assert "Variance estimation" in design and "design-based (Taylor linearisation)" in design   # the settings
    assert "Kish effective sample size" in _method(results["kish"].to_html(lang="en", plots=False))


def test_json_settings_carry_the_variance(results):
    jsonschema = pytest.importorskip("jsonschema")
    data = jsonout.to_dict(results["design"])
    assert data["settings"]["variance"] == "design" and data["settings"]["lonely_psu"] == "adjust"
    jsonschema.Draft202012Validator(jsonout.schema()).validate(data)
    data["settings"]["variance"] = "taylor"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(data, jsonout.schema())
