"""Reports written into open file objects: the same bytes a path gets, and a clear error for other targets."""

import io
import zipfile

import pytest

from factories import small_result
from servgap.errors import ConfigError


@pytest.fixture(scope="module")
def res():
    return small_result()


@pytest.mark.parametrize("method,kwargs", [("to_json", {}), ("to_html", {"plots": False})])
def test_text_reports_into_text_and_binary_streams(res, tmp_path, monkeypatch, method, kwargs):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1764633600")     # one creation time for all four writes
    path = tmp_path / "out"
    text = getattr(res, method)(path, **kwargs)
    on_disk = path.read_bytes()
    as_text, as_bytes = io.StringIO(), io.BytesIO()
    getattr(res, method)(as_text, **kwargs)
    getattr(res, method)(as_bytes, **kwargs)
    assert as_text.getvalue() == text
    assert as_bytes.getvalue() == on_disk == text.encode("utf-8")
    with open(tmp_path / "opened", "wb") as fh:                # a real file opened in binary mode
        getattr(res, method)(fh, **kwargs)
    assert (tmp_path / "opened").read_bytes() == on_disk


def test_excel_into_a_binary_stream_is_a_workbook(res, tmp_path):
    buf = io.BytesIO()
    res.to_excel(buf)
    res.to_excel(tmp_path / "r.xlsx")
    with zipfile.ZipFile(buf) as a, zipfile.ZipFile(tmp_path / "r.xlsx") as b:
        assert sorted(a.namelist()) == sorted(b.namelist())
        assert a.read("xl/worksheets/sheet1.xml") == b.read("xl/worksheets/sheet1.xml")


@pytest.mark.parametrize("method", ["to_json", "to_html", "to_excel"])
def test_a_target_that_is_neither_path_nor_file_is_refused(res, method):
    with pytest.raises(ConfigError, match=r"Cannot write to 123 \(int\).*file path.*open file object"):
        getattr(res, method)(123)


def test_bytes_into_a_text_stream_name_the_fix(res):
    from servgap.atomic import write_bytes

    with pytest.raises(ConfigError, match=r"StringIO is a text stream.*binary mode"):
        write_bytes(io.StringIO(), b"\x89PNG")
    with pytest.raises(ConfigError, match=r"StringIO is a text stream.*binary mode.*BytesIO"):
        res.to_excel(io.StringIO())
