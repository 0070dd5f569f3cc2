"""CJK font fallback for plots, without touching the user's global ``rcParams``.

Chinese labels only render when a font with CJK glyphs is used. matplotlib (>= 3.6)
falls back glyph by glyph along a *list* of font families, so servgap puts an installed
CJK font first in that list:

- `cjk_font` is a context manager that puts the font first in ``font.sans-serif``
  while a figure is built, so text extents measured during layout are right. It
  restores exactly the two font settings it changed and nothing else: a full
  ``rc_context`` would also undo what happens inside it, e.g. the ``interactive``
  flag that the Jupyter inline backend switches on when the first figure of a
  session is created, after which no later figure would be shown;
- `stamp` sets the explicit family list on every text artist of a figure, so that
  drawing and ``savefig`` later, outside the context, still find the glyphs (the Agg
  backend renders text only at draw time).

When matplotlib's font cache was built before the CJK font was installed (the usual
order: ``pip install``, then ``apt install fonts-noto-cjk``), the font is on the system
but not in the cache: `find_cjk_font` then adds it for this session
(``font_manager.fontManager.addfont``) and issues one `servgap.errors.FontWarning`
saying how to rebuild the cache. When no CJK font is installed at all a `FontWarning`
is issued once per session (install e.g. Debian ``fonts-noto-cjk``, or Noto Sans CJK
SC / Source Han Sans / WenQuanYi / Microsoft YaHei).

Examples
--------
>>> import os, tempfile
>>> import matplotlib.pyplot as plt
>>> from servgap.plots.fonts import cjk_font, stamp
>>> with cjk_font() as families:
...     fig, ax = plt.subplots()
...     _ = ax.set_title("感知服务质量差距")
...     stamp(fig, families)
>>> fig.savefig(os.path.join(tempfile.mkdtemp(), "title.png"))
"""

from __future__ import annotations

import contextlib
import os
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
_FONT_KEYS = ("font.sans-serif", "font.family")
_warned: set = set()


def has_cjk(text) -> bool:
    """True when ``text`` contains a CJK ideograph, kana, hangul or full-width form."""
    return bool(_CJK.search(str(text)))


@lru_cache(maxsize=1)
def _installed() -> frozenset:
    return frozenset(f.name for f in font_manager.fontManager.ttflist)


def _warn_once(key: str, message: str) -> None:
    if key not in _warned:
        _warned.add(key)
        warnings.warn(message, FontWarning, stacklevel=5)


def _face_names(path: str) -> list[str]:
    """Family names of every face of a font file (one for .ttf/.otf, several for .ttc)."""
    from matplotlib import ft2font

    try:
        font = ft2font.FT2Font(path)
        names = [font.family_name]
        for k in range(1, getattr(font, "num_faces", 1)):
            names.append(ft2font.FT2Font(path, face_index=k).family_name)
    except (OSError, RuntimeError, ValueError):
        return []
    return names


def add_uncached_cjk_fonts() -> list[str]:
    """Add the CJK fonts on the system that matplotlib's font cache does not know.

    matplotlib builds its font list once (``fontlist-*.json`` in
    ``matplotlib.get_cachedir()``) and does not see fonts installed later. This scans
    ``font_manager.findSystemFonts()`` for files missing from that list, adds those with
    a family of `CJK_FONTS` to the running session (``fontManager.addfont``) and returns
    their family names.
    """
    known = {os.path.realpath(f.fname) for f in font_manager.fontManager.ttflist}
    added = []
    for path in font_manager.findSystemFonts():
        if os.path.realpath(path) in known:
            continue
        names = [n for n in _face_names(path) if n in CJK_FONTS]
        if names:
            font_manager.fontManager.addfont(path)
            added += names
    if added:
        _installed.cache_clear()
    return added


def find_cjk_font() -> str | None:
    """Name of the first installed family of `CJK_FONTS`, or ``None``.

    A CJK font installed after matplotlib built its font cache is added first (see
    `add_uncached_cjk_fonts`), with one `servgap.errors.FontWarning`.
    """
    found = _first_known()
    if found is None and "scanned" not in _warned:
        _warned.add("scanned")
        added = add_uncached_cjk_fonts()
        found = _first_known()
        if added and found is not None:
            _warn_once("stale", f"matplotlib's font cache predates the CJK font {found!r}, so servgap added it "
                       "for this session; to make matplotlib find it by itself, delete the cache "
                       f"({os.path.join(mpl.get_cachedir(), 'fontlist-*.json')}) and restart Python.")
    return found


def _first_known() -> str | None:
    names = _installed()
    return next((f for f in CJK_FONTS if f in names), None)


def families() -> list[str] | None:
    """The font family list with the CJK font first, or ``None`` (and a warning) without one."""
    cjk = find_cjk_font()
    if cjk is None:
        _warn_once("missing", "no CJK font is installed, so Chinese labels will show as empty boxes; install one "
                   "(Debian/Ubuntu: apt install fonts-noto-cjk; or Noto Sans CJK SC, Source Han Sans, "
                   "WenQuanYi Zen Hei, Microsoft YaHei, PingFang SC) or plot with lang='en'.")
        return None
    rest = [f for f in mpl.rcParams["font.family"] if f != cjk]
    return [cjk, *rest]


@contextlib.contextmanager
def cjk_font(enabled: bool = True):
    """Temporarily put an installed CJK font first in the sans-serif fallback list.

    Yields the explicit family list to give text artists (see `stamp`), or ``None``
    when ``enabled`` is false or no CJK font is installed (then a `FontWarning` is
    issued once). Only ``font.sans-serif`` and ``font.family`` are changed, and only
    they are restored on exit: every other setting changed meanwhile (the inline
    backend's ``interactive`` flag, a user's own settings) stays as it is.
    """
    fams = families() if enabled else None
    if fams is None:
        yield None
        return
    saved = {k: mpl.rcParams[k] for k in _FONT_KEYS}
    family = list(saved["font.family"])
    if "sans-serif" not in family:
        family = [fams[0], *family]
    try:
        mpl.rcParams["font.sans-serif"] = [fams[0], *[f for f in saved["font.sans-serif"] if f != fams[0]]]
        mpl.rcParams["font.family"] = family
        yield fams
    finally:
        for k, v in saved.items():
            mpl.rcParams[k] = v


def stamp(fig, fams: list[str] | None) -> None:
    """Set ``fams`` as the font family of every text artist in ``fig`` (no-op for ``None``)."""
    if not fams:
        return
    for t in fig.findobj(Text):
        t.set_fontfamily(fams)


def needs_cjk(fig) -> bool:
    """True when some text artist of ``fig`` holds CJK characters."""
    return any(has_cjk(t.get_text()) for t in fig.findobj(Text))
