"""GapAnalysis: the tidy result tables of `servgap.analyze` and what hangs off them.

The gap tables are computed by `servgap.engine`; the derived tables (zone of tolerance,
constructs, reliability, importance, IPA, waves ...) live in the analysis extensions and
are computed once per result, on first use. Plots, reports and causes take the result
duck-typed: they read its tables and call its methods, never the other way round.
"""

from __future__ import annotations

import html
import warnings
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd

from ..display import num, pvalue, significant, stars
from ..engine.compute import compute
from ..engine.settings import Settings
from ..errors import DataQualityWarning
from ..model.gaps import gap as gap_def
from ..surveys.survey import as_surveys

RED_CELL = ' style="color:#b2182b"'


@dataclass
class GapAnalysis:
    """Result of `servgap.analyze`.

    Attributes
    ----------
    items, dimensions : pandas.DataFrame
        One row per gap × item (dimension) × segment; columns ``gap``, ``dimension``,
        (``item``), the ``by`` columns, ``n``, ``mean_gap``, ``sd_gap``, ``se``, ``ci_low``,
        ``ci_high``, ``statistic``, ``df``, ``p``, ``p_adj``, ``effect``, ``test``,
        ``paired``, ``mean_expected``, ``mean_perceived``, ``benchmark``, ``later``,
        ``mean_benchmark``, ``mean_later``, ``n_eff``.
    overall : pandas.DataFrame
        Per gap and segment, ``measure`` ``"unweighted"`` (mean of dimension gaps) and,
        with importance, ``"importance_weighted"``.
    gaps : pandas.DataFrame
        The dimension table of all gaps sorted by gap, dimension, segment, plus ``gap_name``.
    quality : pandas.DataFrame
        The data-quality ledger of this analysis (source, column, issue, count).
    missing_gaps : pandas.DataFrame
        Gaps that could not be measured, with the viewpoints they need and why.
    """

    items: pd.DataFrame
    dimensions: pd.DataFrame
    overall: pd.DataFrame
    quality: pd.DataFrame
    missing_gaps: pd.DataFrame
    by: list
    settings: Settings
    surveys: tuple = field(repr=False, default=())
    tolerance_tests: dict = field(repr=False, default_factory=dict)

    # -- construction -------------------------------------------------------------------
    @classmethod
    def of(cls, surveys, computed, settings: Settings) -> "GapAnalysis":
        """The result of ``computed`` (`servgap.engine.compute.Computed`) for ``surveys``."""
        t = computed.tables
        res = cls(items=t["item"], dimensions=t["dimension"], overall=t["overall"], quality=computed.quality,
                  missing_gaps=computed.missing_gaps, by=list(settings.by), settings=settings,
                  surveys=tuple(surveys), tolerance_tests=computed.tolerance_tests)
        res._warn_thin_segments()
        return res

    def reanalyze(self, **changes) -> "GapAnalysis":
        """The same surveys analysed again with some of `servgap.analyze`'s settings changed.

        A new ``by`` replaces the whole split, the wave included (unless ``wave=`` is given too).

        >>> import servgap as sg
        >>> res = sg.analyze(list(sg.load_example()))
        >>> res.reanalyze(by="branch").by
        ['branch']
        """
        kw = dict(self.settings)
        if "by" in changes and "wave" not in changes:
            kw["wave"] = None
        kw.update(changes)
        settings = Settings.of(**kw)
        surveys = as_surveys(list(self.surveys))
        return type(self).of(surveys, compute(surveys, settings), settings)

    def _warn_thin_segments(self):
        d = self.dimensions
        if d.empty:
            return
        # gap 1: n counts both samples, so also look at the pooled SD (NaN when a sample has < 2 answers;
        # 0, not NaN, for answers without variation, which the engine warns about separately)
        mask = (d["n"].to_numpy() < 2) | np.isnan(d["sd_gap"].to_numpy(np.float64))
        if not mask.any():                 # the usual case: no row copied
            return
        thin = d[mask]
        cols = ["gap", *self.by]
        groups = thin[cols].drop_duplicates()
        names = ["gap {} {}".format(r[0], "/".join(map(str, r[1:])) if len(r) > 1 else "(all respondents)")
                 for r in groups.itertuples(index=False)]
        warnings.warn(f"{len(names)} gap × segment combination(s) have too few usable answers (fewer than 2 "
                      f"per sample) in some dimension and keep NaN statistics: {', '.join(names[:10])}"
                      f"{' ...' if len(names) > 10 else ''}.", DataQualityWarning, stacklevel=4)

    # -- tables -------------------------------------------------------------------------
    @property
    def gaps(self) -> pd.DataFrame:
        """All gaps per dimension (and segment), sorted by gap, dimension and segment."""
        d = self.dimensions.copy()
        if d.empty:
            d.insert(1, "gap_name", pd.Series(dtype=object))
            return d
        inst = self.instrument
        order = {k: i for i, k in enumerate(inst.dimension_ids)}
        d["_o"] = d["dimension"].map(order)
        d = d.sort_values(["gap", "_o", *self.by], kind="stable").drop(columns="_o").reset_index(drop=True)
        d.insert(1, "gap_name", d["gap"].map(lambda g: gap_def(int(g)).label("en")))
        return d

    @property
    def instrument(self):
        return next(s.instrument for s in self.surveys if set(s.viewpoints) - {"rating"})

    @property
    def survey_info(self) -> list[dict]:
        """One dict per analysed survey: source, n, instrument, viewpoints, segments, weighted."""
        return [{"source": str(s.source), "n": int(s.n), "instrument": s.instrument.id,
                 "viewpoints": list(s.viewpoints), "segments": [str(c) for c in s.segments.columns],
                 "weighted": s.weights is not None} for s in self.surveys]

    @property
    def measured_gaps(self) -> list[int]:
        return sorted(int(g) for g in self.dimensions["gap"].unique())

    # -- hooks: each lives in its own module -------------------------------------------
    @cached_property
    def tolerance(self) -> pd.DataFrame:
        """Zone of tolerance per dimension (and item): MSA, MSS and where perception falls."""
        from .fivegap import tolerance_table

        return tolerance_table(self)

    @cached_property
    def decomposition(self) -> pd.DataFrame:
        """Gaps 1-4 beside gap 5 per dimension (and segment)."""
        from .fivegap import decompose

        return decompose(self)

    @cached_property
    def constructs(self) -> pd.DataFrame:
        """Extended-model construct scores from a staff survey rated on ``GAP_CONSTRUCTS``."""
        from .constructs import construct_table

        return construct_table(self)

    @cached_property
    def construct_correlations(self) -> pd.DataFrame:
        """Correlation of branch-level construct scores with branch-level measured gaps."""
        from .constructs import construct_correlations

        return construct_correlations(self)

    def causes(self, top: int | None = 10, lang: str = "en", by=None, **kwargs) -> pd.DataFrame:
        """Ranked root-cause suggestions traced to the source documents.

        Columns ``rank`` (ties share it), ``tied``, ``cause``, ``name``, ``level``
        (root/symptom), ``parent``, ``gap``, ``dimensions``, ``score``, ``basis``
        (measured/inferred/conflicting), ``p_adj``, ``n_min``, ``via``, ``evidence``,
        ``explanation``, ``remedies``, ``sources`` (see `servgap.causes.ranking.rank_causes`).
        """
        from ..causes.ranking import rank_causes

        return rank_causes(self, top=top, lang=lang, by=by, **kwargs)

    def cause_tree(self, lang: str = "en", by=None, top: int | None = 10, **kwargs) -> pd.DataFrame:
        """The cause tree: gap → 004 root cause → bank symptom → evidence, one row per number.

        Columns ``gap``, ``gap_name``, ``root``, ``root_name``, ``root_rank``, ``root_tied``,
        ``root_score``, ``root_basis``, ``symptom``, ``symptom_name``, ``symptom_rank``,
        ``symptom_tied``, ``symptom_score``, ``symptom_basis``, ``evidence``,
        ``evidence_gap``, ``item``, ``item_label``, ``direction``, ``value``, ``ci_low``,
        ``ci_high``, ``midpoint``, ``p_adj``, ``n`` (see `servgap.causes.tree.cause_tree`).
        """
        from ..causes.tree import cause_tree

        return cause_tree(self, lang=lang, by=by, top=top, **kwargs)

    def actions(self, lang: str = "en", by=None, top: int | None = 10, **kwargs) -> pd.DataFrame:
        """The action plan: one row per action addressing the ranked causes.

        Columns ``priority``, ``action``, ``remedy``, ``causes``, ``cause_names``,
        ``best_rank``, ``owner``, ``owner_id``, ``indicator``, ``target``, ``horizon``
        (quick_win/structural), ``basis``, ``sources`` (see
        `servgap.causes.actions.action_plan`); ``attrs["business_case"]`` holds the
        business-case figures of the source documents.
        """
        from ..causes.actions import action_plan

        return action_plan(self, lang=lang, by=by, top=top, **kwargs)

    @property
    def plot(self):
        """Plot accessor: ``res.plot.gaps()``, ``.snake()``, ``.model()``, ``.heatmap()`` ..."""
        from ..plots import PlotAccessor

        return PlotAccessor(self)

    def to_html(self, path=None, lang: str = "en", **kwargs):
        """Self-contained HTML report; returns the HTML text (and writes ``path`` if given)."""
        from ..report.html import to_html

        return to_html(self, path, lang=lang, **kwargs)

    def to_excel(self, path, **kwargs):
        """Excel workbook, one sheet per table."""
        from ..report.excel import to_excel

        return to_excel(self, path, **kwargs)

    def to_dict(self) -> dict:
        """Versioned, JSON-ready structure (schema: ``servgap/data/result.schema.json``)."""
        from ..report.jsonout import to_dict

        return to_dict(self)

    def to_json(self, path=None, **kwargs) -> str:
        """JSON text of `to_dict` (written to ``path`` if given)."""
        from ..report.jsonout import to_json

        return to_json(self, path, **kwargs)

    @cached_property
    def reliability(self) -> pd.DataFrame:
        """Cronbach's alpha per dimension for expected, perceived and gap scores."""
        from .psychometrics import reliability_table

        return reliability_table(self)

    @cached_property
    def validity(self):
        """Confirmatory factor analysis (ML) of the dimension structure of the perceptions (`servgap.analysis.cfa`)."""
        from .cfa import cfa_table          # the SEM numerics load on first use

        return cfa_table(self)

    @cached_property
    def importance(self) -> pd.DataFrame:
        """Stated (100-point) and derived importance per dimension."""
        from .drivers import importance_table

        return importance_table(self)

    @cached_property
    def ipa(self) -> pd.DataFrame:
        """Importance-performance analysis: quadrant per dimension."""
        from .drivers import ipa_table

        return ipa_table(self)

    @cached_property
    def perception(self) -> pd.DataFrame:
        """Every viewpoint's level per item, dimension, overall score and segment, tested against the
        scale midpoint (SERVPERF; filled with or without expectations). See `perception_table`."""
        from .perception import perception_table

        return perception_table(self)

    def perception_table(self, benchmark=None) -> pd.DataFrame:
        """`perception` against another benchmark: a number or ``{dimension: target}`` (None: midpoint)."""
        from .perception import perception_table

        return perception_table(self, benchmark)

    def servperf_vs_servqual(self, outcome: str | None = None, level: str = "overall") -> pd.DataFrame:
        """How well perceptions alone (SERVPERF) and P − E (SERVQUAL) explain an outcome rating: R², adjusted R²,
        Vuong's test and the F tests of both restrictions of ``y ~ P + E`` (Cronin & Taylor 1992)."""
        from .perception import servperf_vs_servqual

        return servperf_vs_servqual(self, outcome, level)

    def compare(self, by=None, **kwargs) -> pd.DataFrame:
        """Are gap scores different across segments? ANOVA, Welch, Kruskal-Wallis, post-hoc pairs."""
        from .compare import compare_segments

        return compare_segments(self, by=by, **kwargs)

    @cached_property
    def waves(self) -> pd.DataFrame:
        """Change of each gap between consecutive waves (``analyze(..., wave=...)``)."""
        from .compare import wave_changes

        return wave_changes(self)

    def significant(self, level: str = "dimension") -> pd.DataFrame:
        """Rows whose adjusted p is below ``alpha`` (shortfalls and surpluses)."""
        t = {"item": self.items, "dimension": self.dimensions, "overall": self.overall}[level]
        return t[t["p_adj"] < self.settings.alpha]

    # -- display ------------------------------------------------------------------------
    REPR_ROWS = 60

    def _headline(self) -> pd.DataFrame:
        """The dimension rows of `gaps`, gap 5 (the customers' verdict) first, then gaps 1-4."""
        d = self.gaps
        d = d.iloc[np.argsort((d["gap"] != 5).to_numpy(), kind="stable")]
        return d[["gap", "dimension", *self.by, "n", "mean_gap", "ci_low", "ci_high", "p_adj"]]

    def _more_rows(self, shown: int, total: int) -> str:
        if shown >= total:
            return ""
        return (f"{total - shown:,} of {total:,} rows not shown (gap 5 first); all of them: .gaps, "
                "one gap: .gaps.query('gap == 1')")

    def __repr__(self) -> str:
        s = self.settings
        lines = [f"GapAnalysis: gaps {', '.join(map(str, self.measured_gaps)) or 'none'} measured; "
                 f"test={s['test']}, correction={s['correction']}"
                 + (f", by {', '.join(self.by)}" if self.by else "")]
        if not self.missing_gaps.empty:
            lines.append("not measured: " + "; ".join(f"gap {r.gap} ({r.reason})"
                                                      for r in self.missing_gaps.itertuples()))
        h = self._headline()
        total = len(h)
        h = h.head(40).assign(p_adj=[f"{pvalue(p)} {stars(p)}".rstrip() for p in h["p_adj"].head(40)])
        lines.append(h.to_string(index=False, float_format=lambda v: f"{v:.3f}"))
        more = self._more_rows(len(h), total)
        return "\n".join(lines + ([f"({more})"] if more else []))

    def _repr_html_(self) -> str:
        s = self.settings
        h = self._headline()
        total = len(h)
        h = h.head(self.REPR_ROWS)
        try:
            labels = self.instrument.labels("en")
        except StopIteration:           # a result built by hand, without surveys
            labels = {}
        names = {"gap": "gap", "dimension": "dimension", "n": "n", "mean_gap": "mean gap",
                 "ci_low": f"{s['confidence']:.0%} CI", "p_adj": "adjusted p"}
        cols = [c for c in h.columns if c != "ci_high"]
        head = "".join(f"<th>{html.escape(str(names.get(c, c)))}</th>" for c in cols)
        rows = []
        for r in h.itertuples(index=False):
            rec = dict(zip(h.columns, r))
            cells = []
            for c in cols:
                v = rec[c]
                if c == "mean_gap":
                    red = RED_CELL if v < 0 and significant(rec["p_adj"], s["alpha"]) else ""
                    cells.append(f"<td{red}>{num(v, 3, signed=True)}</td>")
                elif c == "ci_low":
                    cells.append(f"<td>{num(v, 3, signed=True)} … {num(rec['ci_high'], 3, signed=True)}</td>")
                elif c == "p_adj":
                    cells.append(f"<td>{html.escape(pvalue(v))}&nbsp;{stars(v)}</td>")
                elif c == "dimension":
                    cells.append(f"<td>{html.escape(str(labels.get(str(v), v)))}</td>")
                else:
                    cells.append(f"<td>{html.escape(str(v))}</td>")
            rows.append("<tr>" + "".join(cells) + "</tr>")
        more = self._more_rows(len(h), total)
        more = f"<p><em>{html.escape(more)}</em></p>" if more else ""
        miss = ""
        if not self.missing_gaps.empty:
            miss = "<p>Not measured: " + "; ".join(html.escape(f"gap {r.gap}: {r.reason}")
                                                  for r in self.missing_gaps.itertuples()) + "</p>"
        q = int(self.quality["count"].sum()) if len(self.quality) else 0
        return (f"<div><strong>servgap GapAnalysis</strong> — gaps {', '.join(map(str, self.measured_gaps))}; "
                f"test {html.escape(s['test'])}, correction {html.escape(s['correction'])}, "
                f"α = {s['alpha']}; negative = shortfall; * p<.05, ** p<.01, *** p<.001 (adjusted)"
                f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>{more}{miss}"
                f"<p>Data quality: {q:,} values recoded or excluded (see <code>.quality</code>).</p></div>")
