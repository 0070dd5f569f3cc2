"""English and simplified-Chinese wording of the cause ranking (`servgap.causes.ranking`).

Only text lives here: the evidence line and the explanation of every ranked cause and
the notes of the result (``DataFrame.attrs["note"]``). Numbers are formatted with
`servgap.display` (``num``, ``pvalue``: a p-value never rounds across 0.001, 0.01, 0.05
or the analysis' alpha) and every p-value printed is an adjusted one, labelled so.
Constructs are described in their own direction: a reverse-keyed construct such as the
propensity to over-promise reads "staff report frequent over-promising", never "rated low".
The user sees names, never catalog ids or viewpoint names.
"""

from __future__ import annotations

from ..display import SMALL_SAMPLE, num, pvalue
from ..model.instruments import SERVQUAL22, gap_constructs

#: Samples smaller than this get a small-sample note.
SMALL_N = SMALL_SAMPLE

#: What each gap compares, as said in a sentence.
GAP_PHRASE = {
    1: ("managers' view of what customers expect (gap 1)", "管理者对顾客期望的认知（差距1）"),
    2: ("the service standards against managers' view (gap 2)", "服务标准与管理者认知（差距2）"),
    3: ("delivery against the standards (gap 3)", "实际服务与服务标准（差距3）"),
    4: ("delivery against what is promised (gap 4)", "实际服务与对外承诺（差距4）"),
    5: ("customers' perceptions against their expectations (gap 5)", "顾客感知与期望（差距5）"),
}
#: Which data would measure a gap (named when a cause is only inferred).
CONFIRM = {
    1: ("a survey of managers on what they believe customers expect (gap 1)", "请管理者回答其认为顾客期望什么的问卷（差距1）"),
    2: ("a survey of managers on the service standards (gap 2)", "管理者对服务标准的问卷（差距2）"),
    3: ("a staff survey or audit of delivery against the standards (gap 3)",
        "对照服务标准评价实际服务的员工问卷或服务稽核（差距3）"),
    4: ("a staff or marketing survey of delivery against what is promised (gap 4)",
        "对照对外承诺评价实际服务的员工或营销部门问卷（差距4）"),
    5: ("a customer survey of expected and perceived service (gap 5)", "顾客期望与感知服务问卷（差距5）"),
}
#: Reverse-keyed constructs: (unfavourable, favourable, meaning of a low score), en and zh.
REVERSED = {
    "levels_of_management": (("too many management levels", "few management levels", "low = many levels"),
                             ("管理层级过多", "管理层级较少", "分数越低层级越多")),
    "role_conflict": (("frequent role conflict", "little role conflict", "low = often"),
                      ("角色冲突较多", "角色冲突较少", "分数越低冲突越多")),
    "role_ambiguity": (("unclear roles", "clear roles", "low = unclear"),
                       ("职责不清", "职责清楚", "分数越低越不清楚")),
    "propensity_to_overpromise": (("frequent over-promising", "little over-promising", "low = often"),
                                  ("过度承诺较为频繁", "过度承诺较少", "分数越低越频繁")),
}

