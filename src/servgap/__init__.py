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


def __getattr__(name):
    if name == "GAP_CONSTRUCTS":
        from . import instruments

        return instruments.GAP_CONSTRUCTS
    if name == "cause_catalog":
        from .catalog import cause_catalog

        return cause_catalog
    raise AttributeError(f"module 'servgap' has no attribute {name!r}")


__all__ = ["read_survey", "combine", "analyze", "Survey", "SurveySet", "GapAnalysis", "Instrument",
           "Dimension", "Item", "SERVQUAL22", "GAP_CONSTRUCTS", "cause_catalog", "load_example",
           "example_path", "errors", "ServgapError", "ServgapWarning", "__version__"]
