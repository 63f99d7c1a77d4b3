"""The evaluation report, rebuilt from ``run.json`` and ``results.jsonl`` alone.

:func:`write_report` writes ``report.md`` (or a self-contained
``report.html``), ``summary.json`` and PNG plots in ``plots/``:

* achieved vs ceiling per instance (model-consistent gain and reported-score
  gain against ``ΔV(μ0)``, with the diagonal);
* gains per dataset (mean reported-score gain, mean model-consistent gain and
  mean ceiling, with the unweighted "Average" of the paper);
* for multi-round runs, mean gains per round.

Tables show numbers rounded to four decimals *for display*; ``summary.json``
and ``results.jsonl`` hold full-precision floats and exact fractions.  The plot
functions take ``ax=None``, return the ``Axes`` and never call
``plt.show()``.
"""

from __future__ import annotations

import base64
import html
import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..io import atomic_output, write_atomic
from ..plots.evaluations import (
    plot_achieved_vs_ceiling,
    plot_gains_by_dataset,
    plot_gains_by_round,
)
from .metrics import (
    CONTRADICTION_MARGIN,
    LOW_MASS,
    SCALE,
    is_control,
    low_mass,
    read_controls,
    summarize,
)
from .stats import DEFAULT_CONFIDENCE, DEFAULT_RESAMPLES, DEFAULT_SEED, Estimate, dialogue_mean
from .store import load_run, write_json_atomic

if TYPE_CHECKING:  # pragma: no cover
    pass

__all__ = [
    "render_markdown",
    "write_report",
]


def _final_round(rec: Mapping) -> Mapping | None:
    rs = rec["metrics"]["rounds"]
    return rs[-1] if rs else None


# ---------------------------------------------------------------- rendering

def _fmt(x: Any, nd: int = 4) -> str:
    if x is None:
        return "n/a"
    if isinstance(x, bool):
        return str(x)
    if isinstance(x, int):
        return str(x)
    if isinstance(x, float):
        return f"{x:.{nd}f}"
    return str(x)