_PHRASES = {
    "sep": ("; ", "；"),
    "list": (", ", "、"),
    "and": (" and ", "和"),
    "more": (" (+{n} more)", "（另有{n}项）"),
    "p": ("adjusted p{v}", "校正后 p{v}"),
    "no_variation": ("no variation: all {n} answers differ alike, so no test", "无波动：{n} 份回答的差距完全相同，无需检验"),
    "dim": ("{dim}: gap {g} {mean} [{lo}, {hi}], {p}", "{dim}：差距{g} {mean} [{lo}, {hi}]，{p}"),
    "worst": ("worst segment {seg} {val}", "最差分组 {seg} {val}"),
    "clean": ("{gap}: no shortfall of {m} or more in {dims}", "{gap}：{dims}没有{m}分以上的不足"),
    "clean_dim": ("{dim} ({mean}, {p})", "{dim}（{mean}，{p}）"),
    "con_low": ("staff rate {name} low: {mean} on a {lo}–{hi} scale (midpoint {mid}), {p}",
                "员工对“{name}”评价偏低：{mean}分（{lo}–{hi}分量表，中点{mid}），{p}"),
    "con_high": ("staff rate {name} high: {mean} on a {lo}–{hi} scale (midpoint {mid}), {p}",
                 "员工对“{name}”评价较高：{mean}分（{lo}–{hi}分量表，中点{mid}），{p}"),
    "con_rev": ("staff report {what}: {mean} on a {lo}–{hi} scale where {low}, {p}",
                "员工反映{what}：{mean}分（{lo}–{hi}分量表，{low}），{p}"),
    "all_staff": (" (all staff)", "（全体员工）"),
    "unmeasured": ("{gaps} not measured", "{gaps}未测量"),
    "f_gap": ("{gap} falls short in {dims}", "{gap}在{dims}上存在不足"),
    "f_g5": ("customers perceive less than they expect in {dims}", "顾客在{dims}上的感知低于期望"),
    "f_low": ("staff rate {name} low", "员工对{name}评价偏低"),
    "f_high": ("staff rate {name} high", "员工对{name}评价较高"),
    "f_rev": ("staff report {what}", "员工反映{what}"),
    "f_clean": ("{gap} shows no shortfall in {dims}", "{gap}在{dims}上没有不足"),
    "measured": ("Measured: {facts}.", "已测量：{facts}。"),
    "conflicting": ("The evidence conflicts: {pro}, but {con}.", "证据相互矛盾：{pro}，但{con}。"),
    "more_data": (" {Gaps} not measured; {survey} would add evidence.", "{gaps}未测量，{survey}可提供更多证据。"),
    "inferred": ("Customers perceive less than they expect in {dims} (gap 5), which this cause would explain; "
                 "{gaps} not measured, so it is a hypothesis: {survey} would confirm or rule it out.",
                 "顾客在{dims}上的感知低于期望（差距5），此原因可以解释这一不足；但{gaps}未测量，因此只是假设，"
                 "{survey}可以证实或排除。"),
    "ruled_out": ("Customers perceive a shortfall in {dims}, but {clean}, so the data point to other causes.",
                  "顾客在{dims}上感知不足，但{clean}，数据指向其他原因。"),
    "outweighed": ("Favourable staff ratings outweigh the shortfall in {dims}.", "员工的有利评价抵消了{dims}上的不足。"),
    "none": ("No shortfall of {m} scale points or more in the dimensions this cause affects ({dims}).",
             "此原因影响的维度（{dims}）没有{m}分以上的不足。"),
    "via": (" Judged on the dimensions where it shows as “{name}”.", "按其表现“{name}”所涉及的维度评估。"),
    "small": (" Small sample (n = {n}): treat this as indicative.", "样本较小（n = {n}），结论仅供参考。"),
    "construct_survey": ("the staff survey of {names}", "关于{names}的员工问卷"),
    "construct_survey_all": ("the staff survey of the organisational factors behind gaps 1 to 4",
                             "关于差距1至4背后组织因素的员工问卷"),
    "note_none": ("No measured gap shows a significant shortfall (adjusted p < {alpha}), so no root causes are "
                  "suggested.", "没有任何已测量的差距显示显著不足（校正后 p < {alpha}），因此不提出根本原因。"),
    "note_trivial": ("Significant shortfalls exist but all are smaller than the minimum practical shortfall of "
                     "{m} scale points (largest {worst}), so no root causes are suggested.",
                     "存在显著不足，但均小于{m}分的最低实际意义标准（最大为{worst}），因此不提出根本原因。"),
    "note_uncovered": ("Shortfalls exist, but no catalog cause covers their dimensions.",
                       "存在不足，但原因目录中没有覆盖这些维度的原因。"),
    "note_segments": ("No shortfall of {m} scale points or more, hence no suggestions, in: {segs}.",
                      "以下分组没有{m}分以上的显著不足，因此没有建议：{segs}。"),
    "note_inferred": ("{Gaps} not measured: causes of these gaps are inferred from the gaps that were measured "
                      "and are hypotheses until confirmed.",
                      "{gaps}未测量：这些差距的原因是根据已测量的差距推断的，在得到证实之前只是假设。"),
    "note_inferred_in": ("{Gaps} not measured in {segs}: causes of these gaps there are inferred from the gaps "
                         "that were measured and are hypotheses until confirmed.",
                         "{segs}的{gaps}未测量：这些分组中这些差距的原因是根据已测量的差距推断的，在得到证实之前只是假设。"),
    "note_no_order": ("Every suggestion is inferred from the customers' answers alone, so the data cannot rank "
                      "the causes: their order reflects only which dimensions fall short. {survey} would rank them.",
                      "所有建议都只是根据顾客的回答推断的，数据无法对这些原因排序，其先后只反映哪些维度存在不足。"
                      "{survey}可以为它们排序。"),
    "note_ties": ("Causes with equal scores share a rank (shown as “2=”); within a tie root causes come first.",
                  "得分相同的原因并列同一名次（显示为“2=”），并列时根本原因在前。"),
    "note_small": ("Small samples (n < {k}) in: {segs}; treat their suggestions as indicative.",
                   "以下分组样本较小（n < {k}）：{segs}，其建议仅供参考。"),
}
_W = {lang: {k: v[i] for k, v in _PHRASES.items()} for i, lang in enumerate(("en", "zh"))}

