"""servgap: SERVQUAL service-quality gap analysis on the five-gap model.

>>> import servgap as sg
>>> cust, mgr = sg.load_example()
>>> res = sg.analyze([cust, mgr], by="branch")
>>> res.measured_gaps
[1, 2, 3, 4, 5]
"""

from . import errors
from ._version import __version__
from .errors import ServgapError, ServgapWarning
from .model.instruments import SERVQUAL22, Dimension, Instrument, Item
from .surveys.examples import example_path, load_example
from .surveys.read import read_survey
from .surveys.survey import Survey, SurveySet, combine

#: Public names served lazily (module, attribute): importing servgap loads the readers only
#: (pandas, numpy, PyYAML), so that ``servgap validate`` starts fast; the engine and scipy load
#: with the first ``analyze``, and matplotlib or jinja2 only when a plot or report is asked for.
_LAZY = {
    "analyze": ("analysis.core", "analyze"),
    "GapAnalysis": ("analysis.results", "GapAnalysis"),
    "GAP_CONSTRUCTS": ("model.instruments", "GAP_CONSTRUCTS"),
    "cause_catalog": ("causes.catalog", "cause_catalog"),
    "rank_causes": ("causes.ranking", "rank_causes"),
    "load_example_constructs": ("surveys.examples", "load_example_constructs"),
    "reliability": ("analysis.psychometrics", "reliability"),
    "item_statistics": ("analysis.psychometrics", "item_statistics"),
    "cfa": ("analysis.cfa", "cfa"),
    "importance": ("analysis.drivers", "importance"),
    "ipa": ("analysis.drivers", "ipa"),
    "compare_segments": ("analysis.compare", "compare_segments"),
    "wave_changes": ("analysis.compare", "wave_changes"),
    "read_results": ("analysis.saved", "read_results"),
    "suggest_columns": ("surveys.suggest", "suggest_columns"),
    "plotting": ("plots", None),
}


def __getattr__(name):
    if name in _LAZY:
        import importlib

        mod, attr = _LAZY[name]
        module = importlib.import_module(f".{mod}", __name__)
        return module if attr is None else getattr(module, attr)
    raise AttributeError(f"module 'servgap' has no attribute {name!r}")


__all__ = ["read_survey", "combine", "Survey", "SurveySet", "Instrument",
           "Dimension", "Item", "SERVQUAL22", "load_example", "example_path", "errors", "ServgapError",
           "ServgapWarning", "__version__", *_LAZY]


def __dir__():
    """Tab completion shows the public names, the lazy ones included."""
    return sorted(set(__all__) | set(globals()) - {"importlib"})
