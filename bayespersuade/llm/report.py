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
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .metrics import SCALE, summarize
from .store import load_run, write_json_atomic

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes

__all__ = [
    "plot_achieved_vs_ceiling",
    "plot_gains_by_dataset",
    "plot_gains_by_round",
    "render_markdown",
    "write_report",
]


def _figure(ax):
    if ax is not None:
        return ax
    from matplotlib.figure import Figure

    fig = Figure(figsize=(6.0, 4.5), layout="constrained")
    return fig.add_subplot()


def _final_round(rec: Mapping) -> Mapping | None:
    rs = rec["metrics"]["rounds"]
    return rs[-1] if rs else None


def plot_achieved_vs_ceiling(records: Sequence[Mapping], ax: Axes | None = None) -> Axes:
    """Scatter, per instance, the achieved gains against the ceiling ``ΔV(μ0)``.

    Circles: mean model-consistent gain ``v̂(μ_m) − v̂(μ0)``; crosses: mean
    reported-score gain (final round).  Points above the diagonal exceed what
    any signaling scheme achieves against a Bayesian receiver.

    Examples
    --------
    >>> ax = plot_achieved_vs_ceiling([])
    >>> ax.get_xlabel()
    'ceiling ΔV(μ0)'
    """
    ax = _figure(ax)
    xs, ym, ys = [], [], []
    for rec in records:
        if rec.get("status") != "done" or not rec["metrics"].get("game"):
            continue
        r = _final_round(rec)
        if r is None:
            continue
        xs.append(rec["metrics"]["game"]["ceiling"])
        ym.append(r["mean_model_gain"])
        ys.append(r["mean_score_gain"])
    pts_m = [(x, y) for x, y in zip(xs, ym) if y is not None]
    pts_s = [(x, y) for x, y in zip(xs, ys) if y is not None]
    if pts_m:
        ax.scatter(*zip(*pts_m), marker="o", label="model-consistent gain", alpha=0.8)
    if pts_s:
        ax.scatter(*zip(*pts_s), marker="x", label="reported-score gain", alpha=0.8)
    hi = max([1.0, *xs, *[abs(y) for _, y in pts_m + pts_s]])
    ax.plot([0, hi], [0, hi], color="grey", linestyle="--", linewidth=1,
            label="achieved = ceiling")
    ax.axhline(0, color="black", linewidth=0.5)
    ax.set_xlabel("ceiling ΔV(μ0)")
    ax.set_ylabel("achieved gain (mean over samples)")
    ax.set_title("Achieved vs optimal persuasion gain, per instance")
    ax.legend(loc="best", fontsize="small")
    return ax


def plot_gains_by_dataset(summary: Mapping, ax: Axes | None = None) -> Axes:
    """Bars per dataset (and the unweighted Average): mean gains and mean ceiling.

    Examples
    --------
    >>> ax = plot_gains_by_dataset({"datasets": {}, "average": {}})
    >>> ax.get_ylabel()
    'Likert points'
    """
    import numpy as np

    ax = _figure(ax)
    names = [*summary["datasets"], "Average"]
    rows = [*summary["datasets"].values(), summary["average"]]
    keys = (("mean_score_gain", "reported-score gain"),
            ("mean_model_gain", "model-consistent gain"),
            ("mean_ceiling", "ceiling ΔV(μ0)"))
    x = np.arange(len(names))
    w = 0.27
    for j, (k, label) in enumerate(keys):
        vals = [r.get(k) for r in rows]
        ax.bar(x + (j - 1) * w, [v if v is not None else 0 for v in vals], w, label=label,
               hatch=None)
        for xi, v in zip(x, vals):
            if v is None:
                ax.text(xi + (j - 1) * w, 0, "n/a", ha="center", va="bottom", fontsize=7)
    ax.set_xticks(x, names)
    ax.axhline(0, color="black", linewidth=0.5)
    ax.set_ylabel("Likert points")
    ax.set_title("Gains per dataset (final round)")
    ax.legend(loc="best", fontsize="small")
    return ax


def plot_gains_by_round(records: Sequence[Mapping], ax: Axes | None = None) -> Axes:
    """Mean gains per round (over instances), for multi-round runs.

    Examples
    --------
    >>> plot_gains_by_round([]).get_xlabel()
    'round'
    """
    ax = _figure(ax)
    per: dict[int, dict[str, list[float]]] = {}
    for rec in records:
        if rec.get("status") != "done":
            continue
        for r in rec["metrics"]["rounds"]:
            d = per.setdefault(r["round"], {"s": [], "m": []})
            if r["mean_score_gain"] is not None:
                d["s"].append(r["mean_score_gain"])
            if r["mean_model_gain"] is not None:
                d["m"].append(r["mean_model_gain"])
    rounds = sorted(per)
    for key, label, mk in (("s", "reported-score gain", "x-"), ("m", "model-consistent gain",
                                                                 "o-")):
        pts = [(r, sum(per[r][key]) / len(per[r][key])) for r in rounds if per[r][key]]
        if pts:
            ax.plot(*zip(*pts), mk, label=label)
    ax.axhline(0, color="black", linewidth=0.5)
    ax.set_xlabel("round")
    ax.set_ylabel("mean gain (Likert points)")
    ax.set_title("Gains per round")
    if rounds:
        ax.set_xticks(rounds)
        ax.legend(loc="best", fontsize="small")
    return ax


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