#: Dimensions quoted per gap in the evidence text.
SHOWN_DIMS = 2


def words(lang: str) -> dict:
    """The phrase table of ``lang`` (``"en"`` or ``"zh"``)."""
    return _W[lang]


def pval(p: float, lang: str = "en", alpha: float = 0.05) -> str:
    """``adjusted p<0.001`` / ``校正后 p=0.045`` (`servgap.display.pvalue`, thresholds incl. alpha)."""
    v = pvalue(p, thresholds=tuple(sorted({0.001, 0.01, 0.05, float(alpha)})))
    return _W[lang]["p"].format(v=v if v.startswith("<") else "=" + v)


def evidence_p(row: dict, lang: str = "en", alpha: float = 0.05) -> str:
    """`pval` of a gap row, or "no variation" for a cell whose differences are all equal."""
    if row.get("constant"):
        return _W[lang]["no_variation"].format(n=num(row["n"], 0))
    return pval(row["p"], lang, alpha)


def rank_label(rank: int, tied: bool) -> str:
    """``"2"`` or ``"2="`` for a rank shared by tied causes."""
    return f"{int(rank)}=" if tied else str(int(rank))


def gap_list(gaps, lang: str) -> str:
    """``gap 3`` / ``gaps 2 and 3`` / ``gaps 1 to 4``; ``差距3`` / ``差距2和3`` / ``差距1至4``."""
    gaps = sorted(int(g) for g in gaps)
    run = len(gaps) >= 3 and gaps == list(range(gaps[0], gaps[-1] + 1))
    if lang == "zh":
        if run:
            return f"差距{gaps[0]}至{gaps[-1]}"
        return "差距" + ("和".join(map(str, gaps)) if len(gaps) <= 2 else "、".join(map(str, gaps[:-1])) + f"和{gaps[-1]}")
    if len(gaps) == 1:
        return f"gap {gaps[0]}"
    if run:
        return f"gaps {gaps[0]} to {gaps[-1]}"
    return "gaps " + ", ".join(map(str, gaps[:-1])) + f" and {gaps[-1]}"


def were(gaps, lang: str, capital: bool = False) -> str:
    """``gaps 2 and 3 were`` / ``gap 3 was`` (English only; Chinese needs no verb)."""
    text = gap_list(gaps, lang)
    if lang == "en":
        text += " was" if len(list(gaps)) == 1 else " were"
        return text[0].upper() + text[1:] if capital else text
    return text


def join(parts, lang: str, inner: bool = False) -> str:
    """``a, b and c`` / ``a、b和c``; ``inner`` (a list inside a Chinese list) joins with ``、`` only."""
    parts = list(parts)
    if len(parts) <= 1:
        return "".join(parts)
    w = _W[lang]
    if inner and lang == "zh":
        return w["list"].join(parts)
    return w["list"].join(parts[:-1]) + w["and"] + parts[-1]


