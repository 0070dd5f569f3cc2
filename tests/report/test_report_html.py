"""The self-contained HTML report: no network references, inline images, escaping, languages."""

import re
import warnings

import pytest

import servgap as sg
from factories import SEGMENTS, XSS, small_result, survey_frame  # noqa: F401
from servgap.errors import ConfigError

@pytest.fixture(scope="module")
def res():
    return small_result()


@pytest.fixture(scope="module")
def html_en(res, tmp_path_factory):
    path = tmp_path_factory.mktemp("html") / "report.html"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        text = res.to_html(path, lang="en")
    return text, path


def test_no_network_references(html_en):
    text, _ = html_en
    refs = re.findall(r"""(?:src|href)\s*=\s*["']([^"']*)["']""", text, flags=re.IGNORECASE)
    assert refs, "the report should at least have its table-of-contents anchors"
    assert not [r for r in refs if r.lower().startswith(("http:", "https:", "//", "ftp:"))]
    assert not [r for r in refs if not r.startswith(("data:", "#"))]
    assert "url(" not in text.lower()            # no CSS resources either
    assert "<script" not in text.lower()         # works without JavaScript


def test_images_are_inline(html_en):
    text, _ = html_en
    imgs = re.findall(r"<img\b[^>]*>", text, flags=re.IGNORECASE)
    for tag in imgs:
        src = re.search(r'src="([^"]*)"', tag).group(1)
        assert src.startswith(("data:image/svg+xml;base64,", "data:image/png;base64,"))
    figures = text.count("<figure")
    skipped = text.count('class="skipped"')
    assert len(imgs) + skipped >= figures      # every figure is an image or a visible note


def test_user_strings_are_escaped(html_en):
    text, path = html_en
    assert XSS not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert "cust&lt;b&gt;.csv" in text and "cust<b>.csv" not in text     # the file name
    assert path.read_text(encoding="utf-8") == text


def test_escaped_column_name():
    df = survey_frame(segments=["A", "B"]).rename(columns={"branch": "<i>branch</i>"})
    cust = sg.read_survey(df, columns={"expected": "E{item}", "perceived": "P{item}"}, id="resp_id",
                          segments=["<i>branch</i>"], missing=[0])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        text = sg.analyze(cust, by="<i>branch</i>").to_html(lang="en", plots=False)
    assert "<i>branch</i>" not in text and "&lt;i&gt;branch&lt;/i&gt;" in text


def test_content_matches_tables(res, html_en):
    text, _ = html_en
    # the headline names the most negative significant dimension gap with its value
    d = res.gaps[(res.gaps["mean_gap"] < 0) & (res.gaps["p_adj"] < 0.05)]
    worst = d.loc[d["mean_gap"].idxmin()]
    assert worst["dimension"] == "responsiveness"     # planted: -1 vs -0.3
    lead = re.search(r'<p class="lead">(.*?)</p>', text, flags=re.DOTALL).group(1)
    assert "Responsiveness" in lead and f"{-worst['mean_gap']:.2f}" in lead
    for section in ("summary", "figures", "gaps", "overall", "causes", "quality", "method"):
        assert f'id="{section}"' in text
    assert "Holm" in text or "holm" in text
    # the quality ledger count of the recoded 0 codes appears
    n0 = int(res.quality.query("issue == 'missing_code'")["count"].sum())
    assert n0 > 0 and f">{n0:,}<" in text


def test_chinese(res):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        text = res.to_html(lang="zh", plots=False)
    assert '<html lang="zh-Hans">' in text and 'id="figures"' not in text
    for word in ("服务质量差距报告", "摘要", "数据质量", "方法说明", "响应性"):
        assert word in text


def test_bad_language_and_format(res):
    with pytest.raises(ConfigError, match="lang"):
        res.to_html(lang="fr")
    with pytest.raises(ConfigError, match="image_format"):
        res.to_html(image_format="gif")


def test_missing_plot_is_a_note(res, monkeypatch):
    """A plot function that is not there (or refuses) leaves a visible note, not a failure."""
    from servgap import plots as plotting

    def refuse(self, **kw):
        raise ConfigError("this plot needs something the data do not have")

    monkeypatch.setattr("servgap.plots.PlotAccessor.kinds", ("snake", "radar"))
    monkeypatch.delattr(plotting.PlotAccessor, "snake")
    monkeypatch.setattr(plotting.PlotAccessor, "radar", refuse)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        text = res.to_html(lang="en")
    snake = re.search(r'<figure id="fig-snake">(.*?)</figure>', text, flags=re.DOTALL).group(1)
    radar = re.search(r'<figure id="fig-radar">(.*?)</figure>', text, flags=re.DOTALL).group(1)
    assert "<img" not in snake and "not available" in snake
    assert "<img" not in radar and "the data do not have" in radar


def test_png_images(res, monkeypatch):
    monkeypatch.setattr("servgap.plots.PlotAccessor.kinds", ("radar",))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        text = res.to_html(lang="en", image_format="png")
    assert "data:image/png;base64," in text and "data:image/svg+xml" not in text


def test_one_segment_gives_no_range_line():
    """With one segment the headline does not say "1 segments, from −0.69 (B01) to −0.69 (B01)"."""
    from factories import small_result

    one = small_result(segments=["B01"])
    two = small_result()
    assert "1 segments" not in one.to_html(None, plots=False) and "segments, from" not in one.to_html(None, plots=False)
    assert f"{two.gaps['branch'].nunique()} segments, from" in two.to_html(None, plots=False)
