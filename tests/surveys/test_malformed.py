"""The malformed-input corpus (tests/malformed_corpus.py) through `read_survey` and `servgap validate`:
every case is a correct read or a servgap error naming file, column, row and value with a right fix;
no other exception type escapes, and the command line never prints a traceback."""

import warnings

import pytest
import yaml
from malformed_corpus import CASES, Case

import servgap as sg
from servgap.batch import yaml_hint
from servgap.cli import main
from servgap.errors import DataQualityWarning, ServgapError


def _source(case: Case, folder):
    src = case.make(folder)
    return src


def _read(case: Case, src):
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        out = sg.read_survey(src, **case.read_kwargs)
    return out, [w for w in seen if issubclass(w.category, DataQualityWarning)]


def test_corpus_is_large_enough():
    assert len(CASES) >= 60
    assert len({c.name for c in CASES}) == len(CASES)
    assert sum(c.error is None for c in CASES) >= 25 and sum(c.error is not None for c in CASES) >= 40


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_read_survey(case: Case, tmp_path):
    src = _source(case, tmp_path)
    if case.error is None:
        try:
            survey, warned = _read(case, src)
        except Exception as exc:  # noqa: BLE001 - show what escaped
            pytest.fail(f"{case.name}: expected a correct read, got {type(exc).__name__}: {exc}")
        assert isinstance(survey, sg.Survey)
        assert bool(warned) == case.warns, [str(w.message) for w in warned]
        if case.check:
            case.check(survey)
        return
    with pytest.raises(Exception) as info:
        _read(case, src)
    exc = info.value
    assert isinstance(exc, ServgapError), f"{case.name}: a raw {type(exc).__name__} escaped: {exc}"
    assert isinstance(exc, case.error), f"{case.name}: {type(exc).__name__}: {exc}"
    msg = str(exc)
    assert len(msg) < 1500, f"{case.name}: a {len(msg):,}-character message"
    for word in case.words:
        assert word in msg, f"{case.name}: {word!r} not in: {msg}"
    for word in case.absent:
        assert word not in msg, f"{case.name}: {word!r} (a wrong fix) in: {msg}"


CLI_CASES = [c for c in CASES if c.cli]


@pytest.mark.parametrize("case", CLI_CASES, ids=lambda c: c.name)
def test_servgap_validate(case: Case, tmp_path, capsys):
    src = _source(case, tmp_path)
    files = src if isinstance(src, list) else [src]
    kw = {k: v for k, v in case.read_kwargs.items() if v is not None or k == "sheet"}
    (tmp_path / "survey.yaml").write_text(yaml.safe_dump(kw, allow_unicode=True), encoding="utf-8")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        code = main(["validate", *files, "--config", str(tmp_path / "survey.yaml")])
    out, err = capsys.readouterr()
    assert "Traceback" not in err and "Traceback" not in out
    if case.error is None:
        assert code == 0, err
        assert "Survey(" in out
    else:
        assert code == (2 if issubclass(case.error, sg.errors.ConfigError) else 1), (code, err)
        assert yaml_hint(case.words[0]).strip("'") in err, err       # fixes in the configuration's spelling
        assert len(err) < 3000
