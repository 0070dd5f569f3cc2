"""English and simplified-Chinese wording of the cause ranking (`servgap.causes.ranking`).

Only text lives here: number formatting, the evidence line and the one- or
two-sentence explanation of every ranked cause, and the notes attached to the result
(``DataFrame.attrs["note"]``). The numbers themselves come from
`servgap.causes.ranking.cause_scores`.
"""

from __future__ import annotations

from ..display import num, pvalue
from ..model.gaps import gap as gap_def
from ..model.instruments import gap_constructs

MINUS = "\u2212"

#: Which data would measure a gap of the gap model (used when a cause is only inferred).
CONFIRM = {
    1: {"en": "a management survey of what customers expect (viewpoint 'management'), compared with the "
              "customers' expectations",
        "zh": "管理者对顾客期望认知的调查（management 视角），与顾客期望对比"},
    2: {"en": "a manager survey of the service standards (viewpoints 'management' and 'specification')",
        "zh": "管理者对服务标准的调查（management 与 specification 视角）"},
    3: {"en": "a staff survey or audit of delivery against the standards (viewpoints 'specification' and "
              "'delivered')",
        "zh": "员工问卷或服务稽核，对照服务标准评价实际服务传递（specification 与 delivered 视角）"},
    4: {"en": "a staff or marketing survey of delivery against what is promised (viewpoints 'delivered' "
              "and 'communicated')",
        "zh": "员工或营销部门问卷，对照对外承诺评价实际服务传递（delivered 与 communicated 视角）"},
    5: {"en": "a customer survey of expected and perceived service (viewpoints 'expected' and 'perceived')",
        "zh": "顾客对期望与感知服务的调查（expected 与 perceived 视角）"},
}

#: Every phrase as (English, simplified Chinese).
_PHRASES = {
    "sep": ("; ", "；"),
    "list": (", ", "、"),
    "more": ("(+{n} more)", "（另有{n}项）"),
    "gap": ("gap {g}", "差距{g}"),
    "worst": ("worst {seg} {val}", "最差 {seg} {val}"),
    "construct": ("{name} {mean} below midpoint {mid}, {p}", "{name} {mean}，低于中点 {mid}，{p}"),
    "unmeasured": ("{gaps} not measured", "{gaps}未测量"),
    "all_staff": (" (all staff)", "（全体员工）"),
    "fine_cons": ("{names} not unfavourable", "{names}未见不利"),
    "no_short": ("no significant shortfall in {dims}", "{dims}无显著不足"),
    "measured": ("Measured: {facts}.", "已测量：{facts}。"),
    "measured_clear": (" Measurements of {gaps} find no significant shortfall in its dimensions.",
                       "经测量，{gaps}在其维度上无显著不足。"),
    "measured_more": (" {Gaps} not measured; {survey} would add evidence.", "{Gaps}未测量；{survey}可提供更多证据。"),
    "inferred": ("Customers perceive less than they expect in {dims} (gap 5), which this cause would explain; "
                 "{gaps} not measured, so it is a hypothesis: {survey} would confirm or rule it out.",
                 "顾客在{dims}上的感知低于期望（差距5），此原因可以解释这一不足；但{gaps}未测量，因此只是假设："
                 "{survey}可以证实或排除。"),
    "ruled_out": ("Customers perceive a shortfall in {dims}, but measurements of {gaps} find no significant "
                  "shortfall there, so the data point to other causes.",
                  "顾客在{dims}上感知不足，但{gaps}经测量在这些维度上无显著不足，数据指向其他原因。"),
    "none": ("No significant shortfall in the dimensions this cause affects ({dims}).",
             "此原因影响的维度（{dims}）无显著不足。"),
    "f_gap": ("{gap} falls significantly short in {dims}", "{gap}在{dims}上显著不足"),
    "f_cons": ("staff rate {names} below the scale midpoint", "员工对{names}的评分低于量表中点"),
    "f_g5": ("customers perceive less than they expect in {dims}",
             "顾客在{dims}上的感知低于期望"),
    "construct_survey": ("the staff construct survey ({names})", "员工组织因素问卷（{names}）"),
    "note_none": ("No measured gap shows a significant shortfall (adjusted p < {alpha}), so no root causes "
                  "are suggested.",
                  "没有任何已测量的差距显示显著不足（校正后 p < {alpha}），因此不提出根本原因。"),
    "note_uncovered": ("Significant shortfalls exist, but no catalog cause covers their dimensions.",
                       "存在显著不足，但原因目录中没有覆盖这些维度的原因。"),
    "note_segments": ("No significant shortfall, hence no suggestions, in: {segs}.",
                      "以下分组无显著不足，因此没有建议：{segs}。"),
    "note_inferred": ("{gaps} not measured: causes of these gaps are inferred from the gaps that were measured "
                      "and are hypotheses until confirmed.",
                      "{gaps}未测量：这些差距的原因是根据已测量的差距推断的，在得到证实之前只是假设。"),
}
_W = {lang: {k: v[i] for k, v in _PHRASES.items()} for i, lang in enumerate(("en", "zh"))}


