"""Screening respondents: speeders, straight-liners, duplicates, failed attention checks.

``read_survey(..., screen={...})`` flags respondents by these rules and, only with
``exclude=True``, leaves them out. Each rule is counted in `Survey.quality` under its own
issue name and every flag is listed in `Survey.screened` (``id, rule, column, value``):

==================  ===================================================================
issue               rule
==================  ===================================================================
``speeder``         completion time below ``fraction`` (default 1/3) of the median time,
                    from the platform's duration column (or end − start time)
``straightliner``   the same rating for every answered item of a viewpoint (zero
                    variance, on the answers as given, before reverse scoring), with at
                    least half of the viewpoint's items answered
``duplicate_answers``  same IP address and identical answers to every rating item as an
                    earlier respondent (the first submission is kept)
``duplicate_id``    the same respondent id (or person identifier) as an earlier submission
``attention_failed``  the answer to an attention check is not its ``pass`` value
==================  ===================================================================

``screened_out`` (column ``*``) counts the respondents excluded with ``exclude=True``.

Examples
--------
>>> screen_options({"speeders": {"fraction": 0.5}, "exclude": True})["speeders"]
{'fraction': 0.5, 'column': None}
"""

from __future__ import annotations

import difflib
from typing import Mapping

import numpy as np
import pandas as pd

from ..errors import ConfigError
from .headers import norm

RULES = {
    "speeders": {"fraction": 1 / 3, "column": None},
    "straightliners": {"viewpoints": None},
    "duplicates": {"ip": None, "id": None},
    "attention": None,
}
#: Ledger issues of the screening rules (``screened_out``: respondents excluded with ``exclude=True``).
ISSUES = ("speeder", "straightliner", "duplicate_answers", "duplicate_id", "attention_failed", "screened_out")
SCREENED_COLUMNS = ["id", "rule", "column", "value"]


def _rule(name: str, value):
    defaults = RULES[name]
    if value is False or value is None:
        return None
    if name == "attention":
        checks = [value] if isinstance(value, Mapping) else value
        if not isinstance(checks, (list, tuple)) or not checks or not all(
                isinstance(c, Mapping) and "column" in c and "pass" in c for c in checks):
            raise ConfigError("screen attention=: give {\"column\": \"trap\", \"pass\": 4} (or a list of them); "
                              "`pass` is the answer that passes (a value or a list of values).")
        return [{"column": str(c["column"]),
                 "pass": list(c["pass"]) if isinstance(c["pass"], (list, tuple, set)) else [c["pass"]]}
                for c in checks]
    if value is True:
        return dict(defaults)
    if not isinstance(value, Mapping):
        raise ConfigError(f"screen {name}=: use true/false or a mapping of {', '.join(defaults)}, not {value!r}.")
    bad = [k for k in value if k not in defaults]
    if bad:
        raise ConfigError(f"screen {name}=: unknown key(s) {', '.join(map(repr, bad))}; known: {', '.join(defaults)}.")
    out = {**defaults, **value}
    if name == "speeders" and not (isinstance(out["fraction"], (int, float)) and 0 < out["fraction"] < 1):
        raise ConfigError(f"screen speeders fraction={out['fraction']!r}: give a share of the median time in (0, 1), "
                          "e.g. 1/3.")
    return out


def screen_options(screen) -> dict | None:
    """Check and normalise ``screen=`` (``True`` = speeders, straight-liners and duplicates, flag only)."""
    if screen is None or screen is False:
        return None
    if screen is True:
        screen = {"speeders": True, "straightliners": True, "duplicates": True, "optional": True}
    if not isinstance(screen, Mapping):
        raise ConfigError(f"screen={screen!r}; give a mapping such as {{\"speeders\": True, \"exclude\": False}}.")
    allowed = [*RULES, "exclude", "optional"]
    for k in screen:
        if k not in allowed:
            close = difflib.get_close_matches(str(k), allowed, n=1)
            raise ConfigError(f"screen=: unknown rule {k!r}{f' (did you mean {close[0]!r}?)' if close else ''}; "
                              f"rules are {', '.join(RULES)}, plus exclude.")
    out = {name: _rule(name, screen.get(name)) for name in RULES}
    out["exclude"] = bool(screen.get("exclude", False))
    out["optional"] = bool(screen.get("optional", False))     # screen=True: skip rules the file cannot support
    return out


# -- the rules ----------------------------------------------------------------------------
def _flags(mask: np.ndarray, rule: str, column: str, values) -> tuple:
    """One rule's result: ``(issue, column checked, flagged mask, values)``."""
    return rule, str(column), np.asarray(mask, dtype=bool), values


def speeders(df, meta, opts: dict, fname: str):
    """Respondents faster than ``fraction`` × the median completion time."""
    from .platforms import durations, parse_duration

    if opts["column"] is not None:
        if opts["column"] not in df.columns:
            raise ConfigError(f"file {fname!r}: screen speeders column {opts['column']!r} is not in the data.")
        secs, col = parse_duration(df[opts["column"]]), opts["column"]
    else:
        secs, col = durations(df, meta)
    if secs is None:
        return None, ("the file has no completion-time column; name it with "
                      "screen={\"speeders\": {\"column\": ...}}")
    med = np.nanmedian(secs) if np.isfinite(secs).any() else np.nan
    fast = np.isfinite(secs) & (secs < opts["fraction"] * med)
    return [_flags(fast, "speeder", col, secs)], None


