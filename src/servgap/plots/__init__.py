"""Plots of a `servgap.GapAnalysis` (matplotlib only): the plot functions, the one list
of plot kinds (`KINDS`, in report order) and the ``res.plot`` accessor.

Every function has the signature ``f(res_or_table, ax=None, lang="en", **kw) -> Axes``:
it draws on ``ax`` (a new figure when ``None``), takes the result or the table it needs,
and labels in English or simplified Chinese (``lang="zh"``, with a CJK font fallback that
never changes the global ``rcParams``; see `servgap.plots.fonts`).

========== ==============================================================================
kind       what it shows
========== ==============================================================================
gaps       mean gap per dimension (or item) with CIs and significance marks, sorted
snake      expected vs perceived mean per item, dimensions shaded
model      the five-gap model (Parasuraman, Zeithaml & Berry 1985) with measured values
tolerance  zone of tolerance per dimension: adequate–desired band, perceived point
heatmap    segment × dimension gap matrix, diverging colours centred at 0
ipa        importance–performance quadrants (Martilla & James 1977)
radar      expected vs perceived per dimension
causes     top-ranked root causes with their scores and gaps
cause_tree gap → root cause (004) → bank symptom → evidence (`servgap.plots.tree`)
========== ==============================================================================

Examples
--------
>>> import servgap as sg
>>> res = sg.analyze(list(sg.load_example()), by="branch")
>>> ax = res.plot.gaps(segment="B03")
>>> ax.get_title(loc="left"), len(ax.patches)
('Gap 5: perceived service quality gap', 5)
>>> ax = sg.plotting.model(res, lang="zh")
"""

from __future__ import annotations

from ..errors import ConfigError
from .bars import causes, gaps, tolerance
from .diagram import model
from .profile import heatmap, ipa, radar, snake
from .tree import cause_tree

#: Every plot kind, in the order a report shows them.
KINDS = ("model", "gaps", "snake", "heatmap", "tolerance", "ipa", "radar", "causes", "cause_tree")


class PlotAccessor:
    """``res.plot.<kind>(...)`` for every plot kind of `servgap.plots`.

    Calling the accessor itself, ``res.plot(kind="gaps", ...)``, works too.

    Examples
    --------
    >>> import servgap as sg
    >>> res = sg.analyze(list(sg.load_example()), by="branch")
    >>> ax = res.plot.snake(lang="zh")
    >>> ax = res.plot("heatmap", gap=5)
    >>> ax.images[0].get_array().shape
    (6, 5)
    """

    def __init__(self, res):
        self._res = res

    def __call__(self, kind: str = "gaps", ax=None, lang: str = "en", **kw):
        if kind not in KINDS:
            raise ConfigError(f"plot kind {kind!r} does not exist; use one of {', '.join(KINDS)}.")
        return globals()[kind](self._res, ax=ax, lang=lang, **kw)

    kinds = KINDS

    def __dir__(self):
        return [*KINDS, "kinds", "__call__"]

    def gaps(self, ax=None, lang: str = "en", **kw):
        return gaps(self._res, ax=ax, lang=lang, **kw)

    def snake(self, ax=None, lang: str = "en", **kw):
        return snake(self._res, ax=ax, lang=lang, **kw)

    def model(self, ax=None, lang: str = "en", **kw):
        return model(self._res, ax=ax, lang=lang, **kw)

    def tolerance(self, ax=None, lang: str = "en", **kw):
        return tolerance(self._res, ax=ax, lang=lang, **kw)

    def heatmap(self, ax=None, lang: str = "en", **kw):
        return heatmap(self._res, ax=ax, lang=lang, **kw)

    def ipa(self, ax=None, lang: str = "en", **kw):
        return ipa(self._res, ax=ax, lang=lang, **kw)

    def radar(self, ax=None, lang: str = "en", **kw):
        return radar(self._res, ax=ax, lang=lang, **kw)

    def causes(self, ax=None, lang: str = "en", **kw):
        return causes(self._res, ax=ax, lang=lang, **kw)

    def cause_tree(self, ax=None, lang: str = "en", **kw):
        return cause_tree(self._res, ax=ax, lang=lang, **kw)

    for _k in KINDS:   # share the plot functions' docstrings
        locals()[_k].__doc__ = globals()[_k].__doc__
    del _k


__all__ = ["KINDS", "PlotAccessor", "cause_tree", "causes", "gaps", "heatmap", "ipa", "model", "radar", "snake", "tolerance"]
