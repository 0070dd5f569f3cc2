"""``read_survey(strata=..., cluster=...)``: the design columns a survey carries for
``analyze(variance="design")`` (the variances themselves are checked in tests/engine/test_design.py)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from factories import design_frame

import servgap as sg
from servgap.config import parse_config
from servgap.errors import ColumnError, ConfigError, DataError

COLS = {"expected": "E{item}", "perceived": "P{item}"}


@pytest.fixture(scope="module")
def frame():
    return design_frame(n=60)


def test_design_columns_are_carried(frame):
    s = sg.read_survey(frame, columns=COLS, missing=[0], weight="w", strata="stratum", cluster="psu")
    np.testing.assert_array_equal(s.strata, frame["stratum"].to_numpy())
    np.testing.assert_array_equal(s.cluster, frame["psu"].to_numpy())
    assert "weighted; design: strata, clusters" in repr(s)
    part = s.take(slice(10, 20))
    assert part.strata.tolist() == frame["stratum"].iloc[10:20].tolist()
    assert part.cluster.tolist() == frame["psu"].iloc[10:20].tolist()
    wide = s.to_frame()
    assert wide["stratum"].tolist() == frame["stratum"].tolist() and wide["cluster"].tolist() == frame["psu"].tolist()
    plain = sg.read_survey(frame, columns=COLS, missing=[0])
    assert plain.strata is None and plain.cluster is None and "design" not in repr(plain)


def test_bad_design_columns(frame):
    with pytest.raises(ConfigError, match=r"strata=\['stratum', 'psu'\] must be one column name"):
        sg.read_survey(frame, columns=COLS, missing=[0], strata=["stratum", "psu"])
    with pytest.raises(ConfigError, match=r"strata and cluster both name column 'psu'.*single PSU"):
        sg.read_survey(frame, columns=COLS, missing=[0], strata="psu", cluster="psu")
    with pytest.raises(ColumnError, match=r"column 'strat'.*strata column is not in the data.*'stratum'"):
        sg.read_survey(frame, columns=COLS, missing=[0], strata="strat")
    blank = frame.assign(psu=frame["psu"].astype(float).where(frame["id"] != 5))
    with pytest.raises(DataError, match=r"column 'psu', row 5: the cluster label is empty \(1 such rows\).*"
                                        r"Fill it in from the sampling frame"):
        sg.read_survey(blank, columns=COLS, missing=[0], cluster="psu")


def test_dask_reader_checks_the_design_columns(frame):
    pytest.importorskip("dask.dataframe")
    with pytest.raises(ColumnError, match=r"column 'cl'.*cluster column is not in the data"):
        sg.read_survey(frame, engine="dask", columns=COLS, missing=[0], cluster="cl")
    lazy = sg.read_survey(frame, engine="dask", columns=COLS, missing=[0], strata="stratum", cluster="psu")
    counts = lazy.count_rows(["stratum", "psu"])
    assert counts["count"].sum() == len(frame)
    assert len(counts) == len(frame.drop_duplicates(["stratum", "psu"]))


def test_configuration_keys(frame, tmp_path):
    path = tmp_path / "c.csv"
    frame.to_csv(path, index=False)
    cfg = parse_config({"columns": COLS, "missing": [0], "weight": "w", "strata": "stratum", "cluster": "psu",
                        "analysis": {"variance": "design", "lonely_psu": "fail"}}, base=tmp_path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = cfg.analyze([path])
    assert res.settings.variance == "design" and res.settings.lonely_psu == "fail"
    assert res.dimensions["df"].iloc[0] == 15 - 3