def _table(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> list[str]:
    def cell(v):
        return _fmt(v).replace("|", "\\|").replace("\n", " ")

    out = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    out += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return [*out, ""]


def _short(text: str, n: int = 70) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def _est(d: Mapping | None, nd: int = 4) -> str:
    """``estimate [ci_low, ci_high]`` of an estimate object (``n/a`` where undefined)."""
    return "n/a" if d is None else Estimate.from_dict(d).format(nd)


def _dialogue_est(values: Sequence[float]) -> str:
    """One instance's mean over its dialogues: ``est [CI] (n = k)`` or the n = 1 marker."""
    e = dialogue_mean([float(v) for v in values])
    if e.estimate is None:
        return "n/a (no dialogue)"
    if e.n_dialogues < 2:
        return f"{e.estimate:.4f} (n = 1, no interval)"
    return f"{e.format(4)} (n = {e.n_dialogues})"


def _yn(flag: bool) -> str:
    return "yes" if flag else ""


def _p(x: float | None) -> str:
    if x is None:
        return "n/a"
    if x == 0:
        return "0"
    return f"{x:.4f}" if x >= 1e-4 else f"{x:.1e}"


def _summary_rows(summary: Mapping, part: Mapping, average: bool) -> list[list[Any]]:
    rows = []
    blocks = [*part["datasets"].items()]
    if part.get("pooled") and len(part["datasets"]) > 1:
        blocks.append(("**pooled** (all instances)", part["pooled"]))
    for name, d in blocks:
        st = d["statistics"]
        rows.append([name, d["n_done"], d.get("n_skipped", ""), st["score_gain"]["n_dialogues"],
                     _est(st["score_gain"]), _est(st["pct_of_scale"], 2),
                     _est(st["pct_of_range"], 2), _est(st["model_gain"]), _est(st["ceiling"]),
                     _est(st["achieved_over_ceiling"]), _est(st["excess_over_ceiling"])])
    if average and part["datasets"]:
        st = summary["average"]["statistics"]
        rows.append(["**Average** (unweighted over datasets)", "", "", "",
                     _est(st["score_gain"]),
                     _est(st["pct_of_scale"], 2), _est(st["pct_of_range"], 2),
                     _est(st["model_gain"]), _est(st["ceiling"]),
                     _est(st["achieved_over_ceiling"]), _est(st["excess_over_ceiling"])])
    return rows


_SUMMARY_HEAD = ["dataset", "instances done", "skipped", "dialogues", "reported gain [CI]",
                 "% of scale (÷7) [CI]", "% of range (÷6) [CI]", "model gain [CI]",
                 "ceiling [CI]", "achieved/ceiling (ratio of means) [CI]",
                 "model gain − ceiling [CI]"]


def _bc_rows(part: Mapping) -> list[list[Any]]:
    rows = []
    blocks = [*part["datasets"].items()]
    if part.get("pooled") and len(part["datasets"]) > 1:
        blocks.append(("**pooled** (all instances)", part["pooled"]))
    for name, d in blocks:
        bc = d["bayes_consistency"]
        ss = bc["score_shift"]
        rows.append([name, bc["signed_shift"]["n_instances"], bc["signed_shift"]["n_dialogues"],
                     _est(bc["signed_shift"]), _fmt(bc["t"], 3), _p(bc["p_value"]),
                     _p(bc["p_value_permutation"]), _est(bc["l1_gap"]),
                     _fmt(bc["l1_gap_null_mean"]), _p(bc["l1_gap_p_value"]),
                     _est(ss["estimate"]), _fmt(ss["t"], 3), _p(ss["p_value"])])
    return rows


_BC_HEAD = ["dataset", "instances", "dialogues", "signed shift [CI]", "t", "p", "p (sign flip)",
            "L1 gap [CI]", "L1 gap under the null", "p (L1 vs null)", "score shift [CI]",
            "t (score)", "p (score)"]


def _statistics_sections(cfg: Mapping, summary: Mapping) -> list[str]:
    """The tables of estimates: headline, Bayes consistency, sensitivity, controls, pairs."""
    res = summary.get("resampling", {})
    level = f"{res.get('confidence', DEFAULT_CONFIDENCE):.0%}"
    construction = ("elicited (the receiver's log-probabilities)"
                    if cfg.get("belief_source") == "logprobs"
                    else "score-derived ((s0 − 1)/6)")
    fam = f"{cfg.get('family')} family, {cfg.get('loss')} loss"
    lines = ["## Summary per dataset", ""]
    lines += [f"Instance family: **{fam}** (one family per table). Prior construction of the "
              f"model gain and the ceiling: **{construction}**; other constructions are in the "
              f"sensitivity table below. Controls are excluded here "
              f"({summary.get('n_controls', 0)} control instance(s), reported apart).", ""]
    lines += [f"Each cell is `estimate [{level} CI]`: the mean over instances of each "
              "instance's mean over its dialogues; the interval is a cluster bootstrap over "
              "instances (dialogues of one claim are not independent); `summary.json` holds "
              "the cluster-robust standard errors beside. Reported gain: the paper's `s_final − "
              "s0`. % of scale: 100 · gain / 7 (the paper's convention); % of range: "
              "100 · gain / 6 (a 1..7 scale spans 6 points). Model gain: `v̂(μ_m) − v̂(μ0)`. "
              "Ceiling: `ΔV(μ0) = V(μ0) − v̂(μ0)`, the most any signaling scheme gains in "
              "expectation against a Bayesian receiver with the same prior. Achieved/ceiling "
              "is a ratio of means (a mean of per-instance ratios is undefined at a zero "
              "ceiling).", ""]
    lines += _table(_SUMMARY_HEAD, _summary_rows(summary, summary, average=True))

    lines += ["## Bayes-consistency test", ""]
    unit = (summary.get("pooled") or {}).get("bayes_consistency", {}).get("unit")
    lines += ["A Bayesian receiver's posteriors average back to its prior whatever the sender "
              "says, and the sender argues for the claim whatever the truth, so the **signed "
              f"shift** `E[μ_m] − μ0` (unit: {unit}) is 0 for a Bayesian receiver. t: the "
              "estimate over its cluster-robust SE (two-sided p, Student's t with n − 1 "
              "degrees of freedom); sign flip: the permutation test over instances. The "
              "**L1 gap** `‖mean posterior − μ0‖₁` is positive for a Bayesian receiver too "
              "with finitely many dialogues: it is evidence only beyond its null (a "
              "receiver whose posteriors average to its prior, with the same numbers of "
              "dialogues). Score shift: the same test on the reported scores; a Bayesian "
              "receiver's *scores* average back to its first score only if the score is "
              "linear in its belief (a rounded score need not), so it is a check, not a test "
              "of Bayesian updating.", ""]
    lines += _table(_BC_HEAD, _bc_rows(summary))

    rows = []
    for name, d in [*summary["datasets"].items(), ("**pooled**", summary.get("pooled"))]:
        if not d:
            continue
        rows.append([name, d["n_above_ceiling"], d["n_done"], d["n_above_ceiling_tested"],
                     d["n_above_ceiling_significant"]])
    lines += ["### Instances above the ceiling", ""]
    lines += ["Counted: instances whose mean model gain exceeds the ceiling (point estimates; "
              "one realised posterior can lie anywhere, so a count is not evidence). Tested: "
              "instances with at least 2 dialogues; significant: their one-sided t-test at "
              f"α = {(summary.get('pooled') or {}).get('above_ceiling_alpha', 0.05)} "
              "(not corrected for multiple testing).", ""]
    lines += _table(["dataset", "counted above", "of instances", "tested (≥ 2 dialogues)",
                     "significant"], rows)

    sens = summary.get("sensitivity") or {}
    if sens:
        lines += ["## Prior-construction sensitivity", ""]
        lines += ["How the prior μ0 is built changes the ceiling. Elicited: the receiver's "
                  "log-probabilities before the argument. Score: (s0 − 1)/6 (point mass at s0 "
                  "for normative-position). Population: the claim's human initial ratings "
                  "(their mean as a belief; their histogram for normative-position). User: a "
                  "prior given with --prior. For population and user only the ceiling "
                  "changes; the achieved gain is the score-derived one.", ""]
        if summary.get("sensitivity_note"):
            lines += [f"Note: {summary['sensitivity_note']}", ""]
        for name, srows in sens.items():
            lines += [f"### {name} ({fam})", ""]
            rows = [[r["construction"], r["n_instances"], _est(r["ceiling"]),
                     _est(r["achieved"]), _est(r["ratio"]), r["achieved_from"],
                     r.get("reason", "")] for r in srows]
            lines += _table(["prior construction", "instances", "mean ceiling [CI]",
                             "mean achieved [CI]", "ratio of means [CI]", "achieved from",
                             "not available because"], rows)

    views = summary.get("prior_views") or {}
    if views:
        lines += ["## The ceiling under both views (evidence-stance)", ""]
        lines += ["The dataset gives a prior of its own, the share of supporting evidence μS, "
                  "beside the receiver's elicited belief μR. Dataset view: both sides hold μS. "
                  "Receiver view: both hold μR (the game of every other table). "
                  "Heterogeneous: the state is drawn from μS and the receiver updates with μR "
                  "(Alonso & Câmara 2016). Each instance counts once; exact per-instance values "
                  "are in results.jsonl (metrics.prior_views).", ""]
        rows = [[name, v["n_instances"], v["n_unavailable"], _est(v["dataset"]),
                 _est(v["receiver"]), _est(v["heterogeneous"])] for name, v in views.items()]
        lines += _table(["dataset", "instances", "unavailable", "mean ceiling, dataset view "
                         "[CI]", "receiver view [CI]", "heterogeneous [CI]"], rows)

    ctrl = summary.get("controls") or {}
    if ctrl.get("datasets"):
        lines += ["## Controls (reported apart)", ""]
        lines += ["Control claims (indisputable facts, or listed with --controls) measure "
                  "movement that is not persuasion; they are left out of every table above.",
                  ""]
        lines += _table(_SUMMARY_HEAD, _summary_rows(summary, ctrl, average=False))
        lines += _table(_BC_HEAD, _bc_rows(ctrl))

    pairs = summary.get("pairs")
    if pairs:
        lines += ["## Claim/negation pairs", ""]
        lines += [f"{pairs['what']}.", ""]
        lines += _table(["pairs", "P(claim) + P(negation) − 1 [CI]", "incomplete pairs"],
                        [[pairs["n_pairs"], _est(pairs["sum_minus_one"]),
                          "; ".join(f"{b['pair']}: {b['reason']}" for b in pairs["incomplete"])
                          or "none"]])

    conf_rows = []
    for name, bins in summary.get("by_confidence", {}).items():
        for b in ("low", "mid", "high", "unavailable"):
            if b in bins:
                g = bins[b]
                st = g["statistics"]
                conf_rows.append([name, b, g["n_done"], _est(st["score_gain"]),
                                  _est(st["model_gain"]), _est(st["ceiling"]),
                                  _est(g["bayes_consistency"]["signed_shift"])])
    if conf_rows:
        lo, hi = summary.get("confidence_edges", (0.33, 0.67))
        lines += ["## By the receiver's prior confidence", "",
                  f"The paper's bins of the receiver's prior P(yes): low < {lo} <= mid < "
                  f"{hi} <= high.", ""]
        lines += _table(["dataset", "prior P(yes)", "instances", "reported gain [CI]",
                         "model gain [CI]", "ceiling [CI]", "signed shift [CI]"], conf_rows)

    lines += ["## What could not be measured", ""]
    lines += ["Unparsable answers are counted here and never replaced by a default. "
              "Contradictions: a reported score and an elicited P(yes) more than "
              f"{CONTRADICTION_MARGIN} apart on the belief scale; low mass: less than "
              f"{LOW_MASS} of the probability on the valid answers.", ""]
    head = ["dataset", "dialogues", "initial score unparsable", "prior unavailable",
            "sender unparsable", "not reached", "receiver unparsable",
            "belief unavailable", "belief partial", "contradictions", "low mass",
            "instances with a score gain"]
    rows = [[name, d["n_dialogues"], d["n_initial_unparsable"], d["n_prior_unavailable"],
             d["n_sender_unparsable"], d["n_not_reached"], d["n_receiver_unparsable"],
             d["n_belief_unavailable"], d["n_belief_partial"], d["n_contradictions"],
             d["n_low_mass"], d["n_instances_with_score_gain"]]
            for name, d in summary["datasets"].items()]
    lines += _table(head, rows)
    return lines


def _provenance_lines(run: Mapping, records: Sequence[Mapping]) -> list[str]:
    """Where the transcripts came from (imported / re-scored runs), with the counts."""
    lines: list[str] = []
    imp = run.get("import")
    if imp:
        lines += ["## Provenance", "",
                  f"Source: **{imp.get('source', 'imported')}** (format "
                  f"{imp.get('format')}, by {imp.get('importer')}). Settings the transcripts "
                  f"do not state are shown as 'not recorded'.", ""]
        files = imp.get("files") or []
        if files:
            lines += _table(["file", "sha256", "dialogues read", "accepted", "rejected"],
                            [[f["name"], f["sha256"], f["n_read"], f["n_accepted"],
                              f["n_rejected"]] for f in files])
        rej = imp.get("rejections") or []
        if rej:
            lines += ["Rejected dialogues (not in any number of this report):", ""]
            lines += [f"- {r['file']}: {r['location']}"
                      + (f" (id {r['id']})" if r.get("id") is not None else "")
                      + f": {r['reason']}" for r in rej[:50]]
            if len(rej) > 50:
                lines += [f"- ... and {len(rej) - 50} more (see run.json)"]
            lines += [""]
        per: dict[int, list[int]] = {}
        for r in records:
            pr = (r.get("import") or {}).get("per_round")
            if not pr:
                continue
            for k, (a, b) in enumerate(zip(pr["score_disagreements"],
                                           pr["argument_disagreements"])):
                c = per.setdefault(k, [0, 0])
                c[0] += a
                c[1] += b
        if per:
            unp: dict[int, list[int]] = {}
            for r in records:
                if r.get("status") != "done":
                    continue
                m = r["metrics"]
                c = unp.setdefault(0, [0, 0])
                c[0] += m["prior"]["score"] is None
                for rd in m["rounds"]:
                    c = unp.setdefault(rd["round"], [0, 0])
                    c[0] += rd["n_receiver_unparsable"]
                    c[1] += rd["n_sender_unparsable"]
            lines += ["Per round (0: the initial answer): unparsable replies, counted and "
                      "never replaced by a default; and, where a source gives both a raw "
                      "reply and a parsed value, the given value is kept and its "
                      "disagreements with this library's parser are counted (the score in "
                      "`<score>` tags, the argument in `<argument>` tags).", ""]
            lines += _table(["round", "receiver unparsable", "sender without argument",
                             "score disagreements", "argument disagreements"],
                            [[k, *unp.get(k, [0, 0]), a, b]
                             for k, (a, b) in sorted(per.items())])
    src = run.get("rescored_from")
    if src:
        old = src.get("config") or {}
        lines += ["## Re-scored", "",
                  f"Re-scored from `{src.get('dir')}` without calling any model: family "
                  f"{old.get('family')} → {run['config']['family']}, loss {old.get('loss')} → "
                  f"{run['config']['loss']}, beliefs from {old.get('belief_source')} → "
                  f"{run['config']['belief_source']} (sha256 of its files in run.json).", ""]
    return lines


def render_markdown(run: Mapping, records: Sequence[Mapping], summary: Mapping,
                    plots: Mapping[str, str], *, controls: Iterable[str] | None = None) -> str:
    """The report's Markdown text (``plots`` maps a plot's title to its path).

    ``summary`` is :func:`~bayespersuade.llm.metrics.summarize`'s, made with the
    same ``controls``.

    Examples
    --------
    See :func:`write_report`, which calls it on an evaluation directory.
    """
    controls = frozenset(controls or ())
    res = summary.get("resampling", {})
    opts = {k: res[k] for k in ("confidence", "n_resamples", "seed") if k in res}
    cfg = run["config"]
    proto = cfg["protocol"]
    lines = ["# Persuasion evaluation report", ""]
    lines += ["Generated by bayespersuade from `run.json` and `results.jsonl`. Numbers in "
              "tables are rounded to 4 decimals for display; `summary.json` and "
              "`results.jsonl` hold full precision and exact fractions.", ""]
    lines += ["## Setup", ""]
    sessions = run.get("sessions", [])

    def known(x: Any) -> Any:
        # an imported run does not know every setting: say so, never a default
        return "not recorded" if x is None else x

    setup = [
        ("dataset", f"{cfg['dataset']}" + (f" (split {cfg['split']})" if cfg.get("split")
                                           else "")),
        ("sender", f"`{known(cfg['sender'])}` ({run['sender'].get('backend')})"),
        ("receiver", f"`{known(cfg['receiver'])}` ({run['receiver'].get('backend')})"),
        ("protocol", f"{proto['protocol']}, {proto['rounds']} round(s), "
                     f"{known(proto['samples'])} sample(s) per instance"),
        ("instance family", f"{cfg['family']}, {cfg['loss']} loss"),
        ("beliefs from", cfg["belief_source"]),
        ("prefill", known(proto.get("prefill")) if proto.get("prefill") is None else
         "sender <argument>, receiver <thinking>" if proto.get("prefill") else "no"),
        ("temperatures", f"sender {known(proto['sender_temperature'])}, receiver "
                         f"{known(proto['receiver_temperature'])}"),
        ("token limits", f"sender {known(proto['sender_max_new_tokens'])}, receiver "
                         f"{known(proto['receiver_max_new_tokens'])}; word limit "
                         f"{known(proto['word_limit'])}"),
        ("seed", known(cfg["seed"])),
        ("intervals", f"{res.get('confidence', 0.95):.0%}, cluster bootstrap over instances, "
                      f"{res.get('n_resamples')} resamples, resampling seed {res.get('seed')}"),
        ("prompts", f"{known(run['prompt_version'])} (fingerprint "
                    f"{known(run['prompt_fingerprint'])})"),
        ("library", f"bayespersuade {run['library_version']}"),
        ("sessions", f"{len(sessions)} (first started {run.get('created')})"),
    ]
    lines += _table(["setting", "value"], setup)
    lines += _provenance_lines(run, records)

    lines += _statistics_sections(cfg, summary)

    if plots:
        lines += ["## Plots", ""]
        for title, path in plots.items():
            lines += [f"![{title}]({path})", ""]

    done = [r for r in records if r.get("status") == "done"]
    head_done = [r for r in done if not is_control(r, controls)]
    if head_done and len(head_done[0]["metrics"]["rounds"]) > 1:
        lines += ["## Per round (pooled over datasets, controls excluded)", ""]
        n_rounds = len(head_done[0]["metrics"]["rounds"])
        rows = []
        for k in range(n_rounds):
            s = summarize(head_done, round=k + 1, sensitivity=False, **opts)["pooled"]
            st, bc = s["statistics"], s["bayes_consistency"]
            rows.append([k + 1, _est(st["score_gain"]), _est(st["model_gain"]),
                         _est(bc["signed_shift"]), _est(bc["l1_gap"]),
                         _fmt(bc["l1_gap_null_mean"]), st["score_gain"]["n_instances"]])
        lines += _table(["round", "reported gain [CI]", "model gain [CI]",
                         "signed shift [CI]", "L1 gap [CI]", "L1 gap under the null",
                         "n instances"], rows)

    lines += ["## Per instance (final round)", ""]
    lines += ["Per instance, each gain is the mean over the instance's dialogues `[95% CI]`, "
              "with n the number of dialogues with a value: given the claim its dialogues are "
              "independent draws, so the interval is Student's t over them (n − 1 degrees of "
              "freedom). It describes this claim, not the population of claims (the tables "
              "above resample claims). With one dialogue there is no interval: the cell says "
              "`n = 1, no interval`, and nothing is tested. Above ceiling: the one-sided test "
              "that the instance's mean model-consistent gain exceeds its ceiling, made only "
              "with at least 2 dialogues (p-value); one dialogue above its ceiling is never "
              "called above the ceiling. Prior and ceiling are exact values of the instance's "
              "game (not estimates). L1 gap: this instance's `‖mean posterior − μ0‖₁`, "
              "descriptive (positive even for a Bayesian receiver; its null is in the "
              "Bayes-consistency table). Contradictions: dialogues whose score and "
              f"elicited P(yes) differ by more than {CONTRADICTION_MARGIN} on the belief scale "
              f"((s − 1)/6 vs P(yes)); low mass: beliefs with less than {LOW_MASS} of the "
              "probability on the valid answers (shown, not hidden).", ""]
    head = ["instance", "claim", "control", "s0", "prior (exact)", "ceiling (exact)",
            "dialogues", "reported gain [CI] (n)", "model gain [CI] (n)",
            "signed shift [CI] (n)", "above ceiling (p)", "L1 gap (descriptive)",
            "contradictions", "low mass", "unparsable (S/R)"]
    rows = []
    for r in records:
        if r.get("status") != "done":
            rows.append([r["key"], _short(r["claim"]), _yn(is_control(r, controls)),
                         *[""] * 11, f"skipped: {r.get('reason')}"])
            continue
        m = r["metrics"]
        fr = _final_round(r)
        prior = m["prior"]["belief"]
        prior_s = (f"P(true)={prior[1]:.4f}" if prior and len(prior) == 2 else
                   (f"mean={sum((i + 1) * p for i, p in enumerate(prior)):.4f}" if prior
                    else "n/a"))
        if m.get("prior_contradiction"):
            prior_s += " (contradicts s0)"
        pm, n_low = low_mass(r)
        if pm is not None and pm < LOW_MASS:
            prior_s += f" (mass {pm:.2f})"
        t = fr.get("above_ceiling_test")
        above = ("n/a" if t is None else
                 (f"{_fmt(t['p_value'])}" if t["tested"] else t["reason"]))
        sh = [x for x in fr.get("belief_shifts", []) if x is not None]
        rows.append([r["key"], _short(r["claim"]), _yn(is_control(r, controls)),
                     m["prior"]["score"], prior_s,
                     m["game"]["ceiling"] if m.get("game") else None,
                     fr["n_dialogues"],
                     _dialogue_est([g for g in fr["score_gains"] if g is not None]),
                     _dialogue_est([g for g in fr["model_gains"] if g is not None]),
                     _dialogue_est(sh), above, fr.get("l1_gap"),
                     fr.get("n_contradictions", "n/a"), n_low,
                     f"{fr['n_sender_unparsable']}/{fr['n_receiver_unparsable']}"])
    lines += _table(head, rows)

    ev_rows = []
    for r in done:
        for e in r["metrics"].get("evidence", [])[-1:]:
            n_msg = sum(sum(c.values()) for c in e["counts"].values())
            if not e.get("available"):
                ev_rows.append([r["key"], e["prior_support"], n_msg, "", "", "", "",
                                f"n/a: {e.get('reason')}"])
                continue
            ev_rows.append([r["key"], e["prior_support"], n_msg, ", ".join(e["signals"]),
                            e["value"], e["optimum"]["value"],
                            e["optimum"]["no_disclosure_value"], e["gain_over_ceiling"]])
    if ev_rows:
        lines += ["## Evidence-stance: the sender's empirical signaling scheme", ""]
        lines += ["The sender privately holds one piece of evidence (the state: support / "
                  "undermine; prior = the claim's share of supporting evidence). Messages are "
                  "grouped into signals by the receiver's answer after them; the empirical "
                  "scheme π̂(signal | stance) and the posteriors a Bayesian receiver forms from "
                  "it give the value the scheme earns, beside the optimum V(μ0) and the "
                  "no-disclosure value v̂(μ0) of the same game.", "",
                  "**Exact per-game quantities, not estimates**: every number in this table "
                  "is computed exactly (rounded for display) from the game and from the "
                  "empirical scheme π̂ itself, the observed frequencies of this instance's n "
                  "dialogues; no interval is attached because none is estimated. The scheme "
                  "value is the value of π̂ as observed (a plug-in), not an estimate of the "
                  "sender's underlying scheme.", ""]
        head = ["instance", "μ0(support) (exact)", "n (dialogues)", "signals",
                "value of π̂ (exact)", "optimum V(μ0) (exact)", "v̂(μ0) (exact)",
                "value of π̂ − v̂ over the ceiling (exact)"]
        lines += _table(head, ev_rows)

    if summary.get("sender_strategy"):
        from .strategies import strategy_markdown

        lines += strategy_markdown(summary["sender_strategy"], done)

    from ..citations import DATASET_REFERENCES, REFERENCES

    keys = ["bayespersuade", "cheng2025", "kamenica2011"]
    keys += [DATASET_REFERENCES[d] for d in summary["datasets"] if d in DATASET_REFERENCES]
    lines += ["## References", ""]
    lines += [f"- {REFERENCES[k].text}" for k in dict.fromkeys(keys)]
    lines += [""]
    lines += [f"Scale: 1..{SCALE}."]
    return "\n".join(lines) + "\n"


def _md_to_html(md: str, out_dir: Path) -> str:
    """A minimal Markdown-to-HTML conversion for the report's own Markdown."""
    body = []
    in_table = False
    for line in md.splitlines():
        if line.startswith("|"):
            cells = [c.strip() for c in line.strip("|").split(" | ")]
            if set(line.replace("|", "").strip()) <= {"-"}:
                continue
            if not in_table:
                body.append("<table>")
                in_table = True
                body.append("<tr>" + "".join(f"<th>{html.escape(c)}</th>" for c in cells)
                            + "</tr>")
            else:
                body.append("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in cells)
                            + "</tr>")
            continue
        if in_table:
            body.append("</table>")
            in_table = False
        if line.startswith("!["):
            title, path = line[2:].split("](", 1)
            data = base64.b64encode((out_dir / path.rstrip(")")).read_bytes()).decode()
            body.append(f'<figure><img alt="{html.escape(title)}" '
                        f'src="data:image/png;base64,{data}"/></figure>')
        elif line.startswith("#"):
            level = len(line) - len(line.lstrip("#"))
            body.append(f"<h{level}>{html.escape(line[level:].strip())}</h{level}>")
        elif line.startswith("- "):
            body.append(f"<li>{html.escape(line[2:])}</li>")
        elif line.strip():
            body.append(f"<p>{html.escape(line)}</p>")
    if in_table:
        body.append("</table>")
    style = ("body{font-family:sans-serif;max-width:70em;margin:auto}"
             "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 6px}")
    return (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>Persuasion evaluation"
            f"</title><style>{style}</style></head><body>{''.join(body)}</body></html>\n")


def write_report(
    out_dir: str | os.PathLike,
    *,
    format: str = "md",
    controls: Iterable[str] | str | os.PathLike | None = None,
    user_prior: Any = None,
    confidence: float = DEFAULT_CONFIDENCE,
    n_resamples: int = DEFAULT_RESAMPLES,
    seed: int = DEFAULT_SEED,
) -> Path:
    """Rebuild the report of an evaluation directory from its JSON files.

    Parameters
    ----------
    out_dir : path-like
        A directory written by :func:`~bayespersuade.llm.runner.run_evaluation`.
    format : {"md", "html"}, default "md"
    controls : iterable of str, or path-like, optional
        Control instances (ids or ``dataset/id`` keys), or a file listing
        them one a line (:func:`~bayespersuade.llm.metrics.read_controls`),
        besides the records flagged ``control``.
    user_prior : optional
        The ``user`` row of the prior-construction sensitivity table.
    confidence, n_resamples, seed
        The intervals (:mod:`bayespersuade.llm.stats`); written to
        ``summary.json`` under ``resampling``.

    Returns
    -------
    Path
        The report file (``report.md`` or ``report.html``).  ``summary.json``
        and ``plots/*.png`` are rewritten too.

    Examples
    --------
    >>> import tempfile
    >>> from bayespersuade.datasets.records import ClaimRecord
    >>> from bayespersuade.llm import ProtocolConfig, scripted_receiver, scripted_sender
    >>> from bayespersuade.llm.runner import EvaluationConfig, run_evaluation
    >>> out = tempfile.mkdtemp()
    >>> cfg = EvaluationConfig("demo", "scripted:sender", "scripted:receiver",
    ...                        ProtocolConfig("static"))
    >>> _ = run_evaluation([ClaimRecord("demo", "1", "X.")], scripted_sender([1]),
    ...                    scripted_receiver(), out, cfg, progress=False, report=None)
    >>> write_report(out).name
    'report.md'
    """
    if format not in ("md", "html"):
        raise ValueError(f"format must be 'md' or 'html', got {format!r}")
    d = Path(out_dir)
    run, records = load_run(d)
    if isinstance(controls, str | os.PathLike):
        controls = read_controls(controls)
    controls = frozenset(controls or ())
    summary = summarize(records, controls=controls, user_prior=user_prior,
                        confidence=confidence, n_resamples=n_resamples, seed=seed)
    if run["config"].get("family") == "evidence-stance":
        from .strategies import summarize_strategies

        summary["sender_strategy"] = summarize_strategies(
            records, seed=run["config"].get("seed", 0))
    write_json_atomic(d / "summary.json", summary)
    (d / "plots").mkdir(exist_ok=True)
    plots = {}
    for fname, title, fn, arg in (
        ("achieved_vs_ceiling.png", "Achieved vs ceiling per instance",
         plot_achieved_vs_ceiling, records),
        ("gains_by_dataset.png", "Gains per dataset", plot_gains_by_dataset, summary),
    ):
        ax = fn(arg)
        with atomic_output(d / "plots" / fname) as tmp:
            ax.figure.savefig(tmp, dpi=110)
        plots[title] = f"plots/{fname}"
    if run["config"]["protocol"]["rounds"] > 1:
        ax = plot_gains_by_round(records, seed=seed)
        with atomic_output(d / "plots" / "gains_by_round.png") as tmp:
            ax.figure.savefig(tmp, dpi=110)
        plots["Gains per round"] = "plots/gains_by_round.png"
    md = render_markdown(run, records, summary, plots, controls=controls)
    if format == "md":
        path = d / "report.md"
        text = md
    else:
        path = d / "report.html"
        text = _md_to_html(md, d)
    write_atomic(path, text)
    return path