#: Dimensions quoted per gap in the evidence text.
SHOWN_DIMS = 2


def words(lang: str) -> dict:
    """The phrase table of ``lang`` (``"en"`` or ``"zh"``)."""
    return _W[lang]


def pval(p: float) -> str:
    """``p<0.001``, ``p=0.012``, ``p=0.34`` or ``p=–`` (`servgap.display.pvalue`)."""
    v = pvalue(p)
    return "p" + (v if v.startswith("<") else "=" + v)


def gap_short(g: int, lang: str) -> str:
    """``gap 3`` / ``差距3``."""
    return _W[lang]["gap"].format(g=g)


def gap_name(g: int, lang: str) -> str:
    """``gap 3 (service delivery gap)`` / ``差距3（服务传递差距）``."""
    label = gap_def(g).label(lang)
    name = label.split("：" if lang == "zh" else ": ", 1)[-1]
    return f"差距{g}（{name}）" if lang == "zh" else f"gap {g} ({name})"


def gap_list(gaps, lang: str, verb: bool = False) -> str:
    """``gap 3`` / ``gaps 2 and 3`` / ``差距2和3``; ``verb`` appends ``was``/``were`` (English)."""
    gaps = list(gaps)
    if lang == "zh":
        return "差距" + "和".join(str(g) for g in gaps)
    if len(gaps) == 1:
        return f"gap {gaps[0]}" + (" was" if verb else "")
    return "gaps " + ", ".join(str(g) for g in gaps[:-1]) + f" and {gaps[-1]}" + (" were" if verb else "")


def join(parts, lang: str) -> str:
    return _W[lang]["list"].join(parts)


def dim_fact(label: str, g: int, row: dict, lang: str, worst=None) -> str:
    """``responsiveness gap 5 −0.85 [−0.90, −0.81], p<0.001; worst branch B03 −1.90``."""
    text = (f"{label} {gap_short(g, lang)} {num(row['mean'])} [{num(row['lo'])}, {num(row['hi'])}], "
            f"{pval(row['p'])}")
    if worst is not None:
        seg, val = worst
        text += _W[lang]["sep"] + _W[lang]["worst"].format(seg=seg, val=num(val))
    return text


def construct_fact(label: str, row: dict, lang: str, pooled: bool = False) -> str:
    """``Technology-job fit 2.07 below midpoint 3.00, p<0.001`` (``(all staff)`` when not per segment)."""
    text = _W[lang]["construct"].format(name=label, mean=num(row["mean"]), mid=num(row["mid"]), p=pval(row["p"]))
    return text + _W[lang]["all_staff"] if pooled else text


def confirm(gaps, constructs: list[str], lang: str) -> str:
    """Which surveys would measure ``gaps`` (and the named constructs)."""
    parts = [CONFIRM[g][lang] for g in gaps]
    if constructs:
        parts.append(_W[lang]["construct_survey"].format(names=join(constructs, lang)))
    if lang == "zh":
        return "以及".join(parts)
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def explanation(basis: str, *, lang: str, short_gaps: dict, weak_constructs: list[str], g5_dims: list[str],
                unmeasured: list[int], clear_gaps: list[int], all_dims: list[str],
                unmeasured_constructs: list[str]) -> str:
    """One or two sentences saying why a cause is (not) suggested.

    ``short_gaps`` maps an upstream gap with a significant shortfall to the labels of the
    dimensions that fall short; ``g5_dims`` are the cause's dimensions short in gap 5;
    ``unmeasured`` its gaps without data; ``clear_gaps`` its gaps measured without shortfall.
    """
    w = _W[lang]
    if basis == "measured":
        facts = [w["f_gap"].format(gap=gap_name(g, lang), dims=join(d, lang)) for g, d in short_gaps.items()]
        if weak_constructs:
            facts.append(w["f_cons"].format(names=join(weak_constructs, lang)))
        if g5_dims and 5 not in short_gaps:
            facts.append(w["f_g5"].format(dims=join(g5_dims, lang)))
        text = w["measured"].format(facts=w["sep"].join(facts))
        if clear_gaps:
            text += w["measured_clear"].format(gaps=gap_list(clear_gaps, lang))
        if unmeasured:
            g = gap_list(unmeasured, lang, verb=True)
            text += w["measured_more"].format(Gaps=g[0].upper() + g[1:],
                                              survey=confirm(unmeasured, unmeasured_constructs, lang))
        return text
    if basis == "inferred":
        return w["inferred"].format(dims=join(g5_dims, lang), gaps=gap_list(unmeasured, lang, verb=True),
                                    survey=confirm(unmeasured, unmeasured_constructs, lang))
    if g5_dims and clear_gaps:
        return w["ruled_out"].format(dims=join(g5_dims, lang), gaps=gap_list(clear_gaps, lang))
    return w["none"].format(dims=join(all_dims, lang))