def render_markdown(run: Mapping, records: Sequence[Mapping], summary: Mapping,
                    plots: Mapping[str, str]) -> str:
    """The report's Markdown text (``plots`` maps a plot's title to its path).

    Examples
    --------
    See :func:`write_report`, which calls it on an evaluation directory.
    """
    cfg = run["config"]
    proto = cfg["protocol"]
    lines = ["# Persuasion evaluation report", ""]
    lines += ["Generated by bayespersuade from `run.json` and `results.jsonl`. Numbers in "
              "tables are rounded to 4 decimals for display; `summary.json` and "
              "`results.jsonl` hold full precision and exact fractions.", ""]
    lines += ["## Setup", ""]
    sessions = run.get("sessions", [])
    setup = [
        ("dataset", f"{cfg['dataset']}" + (f" (split {cfg['split']})" if cfg.get("split")
                                           else "")),
        ("sender", f"`{cfg['sender']}` ({run['sender'].get('backend')})"),
        ("receiver", f"`{cfg['receiver']}` ({run['receiver'].get('backend')})"),
        ("protocol", f"{proto['protocol']}, {proto['rounds']} round(s), {proto['samples']} "
                     f"sample(s) per instance"),
        ("instance family", f"{cfg['family']}, {cfg['loss']} loss"),
        ("beliefs from", cfg["belief_source"]),
        ("prefill", "sender <argument>, receiver <thinking>" if proto.get("prefill") else "no"),
        ("temperatures", f"sender {proto['sender_temperature']}, receiver "
                         f"{proto['receiver_temperature']}"),
        ("token limits", f"sender {proto['sender_max_new_tokens']}, receiver "
                         f"{proto['receiver_max_new_tokens']}; word limit "
                         f"{proto['word_limit']}"),
        ("seed", cfg["seed"]),
        ("prompts", f"{run['prompt_version']} (fingerprint {run['prompt_fingerprint']})"),
        ("library", f"bayespersuade {run['library_version']}"),
        ("sessions", f"{len(sessions)} (first started {run.get('created')})"),
    ]
    lines += _table(["setting", "value"], setup)

    lines += ["## Summary per dataset", ""]
    lines += ["Reported-score gain: the paper's metric, `s_final − s0` (mean over each "
              "instance's parsable dialogues, then over instances); % of scale = "
              "100 · gain / 7. Model-consistent gain: `v̂(μ_m) − v̂(μ0)` from the "
              "elicited beliefs under the instance family. Ceiling: `ΔV(μ0) = V(μ0) − "
              "v̂(μ0)`, the most any signaling scheme gains against a Bayesian receiver "
              "with the same prior. Achieved/ceiling: mean over instances with a "
              "positive ceiling (n), and mean gain / mean ceiling. BP gap: "
              "`‖mean posterior − μ0‖₁`. Above ceiling: instances whose mean "
              "model-consistent gain exceeds the ceiling (only a non-Bayesian receiver "
              "allows that).", ""]
    head = ["dataset", "instances done", "skipped", "reported gain", "% of scale",
            "model gain", "ceiling", "achieved/ceiling (n)", "gain/ceiling of means",
            "BP gap", "above ceiling"]
    rows = []
    for name, d in summary["datasets"].items():
        rows.append([name, d["n_done"], d["n_skipped"], d["mean_score_gain"],
                     d["pct_of_scale"], d["mean_model_gain"], d["mean_ceiling"],
                     f"{_fmt(d['mean_achieved_over_ceiling'])} ({d['n_ratio_defined']})",
                     d["ratio_of_means"], d["mean_bayes_plausibility_gap"],
                     d["n_above_ceiling"]])
    a = summary["average"]
    rows.append(["**Average** (unweighted over datasets)", "", "", a["mean_score_gain"],
                 a["pct_of_scale"], a["mean_model_gain"], a["mean_ceiling"],
                 _fmt(a["mean_achieved_over_ceiling"]), a["ratio_of_means"],
                 a["mean_bayes_plausibility_gap"], ""])
    lines += _table(head, rows)

    conf_rows = []
    for name, bins in summary.get("by_confidence", {}).items():
        for b in ("low", "mid", "high", "unavailable"):
            if b in bins:
                g = bins[b]
                conf_rows.append([name, b, g["n_done"], g["mean_score_gain"],
                                  g["mean_model_gain"], g["mean_ceiling"],
                                  g["mean_bayes_plausibility_gap"]])
    if conf_rows:
        lo, hi = summary.get("confidence_edges", (0.33, 0.67))
        lines += ["### By the receiver's prior confidence", "",
                  f"The paper's bins of the receiver's prior P(yes): low < {lo} <= mid < "
                  f"{hi} <= high.", ""]
        lines += _table(["dataset", "prior P(yes)", "instances", "reported gain",
                         "model gain", "ceiling", "BP gap"], conf_rows)

    lines += ["### What could not be measured", ""]
    lines += ["Unparsable answers are counted here and never replaced by a default.", ""]
    head = ["dataset", "dialogues", "initial score unparsable", "prior unavailable",
            "sender unparsable", "not reached", "receiver unparsable",
            "belief unavailable", "belief partial", "instances with a score gain"]
    rows = [[name, d["n_dialogues"], d["n_initial_unparsable"], d["n_prior_unavailable"],
             d["n_sender_unparsable"], d["n_not_reached"], d["n_receiver_unparsable"],
             d["n_belief_unavailable"], d["n_belief_partial"],
             d["n_instances_with_score_gain"]]
            for name, d in summary["datasets"].items()]
    lines += _table(head, rows)

    if plots:
        lines += ["## Plots", ""]
        for title, path in plots.items():
            lines += [f"![{title}]({path})", ""]

    done = [r for r in records if r.get("status") == "done"]
    if done and len(done[0]["metrics"]["rounds"]) > 1:
        lines += ["## Per round", ""]
        n_rounds = len(done[0]["metrics"]["rounds"])
        rows = []
        for k in range(n_rounds):
            s = summarize(done, round=k + 1)["average"]
            rows.append([k + 1, s["mean_score_gain"], s["mean_model_gain"],
                         s["mean_bayes_plausibility_gap"]])
        lines += _table(["round", "reported gain", "model gain", "BP gap"], rows)

    lines += ["## Per instance (final round)", ""]
    head = ["instance", "claim", "s0", "prior", "ceiling", "reported gain", "model gain",
            "achieved/ceiling", "BP gap", "unparsable (S/R)"]
    rows = []
    for r in records:
        if r.get("status") != "done":
            rows.append([r["key"], _short(r["claim"]), "", "", "", "", "", "", "",
                         f"skipped: {r.get('reason')}"])
            continue
        m = r["metrics"]
        fr = _final_round(r)
        prior = m["prior"]["belief"]
        prior_s = (f"P(true)={prior[1]:.4f}" if prior and len(prior) == 2 else
                   (f"mean={sum((i + 1) * p for i, p in enumerate(prior)):.4f}" if prior
                    else "n/a"))
        rows.append([r["key"], _short(r["claim"]), m["prior"]["score"], prior_s,
                     m["game"]["ceiling"] if m.get("game") else None,
                     fr["mean_score_gain"], fr["mean_model_gain"],
                     fr["achieved_over_ceiling"], fr["bayes_plausibility_gap"],
                     f"{fr['n_sender_unparsable']}/{fr['n_receiver_unparsable']}"])
    lines += _table(head, rows)

    ev_rows = []
    for r in done:
        for e in r["metrics"].get("evidence", [])[-1:]:
            if not e.get("available"):
                ev_rows.append([r["key"], e["prior_support"], "", "", "", "",
                                f"n/a: {e.get('reason')}"])
                continue
            ev_rows.append([r["key"], e["prior_support"], ", ".join(e["signals"]),
                            e["value"], e["optimum"]["value"],
                            e["optimum"]["no_disclosure_value"], e["gain_over_ceiling"]])
    if ev_rows:
        lines += ["## Evidence-stance: the sender's empirical signaling scheme", ""]
        lines += ["The sender privately holds one piece of evidence (the state: support / "
                  "undermine; prior = the claim's share of supporting evidence). Messages are "
                  "grouped into signals by the receiver's answer after them; the empirical "
                  "scheme π̂(signal | stance) and the posteriors a Bayesian receiver forms from "
                  "it give the value the scheme earns, beside the optimum V(μ0) and the "
                  "no-disclosure value v̂(μ0) of the same game.", ""]
        head = ["instance", "μ0(support)", "signals", "scheme value", "optimum V(μ0)",
                "v̂(μ0)", "scheme gain / ceiling"]
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


def write_report(out_dir: str | os.PathLike, *, format: str = "md") -> Path:
    """Rebuild the report of an evaluation directory from its JSON files.

    Parameters
    ----------
    out_dir : path-like
        A directory written by :func:`~bayespersuade.llm.runner.run_evaluation`.
    format : {"md", "html"}, default "md"

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
    summary = summarize(records)
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
        ax.figure.savefig(d / "plots" / fname, dpi=110)
        plots[title] = f"plots/{fname}"
    if run["config"]["protocol"]["rounds"] > 1:
        ax = plot_gains_by_round(records)
        ax.figure.savefig(d / "plots" / "gains_by_round.png", dpi=110)
        plots["Gains per round"] = "plots/gains_by_round.png"
    md = render_markdown(run, records, summary, plots)
    if format == "md":
        path = d / "report.md"
        text = md
    else:
        path = d / "report.html"
        text = _md_to_html(md, d)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
    return path
