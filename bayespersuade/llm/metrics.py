"""Optimal vs achieved: the numbers of an evaluation, per instance and per dataset.

Per instance (from the transcript record of :func:`~.protocol.run_instance`):

* the **prior** ``μ0``: the receiver's elicited belief with an empty
  transcript (``P(yes)`` for the binary-truth family, the distribution over
  ``1..7`` for the normative-position family), or, with
  ``belief_source="score"``, the belief its first score stands for
  (``(s0 − 1)/6``, or the point mass at ``s0``);
* the game of the chosen instance family at ``μ0`` and its exact optimum:
  ``V(μ0)``, ``v̂(μ0)`` and the **ceiling** ``ΔV(μ0) = V(μ0) − v̂(μ0)``;
* per dialogue and round: the reported score, the **reported-score gain**
  ``s_r − s0`` (the paper's metric), the **induced posterior** ``μ_m`` (the
  belief elicited after the argument), the **model-consistent gain**
  ``v̂(μ_m) − v̂(μ0)``, and whether it exceeds the ceiling;
* per round, over the dialogues: mean gains, **achieved / ceiling** (mean
  model-consistent gain over the ceiling), the posteriors' mean value
  ``(1/K) Σ_m v̂(μ_m)``, and the **Bayes-plausibility gap**
  ``‖(1/K) Σ_m μ_m − μ0‖₁`` (the L1 norm, as in
  :func:`bayespersuade.solvers.evaluate.evaluate_splitting`).  A Bayesian receiver's
  posteriors average back to its prior, so a positive gap measures
  non-Bayesian updating; only with a gap can the achieved gain exceed the
  ceiling (Kamenica & Gentzkow 2011).

Exactness: a recorded belief is a float; the games are built at its *exact*
rational value (``Fraction(float)``, renormalised exactly), solved with
certified exact arithmetic, and every value, gain and gap is an exact
``Fraction``, stored as a string ``"p/q"`` beside its float.  A referee can
re-derive every number from the recorded beliefs.

For the **evidence-stance** analysis the sender holds one piece of evidence
whose stance (support / undermine) is the state, and the prior is the share of
supporting evidence of the claim (exact).  The messages are grouped into
signals by what they induced (by default the receiver's reported score, the
revelation-principle coarsening; unparsable answers and missing arguments are
signals of their own), giving the empirical scheme ``π̂(s | ω)`` (exact
frequencies), the posteriors a Bayesian receiver forms from it, and the value
the scheme earns, beside the optimum of the same game.

References
----------
Cheng, Z. and You, J. (2025). Towards strategic persuasion with language
models. arXiv:2509.22989 (ICLR 2026).
Kamenica, E. and Gentzkow, M. (2011). Bayesian persuasion. *American Economic
Review* 101(6), 2590-2615.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from fractions import Fraction
from typing import Any

import numpy as np

from ..exceptions import InvalidParameterError
from ..game import PersuasionGame
from ..instances.families import (
    make_game,
    prior_from_model_belief,
    prior_from_rating,
    prior_origin,
)
from ..solvers.evaluate import evaluate_scheme, evaluate_splitting

__all__ = [
    "CONFIDENCE_EDGES",
    "FAMILIES",
    "SCALE",
    "belief_kind",
    "empirical_scheme",
    "exact_belief",
    "family_game",
    "instance_metrics",
    "summarize",
]

#: The instance families an evaluation can use.
FAMILIES = ("binary-truth", "normative-position", "evidence-stance")
#: The Likert scale's top (the paper's "% of scale" divides by it).
SCALE = 7


def _q(x: Fraction | None) -> str | None:
    return None if x is None else str(x)


def _f(x: Fraction | None) -> float | None:
    return None if x is None else float(x)


def _mean(xs: Sequence[Fraction]) -> Fraction | None:
    return sum(xs, Fraction(0)) / len(xs) if xs else None


def belief_kind(family: str) -> str:
    """Which elicited belief a family's states use: ``"yes_no"`` or ``"likert"``.

    Examples
    --------
    >>> belief_kind("normative-position")
    'likert'
    """
    if family not in FAMILIES:
        raise InvalidParameterError(f"family must be one of {', '.join(FAMILIES)}, got {family!r}")
    return "likert" if family == "normative-position" else "yes_no"


def exact_belief(belief: Mapping | None, kind: str) -> tuple[Fraction, ...] | None:
    """The exact rational belief over a game's states from a recorded belief.

    ``"yes_no"``: ``(1 − q, q)`` with ``q = Fraction(P(yes))``, the exact
    value of the recorded float.  ``"likert"``: the recorded probabilities'
    exact values, renormalised exactly.  ``None`` if the belief is
    unavailable.

    Examples
    --------
    >>> exact_belief({"labels": ["no", "yes"], "probs": [0.75, 0.25]}, "yes_no")
    (Fraction(3, 4), Fraction(1, 4))
    """
    if belief is None or belief.get("probs") is None:
        return None
    probs = [Fraction(float(p)) for p in belief["probs"]]
    if kind == "yes_no":
        q = probs[list(belief["labels"]).index("yes")]
        return (1 - q, q)
    total = sum(probs, Fraction(0))
    return tuple(p / total for p in probs)


def _belief_from_score(score: int | None, kind: str) -> tuple[Fraction, ...] | None:
    if score is None:
        return None
    if kind == "yes_no":
        q = prior_from_rating(score)
        return (1 - q, q)
    return tuple(Fraction(int(i == score)) for i in range(1, 8))


def family_game(
    family: str,
    prior: Sequence[Fraction],
    *,
    loss: str = "quadratic",
    origin: dict | None = None,
    name: str | None = None,
) -> PersuasionGame:
    """The game of an instance family at an exact prior over its states.

    A thin wrapper of :func:`bayespersuade.instances.families.make_game` taking the full
    prior vector: ``binary-truth`` takes ``(P(false), P(true))``,
    ``evidence-stance`` ``(P(undermine), P(support))``, ``normative-position``
    seven probabilities.

    Examples
    --------
    >>> from fractions import Fraction as F
    >>> family_game("binary-truth", (F(1, 2), F(1, 2))).solve(exact=True).gain
    Fraction(1, 2)
    >>> family_game("evidence-stance", (F(1, 4), F(3, 4))).states
    ('undermine', 'support')
    """
    kind = belief_kind(family)
    p = prior[1] if kind == "yes_no" else list(prior)
    return make_game(family, p, loss=loss, origin=origin, name=name)


def _solve(game: PersuasionGame) -> dict:
    sol = game.solve(exact=True)
    out = {"exact": bool(sol.exact), "algorithm": sol.algorithm}
    for key, val in (("value", sol.value), ("no_disclosure_value", sol.no_disclosure_value),
                     ("ceiling", sol.gain)):
        out[key] = float(val)
        out[key + "_exact"] = _q(val) if sol.exact else None
    if not sol.exact:
        out["exact_failure"] = sol.exact_failure
    out["_value"] = sol.value
    out["_nd"] = sol.no_disclosure_value if sol.exact else None
    out["_ceiling"] = sol.gain if sol.exact else None
    return out


def instance_metrics(
    raw: Mapping,
    *,
    family: str = "binary-truth",
    loss: str = "quadratic",
    belief_source: str = "logprobs",
    model: str | None = None,
    evidence_prior: Fraction | None = None,
    name: str | None = None,
) -> dict:
    """Optimal vs achieved for one instance's transcript record.

    Parameters
    ----------
    raw : mapping
        The record returned by :func:`~bayespersuade.llm.protocol.run_instance`.
    family : {"binary-truth", "normative-position", "evidence-stance"}
        The instance family.  ``evidence-stance`` computes the claim-level
        numbers under the binary-truth game at the receiver's prior, plus the
        empirical-scheme analysis (needs ``evidence_prior``).
    loss : {"quadratic", "absolute"}
    belief_source : {"logprobs", "score"}
        Where beliefs come from: the elicited log-probabilities, or the
        reported scores (for receivers without log-probabilities).
    model : str, optional
        The receiver's name (recorded as the prior's origin).
    evidence_prior : Fraction, optional
        The share of supporting evidence (evidence-stance only).
    name : str, optional
        The game's name.

    Returns
    -------
    dict
        JSON-serialisable: ``prior``, ``game``, ``rounds`` (per round: the
        per-dialogue lists and the aggregates), and ``evidence`` (the
        empirical-scheme analysis, per round) for the evidence-stance family.

    Examples
    --------
    A scripted receiver at ``P(yes) = 1/4`` moved to ``P(yes) = 0.45`` by one
    argument, under the quadratic binary-truth game: ``v̂`` goes from
    ``round(1 + 6/4) = 3`` (the tie at 2.5 goes to the sender) to
    ``round(1 + 2.7) = 4``, a gain of 1, against the ceiling
    ``V(1/4) − v̂(1/4) = 3 − 3 = 0``.

    >>> from bayespersuade.llm.backends.scripted import scripted_receiver, scripted_sender
    >>> from bayespersuade.llm.protocol import ProtocolConfig, run_instance
    >>> raw = run_instance("X.", scripted_sender([2]), scripted_receiver(),
    ...                    ProtocolConfig("static"), seed=0)
    >>> m = instance_metrics(raw)
    >>> r1 = m["rounds"][0]
    >>> m["game"]["ceiling_exact"], r1["model_gains_exact"], r1["score_gains"]
    ('0', ['1'], [2])
    """
    kind = belief_kind(family)
    if belief_source not in ("logprobs", "score"):
        raise InvalidParameterError(f"belief_source must be 'logprobs' or 'score', got "
                               f"{belief_source!r}")
    if loss not in ("quadratic", "absolute"):
        raise InvalidParameterError(f"loss must be 'quadratic' or 'absolute', got {loss!r}")
    game_family = "binary-truth" if family == "evidence-stance" else family
    s0 = raw["initial"]["parsed"]["score"]
    if belief_source == "logprobs":
        b0 = raw["initial"].get("beliefs")
        mu0 = exact_belief(b0[kind] if b0 else None, kind)
        prior_status = b0[kind]["status"] if b0 else "not elicited"
    else:
        mu0 = _belief_from_score(s0, kind)
        prior_status = "ok" if s0 is not None else "unparsable score"
    out: dict[str, Any] = {
        "family": family, "loss": loss, "belief_source": belief_source, "belief_kind": kind,
        "prior": {"score": s0, "belief": [float(x) for x in mu0] if mu0 else None,
                  "belief_exact": [str(x) for x in mu0] if mu0 else None,
                  "status": prior_status},
    }
    game = None
    if mu0 is not None:
        if belief_source == "logprobs":
            method = ("P(yes) renormalised over yes/no" if kind == "yes_no"
                      else "distribution over the answers 1..7")
            origin = prior_from_model_belief(mu0[1] if kind == "yes_no" else mu0, game_family,
                                             model=model, method=method)[1]
        else:
            origin = prior_origin("rating", rating=s0)
        game = family_game(game_family, mu0, loss=loss, origin=origin, name=name)
        solved = _solve(game)
        value0 = game.sender_value(list(mu0), exact=True)
        ceiling = solved.pop("_ceiling")
        solved.pop("_value")
        solved.pop("_nd")
        out["game"] = {"family": game_family, "loss": loss, **solved}
    else:
        out["game"] = None
        out["game_unavailable"] = f"prior belief unavailable ({prior_status})"
        value0 = ceiling = None
    rounds_out = []
    dialogues = raw["dialogues"]
    n_rounds = len(dialogues[0]["rounds"]) if dialogues else 0
    for r in range(n_rounds):
        statuses, scores, sgains, posts, mgains = [], [], [], [], []
        n_bel_unavail = n_bel_partial = 0
        for d in dialogues:
            rd = d["rounds"][r]
            st = rd["status"]
            statuses.append(st)
            score = rd["receiver"]["parsed"]["score"] if "receiver" in rd else None
            scores.append(score)
            sgains.append(score - s0 if score is not None and s0 is not None else None)
            mu = None
            if "receiver" in rd:
                if belief_source == "logprobs":
                    bel = (rd.get("beliefs") or {}).get(kind)
                    mu = exact_belief(bel, kind)
                    if bel is None or bel["status"] == "unavailable":
                        n_bel_unavail += 1
                    elif bel["status"] == "partial":
                        n_bel_partial += 1
                else:
                    mu = _belief_from_score(score, kind)
            posts.append(mu)
            if mu is not None and game is not None:
                mgains.append(game.sender_value(list(mu), exact=True) - value0)
            else:
                mgains.append(None)
        valid_s = [g for g in sgains if g is not None]
        valid_m = [g for g in mgains if g is not None]
        agg: dict[str, Any] = {
            "round": r + 1,
            "n_dialogues": len(dialogues),
            "n_sender_unparsable": statuses.count("sender_unparsable"),
            "n_not_reached": statuses.count("not_reached"),
            "n_receiver_unparsable": statuses.count("receiver_unparsable"),
            "n_belief_unavailable": n_bel_unavail,
            "n_belief_partial": n_bel_partial,
            "statuses": statuses,
            "scores": scores,
            "score_gains": sgains,
            "posteriors": [[float(x) for x in mu] if mu else None for mu in posts],
            "model_gains": [_f(g) for g in mgains],
            "model_gains_exact": [_q(g) for g in mgains],
            "n_score_gains": len(valid_s),
            "mean_score_gain": (sum(valid_s) / len(valid_s)) if valid_s else None,
            "n_model_gains": len(valid_m),
        }
        mean_m = _mean(valid_m)
        agg["mean_model_gain"] = _f(mean_m)
        agg["mean_model_gain_exact"] = _q(mean_m)
        ratio = (mean_m / ceiling) if (mean_m is not None and ceiling) else None
        agg["achieved_over_ceiling"] = _f(ratio)
        agg["achieved_over_ceiling_exact"] = _q(ratio)
        if ceiling == 0:
            agg["achieved_over_ceiling_undefined"] = "the ceiling is zero"
        agg["n_above_ceiling"] = (sum(1 for g in valid_m if g > ceiling)
                                  if ceiling is not None else None)
        valid_p = [mu for mu in posts if mu is not None]
        if valid_p and game is not None:
            k = len(valid_p)
            ev = evaluate_splitting(game, [Fraction(1, k)] * k, [list(p) for p in valid_p])
            agg["posteriors_value"] = float(ev.value)
            agg["posteriors_value_exact"] = _q(ev.value)
            agg["mean_posterior"] = [float(x) for x in ev.mean_posterior]
            agg["bayes_plausibility_gap"] = float(ev.bayes_plausibility_error)
            agg["bayes_plausibility_gap_exact"] = _q(ev.bayes_plausibility_error)
            if kind == "yes_no":
                shift = ev.mean_posterior[1] - mu0[1]
                agg["mean_shift_p_true"] = float(shift)
        else:
            for key in ("posteriors_value", "posteriors_value_exact", "mean_posterior",
                        "bayes_plausibility_gap", "bayes_plausibility_gap_exact"):
                agg[key] = None
        rounds_out.append(agg)
    out["rounds"] = rounds_out
    if family == "evidence-stance":
        if evidence_prior is None:
            raise InvalidParameterError("the evidence-stance family needs evidence_prior")
        out["evidence"] = [
            empirical_scheme(raw, evidence_prior, round=r + 1, loss=loss, kind=kind)
            for r in range(n_rounds)
        ]
    return out


def _signal(rd: Mapping, signal: str) -> str:
    if rd["status"] in ("sender_unparsable", "not_reached"):
        return "no argument"
    if signal == "message":
        return rd["sender"]["parsed"]["argument"]
    score = rd["receiver"]["parsed"]["score"]
    return f"score {score}" if score is not None else "unparsable"


def empirical_scheme(
    raw: Mapping,
    prior_support: Fraction,
    *,
    round: int = 1,
    loss: str = "quadratic",
    signal: str = "score",
    kind: str = "yes_no",
) -> dict:
    """The sender's empirical signaling scheme in the evidence-stance game.

    Parameters
    ----------
    raw : mapping
        A transcript record whose dialogues carry ``evidence`` (with stance).
    prior_support : Fraction
        ``μ0(support)``: the claim's share of supporting evidence
        (:func:`bayespersuade.instances.families.evidence_support_share`).
    round : int, default 1
        Which round's outcome is the signal.
    loss : {"quadratic", "absolute"}
    signal : {"score", "message"}
        Group messages by the receiver's reported score after them (default),
        or by the argument's exact text (for templated senders).

    Returns
    -------
    dict
        ``signals``; ``counts`` per stance; the exact ``scheme`` ``π̂(s | ω)``;
        per signal its probability, the Bayesian posterior ``P(support | s)``
        and the receiver model's mean ``P(yes)`` after those messages; the
        scheme's value, gain and Bayes-plausibility check; and the optimum
        ``V(μ0)``, ``v̂(μ0)`` and ceiling of the same game.  ``available`` is
        false (with ``reason``) when a state has no messages.

    Examples
    --------
    A sender that always sends strength 2 with supporting evidence and
    strength 0 with undermining evidence fully reveals the state.

    >>> from fractions import Fraction as F
    >>> from bayespersuade.datasets.records import Evidence
    >>> from bayespersuade.llm.backends.scripted import scripted_receiver, scripted_sender
    >>> from bayespersuade.llm.protocol import ProtocolConfig, run_instance
    >>> ev = [Evidence("a", "A.", "support"), Evidence("b", "B.", "undermine")]
    >>> raw = run_instance("X.", scripted_sender(support=[2], undermine=[0]),
    ...                    scripted_receiver(), ProtocolConfig("static"), seed=0, evidence=ev)
    >>> e = empirical_scheme(raw, F(1, 2))
    >>> e["signals"], e["value_exact"], e["optimal_value_exact"]
    (['score 3', 'score 5'], '4', '9/2')
    """
    states = ("undermine", "support")
    prior = (1 - Fraction(prior_support), Fraction(prior_support))
    game = family_game("evidence-stance", prior, loss=loss, origin=prior_origin("evidence"))
    solved = _solve(game)
    for k in ("_value", "_nd", "_ceiling"):
        solved.pop(k)
    counts: dict[str, dict[str, int]] = {s: {} for s in states}
    p_yes: dict[str, list[float]] = {}
    for d in raw["dialogues"]:
        ev = d.get("evidence")
        if ev is None:
            raise InvalidParameterError("empirical_scheme needs dialogues with private evidence")
        rd = d["rounds"][round - 1]
        sig = _signal(rd, signal)
        counts[ev["stance"]][sig] = counts[ev["stance"]].get(sig, 0) + 1
        bel = (rd.get("beliefs") or {}).get(kind)
        if bel and bel.get("probs") is not None and kind == "yes_no":
            p_yes.setdefault(sig, []).append(bel["probs"][bel["labels"].index("yes")])
    signals = sorted({s for c in counts.values() for s in c})
    out: dict[str, Any] = {"round": round, "signal": signal, "signals": signals,
                           "counts": counts, "prior_support": str(prior[1]),
                           "optimum": solved}
    empty = [s for s in states if not counts[s] and prior[states.index(s)] > 0]
    if empty:
        out["available"] = False
        out["reason"] = f"no messages written with {' or '.join(empty)} evidence"
        return out
    scheme = []
    for s in states:
        n = sum(counts[s].values())
        # A state of prior probability zero has no messages: any row will do.
        scheme.append([Fraction(counts[s].get(sig, 0), n) if n else
                       Fraction(1, len(signals)) for sig in signals])
    ev = evaluate_scheme(game, scheme)
    idx = [int(i) for i in ev.signal_index]
    posts = {signals[i]: ev.posteriors[j] for j, i in enumerate(idx)}
    weights = {signals[i]: ev.weights[j] for j, i in enumerate(idx)}
    out.update({
        "available": True,
        "scheme": [[str(x) for x in row] for row in scheme],
        "signal_probability": [_q(weights.get(s, Fraction(0))) for s in signals],
        "bayes_posterior_support": [_q(posts[s][1]) if s in posts else None for s in signals],
        "bayes_posterior_support_float": [float(posts[s][1]) if s in posts else None
                                          for s in signals],
        "model_mean_p_yes": [float(np.mean(p_yes[s])) if s in p_yes else None
                             for s in signals],
        "value": float(ev.value), "value_exact": _q(ev.value),
        "gain": float(ev.gain), "gain_exact": _q(ev.gain),
        "optimal_value_exact": solved["value_exact"],
        "ceiling_exact": solved["ceiling_exact"],
        "bayes_plausible": bool(ev.is_bayes_plausible),
    })
    ceiling = Fraction(solved["ceiling_exact"]) if solved["ceiling_exact"] else None
    out["gain_over_ceiling"] = _f(ev.gain / ceiling) if ceiling else None
    return out


# ----------------------------------------------------------------- summaries

def _final(inst: Mapping) -> Mapping | None:
    rounds = inst["metrics"]["rounds"]
    return rounds[-1] if rounds else None


def _avg(xs: Iterable[float | None]) -> float | None:
    v = [x for x in xs if x is not None and not (isinstance(x, float) and math.isnan(x))]
    return float(sum(v) / len(v)) if v else None


#: The paper's prior-confidence bins: P(yes) in [0, 0.33), [0.33, 0.67), [0.67, 1].
CONFIDENCE_EDGES = (0.33, 0.67)


def _confidence_bin(inst: Mapping) -> str | None:
    m = inst["metrics"]
    if m.get("belief_source") == "score" and m.get("belief_kind") == "yes_no":
        # the prior is the belief the first score stands for, (s0 - 1)/6
        prior = m["prior"].get("belief")
        if prior is None:
            return None
        p = prior[1]
    else:
        b = (inst["transcript"]["initial"].get("beliefs") or {}).get("yes_no")
        if not b or b.get("probs") is None:
            return None
        p = b["probs"][b["labels"].index("yes")]
    lo, hi = CONFIDENCE_EDGES
    return "low" if p < lo else ("mid" if p < hi else "high")


def _group(pairs: Sequence[tuple[Mapping, Mapping]]) -> dict:
    """Means over (instance, round metrics) pairs of done instances."""
    rows = [r for _, r in pairs]
    games = [i["metrics"]["game"] for i, _ in pairs if i["metrics"].get("game")]
    ratios = [r["achieved_over_ceiling"] for r in rows]
    above = 0
    gain_sum = ceil_sum = Fraction(0)
    n_both = 0
    for i, r in pairs:
        g = i["metrics"].get("game")
        if g and r["mean_model_gain_exact"] is not None and g["ceiling_exact"] is not None:
            gm, gc = Fraction(r["mean_model_gain_exact"]), Fraction(g["ceiling_exact"])
            above += gm > gc
            gain_sum += gm
            ceil_sum += gc
            n_both += 1
    mean_gain = _avg(r["mean_score_gain"] for r in rows)
    return {
        "n_done": len(pairs),
        "n_instances_with_score_gain": sum(1 for r in rows if r["mean_score_gain"] is not None),
        "mean_score_gain": mean_gain,
        "pct_of_scale": None if mean_gain is None else 100 * mean_gain / SCALE,
        "mean_ceiling": _avg(g["ceiling"] for g in games),
        "mean_model_gain": _avg(r["mean_model_gain"] for r in rows),
        "mean_achieved_over_ceiling": _avg(ratios),
        "n_ratio_defined": sum(1 for x in ratios if x is not None),
        "ratio_of_means": float(gain_sum / ceil_sum) if n_both and ceil_sum else None,
        "mean_bayes_plausibility_gap": _avg(r["bayes_plausibility_gap"] for r in rows),
        "n_above_ceiling": above,
    }


def summarize(instances: Sequence[Mapping], *, round: int | None = None) -> dict:
    """The paper's summaries beside the ceiling summaries, per dataset.

    Parameters
    ----------
    instances : sequence of mapping
        Instance records as written by the runner (``status``, ``dataset``,
        ``metrics``...).
    round : int, optional
        The round summarised; default the last (static: 1; dynamic: 3, as
        the paper's ``s3 − s0``).

    Returns
    -------
    dict
        ``datasets``: per dataset, counts (instances, skipped, dialogues,
        unparsable answers, unavailable/partial beliefs) and means: reported
        score gain (mean over instances of each instance's mean over its
        parsable dialogues), its "% of scale" (``100 · gain / 7``), ceiling,
        model-consistent gain, achieved/ceiling (the mean of the per-instance
        ratios where the ceiling is positive, and the ratio of the mean gain
        to the mean ceiling), Bayes-plausibility gap, and the number of
        instances whose mean model-consistent gain exceeds the ceiling;
        ``by_confidence``: the same means per dataset for the paper's bins of
        the receiver's prior ``P(yes)`` (low < 0.33 <= mid < 0.67 <= high;
        with beliefs from the scores, the prior ``(s0 − 1)/6`` the first
        score stands for);
        ``average``: the unweighted mean over datasets of each mean (the
        paper's "Average").

    Examples
    --------
    >>> summarize([])["average"]["mean_score_gain"] is None
    True
    """
    by: dict[str, list[Mapping]] = {}
    for inst in instances:
        by.setdefault(inst["dataset"], []).append(inst)
    datasets = {}
    by_conf: dict[str, dict[str, dict]] = {}
    for name, insts in sorted(by.items()):
        done = [i for i in insts if i.get("status") == "done"]
        pairs = []
        for i in done:
            rs = i["metrics"]["rounds"]
            if rs:
                pairs.append((i, rs[(round or len(rs)) - 1]))
        rows = [r for _, r in pairs]
        datasets[name] = {
            "n_instances": len(insts),
            "n_skipped": sum(1 for i in insts if i.get("status") == "skipped"),
            "n_initial_unparsable": sum(1 for i in done
                                        if i["metrics"]["prior"]["score"] is None),
            "n_prior_unavailable": sum(1 for i in done if not i["metrics"].get("game")),
            "n_dialogues": sum(r["n_dialogues"] for r in rows),
            "n_sender_unparsable": sum(r["n_sender_unparsable"] for r in rows),
            "n_not_reached": sum(r["n_not_reached"] for r in rows),
            "n_receiver_unparsable": sum(r["n_receiver_unparsable"] for r in rows),
            "n_belief_unavailable": sum(r["n_belief_unavailable"] for r in rows),
            "n_belief_partial": sum(r["n_belief_partial"] for r in rows),
            **_group(pairs),
        }
        bins: dict[str, list] = {"low": [], "mid": [], "high": [], "unavailable": []}
        for i, r in pairs:
            bins[_confidence_bin(i) or "unavailable"].append((i, r))
        by_conf[name] = {k: _group(v) for k, v in bins.items() if v}
    keys = ("mean_score_gain", "pct_of_scale", "mean_ceiling", "mean_model_gain",
            "mean_achieved_over_ceiling", "ratio_of_means", "mean_bayes_plausibility_gap")
    average = {k: _avg(d[k] for d in datasets.values()) for k in keys}
    return {"round": round, "datasets": datasets, "by_confidence": by_conf,
            "confidence_edges": list(CONFIDENCE_EDGES), "average": average,
            "n_datasets": len(datasets)}
