"""CJK font fallback for plots, without touching the user's global ``rcParams``.

Chinese labels only render when a font with CJK glyphs is used. matplotlib (>= 3.6)
falls back glyph by glyph along a *list* of font families, so servgap puts an installed
CJK font first in that list:

- `cjk_font` is a context manager (``matplotlib.rc_context``) that puts the font
  first in ``font.sans-serif`` while a figure is built, so text extents measured during
  layout are right;
- `stamp` sets the explicit family list on every text artist of a figure, so that
  drawing and ``savefig`` later, outside the context, still find the glyphs (the Agg
  backend renders text only at draw time).

Neither changes ``matplotlib.rcParams`` permanently. When no CJK font is installed a
`servgap.errors.FontWarning` is issued once per session (install e.g. Debian
``fonts-noto-cjk``, or Noto Sans CJK SC / Source Han Sans / WenQuanYi / Microsoft YaHei).

Examples
--------
>>> import matplotlib.pyplot as plt
>>> from servgap.plots.fonts import cjk_font, stamp
>>> with cjk_font() as families:               # doctest: +SKIP
...     fig, ax = plt.subplots()
...     ax.set_title("感知服务质量差距")
...     stamp(fig, families)
>>> fig.savefig("title.png")                    # doctest: +SKIP
"""

from __future__ import annotations

import contextlib
import re
import warnings
from functools import lru_cache

import matplotlib as mpl
from matplotlib import font_manager
from matplotlib.text import Text

from ..errors import FontWarning

CJK_FONTS = (
    "Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "Source Han Sans CN", "Noto Sans CJK JP",
    "Noto Sans CJK TC", "Source Han Sans", "WenQuanYi Zen Hei", "WenQuanYi Micro Hei", "Microsoft YaHei",
    "PingFang SC", "Hiragino Sans GB", "SimHei", "Heiti SC", "STHeiti", "Noto Serif CJK SC", "SimSun",
    "Arial Unicode MS",
)
"""CJK-capable families tried in this order (simplified Chinese first)."""

_CJK = re.compile("[\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef]")
_warned = False


def has_cjk(text) -> bool:
    """True when ``text`` contains a CJK ideograph, kana, hangul or full-width form."""
    return bool(_CJK.search(str(text)))


@lru_cache(maxsize=1)
def _installed() -> frozenset:
    return frozenset(f.name for f in font_manager.fontManager.ttflist)


def find_cjk_font() -> str | None:
    """Name of the first installed family of `CJK_FONTS`, or ``None``."""
    names = _installed()
    return next((f for f in CJK_FONTS if f in names), None)


def _warn_missing() -> None:
    global _warned
    if not _warned:
        _warned = True
        warnings.warn("no CJK font is installed, so Chinese labels will show as empty boxes; install one "
                      "(Debian/Ubuntu: apt install fonts-noto-cjk; or Noto Sans CJK SC, Source Han Sans, "
                      "WenQuanYi Zen Hei, Microsoft YaHei, PingFang SC) or plot with lang='en'.",
                      FontWarning, stacklevel=4)


def families() -> list[str] | None:
    """The font family list with the CJK font first, or ``None`` (and a warning) without one."""
    cjk = find_cjk_font()
    if cjk is None:
        _warn_missing()
        return None
    rest = [f for f in mpl.rcParams["font.family"] if f != cjk]
    return [cjk, *rest]


@contextlib.contextmanager
def cjk_font(enabled: bool = True):
    """Temporarily put an installed CJK font first in the sans-serif fallback list.

    Yields the explicit family list to give text artists (see `stamp`), or ``None``
    when ``enabled`` is false or no CJK font is installed (then a `FontWarning` is
    issued once). ``rcParams`` are restored on exit.
    """
    fams = families() if enabled else None
    if fams is None:
        yield None
        return
    sans = [fams[0], *[f for f in mpl.rcParams["font.sans-serif"] if f != fams[0]]]
    family = list(mpl.rcParams["font.family"])
    if "sans-serif" not in family:
        family = [fams[0], *family]
    with mpl.rc_context({"font.sans-serif": sans, "font.family": family}):
        yield fams


def stamp(fig, fams: list[str] | None) -> None:
    """Set ``fams`` as the font family of every text artist in ``fig`` (no-op for ``None``)."""
    if not fams:
        return
    for t in fig.findobj(Text):
        t.set_fontfamily(fams)


def needs_cjk(fig) -> bool:
    """True when some text artist of ``fig`` holds CJK characters."""
    return any(has_cjk(t.get_text()) for t in fig.findobj(Text))
