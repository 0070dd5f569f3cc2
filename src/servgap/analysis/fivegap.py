"""The five-gap model beyond gap 5: zone of tolerance and the gap-5 decomposition.

Both tables are built from what `servgap.analyze` already computed (no formula is
evaluated again here):

- `tolerance_table` (``GapAnalysis.tolerance``) joins the two zone-of-tolerance
  comparisons of the three-column SERVQUAL format (Parasuraman, Zeithaml & Berry 1994):
  the measure of service adequacy ``MSA = perceived − adequate`` and the measure of
  service superiority ``MSS = perceived − desired``, per dimension and item, and says
  where perception falls relative to the zone ``[adequate, desired]``;
- `decompose` (``GapAnalysis.decomposition``) puts the measured gaps 1-4 beside
  gap 5 per dimension (Parasuraman, Zeithaml & Berry 1985: gap 5 = f(gap 1, ..., gap 4)).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from ..errors import DataQualityWarning

TOLERANCE_COLUMNS = ["level", "dimension", "item", "n", "mean_adequate", "mean_desired", "mean_perceived",
                     "msa", "msa_ci_low", "msa_ci_high", "msa_p_adj", "mss", "mss_ci_low", "mss_ci_high",
                     "mss_p_adj", "zone"]
ZONES = ("below", "inside", "above")
GAPS_1_4 = (1, 2, 3, 4)


def _columns(cols: list[str], by: list[str]) -> list[str]:
    """Schema columns with the ``by`` columns inserted after ``dimension``/``item``."""
    k = cols.index("item") + 1 if "item" in cols else cols.index("dimension") + 1
    return [*cols[:k], *by, *cols[k:]]


def zone_of(msa, mss) -> np.ndarray:
    """Where perception falls, decided on the point estimates.

    ``"below"`` when ``msa < 0`` (perceived below the adequate level), ``"above"`` when
    ``mss > 0`` (perceived above the desired level), ``"inside"`` otherwise (both bounds
    included in the zone). ``"below"`` wins if both hold (adequate above desired on
    average). NaN (``None``) when an estimate is missing.

    Examples
    --------
    >>> zone_of([-0.2, 0.5, 0.9], [-1.0, -0.1, 0.3]).tolist()
    ['below', 'inside', 'above']
    """
    msa, mss = np.asarray(msa, float), np.asarray(mss, float)
    out = np.where(msa < 0, "below", np.where(mss > 0, "above", "inside")).astype(object)
    out[np.isnan(msa) | np.isnan(mss)] = None
    return out


def tolerance_table(res) -> pd.DataFrame:
    """Zone of tolerance per dimension and item (and segment): MSA, MSS and the zone.

    Per unit (dimension or item) and segment,

    ``MSA = mean(perceived − adequate)``, ``MSS = mean(perceived − desired)``,

    each the mean of the respondents' differences over their complete pairs, with the
    paired-t (or Wilcoxon) test and t-based CI that `servgap.analyze` computed
    (``GapAnalysis.tolerance_tests``); ``msa_p_adj``/``mss_p_adj`` are adjusted within one
    measure, level and segment, as for the gaps. ``zone`` is decided on the point
    estimates (see `zone_of`): ``"below"`` if ``MSA < 0``, ``"above"`` if
    ``MSS > 0``, else ``"inside"``; read the CIs and adjusted p-values for how sure it is.

    Columns ``level`` (``"dimension"`` | ``"item"``), ``dimension``, ``item`` (NaN on
    dimension rows), the ``by`` columns, ``n``, ``mean_adequate``, ``mean_desired``,
    ``mean_perceived``, ``msa``, ``msa_ci_low``, ``msa_ci_high``, ``msa_p_adj``, ``mss``,
    ``mss_ci_low``, ``mss_ci_high``, ``mss_p_adj``, ``zone``. ``mean_adequate`` and
    ``mean_perceived`` are over the MSA pairs, ``mean_desired`` over the MSS pairs, and
    ``n`` is the smaller of the two pair counts; in the three-column format, where each
    respondent answers all three ratings, the pairs coincide. Rows with fewer than 2
    pairs (e.g. a wave in which the zone was not asked) are kept with NaN statistics and
    ``zone`` and a DataQualityWarning names their segments. Empty (with these columns)
    when desired and adequate ratings were not measured.

    Reference: Parasuraman, A., Zeithaml, V. A. & Berry, L. L. (1994). Alternating
    scales for measuring service quality: a comparative assessment based on
    psychometric and diagnostic criteria. *Journal of Retailing*, 70(3), 201-230.

    Examples
    --------
    >>> import servgap as sg
    >>> cust, _ = sg.load_example(tolerance=True)
    >>> tol = sg.analyze(cust, wave="wave").tolerance      # desired/adequate asked in the second wave only
    >>> second = tol.query("level == 'dimension' and wave == '2025Q2'")
    >>> second["zone"].tolist()
    ['inside', 'inside', 'inside', 'inside', 'inside']
    >>> int(tol.query("wave == '2025Q1'")["n"].max())         # the first wave: no pairs, NaN statistics
    0
    """
    by = list(res.by)
    cols = _columns(TOLERANCE_COLUMNS, by)
    frames = []
    for level, keys in (("dimension", ["dimension"]), ("item", ["dimension", "item"])):
        t = res.tolerance_tests.get(level)
        if t is None or t.empty or not {"msa", "mss"} <= set(t["measure_key"]):
            continue
        on = [*keys, *by]
        a = t[t["measure_key"] == "msa"].set_index(on)
        s = t[t["measure_key"] == "mss"].set_index(on)
        idx = a.index.union(s.index, sort=False)
        a, s = a.reindex(idx), s.reindex(idx)
        f = pd.DataFrame(index=idx)
        f["n"] = np.fmin(a["n"].to_numpy(float), s["n"].to_numpy(float))
        f["mean_adequate"] = a["mean_benchmark"].to_numpy()
        f["mean_desired"] = s["mean_benchmark"].to_numpy()
        f["mean_perceived"] = a["mean_later"].to_numpy()
        for name, m in (("msa", a), ("mss", s)):
            f[name] = m["mean_gap"].to_numpy()
            for c in ("ci_low", "ci_high", "p_adj"):
                f[f"{name}_{c}"] = m[c].to_numpy()
        f["zone"] = zone_of(f["msa"], f["mss"])
        f = f.reset_index()
        f.insert(0, "level", level)
        if level == "dimension":
            f.insert(2, "item", np.nan)
        frames.append(f)
    if not frames:
        text = {"level", "dimension", "item", "zone", *by}
        return pd.DataFrame({c: pd.Series(dtype="int64" if c == "n" else object if c in text else float)
                             for c in cols})
    out = pd.concat(frames, ignore_index=True)
    out["n"] = out["n"].fillna(0).astype("int64")
    thin = out[out["n"] < 2]
    if len(thin):
        where = sorted({"/".join(map(str, r)) for r in thin[by].itertuples(index=False)}) if by else ["all"]
        warnings.warn(f"{len(thin)} zone-of-tolerance row(s) have fewer than 2 complete answer pairs and keep NaN "
                      f"statistics (segments: {', '.join(where[:10])}{' ...' if len(where) > 10 else ''}); were "
                      "desired and adequate asked there?", DataQualityWarning, stacklevel=3)
    return out[cols]


def decompose(res) -> pd.DataFrame:
    """Gap 5 beside the measured gaps 1-4, per dimension (and segment).

    One row per dimension × segment with, for every gap ``k`` of 1-5, the mean gap
    ``gap{k}`` and its adjusted p-value ``gap{k}_p_adj`` as in ``GapAnalysis.dimensions``
    (NaN where gap ``k`` was not measured), ``sum_gaps_1_4 = gap1 + gap2 + gap3 + gap4``
    (NaN unless all four are measured for the row) and ``not_measured``, the gaps that
    are absent (e.g. ``"1, 2, 3, 4"`` for customer data only; ``""`` when all five are
    there). Gaps listed in ``GapAnalysis.missing_gaps`` say why.

    Caveat — read this before comparing the columns: the model (Parasuraman, Zeithaml &
    Berry 1985) says gap 5 is a *function* of gaps 1-4, not their sum. The gaps are also
    rated by different respondents (gap 5 and the expected side of gap 1 by customers,
    gaps 2-4 and the management side of gap 1 by staff), often on different numbers of
    people, and their scale points need not mean the same to both groups. So
    ``sum_gaps_1_4`` is shown for reference only: it is not expected to equal gap 5, and
    a mismatch is not an error. What the table supports is the direction and the
    ranking: which upstream gaps are negative and large where gap 5 is.

    Reference: Parasuraman, A., Zeithaml, V. A. & Berry, L. L. (1985). A conceptual
    model of service quality and its implications for future research. *Journal of
    Marketing*, 49(4), 41-50.

    Examples
    --------
    >>> import servgap as sg
    >>> cust, staff = sg.load_example()
    >>> dec = sg.analyze([cust, staff], by="branch").decomposition
    >>> len(dec), dec["not_measured"].unique().tolist()      # 5 dimensions × 6 branches, all five gaps
    (30, [''])
    """
    by = list(res.by)
    d = res.dimensions
    keys = ["dimension", *by]
    value_cols = [c for k in (5, *GAPS_1_4) for c in (f"gap{k}", f"gap{k}_p_adj")]
    out = d[keys].drop_duplicates().reset_index(drop=True) if len(d) else pd.DataFrame(columns=keys)
    for k in (5, *GAPS_1_4):
        sub = d[d["gap"] == k]
        if sub.empty:
            out[f"gap{k}"], out[f"gap{k}_p_adj"] = np.nan, np.nan
            continue
        sub = sub[[*keys, "mean_gap", "p_adj"]].rename(columns={"mean_gap": f"gap{k}", "p_adj": f"gap{k}_p_adj"})
        out = out.merge(sub, on=keys, how="left")
    if len(out):
        order = {dim: i for i, dim in enumerate(res.instrument.dimension_ids)}
        out = (out.assign(_o=out["dimension"].map(order)).sort_values(["_o", *by], kind="stable")
               .drop(columns="_o").reset_index(drop=True))
    parts = out[[f"gap{k}" for k in GAPS_1_4]].to_numpy(float)
    out["sum_gaps_1_4"] = parts.sum(axis=1)     # NaN as soon as one of the four is absent
    absent = np.isnan(out[[f"gap{k}" for k in (1, 2, 3, 4, 5)]].to_numpy(float))
    out["not_measured"] = [", ".join(str(k) for k, a in zip((1, 2, 3, 4, 5), row) if a) for row in absent]
    return out[[*keys, *value_cols, "sum_gaps_1_4", "not_measured"]]


__all__ = ["TOLERANCE_COLUMNS", "decompose", "tolerance_table", "zone_of"]
