"""Pure numpy/scipy statistics over mergeable per-group sufficient statistics.

Nothing here knows about surveys. The kernel is a sparse *grouped histogram*: for every
(group, value) cell the count, the sum of weights and the sum of squared weights. It
merges by addition, so partitions of a large data set reduce independently (Dask) and
the same finishing code produces every test:

- moments -> paired/one-sample t, Welch t (`servgap.stats.tests`)
- value counts -> Wilcoxon signed-rank and Mann-Whitney U with exact tie handling
- multiplicity corrections per family, vectorised (`servgap.stats.multiplicity`)
"""

from .histogram import DenseHistogram, GroupedHistogram, count_on_grid, finishing_form, histogram, merge, sparse, stack
from .moments import Moments, moments
from .multiplicity import adjust
from .tests import mann_whitney, t_test, welch_t, wilcoxon

__all__ = ["DenseHistogram", "GroupedHistogram", "count_on_grid", "finishing_form", "histogram", "merge", "sparse", "stack", "Moments", "moments", "adjust",
           "t_test", "welch_t", "wilcoxon", "mann_whitney"]