def segment_label(values, lang: str) -> str:
    return "/".join(str(v) for v in values)


# --------------------------------------------------------------------------- rows and notes
def labels(surveys, lang: str) -> dict:
    """Labels in ``lang`` of the constructs and of the dimensions of the analysed instruments."""
    out = {d.id: d.label(lang) for d in gap_constructs().dimensions}
    for s in surveys:
        out.update({d.id: d.label(lang) for d in s.instrument.dimensions})
    return out


def cause_row(entry, a: dict, ev, lang: str, labels: dict) -> dict:
    """One row of the ranking: catalog fields in ``lang`` plus evidence and explanation text."""
    lab = lambda ids: [labels.get(i, i) for i in ids]  # noqa: E731
    w = _W[lang]
    dims = list(entry["dimensions"])
    facts = []
    for g in ([5] if a["g5_dims"] else []) + sorted(a["short"]):
        ds = a["g5_dims"] if g == 5 else a["short"][g]
        ds = sorted(ds, key=lambda d: (-ev.dims[(g, d)]["s"], d))
        for d in ds[:SHOWN_DIMS]:
            facts.append(dim_fact(labels.get(d, d), g, ev.dims[(g, d)], lang, ev.dims[(g, d)]["worst"]))
        if len(ds) > SHOWN_DIMS:
            facts[-1] += " " + w["more"].format(n=len(ds) - SHOWN_DIMS)
    for c in a["weak"]:
        facts.append(construct_fact(labels.get(c, c), ev.constructs[c], lang, ev.constructs_pooled))
    fine = [c for c in entry["constructs"] if c in ev.constructs and c not in a["weak"]]
    if fine and not a["weak"]:
        facts.append(w["fine_cons"].format(names=join(
            [f"{labels.get(c, c)} {num(ev.constructs[c]['mean'])}" for c in fine], lang)))
    if a["basis"] == "not significant":
        shown = [d for d in dims if (5, d) in ev.dims] or dims
        facts.append(w["no_short"].format(dims=join(lab(shown), lang)))
    if a["unmeasured"]:
        facts.append(w["unmeasured"].format(gaps=gap_list(a["unmeasured"], lang)))
    text = explanation(
        a["basis"], lang=lang, short_gaps={g: top_dims(lab, d, g, ev, w) for g, d in a["short"].items()},
        weak_constructs=lab(a["weak"]),
        g5_dims=top_dims(lab, a["g5_dims"], 5, ev, w), unmeasured=[g for g in a["unmeasured"] if g in CONFIRM],
        clear_gaps=a["clear"], all_dims=lab(dims), unmeasured_constructs=lab(a["unmeasured_cons"]))
    return dict(rank=0, cause=entry["id"], name=entry["name"][lang], gap=list(entry["gap"]), dimensions=dims,
                score=float(a["score"]), basis=a["basis"], evidence=w["sep"].join(facts), explanation=text,
                remedies=list(entry["remedies"][lang]),
                sources=[{"document": s["document"], "quote": s["quote"]} for s in entry["sources"]])


def top_dims(lab, dims: list, g: int, ev, w: dict, most: int = 3) -> list:
    """Labels of the (at most ``most``) largest shortfalls among ``dims`` in gap ``g``."""
    dims = sorted(dims, key=lambda d: (-ev.dims[(g, d)]["s"], d))
    out = lab(dims[:most])
    if len(dims) > most:
        out[-1] += " " + w["more"].format(n=len(dims) - most)
    return out


def note(empty: bool, lang: str, alpha: float, any_short: bool, empty_segs: list, unmeasured: set) -> str:
    """``attrs["note"]`` of the ranking: nothing significant, segments without suggestions, unmeasured gaps."""
    w = _W[lang]
    parts = []
    if empty:
        parts.append(w["note_none"].format(alpha=alpha) if not any_short else w["note_uncovered"])
    elif empty_segs:
        parts.append(w["note_segments"].format(segs=join(empty_segs, lang)))
    if not empty and unmeasured:
        text = w["note_inferred"].format(gaps=gap_list(sorted(unmeasured), lang, verb=True))
        parts.append(text[0].upper() + text[1:])
    return " ".join(parts)
