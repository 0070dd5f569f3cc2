"""Make the small survey-platform exports in this folder (run: python tests/data/exports/make_exports.py).

Each file imitates what one platform writes when a bank's SERVQUAL questionnaire is exported
(header lines, metadata columns, matrix sub-question naming, "no answer" markers, encodings),
with the same kind of respondents: a branch, 22 expectation and 22 perception ratings.
Next to each export, ``<name>.truth.csv`` holds the tidy answers the export was made from
(one row per respondent in file order: ``branch`` and ``expected:1`` … ``perceived:22``, blank
where the export has no rating), and ``expected.json`` the counts the reader must report.
The tests load every export with ``platform="auto"`` and no ``columns=`` and compare the
survey with the truth, number by number.

Header shapes follow public descriptions and examples of each platform's export (Qualtrics'
three header lines with ``{"ImportId": ...}``, the legacy ``V1…V10`` two-line export;
SurveyMonkey's question line over a sub-question line with ``Response``; LimeSurvey's
``id, submitdate, lastpage, startlanguage`` and ``CODE[SQ001]`` columns; Google Forms'
``Timestamp`` first column; 问卷星's ``序号, 提交答卷时间, 所用时间, 来源, 来源详情, 来自IP`` and
``N、题干—子题`` matrix columns; 腾讯问卷's ``编号, 开始答题时间, 结束答题时间, 答题时长`` and
trailing columns). Answers are random but fixed (seeded).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

import servgap as sg

HERE = Path(__file__).resolve().parent
INST = sg.SERVQUAL22
ITEMS = INST.items
N = 12
BRANCHES_ZH = ["城东支行", "城西支行", "高新区支行"]
BRANCHES_EN = ["Downtown", "Riverside", "Airport"]
ZH7 = ["非常不同意", "不同意", "比较不同意", "一般", "比较同意", "同意", "非常同意"]
EN7 = ["Strongly disagree", "Disagree", "Somewhat disagree", "Neither agree nor disagree", "Somewhat agree",
       "Agree", "Strongly agree"]
EXPECTED: dict = {}


def answers(seed: int, n: int = N, k: int = 22, points: int = 7):
    """Expectation and perception ratings (integers), branch codes, durations in seconds."""
    rng = np.random.default_rng(seed)
    e = np.clip(np.rint(rng.normal(points - 1, 0.8, (n, k))), 1, points)
    p = np.clip(np.rint(e - rng.normal(0.8, 0.9, (n, k))), 1, points)
    return e, p, rng.integers(0, 3, n), rng.integers(150, 400, n)


def truth(name: str, branch, e, p, k: int = 22):
    cols = {"branch": list(branch)}
    cols |= {f"expected:{j + 1}": e[:, j] for j in range(k)}
    cols |= {f"perceived:{j + 1}": p[:, j] for j in range(k)}
    pd.DataFrame(cols).to_csv(HERE / f"{name}.truth.csv", index=False, encoding="utf-8")


def plant(cells: np.ndarray, spots, marker, blank_in):
    """Write ``marker`` into text cells at ``spots`` and blank them in the truth array."""
    for r, j in spots:
        cells[r, j] = marker
        blank_in[r, j] = np.nan


# -- 问卷星 ---------------------------------------------------------------------------------
def wjx_meta(rng, secs):
    return {"序号": np.arange(1, N + 1),
            "提交答卷时间": [f"2024/5/{d} 10:{m:02d}:00" for d, m in zip(rng.integers(1, 28, N), rng.integers(0, 59, N))],
            "所用时间": [f"{s}秒" for s in secs],
            "来源": rng.choice(["微信", "手机提交", "链接"], N),
            "来源详情": ["直接访问"] * N,
            "来自IP": [f"117.136.{r}.{q}(浙江-杭州)" for r, q in zip(rng.integers(1, 250, N), rng.integers(1, 250, N))]}


def wjx_text_gbk():
    """按文本 export, GBK: answer labels; (跳过) and (空) markers; a speeder, a straight-liner, a duplicate."""
    e, p, b, secs = answers(1)
    rng = np.random.default_rng(11)
    secs[4] = 40                       # respondent 5: a speeder (median ~ 250 s)
    p[7] = 7                           # respondent 8: straight-lines the perceptions
    meta = wjx_meta(rng, secs)
    e[11], p[11], b[11] = e[2], p[2], b[2]           # respondent 12 repeats respondent 3 from the same address
    meta["来自IP"][11] = meta["来自IP"][2]
    ecells = np.array([[ZH7[int(v) - 1] for v in row] for row in e], dtype=object)
    pcells = np.array([[ZH7[int(v) - 1] for v in row] for row in p], dtype=object)
    plant(ecells, [(1, 3), (6, 10)], "(跳过)", e)
    plant(pcells, [(9, 0)], "(空)", p)
    cols = dict(meta)
    cols["1、您平时主要在哪个网点办理业务？"] = [BRANCHES_ZH[i] for i in b]
    for j, it in enumerate(ITEMS):
        cols[f"2、您认为一家优秀的银行应该做到什么程度？—{it.text['zh']}"] = ecells[:, j]
    for j, it in enumerate(ITEMS):
        cols[f"3、您对本行实际服务的感受—{it.text['zh']}"] = pcells[:, j]
    cols["4、您的建议"] = ["无"] * N
    cols["4、您的建议.dup"] = ["(跳过)"] * N
    df = pd.DataFrame(cols).rename(columns={"4、您的建议.dup": "4、您的建议"})
    df.to_csv(HERE / "wjx_text_gbk.csv", index=False, encoding="gbk")
    truth("wjx_text_gbk", [BRANCHES_ZH[i] for i in b], e, p)
    EXPECTED["wjx_text_gbk.csv"] = {"platform": "wjx", "encoding": "gbk", "not_shown": 2, "skipped": 1,
                                    "scale_label": int(np.isfinite(e).sum() + np.isfinite(p).sum()),
                                    "speeder": [5], "straightliner": [8], "duplicate_answers": [12]}


def wjx_score_bom():
    """按分数 export, UTF-8 with BOM: one question per item, −3 (not shown) and −2 (left empty) codes."""
    e, p, b, secs = answers(2)
    rng = np.random.default_rng(12)
    ecells, pcells = e.astype(object), p.astype(object)
    plant(ecells, [(0, 5), (3, 21)], -3, e)
    plant(pcells, [(2, 2)], -2, p)
    cols = wjx_meta(rng, secs)
    cols["1、您常去的网点"] = [BRANCHES_ZH[i] for i in b]
    q = 2
    for j, it in enumerate(ITEMS):
        cols[f"{q + j}、{it.text['zh']}（期望）"] = ecells[:, j].astype(int)
    for j, it in enumerate(ITEMS):
        cols[f"{q + 22 + j}、{it.text['zh']}（实际感受）"] = pcells[:, j].astype(int)
    pd.DataFrame(cols).to_csv(HERE / "wjx_score_bom.csv", index=False, encoding="utf-8-sig")
    truth("wjx_score_bom", [BRANCHES_ZH[i] for i in b], e, p)
    EXPECTED["wjx_score_bom.csv"] = {"platform": "wjx", "not_shown": 2, "skipped": 1}


def wjx_xlsx():
    """按序号 export as Excel: the matrix columns N、题干—子题, option numbers."""
    e, p, b, secs = answers(3)
    cols = wjx_meta(np.random.default_rng(13), secs)
    cols["1、网点"] = [BRANCHES_ZH[i] for i in b]
    for j, it in enumerate(ITEMS):
        cols[f"2、期望—{it.text['zh']}"] = e[:, j].astype(int)
    for j, it in enumerate(ITEMS):
        cols[f"3、感知—{it.text['zh']}"] = p[:, j].astype(int)
    pd.DataFrame(cols).to_excel(HERE / "wjx_numbers.xlsx", index=False)
    truth("wjx_numbers", [BRANCHES_ZH[i] for i in b], e, p)
    EXPECTED["wjx_numbers.xlsx"] = {"platform": "wjx"}


def sav_items(cols: dict, labels: dict, x, name: str, label: str):
    """SPSS variables for the 22 items: ``name``/``label`` formatted with the item number / Chinese wording."""
    for j, it in enumerate(ITEMS):
        cols[name.format(j + 1)] = x[:, j]
        labels[name.format(j + 1)] = label.format(it.text["zh"])


def wjx_sav():
    """SPSS export from 问卷星: Q-codes with the question wording as variable labels, branch value labels."""
    import pyreadstat

    e, p, b, secs = answers(4)
    cols = {"序号": np.arange(1, N + 1).astype(float), "所用时间": secs.astype(float),
            "提交答卷时间": ["2024/5/1 10:00:00"] * N, "Q1": (b + 1).astype(float)}
    labels = {"序号": "序号", "所用时间": "所用时间", "提交答卷时间": "提交答卷时间", "Q1": "1、您常去的网点"}
    sav_items(cols, labels, e, "Q2_{}", "2、您对优秀银行的期望—{}")
    sav_items(cols, labels, p, "Q3_{}", "3、您对本行的实际感受—{}")
    df = pd.DataFrame(cols)
    pyreadstat.write_sav(df, str(HERE / "wjx_spss.sav"), column_labels=labels,
                         variable_value_labels={"Q1": {float(k + 1): v for k, v in enumerate(BRANCHES_ZH)}})
    truth("wjx_spss", [BRANCHES_ZH[i] for i in b], e, p)
    EXPECTED["wjx_spss.sav"] = {"platform": "wjx"}


def wjx_code_numbered():
    """A code export whose matrix columns are 第N题(子题): no viewpoint words at all (the reader must ask)."""
    e, p, b, secs = answers(5)
    cols = wjx_meta(np.random.default_rng(15), secs)
    cols["第1题"] = b + 1
    for j, it in enumerate(ITEMS):
        cols[f"第2题({it.text['zh']})"] = e[:, j].astype(int)
    for j, it in enumerate(ITEMS):
        cols[f"第3题({it.text['zh']})"] = p[:, j].astype(int)
    pd.DataFrame(cols).to_csv(HERE / "wjx_code_numbered.csv", index=False, encoding="utf-8-sig")
    truth("wjx_code_numbered", b + 1, e, p)


# -- 腾讯问卷 -------------------------------------------------------------------------------
def tencent():
    """腾讯问卷 CSV: metadata first, N.题干_子题 matrix columns, a 填空 column, cleaning columns, a trailing empty column."""
    e, p, b, secs = answers(6)
    rng = np.random.default_rng(16)
    start = pd.Timestamp("2024-06-03 09:00:00") + pd.to_timedelta(rng.integers(0, 50000, N), unit="s")
    cols = {"编号": np.arange(101, 101 + N), "开始答题时间": start.strftime("%Y-%m-%d %H:%M:%S"),
            "结束答题时间": (start + pd.to_timedelta(secs, unit="s")).strftime("%Y-%m-%d %H:%M:%S"),
            "答题时长": secs, "地理位置国家和地区": ["中国"] * N, "地理位置省": ["广东"] * N, "地理位置市": ["深圳"] * N,
            "自定义字段": [""] * N, "1.您常去的网点": [BRANCHES_ZH[i] for i in b]}
    for j, it in enumerate(ITEMS):
        cols[f"2.您对理想中银行服务的期望_{it.text['zh']}"] = e[:, j].astype(int)
    for j, it in enumerate(ITEMS):
        cols[f"3.您对本行服务的实际感受_{it.text['zh']}"] = p[:, j].astype(int)
    cols["4.其他建议_填空1"] = [""] * N
    cols |= {"用户类型": ["微信"] * N, "用户标识": [f"oX{k:04d}" for k in range(N)], "昵称": ["—"] * N,
             "IP": [f"10.0.0.{k}" for k in range(N)], "UA": ["Mozilla/5.0"] * N, "Referrer": [""] * N,
             "清洗数据结果": ["有效"] * N, "智能清洗数据无效概率": np.round(rng.random(N), 2), "": [""] * N}
    pd.DataFrame(cols).to_csv(HERE / "tencent.csv", index=False, encoding="utf-8-sig")
    truth("tencent", [BRANCHES_ZH[i] for i in b], e, p)
    EXPECTED["tencent.csv"] = {"platform": "tencent"}


# -- Qualtrics ----------------------------------------------------------------------------
QUALTRICS_META = ["StartDate", "EndDate", "Status", "IPAddress", "Progress", "Duration (in seconds)", "Finished",
                  "RecordedDate", "ResponseId", "RecipientLastName", "RecipientFirstName", "RecipientEmail",
                  "ExternalReference", "LocationLatitude", "LocationLongitude", "DistributionChannel", "UserLanguage"]
QUALTRICS_TEXT = ["Start Date", "End Date", "Response Type", "IP Address", "Progress", "Duration (in seconds)",
                  "Finished", "Recorded Date", "Response ID", "Recipient Last Name", "Recipient First Name",
                  "Recipient Email", "External Data Reference", "Location Latitude", "Location Longitude",
                  "Distribution Channel", "User Language"]
E_TEXT = "Your expectations: think of an excellent bank. How strongly do you agree?"
P_TEXT = "Your perceptions: now think of this bank. How strongly do you agree?"


def qualtrics_rows(e, p, b, secs, seed):
    rng = np.random.default_rng(seed)
    start = pd.Timestamp("2024-03-04 08:00:00") + pd.to_timedelta(rng.integers(0, 90000, N), unit="s")
    end = start + pd.to_timedelta(secs, unit="s")
    meta = [start.strftime("%Y-%m-%d %H:%M:%S"), end.strftime("%Y-%m-%d %H:%M:%S"), ["0"] * N,
            [f"203.0.113.{k}" for k in range(N)], ["100"] * N, secs.astype(str), ["1"] * N,
            end.strftime("%Y-%m-%d %H:%M:%S"), [f"R_{k:03d}abcXYZ{k}" for k in range(N)], [""] * N, [""] * N,
            [""] * N, [""] * N, ["-33.9"] * N, ["151.2"] * N, ["anonymous"] * N, ["EN"] * N]
    body = [list(col) for col in meta]
    body.append([BRANCHES_EN[i] for i in b])
    body += [list(e[:, j].astype(int).astype(str)) for j in range(22)]
    body += [list(p[:, j].astype(int).astype(str)) for j in range(22)]
    return [list(r) for r in zip(*body)]


def write_csv(path: Path, rows: list[list], encoding="utf-8-sig"):
    import csv

    with open(path, "w", newline="", encoding=encoding) as fh:
        csv.writer(fh).writerows(rows)


def qualtrics():
    """Qualtrics 'Data & Analysis' CSV: column ids, question text, ImportId JSON, then numeric answers."""
    e, p, b, secs = answers(7)
    codes = QUALTRICS_META + ["Q1"] + [f"Q2_{j + 1}" for j in range(22)] + [f"Q3_{j + 1}" for j in range(22)]
    texts = QUALTRICS_TEXT + ["Which branch do you usually visit?"] + \
        [f"{E_TEXT} - {it.text['en']}" for it in ITEMS] + [f"{P_TEXT} - {it.text['en']}" for it in ITEMS]
    imports = [json.dumps({"ImportId": k}) for k in ["startDate", "endDate", "status", "ipAddress", "progress",
                                                      "duration", "finished", "recordedDate", "_recordId",
                                                      "recipientLastName", "recipientFirstName", "recipientEmail",
                                                      "externalDataReference", "locationLatitude",
                                                      "locationLongitude", "distributionChannel", "userLanguage"]]
    imports += [json.dumps({"ImportId": "QID1"})] + [json.dumps({"ImportId": f"QID2_{j + 1}"}) for j in range(22)] \
        + [json.dumps({"ImportId": f"QID3_{j + 1}"}) for j in range(22)]
    write_csv(HERE / "qualtrics.csv", [codes, texts, imports] + qualtrics_rows(e, p, b, secs, 17))
    truth("qualtrics", [BRANCHES_EN[i] for i in b], e, p)
    EXPECTED["qualtrics.csv"] = {"platform": "qualtrics", "layout": "three_row"}


def qualtrics_legacy():
    """The legacy Qualtrics export: V1…V10 and question ids, then ResponseID… and the wording."""
    e, p, b, secs = answers(8)
    rng = np.random.default_rng(18)
    start = pd.Timestamp("2015-10-01 12:00:00") + pd.to_timedelta(rng.integers(0, 90000, N), unit="s")
    end = start + pd.to_timedelta(secs, unit="s")
    names = [f"V{k}" for k in range(1, 11)] + ["Q1"] + [f"Q2_{j + 1}" for j in range(22)] + \
        [f"Q3_{j + 1}" for j in range(22)] + ["Q_TotalDuration"]
    texts = ["ResponseID", "ResponseSet", "Name", "ExternalDataReference", "EmailAddress", "IPAddress", "Status",
             "StartDate", "EndDate", "Finished", "Which branch do you usually visit?"] + \
        [f"{E_TEXT}-{it.text['en']}" for it in ITEMS] + [f"{P_TEXT}-{it.text['en']}" for it in ITEMS] + \
        ["Q_TotalDuration"]
    rows = []
    for k in range(N):
        rows.append([f"R_legacy{k:02d}", "Default Response Set", "Anonymous", "", "", f"198.51.100.{k}", "0",
                     start[k].strftime("%Y-%m-%d %H:%M:%S"), end[k].strftime("%Y-%m-%d %H:%M:%S"), "1",
                     BRANCHES_EN[b[k]], *map(str, e[k].astype(int)), *map(str, p[k].astype(int)), str(secs[k])])
    write_csv(HERE / "qualtrics_legacy.csv", [names, texts] + rows, encoding="utf-8")
    truth("qualtrics_legacy", [BRANCHES_EN[i] for i in b], e, p)
    EXPECTED["qualtrics_legacy.csv"] = {"platform": "qualtrics", "layout": "legacy"}


# -- SurveyMonkey -------------------------------------------------------------------------
def surveymonkey():
    """SurveyMonkey 'All individual responses' CSV: question line, sub-question line, text answers."""
    e, p, b, secs = answers(9)
    meta = ["Respondent ID", "Collector ID", "Start Date", "End Date", "IP Address", "Email Address", "First Name",
            "Last Name", "Custom Data 1"]
    line1 = meta + ["Which branch do you usually visit?"] + \
        ["How much do you agree? (Your expectations of an excellent bank)"] + [""] * 21 + \
        ["How much do you agree? (Your experience of this bank)"] + [""] * 21
    line2 = [""] * len(meta) + ["Response"] + [it.text["en"] for it in ITEMS] * 2
    rng = np.random.default_rng(19)
    start = pd.Timestamp("2024-02-01 09:00:00") + pd.to_timedelta(rng.integers(0, 90000, N), unit="s")
    end = start + pd.to_timedelta(secs, unit="s")
    rows = [[str(11400000000 + k), "431234567", start[k].strftime("%m/%d/%Y %I:%M:%S %p"),
             end[k].strftime("%m/%d/%Y %I:%M:%S %p"), f"192.0.2.{k}", "", "", "", "", BRANCHES_EN[b[k]],
             *[EN7[int(v) - 1] for v in e[k]], *[EN7[int(v) - 1] for v in p[k]]] for k in range(N)]
    write_csv(HERE / "surveymonkey.csv", [line1, line2] + rows, encoding="utf-8")
    truth("surveymonkey", [BRANCHES_EN[i] for i in b], e, p)
    EXPECTED["surveymonkey.csv"] = {"platform": "surveymonkey"}


# -- LimeSurvey ---------------------------------------------------------------------------
def limesurvey():
    """LimeSurvey 'Export responses' CSV with question codes: E[SQ001] … and P[SQ001] … arrays."""
    e, p, b, secs = answers(10)
    cols = {"id": np.arange(1, N + 1), "submitdate": ["2024-04-02 10:11:12"] * N, "lastpage": [3] * N,
            "startlanguage": ["zh-Hans"] * N, "seed": np.arange(5000, 5000 + N), "startdate": ["2024-04-02 10:05:00"] * N,
            "datestamp": ["2024-04-02 10:11:12"] * N, "ipaddr": [f"172.16.0.{k}" for k in range(N)],
            "interviewtime": secs.astype(float), "BRANCH": [BRANCHES_ZH[i] for i in b]}
    for j in range(22):
        cols[f"E[SQ{j + 1:03d}]"] = e[:, j].astype(int)
    for j in range(22):
        cols[f"P[SQ{j + 1:03d}]"] = p[:, j].astype(int)
    pd.DataFrame(cols).to_csv(HERE / "limesurvey.csv", index=False, encoding="utf-8")
    truth("limesurvey", [BRANCHES_ZH[i] for i in b], e, p)
    EXPECTED["limesurvey.csv"] = {"platform": "limesurvey"}


# -- Google Forms -------------------------------------------------------------------------
def google_forms():
    """Google Forms (Korean interface) CSV: 타임스탬프 first, grid questions 'question [row]', a 10-item 5-point scale."""
    e, p, b, secs = answers(11, k=10, points=5)
    rows_ko = ["최신 장비", "쾌적한 지점", "단정한 직원", "약속 시간 준수", "정확한 기록", "신속한 서비스", "기꺼이 도움",
               "신뢰감", "개별적 관심", "고객 이익 우선"]
    cols = {"타임스탬프": [f"2024. 7. {d}. 오후 3:{m:02d}:00" for d, m in zip(range(1, N + 1), range(N))],
            "이메일 주소": [f"user{k}@example.com" for k in range(N)], "이용 지점": [BRANCHES_EN[i] for i in b]}
    for j, r in enumerate(rows_ko):
        cols[f"우수한 은행에 대한 기대 [{r}]"] = e[:, j].astype(int)
    for j, r in enumerate(rows_ko):
        cols[f"이 은행에 대한 인지 [{r}]"] = p[:, j].astype(int)
    pd.DataFrame(cols).to_csv(HERE / "google_forms.csv", index=False, encoding="utf-8")
    truth("google_forms", [BRANCHES_EN[i] for i in b], e, p, k=10)
    EXPECTED["google_forms.csv"] = {"platform": "google_forms", "instrument": "bank10.yaml"}


# -- SPSS -----------------------------------------------------------------------------------
def spss():
    """A .sav with branch value labels, rating value labels, user-missing 9 (ratings) and 99 (branch)."""
    import pyreadstat

    e, p, b, secs = answers(12)
    branch = (b + 1).astype(float)
    branch[6] = 99.0
    cols = {"resp_id": np.arange(1, N + 1).astype(float), "branch": branch}
    labels = {"resp_id": "Respondent", "branch": "网点"}
    ecodes, pcodes = e.copy(), p.copy()
    ecodes[2, 4], ecodes[8, 12] = 9.0, 9.0
    e[2, 4], e[8, 12] = np.nan, np.nan
    sav_items(cols, labels, ecodes, "E{}", "期望：{}")
    sav_items(cols, labels, pcodes, "P{}", "感知：{}")
    scale = {1.0: "非常不同意", 7.0: "非常同意", 9.0: "不适用"}
    value_labels = {"branch": {**{float(k + 1): v for k, v in enumerate(BRANCHES_ZH)}, 99.0: "拒答"}}
    value_labels |= {c: scale for c in cols if c[0] in "EP"}
    missing = {c: [9.0] for c in cols if c[0] in "EP"} | {"branch": [99.0]}
    pyreadstat.write_sav(pd.DataFrame(cols), str(HERE / "spss_labels.sav"), column_labels=labels,
                         variable_value_labels=value_labels, missing_ranges=missing)
    names = [BRANCHES_ZH[i] for i in b]
    names[6] = ""
    truth("spss_labels", names, e, p)
    EXPECTED["spss_labels.sav"] = {"platform": "spss", "missing_code": 2, "segment_missing_code": 1}


if __name__ == "__main__":
    for make in (wjx_text_gbk, wjx_score_bom, wjx_xlsx, wjx_sav, wjx_code_numbered, tencent, qualtrics,
                 qualtrics_legacy, surveymonkey, limesurvey, google_forms, spss):
        make()
    (HERE / "expected.json").write_text(json.dumps(EXPECTED, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print("\n".join(sorted(p.name for p in HERE.iterdir() if p.suffix != ".py")))
