"""The evidence line, the explanation and the notes of the cause ranking, from an
assessment of `servgap.causes.scoring` (the words themselves live in
`servgap.causes.wording`)."""

from __future__ import annotations

import math

from ..display import num
from .wording import (GAP_PHRASE, SHOWN_DIMS, SMALL_N, confirm, construct_fact, construct_judgement, construct_name,
                      dim_fact, evidence_p, gap_list, in_sentence, join, top_dims, were, words)

__all__ = ["evidence_text", "explanation", "note", "NoteFacts"]


def _phrase(g: int, lang: str) -> str:
    return GAP_PHRASE[g][0 if lang == "en" else 1]


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def evidence_text(entry, a: dict, ev, lang: str, labels: dict) -> str:
    """The numbers behind a cause: gap rows, constructs (own direction), clean and unmeasured gaps."""
    w, alpha = words(lang), ev.alpha
    facts = []
    for g in ([5] if a["g5_dims"] else []) + sorted(a["short"]):
        ds = a["g5_dims"] if g == 5 else a["short"][g]
        ds = sorted(ds, key=lambda d: (-ev.dims[(g, d)]["s"], d))
        facts += [dim_fact(labels.get(d, d), g, ev.dims[(g, d)], lang, alpha) for d in ds[:SHOWN_DIMS]]
        if len(ds) > SHOWN_DIMS:
            facts[-1] += w["more"].format(n=len(ds) - SHOWN_DIMS)
    for c in [*a["weak"], *a["strong"]]:
        facts.append(construct_fact(c, labels.get(c, c), ev.constructs[c], lang, alpha, ev.pooled))
    for g in a["clear"]:
        shown = [d for d in a["dims"] if (g, d) in ev.dims]
        dims = [w["clean_dim"].format(dim=in_sentence(labels.get(d, d), lang), mean=num(ev.dims[(g, d)]["mean"]),
                                      p=evidence_p(ev.dims[(g, d)], lang, alpha)) for d in shown]
        facts.append(w["clean"].format(gap=_cap(_phrase(g, lang)), m=f"{ev.m:g}", dims=join(dims, lang)))
    if a["unmeasured"]:
        facts.append(w["unmeasured"].format(gaps=gap_list(a["unmeasured"], lang)))
    return w["sep"].join(facts)


def _pro_facts(a: dict, ev, lang: str, lab, names) -> list[str]:
    w = words(lang)
    facts = [w["f_gap"].format(gap=_phrase(g, lang), dims=join(top_dims(lab, d, g, ev, lang), lang))
             for g, d in a["short"].items()]
    facts += [construct_judgement(c, ev_label, True, lang) for c, ev_label in names(a["weak"])]
    if a["g5_dims"] and 5 not in a["short"]:
        facts.append(w["f_g5"].format(dims=join(top_dims(lab, a["g5_dims"], 5, ev, lang), lang)))
    return facts


def _con_facts(a: dict, ev, lang: str, lab, names) -> list[str]:
    w = words(lang)
    facts = [w["f_clean"].format(gap=_phrase(g, lang), dims=join([lab(d) for d in a["dims"] if (g, d) in ev.dims],
                                                                   lang))
             for g in a["clear"]] if a["clean"] else []
    facts += [construct_judgement(c, ev_label, False, lang) for c, ev_label in names(a["strong"])]
    return facts


def explanation(entry, a: dict, ev, lang: str, labels: dict, via_name: str | None = None) -> str:
    """One to three sentences: why the cause is (not) suggested and what would confirm it."""
    w, sep = words(lang), words(lang)["sep"]
    lab = lambda d: in_sentence(labels.get(d, d), lang)  # noqa: E731
    names = lambda cs: [(c, labels.get(c, c)) for c in cs]  # noqa: E731
    survey = confirm(a["unmeasured"], [construct_name(c, labels.get(c, c), lang) for c in a["unmeasured_cons"]], lang)
    basis = a["basis"]
    if basis == "measured":
        text = w["measured"].format(facts=sep.join(_pro_facts(a, ev, lang, lab, names)))
        if a["unmeasured"]:
            text += w["more_data"].format(Gaps=were(a["unmeasured"], lang, capital=True),
                                          gaps=gap_list(a["unmeasured"], lang), survey=survey)
    elif basis == "conflicting":
        text = w["conflicting"].format(pro=sep.join(_pro_facts(a, ev, lang, lab, names)),
                                       con=sep.join(_con_facts(a, ev, lang, lab, names)))
        text = _cap(text)
    elif basis == "inferred":
        text = w["inferred"].format(dims=join(top_dims(lab, a["g5_dims"], 5, ev, lang), lang),
                                    gaps=were(a["unmeasured"], lang), survey=survey)
    elif a["g5_dims"] and a["clean"]:
        text = w["ruled_out"].format(dims=join([lab(d) for d in a["g5_dims"]], lang),
                                     clean=sep.join(_con_facts(a, ev, lang, lab, names)))
    elif a["g5_dims"] or a["short"]:
        text = w["outweighed"].format(dims=join([lab(d) for d in (a["g5_dims"] or a["dims"])], lang))
    else:
        text = w["none"].format(m=f"{ev.m:g}", dims=join([lab(d) for d in a["dims"]], lang))
    if via_name and basis != "not significant":
        text += w["via"].format(name=via_name)
    if basis != "not significant" and math.isfinite(a["n_min"]) and a["n_min"] < SMALL_N:
        text += w["small"].format(n=int(a["n_min"]))
    return text


