"""servgap: SERVQUAL service-quality gap analysis on the five-gap model.

>>> import servgap as sg
>>> cust, mgr = sg.load_example()
>>> res = sg.analyze([cust, mgr], by="branch")
>>> res.gaps.head()          # doctest: +SKIP
"""

from . import errors
from .analysis import analyze
from .errors import ServgapError, ServgapWarning
from .examples import example_path, load_example
from .instruments import SERVQUAL22, Dimension, Instrument, Item
from .results import GapAnalysis
from .survey import Survey, SurveySet, combine, read_survey

__version__ = "0.1.0"


#: Public names served lazily (module, attribute): importing servgap stays light, and
#: matplotlib, jinja2 or semopy load only when a plot, report or CFA is asked for.
_LAZY = {
    "GAP_CONSTRUCTS": ("instruments", "GAP_CONSTRUCTS"),
    "cause_catalog": ("catalog", "cause_catalog"),
    "rank_causes": ("causes", "rank_causes"),
    "load_example_constructs": ("examples", "load_example_constructs"),
    "reliability": ("psychometrics", "reliability"),
    "item_statistics": ("psychometrics", "item_statistics"),
    "cfa": ("cfa", "cfa"),
    "importance": ("drivers", "importance"),
    "ipa": ("drivers", "ipa"),
    "compare_segments": ("compare", "compare_segments"),
    "wave_changes": ("compare", "wave_changes"),
    "read_results": ("report.jsonout", "read_json"),
    "plotting": ("plotting", None),
}


def __getattr__(name):
    if name in _LAZY:
        import importlib

        mod, attr = _LAZY[name]
        module = importlib.import_module(f".{mod}", __name__)
        return module if attr is None else getattr(module, attr)
    raise AttributeError(f"module 'servgap' has no attribute {name!r}")


__all__ = ["read_survey", "combine", "analyze", "Survey", "SurveySet", "GapAnalysis", "Instrument",
           "Dimension", "Item", "SERVQUAL22", "load_example", "example_path", "errors", "ServgapError",
           "ServgapWarning", "__version__", *_LAZY]
