"""UI strings of the report and the CLI summary, per language (data, not code)."""

STRINGS = {
    "en": {
        "title": "Service quality gap report", "generated": "servgap {version}", "contents": "Contents",
        "summary": "Summary", "quality": "Data quality", "figures": "Pictures", "gap_tables": "Gaps in detail",
        "overall": "Overall scores", "causes": "Likely root causes", "extra": "More results",
        "method": "Methodology", "respondents": "respondents", "all": "all respondents",
        "segments_capped": "This report lists {shown} of the {total:,} segments: those with the largest shortfalls. "
                           "Every segment is in results.xlsx and results.json.",
        "too_many_segments": "{total:,} segments are too many for one picture; draw chosen ones with res.plot",
        "kpi_overall": "Overall gap 5 (mean of dimensions)", "kpi_weighted": "Importance-weighted gap 5",
        "kpi_sig": "Significant shortfalls", "kpi_sig_of": "of {n} dimension gaps", "kpi_n": "Respondents",
        "range": "from {lo} ({lo_seg}) to {hi} ({hi_seg})",
        "worst": "Largest significant shortfalls",
        "lead": "The largest shortfall: {dimension}{segment} — {later} falls {size} points short of "
                "{benchmark} ({gap}; {conf:.0%} CI {lo} to {hi}, adjusted p {p}).",
        "lead_none": "No gap falls significantly short at α = {alpha} after {correction} correction.",
        "at": " at {segment}", "sign": "Every gap is later stage minus benchmark: negative numbers are shortfalls "
        "(shaded red when significant), positive numbers surpluses (blue).",
        "not_measured": "Not measured", "not_measured_note": "These gaps need viewpoints the data do not have:",
        "gap": "Gap", "dimension": "Dimension", "item": "Item", "segment": "Segment", "n": "n",
        "mean_gap": "Gap", "ci": "{conf:.0%} CI", "p_adj": "adj. p", "effect": "Effect", "measure": "Measure",
        "benchmark_mean": "Mean {name}", "test": "Test", "by_dim": "Mean gap by dimension and segment",
        "all_items": "All items ({n} rows)", "full_table": "Full table ({n} rows)",
        "definition": "{later} minus {benchmark}", "figure_skipped": "Figure not drawn: {why}",
        "source": "Source", "column": "Column", "issue": "Issue", "count": "Count",
        "quality_intro": "Everything recoded or excluded on the way from the files to the numbers.",
        "quality_none": "Nothing was recoded or excluded.", "reason": "Reason", "name": "Name",
        "rank": "#", "score": "Score", "basis": "Basis", "evidence": "Evidence", "remedies": "What to do",
        "sources_q": "Sources", "causes_note": "Causes are ranked by the measured gaps they would explain; "
        "'inferred' means the data cannot confirm the upstream gap (it was not measured).",
        "causes_unavailable": "Root causes are not available: {why}",
        "unweighted": "unweighted", "importance_weighted": "importance-weighted",
        "sig_legend": "* p < .05, ** p < .01, *** p < .001 (adjusted)",
        "fig": {"model": "The five-gap model with the measured gaps",
                "gaps": "Gap per dimension with confidence intervals",
                "snake": "Expected and perceived service per item",
                "heatmap": "Gap by segment and dimension", "tolerance": "Zone of tolerance",
                "ipa": "Importance-performance analysis", "radar": "Expected vs perceived per dimension",
                "causes": "Top-ranked root causes",
                "cause_tree": "Cause tree: gap, root cause, symptom and evidence"},
        "issues": {"missing_code": "missing-value code set to missing",
                   "incomplete_pair": "item pairs with one side missing (left out of the paired gap)",
                   "reverse_scored": "reverse-worded items recoded",
                   "too_few_items": "dimension scores left out (too few items answered)",
                   "out_of_range": "out-of-range values set to missing", "unmatched_id": "ids found in only one file",
                   "no_usable_answer": "respondents without any usable answer",
                   "not_answered": "respondents who answered none of this viewpoint's items",
                   "missing": "blank cells", "missing_segment": "respondents without a segment value (left out)",
                   "too_few_dimensions": "overall scores left out (fewer than half of the dimensions)",
                   "no_importance": "respondents without a usable importance allocation"},
        "method_items": [
            ("Gaps", "Every gap is a later stage minus its benchmark (gap 5 = perceived − expected; gap 1 = "
                     "management perception − customer expectation; gaps 2–4 on the staff side). Negative = "
                     "shortfall. A respondent's dimension score is the mean of the dimension's answered items "
                     "when at least {min_items} of them are answered; the overall score is the mean of the "
                     "dimension gaps, and with importance points Σ w_d · gap_d, w normalised to 1."),
            ("Tests", "{test_text} Confidence intervals are t-based at {conf:.0%}, whatever the test."),
            ("Multiple testing", "p-values are adjusted with the {correction} method across the items (and "
                                 "separately the dimensions) of one gap within one segment; significance means "
                                 "adjusted p < {alpha}."),
            ("Weights", "{weight_text}"),
            ("Limits", "Difference scores are less reliable than their parts; small segments give wide "
                       "intervals; root causes are suggestions ranked from the measured gaps, not proof."),
        ],
        "test_t": "Paired t-test on the differences (gaps 2–5); Welch's t-test for gap 1 (different respondents).",
        "test_wilcoxon": "Wilcoxon signed-rank test (normal approximation, tie correction; gaps 2–5); "
                         "Mann–Whitney U for gap 1.",
        "weights_on": "Survey weights are used: weighted means, weighted SD (reliability weights) and Kish's "
                      "effective sample size n_eff = (Σw)² / Σw² for the tests.",
        "weights_off": "No survey weights were used.",
        "variance_design": "Standard errors, confidence intervals and t tests are design-based: Taylor "
                           "linearisation of the weighted mean gap, primary sampling units (PSUs) drawn with "
                           "replacement within strata, each segment a domain of the whole design, and the design "
                           "degrees of freedom (PSUs minus strata).",
        "cli_worst": "Largest significant shortfalls:", "cli_files": "Files written:",
        "basis_label": {"measured": "measured", "inferred": "inferred", "not significant": "not significant"},
        "tests": {"t": "paired t-test", "welch_t": "Welch t-test", "wilcoxon": "Wilcoxon signed-rank test",
                  "mann_whitney": "Mann–Whitney U test"},
    },
    "zh": {
        "title": "服务质量差距报告", "generated": "servgap {version}", "contents": "目录",
        "summary": "摘要", "quality": "数据质量", "figures": "图表", "gap_tables": "差距明细",
        "overall": "总体得分", "causes": "可能的根本原因", "extra": "更多结果",
        "method": "方法说明", "respondents": "名受访者", "all": "全部受访者",
        "segments_capped": "本报告只列出 {total:,} 个细分中不足最大的 {shown} 个；全部细分见 results.xlsx 和 results.json。",
        "too_many_segments": "{total:,} 个细分无法在一张图中呈现；可用 res.plot 绘制选定的细分",
        "kpi_overall": "总体差距5（各维度均值）", "kpi_weighted": "按重要性加权的差距5",
        "kpi_sig": "显著不足", "kpi_sig_of": "共 {n} 个维度差距", "kpi_n": "受访者",
        "range": "从 {lo}（{lo_seg}）到 {hi}（{hi_seg}）",
        "worst": "最大的显著不足",
        "lead": "最大的不足：{dimension}{segment}——{later}比{benchmark}低 {size} 分"
                "（{gap}；{conf:.0%} 置信区间 {lo} 至 {hi}，校正后 p {p}）。",
        "lead_none": "经 {correction} 校正后，在 α = {alpha} 水平上没有显著的不足。",
        "at": "（{segment}）", "sign": "所有差距均为后一环节减去基准：负数表示不足（显著时标红），正数表示超出（蓝色）。",
        "not_measured": "未测量", "not_measured_note": "以下差距需要数据中没有的视角：",
        "gap": "差距", "dimension": "维度", "item": "题项", "segment": "分组", "n": "样本数",
        "mean_gap": "差距", "ci": "{conf:.0%} 置信区间", "p_adj": "校正 p", "effect": "效应量", "measure": "指标",
        "benchmark_mean": "{name}均值", "test": "检验", "by_dim": "各维度、各分组的平均差距",
        "all_items": "全部题项（{n} 行）", "full_table": "完整表格（{n} 行）",
        "definition": "{later}减去{benchmark}", "figure_skipped": "未绘制此图：{why}",
        "source": "来源", "column": "列", "issue": "问题", "count": "数量",
        "quality_intro": "从文件到结果的过程中被重新编码或排除的全部数据。",
        "quality_none": "没有数据被重新编码或排除。", "reason": "原因", "name": "名称",
        "rank": "#", "score": "得分", "basis": "依据", "evidence": "证据", "remedies": "改进建议",
        "sources_q": "出处", "causes_note": "原因按其能解释的已测差距排序；“推断”表示上游差距未测量，数据无法证实。",
        "causes_unavailable": "无法给出根本原因：{why}",
        "unweighted": "不加权", "importance_weighted": "重要性加权",
        "sig_legend": "* p < .05，** p < .01，*** p < .001（校正后）",
        "fig": {"model": "差距模型及实测差距", "gaps": "各维度差距及置信区间", "snake": "各题项的期望与感知",
                "heatmap": "各分组、各维度的差距", "tolerance": "容忍区间", "ipa": "重要性—绩效分析",
                "radar": "各维度的期望与感知", "causes": "排名靠前的根本原因",
                "cause_tree": "原因树：差距、根本原因、银行表现与证据"},
        "issues": {"missing_code": "缺失值代码，已设为缺失", "incomplete_pair": "题项只有一方作答（不计入配对差距）",
                   "reverse_scored": "反向题已重新计分", "too_few_items": "作答题项过少，维度得分未计入",
                   "out_of_range": "超出量表范围，已设为缺失", "unmatched_id": "仅在一个文件中出现的编号",
                   "no_usable_answer": "没有任何有效作答的受访者", "not_answered": "该视角的题项全部未作答的受访者",
                   "missing": "空白单元格", "missing_segment": "缺少分组信息的受访者（未计入）",
                   "too_few_dimensions": "有效维度不足一半，总体得分未计入", "no_importance": "没有有效重要性分配的受访者"},
        "method_items": [
            ("差距", "每个差距都是后一环节减去其基准（差距5 = 感知 − 期望；差距1 = 管理者认知 − 顾客期望；"
                     "差距2–4 来自员工一方）。负数表示不足。受访者在某维度的得分为该维度已作答题项的均值，"
                     "要求至少作答 {min_items} 的题项；总体得分为各维度差距的均值，有重要性分配时为 Σ w_d · gap_d"
                     "（权重归一化为 1）。"),
            ("检验", "{test_text}无论采用何种检验，置信区间均基于 t 分布，置信水平 {conf:.0%}。"),
            ("多重比较", "在同一分组、同一差距内，对各题项（以及另行对各维度）的 p 值采用 {correction} 方法校正；"
                         "显著指校正后 p < {alpha}。"),
            ("权重", "{weight_text}"),
            ("局限", "差值得分的信度低于其组成部分；样本较小的分组置信区间较宽；根本原因是根据实测差距排序的建议，"
                     "而非证明。"),
        ],
        "test_t": "差距2–5 采用配对 t 检验；差距1（受访者不同）采用 Welch t 检验。",
        "test_wilcoxon": "差距2–5 采用 Wilcoxon 符号秩检验（正态近似、结校正）；差距1 采用 Mann–Whitney U 检验。",
        "weights_on": "使用了调查权重：加权均值、加权标准差（可靠性权重），检验采用 Kish 有效样本量 "
                      "n_eff = (Σw)² / Σw²。",
        "weights_off": "未使用调查权重。",
        "variance_design": "标准误、置信区间和 t 检验均基于抽样设计：对加权平均差距作泰勒线性化，"
                           "按层内有放回抽取初级抽样单元（PSU）估计方差，各细分群体作为整个设计中的子总体，"
                           "自由度为 PSU 数减去层数。",
        "cli_worst": "最大的显著不足：", "cli_files": "已写出的文件：",
        "basis_label": {"measured": "已测量", "inferred": "推断", "not significant": "不显著"},
        "tests": {"t": "配对 t 检验", "welch_t": "Welch t 检验", "wilcoxon": "Wilcoxon 符号秩检验",
                  "mann_whitney": "Mann–Whitney U 检验"},
    },
}