def straightliners(data: Mapping[str, np.ndarray], inst, opts: dict):
    """Respondents giving one rating to every answered item of a viewpoint (at least half answered)."""
    vps = opts["viewpoints"] or list(data)
    rev = inst.reverse_mask
    parts = []
    for vp in vps:
        if vp not in data:
            raise ConfigError(f"screen straightliners: no viewpoint {vp!r}; the survey has {', '.join(data)}.")
        x = np.array(data[vp], dtype=np.float64)
        x[:, rev] = inst.scale_min + inst.scale_max - x[:, rev]        # the answers as given
        answered = np.count_nonzero(~np.isnan(x), axis=1)
        with np.errstate(all="ignore"):
            hi, lo = np.fmax.reduce(x, axis=1), np.fmin.reduce(x, axis=1)
        flat = (answered >= max(2, -(-x.shape[1] // 2))) & (hi == lo)
        parts.append(_flags(flat, "straightliner", vp, lo))
    return parts


def duplicates(df, data: Mapping[str, np.ndarray], meta, opts: dict, id_col: str | None, fname: str):
    """Later submissions from the same IP with identical answers, and repeated respondent ids."""
    from .platforms import ip_addresses

    parts, notes = [], []
    ip_col = opts["ip"] or (meta.get("roles") or {}).get("ip")
    if ip_col is not None and ip_col in df.columns:
        ips = ip_addresses(df[ip_col])
        answers = pd.DataFrame(np.hstack(list(data.values())) if data else np.empty((len(df), 0)))
        key = pd.concat([ips.rename("_ip").reset_index(drop=True), answers], axis=1)
        dup = key.duplicated(keep="first") & ips.notna().to_numpy() & answers.notna().any(axis=1)
        parts.append(_flags(dup.to_numpy(), "duplicate_answers", ip_col, ips.to_numpy()))
    elif opts["ip"] is not None:
        raise ConfigError(f"file {fname!r}: screen duplicates ip={opts['ip']!r} is not a column of the data.")
    else:
        notes.append("no IP-address column, so identical answers from one address were not checked")
    who = opts["id"] or id_col or (meta.get("roles") or {}).get("respondent")
    if who is not None and who in df.columns:
        ids = df[who].map(lambda v: v.strip() if isinstance(v, str) else v)
        blank = ids.isna() | (ids.astype(str) == "")
        dup = ids.duplicated(keep="first") & ~blank
        parts.append(_flags(dup.to_numpy(), "duplicate_id", who, ids.to_numpy()))
    elif opts["id"] is not None:
        raise ConfigError(f"file {fname!r}: screen duplicates id={opts['id']!r} is not a column of the data.")
    return parts or None, "; ".join(notes) or None


def _same(a, b) -> bool:
    try:
        return float(a) == float(b)
    except (TypeError, ValueError):
        return norm(a) == norm(b)


def attention(df, checks: list, fname: str):
    """Respondents whose answer to an attention check is not a passing one (blank fails)."""
    parts = []
    for chk in checks:
        col = chk["column"]
        if col not in df.columns:
            from .validation import suggest

            raise ConfigError(f"file {fname!r}: screen attention column {col!r} is not in the data."
                              f"{suggest(col, df.columns)}")
        vals = df[col].to_numpy(dtype=object)
        ok = np.array([v is not None and not (isinstance(v, float) and np.isnan(v))
                       and any(_same(v, p) for p in chk["pass"]) for v in vals], dtype=bool)
        parts.append(_flags(~ok, "attention_failed", col, vals))
    return parts


def run(df: pd.DataFrame, data: Mapping[str, np.ndarray], inst, meta: Mapping, opts: dict, id_col: str | None,
        fname: str) -> tuple[pd.DataFrame, list[dict]]:
    """Apply every configured rule: ``(flags with a 0-based ``row``, ledger rows)``."""
    checks = [("speeders", lambda o: speeders(df, meta, o, fname)),
              ("straightliners", lambda o: (straightliners(data, inst, o), None)),
              ("duplicates", lambda o: duplicates(df, data, meta, o, id_col, fname)),
              ("attention", lambda o: (attention(df, o, fname), None))]
    results = []
    for name, fn in checks:
        if opts.get(name) is None:
            continue
        res, why_not = fn(opts[name])
        if res is None:
            if not opts["optional"]:
                raise ConfigError(f"file {fname!r}: screen {name}: {why_not}.")
            continue
        results += res
    frames = [pd.DataFrame({"row": np.flatnonzero(m), "rule": rule, "column": col,
                            "value": list(np.asarray(vals, dtype=object)[np.flatnonzero(m)])})
              for rule, col, m, vals in results]
    flags = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=["row", "rule", "column", "value"])
    ledger = [dict(source=fname, column=col, issue=rule, count=int(m.sum())) for rule, col, m, _ in results]
    return flags, ledger    # zero counts too: the ledger says which rules ran


__all__ = ["screen_options", "run", "RULES", "ISSUES", "SCREENED_COLUMNS"]
