"""Plots: artists match the result tables (or pandas/numpy oracles, or the drivers module's
independent IPA table); en/zh labels; CJK glyphs render; rcParams untouched."""

import io
import warnings

import matplotlib

matplotlib.use("Agg")

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection
from matplotlib.colors import TwoSlopeNorm

import servgap as sg
from servgap import plots as plotting
from servgap.plots import fonts
from servgap.errors import ConfigError, FontWarning

INST = sg.SERVQUAL22
needs_cjk = pytest.mark.skipif(fonts.find_cjk_font() is None, reason="no CJK font installed (fonts-noto-cjk)")


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


def _analyze(surveys, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return sg.analyze(surveys, **kw)


@pytest.fixture(scope="module")
def res():
    return _analyze(list(sg.load_example()))


@pytest.fixture(scope="module")
def resb():
    return _analyze(list(sg.load_example()), by="branch")


@pytest.fixture(scope="module")
def rcust():
    return _analyze([sg.load_example()[0]])


@pytest.fixture(scope="module")
def rtol():
    return _analyze([sg.load_example(tolerance=True)[0]])


CAUSES = pd.DataFrame({"rank": [2, 1, 3], "cause": ["G3-2", "B-long-queues", "G4-1"],
                       "name": ["Poor technology-job fit", "Long queues", "Over-promising"],
                       "gap": [[3], [2, 3], [4]], "score": [2.5, 3.25, 0.75],
                       "basis": ["measured", "measured", "inferred"]})


def minus(v, digits=2):
    """Independent formatting oracle: signed, typographic minus."""
    return f"{v:+.{digits}f}".replace("-", "\u2212")


def gap5(table):
    return table[table["gap"] == 5]


def bars_of(ax, gid):
    return [p for p in ax.patches if p.get_gid() == gid]


def ytick_map(ax):
    return {t.get_text(): y for t, y in zip(ax.get_yticklabels(), ax.get_yticks())}


def texts(ax, gid=None):
    return [t for t in ax.texts if gid is None or t.get_gid() == gid]


def kind_input(kind, res, rtol):
    return {"tolerance": rtol, "causes": CAUSES}.get(kind, res)


# -- gaps -------------------------------------------------------------------------------
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_gaps_bars_whiskers_labels(res, lang):
    ax = plotting.gaps(res, lang=lang)
    d = gap5(res.dimensions).set_index("dimension")
    bars = bars_of(ax, "gaps")
    assert len(bars) == 5
    ymap = ytick_map(ax)
    assert set(ymap) == {dim.label(lang) for dim in INST.dimensions}
    by_label = {dim.label(lang): dim.id for dim in INST.dimensions}
    for b in bars:
        yc = b.get_y() + b.get_height() / 2
        dim = by_label[next(k for k, y in ymap.items() if np.isclose(y, yc))]
        assert b.get_width() == pytest.approx(d.loc[dim, "mean_gap"], abs=1e-12)
        assert b.get_x() == 0
    # whiskers: horizontal segments from ci_low to ci_high at each bar's y
    lc = next(c for c in ax.collections if isinstance(c, LineCollection))
    segs = [s for s in lc.get_segments() if np.isclose(s[0][1], s[1][1])]
    ends = {round(s[0][1], 6): sorted([s[0][0], s[1][0]]) for s in segs}
    for label, y in ymap.items():
        row = d.loc[by_label[label]]
        assert ends[round(y, 6)] == pytest.approx([row["ci_low"], row["ci_high"]], abs=1e-12)
    # sorted: the largest shortfall on top (highest y)
    top = max(ymap, key=ymap.get)
    assert by_label[top] == d["mean_gap"].idxmin() == "responsiveness"
    # value labels carry the value and the stars of p_adj
    vals = " ".join(t.get_text() for t in texts(ax, "value"))
    for dim, row in d.iterrows():
        stars = "***" if row["p_adj"] < 0.001 else "**" if row["p_adj"] < 0.01 else "*" if row["p_adj"] < 0.05 else ""
        assert f"{minus(row['mean_gap'])} {stars}".strip() in vals
    assert sg.model.gaps.gap(5).label(lang) in ax.get_title(loc="left")


def test_gaps_colours_follow_sign_and_significance():
    t = pd.DataFrame({"gap": 5, "dimension": ["tangibles", "reliability", "empathy"], "n": 50,
                      "mean_gap": [-0.5, 0.4, -0.1], "ci_low": [-0.7, 0.2, -0.3], "ci_high": [-0.3, 0.6, 0.1],
                      "p_adj": [0.001, 0.01, 0.4]})
    ax = plotting.gaps(t)
    colour = {round(b.get_width(), 3): mpl.colors.to_hex(b.get_facecolor()) for b in bars_of(ax, "gaps")}
    from servgap.display import BLUE, RED, RED_PALE

    assert colour == {-0.5: RED, 0.4: BLUE, -0.1: RED_PALE}
    assert [t_.get_text() for t_ in ax.get_yticklabels()] == ["Tangibles", "Empathy", "Reliability"]


def test_gaps_items_and_segment(resb):
    ax = plotting.gaps(resb, level="item", segment="B03")
    t = gap5(resb.items)
    t = t[t["branch"] == "B03"]
    widths = sorted(b.get_width() for b in bars_of(ax, "gaps"))
    assert widths == pytest.approx(sorted(t["mean_gap"]), abs=1e-12)
    assert len(widths) == 22
    ax2 = plotting.gaps(resb)              # all segments: one row per dimension x branch
    assert len(bars_of(ax2, "gaps")) == 30
    assert any(t_.get_text() == "Responsiveness · B03" for t_ in ax2.get_yticklabels())


def test_gaps_errors(rcust, resb):
    with pytest.raises(ConfigError, match="gap 3 was not measured.*delivered"):
        plotting.gaps(rcust, gap=3)
    with pytest.raises(ConfigError, match="segment 'B99' is not in the table; known segments: B01"):
        plotting.gaps(resb, segment="B99")
    with pytest.raises(ConfigError, match="level='unit'"):
        plotting.gaps(resb, level="unit")
    with pytest.raises(ConfigError, match="GapAnalysis"):
        plotting.gaps([1, 2, 3])


# -- snake, radar -----------------------------------------------------------------------
def test_snake_lines_equal_item_means(res):
    ax = plotting.snake(res)
    t = gap5(res.items).set_index("item").loc[INST.item_ids]
    lines = {ln.get_gid(): ln for ln in ax.get_lines()}
    np.testing.assert_allclose(lines["expected"].get_ydata(), t["mean_expected"], atol=1e-12)
    np.testing.assert_allclose(lines["perceived"].get_ydata(), t["mean_perceived"], atol=1e-12)
    assert [x.get_text() for x in ax.get_xticklabels()] == INST.item_ids
    assert [x.get_text() for x in texts(ax, "band_label")] == [d.label("en") for d in INST.dimensions]


def test_snake_segment_and_pooled(resb):
    t = gap5(resb.items)
    ax = plotting.snake(resb, segment="B05", lang="zh")
    b5 = t[t["branch"] == "B05"].set_index("item").loc[INST.item_ids]
    ln = next(x for x in ax.get_lines() if x.get_gid() == "perceived")
    np.testing.assert_allclose(ln.get_ydata(), b5["mean_perceived"], atol=1e-12)
    assert [x.get_text() for x in texts(ax, "band_label")] == [d.label("zh") for d in INST.dimensions]
    ax = plotting.snake(resb)                 # pooled: n-weighted mean of the segment means
    want = [np.average(g["mean_expected"], weights=g["n"]) for _, g in
            t.groupby("item", sort=False)]
    order = list(t.drop_duplicates("item")["item"])
    want = pd.Series(want, index=order).loc[INST.item_ids]
    ln = next(x for x in ax.get_lines() if x.get_gid() == "expected")
    np.testing.assert_allclose(ln.get_ydata(), want, atol=1e-12)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_radar_polygon(res, lang):
    ax = plotting.radar(res, lang=lang)
    assert ax.name == "polar"
    d = gap5(res.dimensions).set_index("dimension").loc[INST.dimension_ids]
    ln = next(x for x in ax.get_lines() if x.get_gid() == "perceived")
    np.testing.assert_allclose(ln.get_ydata(), [*d["mean_perceived"], d["mean_perceived"].iloc[0]], atol=1e-12)
    labels = [t.get_text().split("\n")[0] for t in ax.get_xticklabels()]
    assert labels == [x.label(lang) for x in INST.dimensions]
    _, cart = plt.subplots()
    with pytest.raises(ConfigError, match="polar"):
        plotting.radar(res, ax=cart)


def test_radar_radius_starts_at_the_scale_minimum(res):
    ax = plotting.radar(res)
    assert ax.get_ylim()[0] == INST.scale_min
    assert list(ax.get_yticks())[:2] == [2.0, 3.0]          # integer rings outward from the centre (1)


# -- small segments ---------------------------------------------------------------------
def _thin_table():
    return pd.DataFrame({"gap": 5, "dimension": ["tangibles", "empathy"] * 2, "branch": ["A", "A", "B", "B"],
                         "n": [40, 40, 3, 3], "mean_gap": [-0.2, -0.5, 0.1, -0.3], "ci_low": [-0.4, -0.7, -0.9, -1.3],
                         "ci_high": [0.0, -0.3, 1.1, 0.7], "p_adj": [0.2, 0.01, 0.5, 0.4]})


def test_small_segments_are_hatched_and_marked():
    ax = plotting.gaps(_thin_table())
    ymap = ytick_map(ax)
    for b in bars_of(ax, "gaps"):
        label = next(k for k, y in ymap.items() if np.isclose(y, b.get_y() + b.get_height() / 2))
        assert bool(b.get_hatch()) == label.endswith("· B"), label
    marked = [t.get_text() for t in texts(ax, "value") if "n=3" in t.get_text()]
    assert len(marked) == 2
    hm = plotting.heatmap(_thin_table())
    cells = {t.get_text() for t in texts(hm, "cell")}
    assert sum("n=3" in c for c in cells) == 2 and not any("n=40" in c for c in cells)
    assert len([p for p in hm.patches if p.get_gid() == "small_n"]) == 2


# -- model ------------------------------------------------------------------------------
def test_model_annotations_hold_measured_values(res):
    ax = plotting.model(res)
    ov = res.overall[res.overall["measure"] == "unweighted"].set_index("gap")
    for g in range(1, 6):
        txt = " ".join(t.get_text() for t in texts(ax, f"gap{g}"))
        row = ov.loc[g]
        assert minus(row["mean_gap"]) in txt
        assert f"[{minus(row['ci_low'])}, {minus(row['ci_high'])}]" in txt
        assert sg.model.gaps.gap(g).label("en").split(":")[0] in txt
        assert "not measured" not in txt
    arrows = [p for p in ax.patches if (p.get_gid() or "").endswith("_arrow")]
    assert sorted(p.get_gid() for p in arrows) == [f"gap{g}_arrow" for g in range(1, 6)]


def test_model_one_dimension_and_pooled_segments(res, resb):
    ax = plotting.model(res, dimension="reliability")
    d = res.dimensions[res.dimensions["dimension"] == "reliability"].set_index("gap")
    for g in range(1, 6):
        assert minus(d.loc[g, "mean_gap"]) in " ".join(t.get_text() for t in texts(ax, f"gap{g}"))
    ax = plotting.model(resb)
    ov = resb.overall[(resb.overall["measure"] == "unweighted") & (resb.overall["gap"] == 5)]
    txt = texts(ax, "gap5")[0].get_text()
    assert minus(np.average(ov["mean_gap"], weights=ov["n"])) in txt
    assert f"range over 6 segments: {minus(ov['mean_gap'].min())} to {minus(ov['mean_gap'].max())}" in txt
    caption = texts(ax, "caption")[0].get_text()     # says the boxes show ranges, not CIs
    assert "range" in caption and "not a confidence interval" in caption
    assert "CI" in texts(plotting.model(res), "caption")[0].get_text()
    with pytest.raises(ConfigError, match="dimension 'speed' is not in the results"):
        plotting.model(res, dimension="speed")


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("which", ["res", "resb"])
def test_model_cards_do_not_overlap_and_stay_inside(request, which, lang):
    """The five gap cards (one survey with CIs, six branches with ranges) are drawn apart from each other
    and inside the axes, in both languages."""
    import itertools

    ax = plotting.model(request.getfixturevalue(which), lang=lang)
    fig = ax.figure
    fig.canvas.draw()
    r = fig.canvas.get_renderer()
    cards = {t.get_gid(): t.get_bbox_patch().get_window_extent(r) for t in ax.texts
             if (t.get_gid() or "") in {f"gap{g}" for g in range(1, 6)}}
    assert sorted(cards) == [f"gap{g}" for g in range(1, 6)]
    hits = [(a, b) for (a, A), (b, B) in itertools.combinations(cards.items(), 2) if A.overlaps(B)]
    assert hits == []
    frame = ax.get_window_extent(r)
    for g, box in cards.items():
        assert frame.x0 <= box.x0 and box.x1 <= frame.x1 and frame.y0 <= box.y0 and box.y1 <= frame.y1, g


@pytest.mark.parametrize("lang, word", [("en", "not measured"), ("zh", "未测量")])
def test_model_customer_only(rcust, lang, word):
    ax = plotting.model(rcust, lang=lang)
    for g in (1, 2, 3, 4):
        assert word in texts(ax, f"gap{g}")[0].get_text()
        arrow = next(p for p in ax.patches if p.get_gid() == f"gap{g}_arrow")
        assert arrow.get_linestyle() == "--"
    ov = rcust.overall[(rcust.overall["measure"] == "unweighted")].set_index("gap")
    g5 = texts(ax, "gap5")[0].get_text()
    assert minus(ov.loc[5, "mean_gap"]) in g5 and word not in g5
    from servgap.display import RED

    assert ov.loc[5, "mean_gap"] < 0 and ov.loc[5, "p_adj"] < 0.05      # so the gap-5 arrow is strong red
    arrow5 = next(p for p in ax.patches if p.get_gid() == "gap5_arrow")
    assert mpl.colors.to_hex(arrow5.get_edgecolor()) == RED
    assert sg.model.gaps.gap(5).label(lang) in g5.replace("\n", "")


# -- tolerance --------------------------------------------------------------------------
def test_tolerance_band_and_point(rtol):
    ax = plotting.tolerance(rtol)
    t = rtol.tolerance
    t = t[t["level"] == "dimension"].set_index("dimension")
    ymap = ytick_map(ax)
    lab = {d.label("en"): d.id for d in INST.dimensions}
    bands = bars_of(ax, "band")
    assert len(bands) == 5
    for b in bands:
        dim = lab[next(k for k, y in ymap.items() if np.isclose(y, b.get_y() + b.get_height() / 2))]
        assert b.get_x() == pytest.approx(t.loc[dim, "mean_adequate"], abs=1e-12)
        assert b.get_x() + b.get_width() == pytest.approx(t.loc[dim, "mean_desired"], abs=1e-12)
    pts = next(c for c in ax.collections if c.get_gid() == "perceived").get_offsets()
    for x, y in pts:
        dim = lab[next(k for k, yy in ymap.items() if np.isclose(yy, y))]
        assert x == pytest.approx(t.loc[dim, "mean_perceived"], abs=1e-12)
    assert any(minus(t.loc["tangibles", "msa"]) in s.get_text() for s in texts(ax, "msa_mss"))


def test_tolerance_legend_sits_below_the_axis_without_a_blank_band():
    rb = _analyze([sg.load_example(tolerance=True)[0]], by="branch")
    ax = plotting.tolerance(rb)
    fig = ax.figure
    fig.canvas.draw()
    r = fig.canvas.get_renderer()
    leg, axbox = ax.get_legend().get_window_extent(r), ax.get_window_extent(r)
    gap_pt = (axbox.y0 - leg.y1) * 72 / fig.dpi
    assert 10 < gap_pt < 60                      # just below the x label, at any height of the axes
    assert leg.y0 >= -1 and fig.get_tightbbox(r).y0 * 72 >= -1


def test_tolerance_needs_desired_and_adequate(res):
    with pytest.raises(ConfigError, match="desired and adequate"):
        plotting.tolerance(res)


# -- heatmap ----------------------------------------------------------------------------
@pytest.mark.parametrize("gap, lang", [(5, "en"), (1, "zh")])
def test_heatmap_array_is_the_pivot(resb, gap, lang):
    ax = plotting.heatmap(resb, gap=gap, lang=lang)
    im = ax.images[0]
    t = resb.dimensions[resb.dimensions["gap"] == gap]
    want = t.pivot(index="branch", columns="dimension", values="mean_gap")
    want = want.loc[sorted(want.index), INST.dimension_ids]
    np.testing.assert_allclose(np.asarray(im.get_array()), want.to_numpy(), atol=1e-12)
    assert isinstance(im.norm, TwoSlopeNorm) and im.norm.vcenter == 0
    assert im.norm.vmin == -im.norm.vmax == pytest.approx(-np.abs(want.to_numpy()).max())
    assert [t.get_text() for t in ax.get_yticklabels()] == list(want.index)
    assert [t.get_text() for t in ax.get_xticklabels()] == [d.label(lang) for d in INST.dimensions]
    assert texts(ax, "cell")[0].get_text().startswith(minus(want.iloc[0, 0]))


# -- ipa --------------------------------------------------------------------------------
def test_ipa_points_and_quadrant_lines(res):
    ax = plotting.ipa(res)
    t = res.ipa
    pts = next(c for c in ax.collections if c.get_gid() == "dimensions").get_offsets()
    np.testing.assert_allclose(pts, t[["performance", "importance"]].to_numpy(), atol=1e-12)
    lines = [ln for ln in ax.get_lines() if ln.get_gid() == "quadrant"]
    assert lines[0].get_ydata()[0] == pytest.approx(t["importance"].mean())
    assert lines[1].get_xdata()[0] == pytest.approx(t["performance"].mean())


def test_ipa_draws_res_ipa_checked_by_hand(resb):
    """One IPA: the plot draws res.ipa (also for a by-branch result), whose numbers match a hand computation."""
    ax = plotting.ipa(resb, lang="zh")
    t = resb.ipa
    pts = next(c for c in ax.collections if c.get_gid() == "dimensions").get_offsets()
    np.testing.assert_allclose(pts, t[["performance", "importance"]].to_numpy(), rtol=0, atol=0)
    raw = pd.read_csv(sg.example_path("customers")).replace(0, np.nan)   # 0 = not applicable
    w = raw["weight"].to_numpy()
    alloc = raw[[f"W_{d}" for d in INST.dimension_ids]].fillna(0).to_numpy(float)
    share = alloc / alloc.sum(axis=1, keepdims=True) * 100
    np.testing.assert_allclose(t["importance"], (share * w[:, None]).sum(0) / w.sum(), atol=1e-9)
    for d in INST.dimensions:            # performance: mean perception of those with a gap-5 score
        ids = [i.id for i in d.items]
        P, E = raw[[f"P{i}" for i in ids]].to_numpy(), raw[[f"E{i}" for i in ids]].to_numpy()
        both = np.isfinite(P) & np.isfinite(E)
        ok = both.sum(1) >= 0.5 * len(ids)
        perf = np.nanmean(np.where(both, P, np.nan)[ok], axis=1)
        got = t.set_index("dimension").loc[d.id, "performance"]
        assert got == pytest.approx(np.average(perf, weights=w[ok]), abs=1e-9)
    labels = [x.get_text() for x in ax.texts if x.get_gid() == "quadrant_label"]
    assert labels == ["重点改进", "继续保持", "次要改进", "可能过度投入"]     # the labels of model.ipa


def test_ipa_without_importance():
    raw = pd.read_csv(sg.example_path("customers")).drop(columns=[f"W_{d}" for d in INST.dimension_ids])
    r = _analyze([sg.read_survey(raw, columns={"expected": "E{item}", "perceived": "P{item}"}, id="resp_id",
                                 missing=[0])])
    assert all(s.importance is None for s in r.surveys)
    with pytest.raises(ConfigError, match="importance"):
        plotting.ipa(r)


# -- causes -----------------------------------------------------------------------------
def test_causes_dataframe():
    ax = plotting.causes(CAUSES, top=2)
    bars = bars_of(ax, "scores")
    assert [b.get_width() for b in sorted(bars, key=lambda b: -b.get_y())] == [3.25, 2.5]
    labels = [t.get_text() for t in ax.get_yticklabels()]
    # names and gaps, not catalogue ids
    assert sorted(zip(ax.get_yticks(), labels), reverse=True) == [(1.0, "Long queues (gap 2, 3)"),
                                                                  (0.0, "Poor technology-job fit (gap 3)")]
    assert [t.get_text() for t in texts(ax, "value")] == ["3.25", "2.50"]
    assert "scale points" in ax.get_xlabel()                       # a unit on the score axis
    ax = plotting.causes(CAUSES, lang="zh")
    assert "Long queues（差距2、3）" in [t.get_text() for t in ax.get_yticklabels()]
    assert "量表分" in ax.get_xlabel()


def test_causes_draws_a_given_table(res):
    ax = plotting.causes(res, table=CAUSES)
    assert sorted(b.get_width() for b in bars_of(ax, "scores")) == [0.75, 2.5, 3.25]


def test_causes_from_result(res):
    ax = plotting.causes(res, top=5)
    c = res.causes(top=5)
    bars = sorted(bars_of(ax, "scores"), key=lambda b: -b.get_y())
    np.testing.assert_allclose([b.get_width() for b in bars], c.sort_values("rank")["score"], atol=1e-12)


# -- contract: every kind ---------------------------------------------------------------
@pytest.mark.parametrize("kind", plotting.KINDS)
def test_every_kind_returns_axes_and_accepts_ax(kind, res, rtol):
    obj = kind_input(kind, res, rtol)
    fig = plt.figure()
    ax = fig.add_subplot(projection="polar" if kind == "radar" else None)
    out = getattr(plotting, kind)(obj, ax=ax)
    assert out is ax and isinstance(out, Axes)
    out2 = getattr(plotting, kind)(obj)
    assert isinstance(out2, Axes) and out2.figure is not fig
    with pytest.raises(ConfigError, match="lang='fr'"):
        getattr(plotting, kind)(obj, lang="fr")


def _glyph_warnings(record):
    return [str(w.message) for w in record if "Glyph" in str(w.message) or "missing from" in str(w.message)]


@needs_cjk
@pytest.mark.parametrize("kind", plotting.KINDS)
def test_zh_renders_without_missing_glyphs(kind, res, rtol):
    obj = kind_input(kind, res, rtol)
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        ax = getattr(plotting, kind)(obj, lang="zh")
        ax.figure.canvas.draw()
        ax.figure.savefig(io.BytesIO(), format="png")     # outside the rc_context
    assert not _glyph_warnings(rec)
    assert any(fonts.has_cjk(t.get_text()) for t in ax.figure.findobj(mpl.text.Text))


@needs_cjk
def test_glyph_check_can_fail_and_cjk_segment_names_are_stamped():
    # control: plain matplotlib with the default font does warn about CJK glyphs
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        fig, ax = plt.subplots()
        ax.set_title("感知服务")
        fig.canvas.draw()
    assert _glyph_warnings(rec)
    # Chinese segment names with lang="en" still render
    t = pd.DataFrame({"gap": 5, "dimension": ["tangibles", "empathy"] * 2, "branch": ["北京", "北京", "上海", "上海"],
                      "n": 30, "mean_gap": [-0.2, -0.5, 0.1, -0.3], "p_adj": [0.2, 0.01, 0.5, 0.04]})
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        ax = plotting.heatmap(t)
        ax.figure.savefig(io.BytesIO(), format="png")
    assert not _glyph_warnings(rec)
    assert [x.get_text() for x in ax.get_yticklabels()] == ["北京", "上海"]


def test_rcparams_unchanged(res, rtol):
    before = {k: (list(v) if isinstance(v, list) else v) for k, v in mpl.rcParams.items()}
    for kind in plotting.KINDS:
        for lang in ("en", "zh"):
            ax = getattr(plotting, kind)(kind_input(kind, res, rtol), lang=lang)
            ax.figure.canvas.draw()
    after = {k: (list(v) if isinstance(v, list) else v) for k, v in mpl.rcParams.items()}
    assert {k for k in before if before[k] != after[k]} == set()


# -- fonts ------------------------------------------------------------------------------
@needs_cjk
def test_cjk_font_context_is_temporary():
    before = list(mpl.rcParams["font.sans-serif"])
    with fonts.cjk_font() as fams:
        assert fams[0] == fonts.find_cjk_font() == mpl.rcParams["font.sans-serif"][0]
        assert fams[0] in fonts.CJK_FONTS
    assert list(mpl.rcParams["font.sans-serif"]) == before
    with fonts.cjk_font(enabled=False) as fams:
        assert fams is None


def test_font_warning_once_without_cjk_font(res, monkeypatch):
    monkeypatch.setattr(fonts, "find_cjk_font", lambda: None)
    monkeypatch.setattr(fonts, "_warned", set())
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        plotting.gaps(res, lang="zh")
        plotting.snake(res, lang="zh")
        plotting.gaps(res, lang="en")
    msgs = [w for w in rec if issubclass(w.category, FontWarning)]
    assert len(msgs) == 1
    assert "no CJK font is installed" in str(msgs[0].message) and "fonts-noto-cjk" in str(msgs[0].message)


def test_has_cjk():
    assert fonts.has_cjk("差距5") and fonts.has_cjk("（") and not fonts.has_cjk("Gap −0.5 ***")


# -- accessor ---------------------------------------------------------------------------
def test_accessor(res):
    assert set(plotting.KINDS) <= set(dir(res.plot))
    ax = res.plot.gaps(lang="zh")
    assert {t.get_text() for t in ax.get_yticklabels()} == {d.label("zh") for d in INST.dimensions}
    assert isinstance(res.plot("snake"), Axes)
    with pytest.raises(ConfigError, match="plot kind 'pie' does not exist"):
        res.plot("pie")
    assert "Examples" in type(res.plot).gaps.__doc__