def segment_label(values) -> str:
    """A segment as shown to people: its values joined by ``/`` (never the column names)."""
    return "/".join(str(v) for v in values)


def labels(surveys, lang: str) -> dict:
    """Labels in ``lang`` of the constructs and of the dimensions of the analysed instruments."""
    out = {d.id: d.label(lang) for d in gap_constructs().dimensions}
    out.update({d.id: d.label(lang) for d in SERVQUAL22.dimensions})
    for s in surveys:
        out.update({d.id: d.label(lang) for d in s.instrument.dimensions})
    return out


# --------------------------------------------------------------------------- facts
def dim_fact(label: str, g: int, row: dict, lang: str, alpha: float) -> str:
    """``Responsiveness: gap 5 −1.46 [−1.51, −1.41], adjusted p<0.001; worst segment B03 −1.90``."""
    w = _W[lang]
    text = w["dim"].format(dim=label, g=g, mean=num(row["mean"]), lo=num(row["lo"]), hi=num(row["hi"]),
                           p=evidence_p(row, lang, alpha))
    if row.get("worst") is not None:
        seg, val = row["worst"]
        text += w["sep"] + w["worst"].format(seg=seg, val=num(val))
    return text


def construct_fact(cid: str, label: str, row: dict, lang: str, alpha: float, pooled: bool = False) -> str:
    """A construct in its own direction, with its scale and adjusted p."""
    inst = gap_constructs()
    w, i = _W[lang], 0 if lang == "en" else 1
    common = dict(mean=num(row["mean"]), lo=num(inst.scale_min, 0), hi=num(inst.scale_max, 0),
                  mid=num(row["mid"]), p=pval(row["p"], lang, alpha))
    low = row["mean"] < row["mid"]
    if cid in REVERSED:
        bad, good, meaning = REVERSED[cid][i]
        text = w["con_rev"].format(what=bad if low else good, low=meaning, **common)
    else:
        text = w["con_low" if low else "con_high"].format(name=in_sentence(label, lang), **common)
    return text + (w["all_staff"] if pooled else "")


def in_sentence(label: str, lang: str) -> str:
    """A label inside an English sentence: first letter lower-cased unless it starts an acronym."""
    if lang == "en" and label[:1].isupper() and label[1:2].islower():
        return label[0].lower() + label[1:]
    return label


def construct_name(cid: str, label: str, lang: str) -> str:
    """How a construct is named inside a sentence."""
    return in_sentence(label, lang) if lang == "en" else f"“{label}”"


def construct_judgement(cid: str, label: str, unfavourable: bool, lang: str) -> str:
    """``staff rate teamwork low`` / ``staff report frequent over-promising`` (own direction)."""
    w = _W[lang]
    if cid in REVERSED:
        bad, good, _ = REVERSED[cid][0 if lang == "en" else 1]
        return w["f_rev"].format(what=bad if unfavourable else good)
    return w["f_low" if unfavourable else "f_high"].format(name=construct_name(cid, label, lang))


def confirm(gaps, constructs: list[str], lang: str, all_constructs: bool = False) -> str:
    """Which surveys would measure ``gaps`` (and the named constructs, or all of them)."""
    i = 0 if lang == "en" else 1
    parts = [CONFIRM[g][i] for g in gaps if g in CONFIRM]
    if all_constructs:
        parts.append(_W[lang]["construct_survey_all"])
    elif constructs:
        parts.append(_W[lang]["construct_survey"].format(names=join(constructs, lang, inner=True)))
    return join(parts, lang)


def top_dims(labels_of, dims: list, g: int, ev, lang: str, most: int = 3) -> list:
    """Labels of the (at most ``most``) largest shortfalls among ``dims`` in gap ``g``."""
    dims = sorted(dims, key=lambda d: (-ev.dims[(g, d)]["s"], d))
    out = [labels_of(d) for d in dims[:most]]
    if len(dims) > most:
        out[-1] += _W[lang]["more"].format(n=len(dims) - most)
    return out