def note(lang: str, *, empty: bool, alpha: float, m: float, any_significant: bool, any_short: bool,
         trivial: float, empty_segs: list, unmeasured: list, all_inferred: bool, ties: bool, small: list,
         constructs_measured: bool = True) -> str:
    """``attrs["note"]`` of the ranking; ``unmeasured``: ``[(gaps, segments or None for all)]``."""
    w = words(lang)
    parts = []
    if empty:
        if any_short:
            parts.append(w["note_uncovered"])
        elif any_significant and math.isfinite(trivial):
            parts.append(w["note_trivial"].format(m=f"{m:g}", worst=f"{trivial:.2f}".replace("-", "\u2212")))
        else:
            parts.append(w["note_none"].format(alpha=alpha))
        return " ".join(parts)
    if empty_segs:
        parts.append(w["note_segments"].format(m=f"{m:g}", segs=join(empty_segs, lang)))
    for gaps, segs in unmeasured:
        key, extra = ("note_inferred", {}) if segs is None else ("note_inferred_in", {"segs": join(segs, lang)})
        parts.append(_cap(w[key].format(Gaps=were(gaps, lang, capital=True), gaps=gap_list(gaps, lang), **extra)))
    if all_inferred:
        survey = confirm(sorted({g for gaps, _ in unmeasured for g in gaps}), [], lang,
                         all_constructs=not constructs_measured)
        parts.append(w["note_no_order"].format(survey=_cap(survey)))
    if ties:
        parts.append(w["note_ties"])
    if small:
        parts.append(w["note_small"].format(k=SMALL_N, segs=join(small, lang)))
    return ("" if lang == "zh" else " ").join(parts)


class NoteFacts:
    """What the ranking's note says, gathered segment by segment (`servgap.causes.ranking`)."""

    def __init__(self):
        self.empty_segs, self.small, self.unmeasured = [], [], {}
        self.any_sig = self.any_short = False
        self.trivial, self.segments = math.nan, 0

    def add(self, ev, rows: list, seg: str | None, lang: str) -> None:
        """One segment's evidence and its ranked rows (``seg`` None: one pooled ranking)."""
        self.segments += 1
        self.any_sig |= ev.any_significant_shortfall
        self.any_short |= ev.any_shortfall
        small = ev.largest_trivial()
        if math.isfinite(small):
            self.trivial = min(self.trivial, small) if math.isfinite(self.trivial) else small
        for g in range(1, 5):
            if g not in ev.measured_gaps:
                self.unmeasured.setdefault(g, []).append(seg)
        shown = [r for r in rows if r["basis"] != "not significant"]
        if not shown and seg is not None:
            self.empty_segs.append(seg)
        ns = [r["n_min"] for r in shown if math.isfinite(r["n_min"])]      # the samples behind the suggestions
        if ns and min(ns) < SMALL_N:
            self.small.append(f"{seg or ('all respondents' if lang == 'en' else '全部受访者')} (n = {int(min(ns))})")

    def unmeasured_where(self) -> list:
        """``[(gaps, segments or None)]``: gaps not measured in every segment (``None``), then in some."""
        groups: dict = {}
        for g, segs in sorted(self.unmeasured.items()):
            key = None if len(segs) == self.segments or None in segs else tuple(segs)
            groups.setdefault(key, []).append(g)
        return sorted(((gs, None if k is None else list(k)) for k, gs in groups.items()), key=lambda x: x[1] is not None)

    def text(self, out, lang: str, alpha: float, m: float, by_segment: bool, constructs_measured: bool) -> str:
        """The note of the ranked table ``out``."""
        shown = out[out["basis"] != "not significant"]
        return note(lang, empty=shown.empty, alpha=alpha, m=m, any_significant=self.any_sig,
                    any_short=self.any_short, trivial=self.trivial,
                    empty_segs=self.empty_segs if by_segment else [], unmeasured=self.unmeasured_where(),
                    all_inferred=bool(len(shown)) and bool((shown["basis"] == "inferred").all()),
                    ties=bool(shown["tied"].any()), small=self.small, constructs_measured=constructs_measured)
