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
* per round, over the dialogues: mean gains (with ``n`` and a Student ``t``
  interval over the dialogues, ``score_gain_estimate`` and
  ``model_gain_estimate``; no interval with one dialogue), **achieved / ceiling** (mean
  model-consistent gain over the ceiling), the posteriors' mean value
  ``(1/K) Σ_m v̂(μ_m)``, the **signed shift** of each dialogue's belief
  (``belief_shifts``: ``P(yes)`` after minus before, the shift of the mean
  position on ``1..7``, or score points with score-derived beliefs) and the
  **L1 gap** ``‖(1/K) Σ_m μ_m − μ0‖₁`` (``l1_gap``; also under its former name
  ``bayes_plausibility_gap``; the L1 norm, as in
  :func:`bayespersuade.solvers.evaluate.evaluate_splitting`), and the one-sided
  test that the instance's mean gain exceeds its ceiling (``above_ceiling_test``,
  made only with at least two dialogues).  A Bayesian receiver's posteriors
  average back to its prior (Kamenica & Gentzkow 2011), so its expected signed
  shift is zero; the L1 gap is positive even for a Bayesian receiver with
  finitely many dialogues and is evidence only against its null
  (:func:`bayes_consistency`, :doc:`/explanation/conclusions`).
* per dataset, pooled and averaged (:func:`summarize`): every statistic as an
  estimate with ``n``, a cluster-robust standard error and a cluster bootstrap
  interval over instances (:mod:`bayespersuade.llm.stats`), the
  Bayes-consistency test, the prior-construction sensitivity table
  (:func:`prior_sensitivity`), controls apart.

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

from ..exceptions import DataError, InvalidParameterError
from ..game import PersuasionGame
from ..instances.families import (
    make_game,
    prior_from_model_belief,
    prior_from_rating,
    prior_from_ratings,
    prior_origin,
)
from ..solvers.best_response import sender_value_exact
from ..solvers.evaluate import evaluate_scheme, evaluate_splitting
from .stats import (
    DEFAULT_CONFIDENCE,
    DEFAULT_RESAMPLES,
    DEFAULT_SEED,
    Estimate,
    cluster_mean,
    dialogue_mean,
    excess_test,
    l1_gap_test,
    mean_zero_test,
    ratio_of_means,
)
from .store import SUMMARY_SCHEMA

__all__ = [
    "ABOVE_CEILING_ALPHA",
    "COMPARED",
    "CONFIDENCE_EDGES",
    "CONTRADICTION_MARGIN",
    "FAMILIES",
    "LOW_MASS",
    "PRIOR_CONSTRUCTIONS",
    "SCALE",
    "bayes_consistency",
    "belief_kind",
    "compare_evaluations",
    "empirical_scheme",
    "exact_belief",
    "family_game",
    "instance_flags",
    "instance_metrics",
    "is_control",
    "low_mass",
    "prior_sensitivity",
    "prior_views",
    "prior_views_summary",
    "read_controls",
    "score_prior_note",
    "shift_unit",
    "summarize",
]

#: The instance families an evaluation can use.
FAMILIES = ("binary-truth", "normative-position", "evidence-stance")
#: The Likert scale's top (the paper's "% of scale" divides by it).
SCALE = 7


def _q(x: Fraction | None) -> str | None:
    return None if x is None else str(x)



def _scaled_estimate(est: Mapping[str, Any], c: Fraction) -> dict[str, Any]:
    """An estimate object divided by an exact positive constant ``c``.

    Estimate, standard error and interval all scale by ``1/c``; n and the
    method carry over, with the division named.

    >>> e = {"estimate": 0.2, "se": 0.1, "ci_low": 0.0, "ci_high": 0.4,
    ...      "n_instances": 1, "n_dialogues": 3, "method": "t"}
    >>> d = _scaled_estimate(e, Fraction(1, 2))
    >>> d["estimate"], d["ci_high"], d["method"]
    (0.4, 0.8, 't; divided by the exact ceiling 1/2')
    """
    if c <= 0:
        raise InvalidParameterError(f"_scaled_estimate: the divisor must be positive, got {c}")
    out = dict(est)
    for k in ("estimate", "se", "ci_low", "ci_high"):
        if out.get(k) is not None:
            out[k] = float(out[k] / c)
    out["method"] = f"{est['method']}; divided by the exact ceiling {c}"
    return out


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


#: A belief whose mass on the valid answers is below this is flagged in reports.
LOW_MASS = 0.5
#: A reported score and an elicited ``P(yes)`` contradict each other when the
#: belief the score stands for, ``(s − 1)/6``, and ``P(yes)`` differ by more than this.
CONTRADICTION_MARGIN = 0.5


def shift_unit(kind: str, belief_source: str) -> str:
    """The unit of the signed belief shift of an evaluation.

    ``"P(yes)"`` (binary beliefs), ``"mean position (1..7)"`` (the mean of
    the distribution over ``1..7``), or ``"score points"`` where beliefs come
    from the reported scores.

    Examples
    --------
    >>> shift_unit("yes_no", "logprobs"), shift_unit("likert", "score")
    ('P(yes)', 'score points')
    """
    if belief_source == "score":
        return "score points"
    return "P(yes)" if kind == "yes_no" else "mean position (1..7)"


def _signed_shift(mu0, mu, s0, score, kind: str, belief_source: str) -> float | None:
    if belief_source == "score":
        return float(score - s0) if score is not None and s0 is not None else None
    if mu0 is None or mu is None:
        return None
    if kind == "yes_no":
        return float(mu[1] - mu0[1])
    return float(sum((i + 1) * (a - b) for i, (a, b) in enumerate(zip(mu, mu0, strict=True))))


def _contradiction(score: int | None, mu, kind: str) -> bool | None:
    if kind != "yes_no" or score is None or mu is None:
        return None
    return bool(abs(Fraction(score - 1, 6) - mu[1]) > Fraction(CONTRADICTION_MARGIN))


def _mass(step: Mapping, kind: str) -> float | None:
    bel = (step.get("beliefs") or {}).get(kind) if isinstance(step, Mapping) else None
    return None if not bel or bel.get("mass") is None else float(bel["mass"])


def low_mass(inst: Mapping, round: int | None = None) -> tuple[float | None, int]:
    """The prior's belief mass and the number of dialogues of a round with low mass.

    Read from the transcript (the mass is what the model put on the valid answers
    before renormalising, :mod:`~.beliefs`); a mass below :data:`LOW_MASS` is
    shown in reports, never hidden.  ``round`` is 1-based (default: the last).

    Examples
    --------
    >>> rec = {"transcript": {"initial": {"beliefs": {"yes_no": {"mass": 0.3}}},
    ...                       "dialogues": []}, "metrics": {"belief_kind": "yes_no"}}
    >>> low_mass(rec)
    (0.3, 0)
    """
    kind = inst["metrics"]["belief_kind"]
    t = inst["transcript"]
    n = 0
    for d in t["dialogues"]:
        rs = d["rounds"]
        if rs:
            m = _mass(rs[(round or len(rs)) - 1], kind)
            n += m is not None and m < LOW_MASS
    return _mass(t["initial"], kind), n


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


def _exact_vhat(game: PersuasionGame):
    """``v̂`` of a rational common-prior game on exact beliefs, memoised per belief.

    The same value as ``game.sender_value(list(mu), exact=True)`` (the same exact
    best response, ties to the sender) without re-validating a belief that
    :func:`exact_belief` built.
    """
    _, v_q, u_q = game.exact_data()
    memo: dict[tuple, Fraction] = {}

    def vhat(mu: tuple[Fraction, ...]) -> Fraction:
        hit = memo.get(mu)
        if hit is None:
            hit = memo[mu] = sender_value_exact(u_q, v_q, mu)
        return hit

    return vhat


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
        # a belief not elicited: no "beliefs", no entry for this kind, or None
        bel0 = (raw["initial"].get("beliefs") or {}).get(kind)
        mu0 = exact_belief(bel0, kind)
        prior_status = bel0["status"] if bel0 else "not elicited"
    else:
        mu0 = _belief_from_score(s0, kind)
        prior_status = "ok" if s0 is not None else "unparsable score"
    prior_contra = (_contradiction(s0, mu0, kind) if belief_source == "logprobs" else None)
    out: dict[str, Any] = {
        "family": family, "loss": loss, "belief_source": belief_source, "belief_kind": kind,
        "prior_contradiction": prior_contra,
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
        vhat = _exact_vhat(game)
        nd = solved.pop("_nd")
        # v̂(μ0) is the solution's exact no-disclosure value when the prior is μ0
        value0 = (nd if nd is not None and tuple(game.exact_data()[0]) == tuple(mu0)
                  else vhat(tuple(mu0)))
        ceiling = solved.pop("_ceiling")
        solved.pop("_value")
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
                mgains.append(vhat(tuple(mu)) - value0)
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
        # this instance's means over its dialogues, with a t interval (n >= 2)
        agg["score_gain_estimate"] = dialogue_mean([float(g) for g in valid_s]).to_dict()
        agg["model_gain_estimate"] = dialogue_mean([float(g) for g in valid_m]).to_dict()
        agg["achieved_over_ceiling"] = _f(ratio)
        agg["achieved_over_ceiling_exact"] = _q(ratio)
        # the ceiling is exact and positive, so the ratio's interval is the
        # gain's interval divided by it
        agg["achieved_over_ceiling_estimate"] = (
            _scaled_estimate(agg["model_gain_estimate"], ceiling) if ceiling else None)
        if ceiling == 0:
            agg["achieved_over_ceiling_undefined"] = "the ceiling is zero"
        agg["n_above_ceiling"] = (sum(1 for g in valid_m if g > ceiling)
                                  if ceiling is not None else None)
        shifts = [_signed_shift(mu0, mu, s0, score, kind, belief_source)
                  for mu, score in zip(posts, scores, strict=True)]
        agg["shift_unit"] = shift_unit(kind, belief_source)
        agg["belief_shifts"] = shifts
        valid_sh = [x for x in shifts if x is not None]
        agg["mean_signed_shift"] = float(np.mean(valid_sh)) if valid_sh else None
        # this instance alone: its dialogues are independent draws given the claim
        zt = mean_zero_test([[x] for x in valid_sh])
        agg["signed_shift_test"] = {"estimate": zt["estimate"].to_dict(), "t": zt["t"],
                                    "p_value": zt["p_value"],
                                    "p_value_permutation": zt["p_value_permutation"]}
        agg["above_ceiling_test"] = (excess_test([_f(g) for g in valid_m], float(ceiling))
                                     if ceiling is not None else None)
        agg["contradictions"] = [_contradiction(score, mu, kind) if belief_source == "logprobs"
                                 else None for mu, score in zip(posts, scores, strict=True)]
        agg["n_contradictions"] = sum(1 for c in agg["contradictions"] if c)
        valid_p = [mu for mu in posts if mu is not None]
        if valid_p and game is not None:
            k = len(valid_p)
            ev = evaluate_splitting(game, [Fraction(1, k)] * k, [list(p) for p in valid_p])
            ev_value, ev_mean, ev_gap = (ev.value, ev.mean_posterior,
                                         ev.bayes_plausibility_error)
            agg["posteriors_value"] = float(ev_value)
            agg["posteriors_value_exact"] = _q(ev_value)
            agg["mean_posterior"] = [float(x) for x in ev_mean]
            agg["bayes_plausibility_gap"] = float(ev_gap)
            agg["bayes_plausibility_gap_exact"] = _q(ev_gap)
            agg["l1_gap"] = agg["bayes_plausibility_gap"]
            agg["l1_gap_exact"] = agg["bayes_plausibility_gap_exact"]
            if kind == "yes_no":
                shift = ev_mean[1] - mu0[1]
                agg["mean_shift_p_true"] = float(shift)
        else:
            for key in ("posteriors_value", "posteriors_value_exact", "mean_posterior",
                        "bayes_plausibility_gap", "bayes_plausibility_gap_exact", "l1_gap",
                        "l1_gap_exact"):
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
        out["prior_views"] = prior_views(Fraction(evidence_prior),
                                         None if mu0 is None else Fraction(mu0[1]),
                                         loss=loss, origin_receiver=belief_source)
    return out


#: The three views of :func:`prior_views`, in order.
PRIOR_VIEWS = ("dataset", "receiver", "heterogeneous")


def prior_views(dataset_prior: Fraction, receiver_prior: Fraction | None, *,
                loss: str = "quadratic", origin_receiver: str = "logprobs") -> dict:
    """The instance's ceiling under the dataset's prior, the receiver's, and both at once.

    For the evidence-stance family the dataset gives a prior of its own (the share
    of supporting evidence, ``μS``) beside the receiver's elicited belief ``μR``.
    Which one is "true" is a modelling choice, so all three games are solved
    exactly (binary-truth game over ``P(true)``, the instance's loss):

    * ``dataset``: both sides hold ``μS``;
    * ``receiver``: both sides hold ``μR`` (the game every other metric uses);
    * ``heterogeneous``: the state is drawn from ``μS`` while the receiver updates
      with ``μR`` (Alonso & Câmara 2016; :mod:`bayespersuade.solvers.priors`).

    Returns
    -------
    dict
        ``dataset_prior``, ``receiver_prior`` (``"p/q"`` strings), and per view
        ``{"value", "no_disclosure_value", "ceiling"}`` as ``"p/q"`` strings with
        float twins (``*_float``); or ``{"unavailable": reason}`` where the receiver's
        prior is unknown or rules out a state the dataset's prior allows.

    Examples
    --------
    >>> from fractions import Fraction as F
    >>> v = prior_views(F(4, 5), F(1, 2))
    >>> [v[k]["ceiling"] for k in PRIOR_VIEWS]
    ['3/10', '1/2', '21/11']

    (Heterogeneous: the receiver at ``1/2`` answers 4 without an argument; a signal
    sent whenever the claim is true and with probability ``1/11`` otherwise takes
    its belief to ``11/12``, answer 7, so ``V = 0.8·7 + 0.2·(7/11 + 10/11 · 1) =
    65/11`` — a larger gain than either common prior gives.)
    >>> prior_views(F(4, 5), F(0))["unavailable"]
    "the receiver's prior P(true) = 0 rules out a state the dataset's prior allows"
    """
    base = {"dataset_prior": str(dataset_prior),
            "receiver_prior": None if receiver_prior is None else str(receiver_prior),
            "receiver_prior_source": origin_receiver}
    if receiver_prior is None:
        return {**base, "unavailable": "the receiver's prior belief is unavailable"}
    if any(s > 0 and r == 0 for s, r in ((1 - dataset_prior, 1 - receiver_prior),
                                         (dataset_prior, receiver_prior))):
        return {**base, "unavailable": f"the receiver's prior P(true) = {receiver_prior} rules "
                                       "out a state the dataset's prior allows"}
    games = {
        "dataset": make_game("binary-truth", dataset_prior, loss=loss),
        "receiver": make_game("binary-truth", receiver_prior, loss=loss),
        "heterogeneous": make_game("binary-truth", dataset_prior, loss=loss,
                                   receiver_prior=receiver_prior),
    }
    for view, g in games.items():
        sol = g.solve(exact=True)
        if not sol.exact:  # pragma: no cover - two-state rational games certify
            return {**base, "unavailable": f"{view} view: {sol.exact_failure}"}
        base[view] = {"value": str(sol.value), "value_float": float(sol.value),
                      "no_disclosure_value": str(sol.no_disclosure_value),
                      "no_disclosure_value_float": float(sol.no_disclosure_value),
                      "ceiling": str(sol.gain), "ceiling_float": float(sol.gain)}
    return base


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
        "model_p_yes_estimate": [dialogue_mean(p_yes[s]).to_dict() if s in p_yes else None
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


#: The paper's prior-confidence bins: P(yes) in [0, 0.33), [0.33, 0.67), [0.67, 1].
CONFIDENCE_EDGES = (0.33, 0.67)
#: The significance level of the per-instance one-sided "above the ceiling" tests.
ABOVE_CEILING_ALPHA = 0.05
#: The prior constructions of the sensitivity table, in order.
PRIOR_CONSTRUCTIONS = ("elicited", "score", "population", "user")
_CONSTRUCTION_TEXT = {
    "elicited": "the receiver's elicited belief (log-probabilities) before the argument",
    "score": "the belief the receiver's first score stands for: (s0 − 1)/6, or the point "
             "mass at s0 (normative-position)",
    "population": "the claim's human initial ratings: the mean of (r − 1)/6 (two-state "
                  "families) or their histogram (normative-position)",
    "user": "a prior supplied by the user, the same for every instance",
}
_TRUE = {"true", "1", "yes", "y", "t"}
_FALSE = {"false", "0", "no", "n", "f", ""}


def _flag(value: Any, what: str) -> bool:
    if value is None:
        return False
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
        return value.strip().lower() in _TRUE
    raise DataError(f"{what}: a control flag must be true/false (or 1/0, yes/no), got "
                    f"{value!r}")


def instance_flags(record: Any) -> dict:
    """What an instance record notes about its claim: control, pair, human ratings.

    ``control``: the claim is a control (a ``control`` column of a claims file,
    or every observation of an Anthropic claim in the control condition);
    ``pair``: the id shared by a claim and its negation (a ``pair`` column), or
    ``None``; ``initial_ratings``: the dataset's human initial ratings of the
    claim (for the population prior).

    Examples
    --------
    >>> from bayespersuade.datasets import ClaimRecord, RatingObservation as O
    >>> rec = ClaimRecord("claims", "1", "A triangle has three sides.",
    ...                   observations=(O(initial=7, final=7),),
    ...                   metadata={"control": "true", "pair": "p1"})
    >>> instance_flags(rec)
    {'control': True, 'pair': 'p1', 'initial_ratings': [7]}
    """
    meta = getattr(record, "metadata", {}) or {}
    where = f"instance {record.dataset}/{record.id}, field control"
    control = _flag(meta.get("control"), where)
    obs = tuple(getattr(record, "observations", ()))
    if obs and all(o.extra.get("control") for o in obs):
        control = True
    pair = meta.get("pair")
    pair = None if pair is None or (isinstance(pair, str) and not pair.strip()) else str(pair)
    ratings = getattr(record, "initial_ratings", None)
    return {"control": control, "pair": pair,
            "initial_ratings": [int(r) for r in ratings()] if callable(ratings) else []}


def read_controls(path: str | Any) -> frozenset[str]:
    """Read a list of control instances: one id or ``dataset/id`` key a line.

    Blank lines and lines starting with ``#`` are ignored.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "controls.txt"
    >>> _ = p.write_text("# controls\\nanthropic/007\\n012\\n")
    >>> sorted(read_controls(p))
    ['012', 'anthropic/007']
    """
    from pathlib import Path

    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise DataError("no such controls file", path=str(p)) from None
    except UnicodeDecodeError:
        raise DataError("the controls file is not UTF-8 text", path=str(p)) from None
    return frozenset(line.strip() for line in text.splitlines()
                     if line.strip() and not line.lstrip().startswith("#"))


def is_control(inst: Mapping, controls: Iterable[str] | None = None) -> bool:
    """Whether an instance record is a control (its flag, or listed by id or key)."""
    if inst.get("control"):
        return True
    c = set(controls or ())
    return inst.get("key") in c or inst.get("id") in c


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


def _scaled(e: Estimate, factor: float, what: str) -> Estimate:
    def m(x):
        return None if x is None else x * factor

    return Estimate(m(e.estimate), m(e.se), m(e.ci_low), m(e.ci_high), e.n_instances,
                    e.n_dialogues, f"{what}; {e.method}")


def _shift_vectors(inst: Mapping, r: Mapping) -> list[list[float]]:
    mu0 = inst["metrics"]["prior"]["belief"]
    if mu0 is None:
        return []
    return [[a - b for a, b in zip(mu, mu0, strict=True)] for mu in r["posteriors"]
            if mu is not None]


def _shifts(inst: Mapping, r: Mapping) -> list[float]:
    if "belief_shifts" in r:
        return [x for x in r["belief_shifts"] if x is not None]
    m = inst["metrics"]
    if m["belief_source"] == "score":
        return [float(g) for g in r["score_gains"] if g is not None]
    mu0 = m["prior"]["belief"]
    if mu0 is None:
        return []
    if m["belief_kind"] == "yes_no":
        return [mu[1] - mu0[1] for mu in r["posteriors"] if mu is not None]
    return [sum((k + 1) * (a - b) for k, (a, b) in enumerate(zip(mu, mu0, strict=True)))
            for mu in r["posteriors"] if mu is not None]


def bayes_consistency(
    pairs: Sequence[tuple[Mapping, Mapping]], *, confidence: float = DEFAULT_CONFIDENCE,
    n_resamples: int = DEFAULT_RESAMPLES, seed: int = DEFAULT_SEED,
) -> dict:
    """The Bayes-consistency block of a group of (instance record, round metrics) pairs.

    A Bayesian receiver's posteriors average back to its prior whatever the
    sender says (the martingale property), and the sender argues for the
    claim whatever the truth; so the **signed shift** ``E[μ_m] − μ0`` is zero
    for a Bayesian receiver.  Returned (see :mod:`bayespersuade.llm.stats`):

    ``signed_shift``
        the mean over instances of the mean shift (unit ``unit``: ``P(yes)``,
        the mean position on ``1..7``, or score points), an estimate object;
    ``t``, ``p_value``, ``p_value_permutation``
        its cluster-robust ``t`` test of zero and the sign-flip test;
    ``l1_gap``, ``l1_gap_null_mean``, ``l1_gap_null_q95``, ``l1_gap_p_value``
        the **L1 gap** ``‖mean posterior − μ0‖₁`` and its null distribution
        (a Bayesian receiver with the same number of dialogues);
    ``score_shift``
        the same test on the reported-score gains (score points).

    Examples
    --------
    >>> bayes_consistency([])["signed_shift"]["n_instances"]
    0
    """
    opts = {"confidence": confidence, "n_resamples": n_resamples, "seed": seed}
    units = {r.get("shift_unit") or shift_unit(i["metrics"]["belief_kind"],
                                               i["metrics"]["belief_source"]) for i, r in pairs}
    zt = mean_zero_test([_shifts(i, r) for i, r in pairs], **opts)
    l1 = l1_gap_test([_shift_vectors(i, r) for i, r in pairs], **opts)
    st = mean_zero_test([[float(g) for g in r["score_gains"] if g is not None]
                         for _, r in pairs], **opts)
    return {
        "unit": units.pop() if len(units) == 1 else (None if not units else "mixed"),
        "signed_shift": zt["estimate"].to_dict(), "t": zt["t"], "df": zt["df"],
        "p_value": zt["p_value"], "p_value_permutation": zt["p_value_permutation"],
        "l1_gap": l1["l1_gap"].to_dict(), "l1_gap_null_mean": l1["l1_gap_null_mean"],
        "l1_gap_null_q95": l1["l1_gap_null_q95"], "l1_gap_p_value": l1["l1_gap_p_value"],
        "score_shift": {"estimate": st["estimate"].to_dict(), "t": st["t"], "df": st["df"],
                        "p_value": st["p_value"],
                        "p_value_permutation": st["p_value_permutation"]},
    }


def _group(pairs: Sequence[tuple[Mapping, Mapping]], opts: Mapping) -> dict:
    """Counts and estimate objects over (instance, round) pairs.

    Every aggregate is an estimate object under ``statistics`` (or in
    ``bayes_consistency``); the bare numbers beside are counts (summary schema
    2, :data:`~bayespersuade.llm.store.SUMMARY_SCHEMA`).
    """
    rows = [r for _, r in pairs]
    above = n_tested = n_sig = 0
    num, den, excess = [], [], []
    n_d_both = 0
    for i, r in pairs:
        g = i["metrics"].get("game")
        if g and r["mean_model_gain_exact"] is not None and g["ceiling_exact"] is not None:
            gm, gc = Fraction(r["mean_model_gain_exact"]), Fraction(g["ceiling_exact"])
            above += gm > gc
            num.append(float(gm))
            den.append(float(gc))
            vals = [float(Fraction(x)) for x in r["model_gains_exact"] if x is not None]
            excess.append([v - float(gc) for v in vals])
            n_d_both += len(vals)
            t = r.get("above_ceiling_test") or excess_test(vals, float(gc))
            if t["tested"]:
                n_tested += 1
                n_sig += t["p_value"] is not None and t["p_value"] < ABOVE_CEILING_ALPHA
    sg = [[float(x) for x in r["score_gains"] if x is not None] for r in rows]
    mg = [[x for x in r["model_gains"] if x is not None] for r in rows]
    n_dial = [sum(1 for x in r["model_gains"] if x is not None) for r in rows]
    ceil_cl = [[i["metrics"]["game"]["ceiling"]] for i, _ in pairs if i["metrics"].get("game")]
    score_gain = cluster_mean(sg, **opts)
    ceiling = cluster_mean(ceil_cl, **opts)
    ceiling = Estimate(ceiling.estimate, ceiling.se, ceiling.ci_low, ceiling.ci_high,
                       ceiling.n_instances, sum(n_dial[k] for k, (i, _) in enumerate(pairs)
                                                if i["metrics"].get("game")),
                       ceiling.method)
    statistics = {
        "score_gain": score_gain.to_dict(),
        "pct_of_scale": _scaled(score_gain, 100 / SCALE, f"100 · score gain / {SCALE} (the "
                                "paper's '% of scale')").to_dict(),
        "pct_of_range": _scaled(score_gain, 100 / (SCALE - 1), f"100 · score gain / "
                                f"{SCALE - 1} (the scale's range)").to_dict(),
        "model_gain": cluster_mean(mg, **opts).to_dict(),
        "ceiling": ceiling.to_dict(),
        "achieved_over_ceiling": ratio_of_means(num, den, n_dialogues=n_d_both,
                                                **opts).to_dict(),
        "excess_over_ceiling": cluster_mean(excess, **opts).to_dict(),
    }
    return {
        "n_done": len(pairs),
        "n_instances_with_score_gain": sum(1 for r in rows if r["mean_score_gain"] is not None),
        "n_above_ceiling": above,
        "n_above_ceiling_tested": n_tested,
        "n_above_ceiling_significant": n_sig,
        "above_ceiling_alpha": ABOVE_CEILING_ALPHA,
        "n_contradictions": sum(r.get("n_contradictions", 0) for r in rows),
        "n_low_mass": sum(low_mass(i, r["round"])[1] for i, r in pairs),
        "statistics": statistics,
        "bayes_consistency": bayes_consistency(pairs, **opts),
    }


def _average(blocks: Sequence[Mapping], confidence: float) -> dict:
    """The unweighted mean over datasets (the paper's "Average") of each estimate."""
    from scipy import stats as _st

    z = float(_st.norm.ppf(0.5 + confidence / 2))
    statistics = {}
    names = blocks[0]["statistics"] if blocks else {}
    for name in names:
        es = [Estimate.from_dict(b["statistics"][name]) for b in blocks]
        if not es or any(e.estimate is None for e in es):
            statistics[name] = Estimate(None, None, None, None, sum(e.n_instances for e in es),
                                        sum(e.n_dialogues for e in es),
                                        "undefined: a dataset has no estimate").to_dict()
            continue
        est = sum(e.estimate for e in es) / len(es)
        if any(e.se is None for e in es):
            se = lo = hi = None
            how = "no SE, no interval: a dataset's estimate has none (fewer than 2 instances)"
        else:
            se = math.sqrt(sum(e.se ** 2 for e in es)) / len(es)
            lo, hi = est - z * se, est + z * se
            how = f"SE from theirs (independent datasets); normal {confidence:.0%} interval"
        statistics[name] = Estimate(
            est, se, lo, hi, sum(e.n_instances for e in es), sum(e.n_dialogues for e in es),
            f"unweighted mean of {len(es)} dataset estimates; {how}").to_dict()
    return {"n_datasets": len(blocks), "statistics": statistics}


def _pair_consistency(insts: Sequence[Mapping], opts: Mapping) -> dict:
    by: dict[str, list[Mapping]] = {}
    for i in insts:
        if i.get("pair") is not None:
            by.setdefault(str(i["pair"]), []).append(i)
    sums, bad = [], []
    for pid, members in sorted(by.items()):
        ps = []
        for i in members:
            b = (i["transcript"]["initial"].get("beliefs") or {}).get("yes_no")
            if b and b.get("probs") is not None:
                ps.append(b["probs"][b["labels"].index("yes")])
        if len(members) != 2:
            bad.append({"pair": pid, "reason": f"{len(members)} instances, not 2"})
        elif len(ps) != 2:
            bad.append({"pair": pid, "reason": "P(yes) not elicited for both"})
        else:
            sums.append([float(ps[0] + ps[1] - 1)])
    return {"n_pairs": len(sums), "incomplete": bad,
            "sum_minus_one": cluster_mean(sums, **opts).to_dict(),
            "what": "P(claim) + P(negation) − 1 from the receiver's elicited initial P(yes); "
                    "0 for a coherent receiver"}


def summarize(
    instances: Sequence[Mapping],
    *,
    round: int | None = None,
    controls: Iterable[str] | None = None,
    user_prior: Any = None,
    confidence: float = DEFAULT_CONFIDENCE,
    n_resamples: int = DEFAULT_RESAMPLES,
    seed: int = DEFAULT_SEED,
    sensitivity: bool = True,
) -> dict:
    """The paper's summaries beside the ceiling summaries, per dataset, with uncertainty.

    Parameters
    ----------
    instances : sequence of mapping
        Instance records as written by the runner (``status``, ``dataset``,
        ``metrics``...).
    round : int, optional
        The round summarised; default the last (static: 1; dynamic: 3, as
        the paper's ``s3 − s0``).
    controls : iterable of str, optional
        Ids or ``dataset/id`` keys of control instances, besides those whose
        record is flagged ``control``.  Controls are left out of the headline
        (``datasets``, ``pooled``, ``average``) and summarised apart
        (``controls``).
    user_prior : optional
        A prior for the ``user`` row of the sensitivity table (``P(true)``, or
        seven probabilities for normative-position).
    confidence, n_resamples, seed
        The intervals' level and the resampling (see
        :mod:`bayespersuade.llm.stats`); recorded in ``resampling``.
    sensitivity : bool, default True
        Compute the prior-construction sensitivity table.

    Returns
    -------
    dict
        ``schema`` (:data:`~bayespersuade.llm.store.SUMMARY_SCHEMA`: every
        aggregate is an estimate object, the bare numbers are counts, tests or
        settings); ``datasets``: per dataset, counts (instances, skipped, dialogues,
        unparsable answers, unavailable/partial beliefs, contradictions, low
        belief mass), ``statistics`` (estimate objects
        ``{"estimate", "se", "ci_low", "ci_high", "n_instances",
        "n_dialogues", "method"}`` for ``score_gain``, ``pct_of_scale`` (÷ 7,
        the paper's convention), ``pct_of_range`` (÷ 6), ``model_gain``,
        ``ceiling``, ``achieved_over_ceiling`` (ratio of means),
        ``excess_over_ceiling``), ``bayes_consistency``
        (:func:`bayes_consistency`), and the instances above the ceiling:
        counted (point estimates), tested (≥ 2 dialogues) and significant
        (one-sided, ``above_ceiling_alpha``); ``pooled``: the same over all
        datasets' instances (an evaluation has one sender and one receiver, so
        this is the (sender, receiver) pair's block; compare pairs with
        :func:`compare_evaluations`); ``average``: the unweighted mean over datasets
        (the paper's "Average": ``n_datasets`` and ``statistics``);
        ``by_confidence``: per dataset, the same for
        the paper's bins of the prior ``P(yes)`` (low < 0.33 <= mid < 0.67 <=
        high; with beliefs from the scores, the prior ``(s0 − 1)/6`` the first
        score stands for); ``controls``: the same
        blocks over the control instances; ``pairs``: claim/negation
        consistency; ``sensitivity``: per dataset, the rows of
        :func:`prior_sensitivity`; ``resampling``: level, resamples, seed.

    Examples
    --------
    >>> s = summarize([])
    >>> s["schema"], s["pooled"]["statistics"]["score_gain"]["n_instances"]
    ('bayespersuade.llm.summary/2', 0)
    >>> s["average"]["statistics"], s["resampling"]["seed"]
    ({}, 0)
    """
    opts = {"confidence": confidence, "n_resamples": n_resamples, "seed": seed}
    controls = frozenset(controls or ())
    head = [i for i in instances if not is_control(i, controls)]
    ctrl = [i for i in instances if is_control(i, controls)]

    def pairs_of(insts):
        out = []
        for i in insts:
            if i.get("status") != "done":
                continue
            rs = i["metrics"]["rounds"]
            if rs:
                out.append((i, rs[(round or len(rs)) - 1]))
        return out

    def blocks(insts):
        by: dict[str, list[Mapping]] = {}
        for inst in insts:
            by.setdefault(inst["dataset"], []).append(inst)
        datasets = {}
        for name, group in sorted(by.items()):
            done = [i for i in group if i.get("status") == "done"]
            pairs = pairs_of(group)
            rows = [r for _, r in pairs]
            datasets[name] = {
                "n_instances": len(group),
                "n_skipped": sum(1 for i in group if i.get("status") == "skipped"),
                "n_initial_unparsable": sum(1 for i in done
                                            if i["metrics"]["prior"]["score"] is None),
                "n_prior_unavailable": sum(1 for i in done if not i["metrics"].get("game")),
                "n_dialogues": sum(r["n_dialogues"] for r in rows),
                "n_sender_unparsable": sum(r["n_sender_unparsable"] for r in rows),
                "n_not_reached": sum(r["n_not_reached"] for r in rows),
                "n_receiver_unparsable": sum(r["n_receiver_unparsable"] for r in rows),
                "n_belief_unavailable": sum(r["n_belief_unavailable"] for r in rows),
                "n_belief_partial": sum(r["n_belief_partial"] for r in rows),
                **_group(pairs, opts),
            }
        return by, datasets

    by, datasets = blocks(head)
    by_conf: dict[str, dict[str, dict]] = {}
    for name, group in sorted(by.items()):
        bins: dict[str, list] = {"low": [], "mid": [], "high": [], "unavailable": []}
        for i, r in pairs_of(group):
            bins[_confidence_bin(i) or "unavailable"].append((i, r))
        by_conf[name] = {k: _group(v, opts) for k, v in bins.items() if v}
    _, ctrl_datasets = blocks(ctrl)
    out = {
        "schema": SUMMARY_SCHEMA,
        "round": round,
        "resampling": {"unit": "instance", "confidence": confidence,
                       "n_resamples": n_resamples, "seed": seed},
        "datasets": datasets,
        "pooled": _group(pairs_of(head), opts),
        "average": _average(list(datasets.values()), confidence),
        "by_confidence": by_conf,
        "confidence_edges": list(CONFIDENCE_EDGES),
        "n_datasets": len(datasets),
        "n_controls": len(ctrl),
        "controls": {"datasets": ctrl_datasets,
                     "pooled": _group(pairs_of(ctrl), opts) if ctrl else None},
        "pairs": None,
    }
    done_all = [i for i, _ in pairs_of(instances)]
    if any(i.get("pair") is not None for i in done_all):
        out["pairs"] = _pair_consistency(done_all, opts)
    views = {name: prior_views_summary([i for i, _ in pairs_of(group)], **opts)
             for name, group in sorted(by.items())}
    out["prior_views"] = {k: v for k, v in views.items() if v is not None} or None
    if sensitivity:
        out["sensitivity"] = {name: prior_sensitivity(pairs_of(group), user_prior=user_prior,
                                                      **opts)
                              for name, group in sorted(by.items())}
        out["sensitivity_note"] = score_prior_note(head)
    return out


def prior_views_summary(instances: Sequence[Mapping], **opts: Any) -> dict | None:
    """Mean ceiling under each view of :func:`prior_views`, with n and an interval.

    ``None`` when no instance carries prior views (every family but
    evidence-stance).  Instances whose views are unavailable are counted
    (``n_unavailable``) and left out of the means; each instance counts once.

    Examples
    --------
    >>> prior_views_summary([]) is None
    True
    """
    having = [i["metrics"]["prior_views"] for i in instances
              if (i.get("metrics") or {}).get("prior_views") is not None]
    if not having:
        return None
    ok = [v for v in having if "unavailable" not in v]
    out: dict[str, Any] = {"n_instances": len(ok), "n_unavailable": len(having) - len(ok)}
    for view in PRIOR_VIEWS:
        vals = [[v[view]["ceiling_float"]] for v in ok]
        est = cluster_mean(vals, **opts).to_dict()
        # the exact mean of the exact ceilings, inside the estimate it is the value of
        est["estimate_exact"] = (str(sum((Fraction(v[view]["ceiling"]) for v in ok),
                                         Fraction(0)) / len(ok)) if ok else None)
        out[view] = est
    return out


# ------------------------------------------------------- prior sensitivity

def _game_family(family: str) -> str:
    return "binary-truth" if family == "evidence-stance" else family


class _Solver:
    """Exact ``v̂`` and ceilings of one family and loss, cached by belief."""

    def __init__(self, family: str, loss: str) -> None:
        self.family = _game_family(family)
        self.kind = belief_kind(self.family)
        n = 2 if self.kind == "yes_no" else 7
        self.base = family_game(self.family, tuple([Fraction(1, n)] * n), loss=loss)
        self.loss = loss
        self._v: dict[tuple, Fraction] = {}
        self._c: dict[tuple, Fraction] = {}

    def vhat(self, mu: Sequence[Fraction]) -> Fraction:
        key = tuple(mu)
        if key not in self._v:
            self._v[key] = Fraction(self.base.sender_value(list(key), exact=True))
        return self._v[key]

    def ceiling(self, mu: Sequence[Fraction]) -> Fraction | None:
        key = tuple(mu)
        if key not in self._c:
            sol = family_game(self.family, key, loss=self.loss).solve(exact=True)
            self._c[key] = Fraction(sol.gain) if sol.exact else None
        return self._c[key]


def _user_vector(user_prior: Any, kind: str) -> tuple[Fraction, ...]:
    from ..datasets.claims import parse_probability

    try:
        if kind == "yes_no":
            q = parse_probability(str(user_prior), "user prior")
            return (1 - q, q)
        vec = tuple(parse_probability(str(x), "user prior") for x in user_prior)
    except Exception as e:  # RowError is internal to the loaders
        raise InvalidParameterError(f"user prior {user_prior!r}: {e}") from None
    if len(vec) != 7 or sum(vec) != 1:
        raise InvalidParameterError(f"a normative-position user prior is 7 probabilities "
                                    f"summing to 1, got {user_prior!r}")
    return vec


def prior_sensitivity(
    pairs: Sequence[tuple[Mapping, Mapping]],
    *,
    user_prior: Any = None,
    confidence: float = DEFAULT_CONFIDENCE,
    n_resamples: int = DEFAULT_RESAMPLES,
    seed: int = DEFAULT_SEED,
) -> list[dict]:
    """Mean ceiling, mean achieved gain and their ratio under each prior construction.

    How the prior ``μ0`` is built changes the ceiling ``ΔV(μ0)``, so the
    numbers are given side by side, never under one silently chosen
    construction (:data:`PRIOR_CONSTRUCTIONS`):

    ``elicited``
        the receiver's elicited belief before the argument; achieved =
        ``v̂(μ_m) − v̂(μ0)`` with the elicited posteriors;
    ``score``
        ``(s0 − 1)/6`` (point mass at ``s0`` for normative-position); achieved
        = ``v̂`` of the score-derived posterior minus ``v̂`` of the score-derived
        prior;
    ``population``
        the claim's human initial ratings (recorded with the instance);
    ``user``
        ``user_prior`` for every instance.

    For ``population`` and ``user`` only the prior (so the ceiling) changes:
    achieved is the score-derived gain, the receiver's reported movement.

    Returns
    -------
    list of dict
        One row per construction: ``construction``, ``description``,
        ``achieved_from``, ``n_instances`` and estimate objects
        ``ceiling``, ``achieved`` and ``ratio`` (ratio of means); a
        construction without data has ``n_instances`` 0 and ``reason``.

    Examples
    --------
    >>> [r["construction"] for r in prior_sensitivity([])]
    ['elicited', 'score', 'population', 'user']
    """
    opts = {"confidence": confidence, "n_resamples": n_resamples, "seed": seed}
    rows = []
    solvers: dict[tuple, _Solver] = {}
    per: dict[str, tuple[list, list, list]] = {c: ([], [], []) for c in PRIOR_CONSTRUCTIONS}
    for inst, r in pairs:
        m = inst["metrics"]
        key = (m["family"], m["loss"])
        if key not in solvers:
            solvers[key] = _Solver(*key)
        sv = solvers[key]
        kind = sv.kind
        # score-derived beliefs (also the achieved gain of population / user)
        s0 = m["prior"]["score"]
        sgain = None
        if s0 is not None:
            b0 = _belief_from_score(s0, kind)
            v0 = sv.vhat(b0)
            sgain = [float(sv.vhat(_belief_from_score(s, kind)) - v0)
                     for s in r["scores"] if s is not None]
            c = sv.ceiling(b0)
            if c is not None and sgain:
                per["score"][0].append(float(c))
                per["score"][1].append(sgain)
        # elicited
        if m["belief_source"] == "logprobs" and m.get("game") and m["game"]["ceiling"] is not None:
            gains = [x for x in r["model_gains"] if x is not None]
            if gains:
                per["elicited"][0].append(float(m["game"]["ceiling"]))
                per["elicited"][1].append(gains)
        elif m["belief_source"] == "score":
            init = (inst["transcript"]["initial"].get("beliefs") or {}).get(kind)
            mu0 = exact_belief(init, kind)
            if mu0 is not None:
                v0 = sv.vhat(mu0)
                gains = []
                rd_idx = r["round"] - 1
                for d in inst["transcript"]["dialogues"]:
                    bel = (d["rounds"][rd_idx].get("beliefs") or {}).get(kind)
                    mu = exact_belief(bel, kind)
                    if mu is not None:
                        gains.append(float(sv.vhat(mu) - v0))
                c = sv.ceiling(mu0)
                if gains and c is not None:
                    per["elicited"][0].append(float(c))
                    per["elicited"][1].append(gains)
        # population
        ratings = inst.get("initial_ratings") or []
        if ratings and sgain:
            pr, _ = prior_from_ratings(ratings, sv.family)
            vec = (1 - pr, pr) if kind == "yes_no" else tuple(pr)
            c = sv.ceiling(vec)
            if c is not None:
                per["population"][0].append(float(c))
                per["population"][1].append(sgain)
        if user_prior is not None and sgain:
            c = sv.ceiling(_user_vector(user_prior, kind))
            if c is not None:
                per["user"][0].append(float(c))
                per["user"][1].append(sgain)
    reasons = {"elicited": "no elicited beliefs", "score": "no parsable first score",
               "population": "no human initial ratings recorded for these claims",
               "user": "no user prior given"}
    for name in PRIOR_CONSTRUCTIONS:
        ceil, ach, _ = per[name]
        n_d = sum(len(a) for a in ach)
        row: dict[str, Any] = {
            "construction": name, "description": _CONSTRUCTION_TEXT[name],
            "achieved_from": ("elicited posteriors" if name == "elicited"
                              else "score-derived posteriors"),
            "n_instances": len(ceil),
        }
        c_est = cluster_mean([[c] for c in ceil], **opts)
        row["ceiling"] = Estimate(c_est.estimate, c_est.se, c_est.ci_low, c_est.ci_high,
                                  c_est.n_instances, n_d, c_est.method).to_dict()
        row["achieved"] = cluster_mean(ach, **opts).to_dict()
        row["ratio"] = ratio_of_means([float(np.mean(a)) for a in ach], ceil,
                                      n_dialogues=n_d, **opts).to_dict()
        if not ceil:
            row["reason"] = reasons[name]
        rows.append(row)
    return rows


def score_prior_note(instances: Sequence[Mapping]) -> str | None:
    """The caveat on score-derived priors, computed for the evaluation's family and loss.

    For each family and loss of the instances, the ceilings at the seven
    score-derived priors are computed exactly; when every interior score
    (2..6) has the same ceiling the note says so and why.

    Examples
    --------
    >>> rec = {"status": "done", "metrics": {"family": "binary-truth", "loss": "quadratic"}}
    >>> print(score_prior_note([rec]))  # doctest: +ELLIPSIS
    binary-truth, quadratic loss: with the score-derived prior μ0 = (s0 − 1)/6 every
    interior score (2..6) has ceiling exactly 1/2, whatever the claim: ...
    """
    keys = sorted({(i["metrics"]["family"], i["metrics"]["loss"]) for i in instances
                   if i.get("status") == "done"})
    notes = []
    for family, loss in keys:
        sv = _Solver(family, loss)
        if sv.kind != "yes_no":
            continue
        cs = [sv.ceiling(_belief_from_score(s, "yes_no")) for s in range(2, 7)]
        if len(set(cs)) == 1 and cs[0] is not None:
            notes.append(
                f"{family}, {loss} loss: with the score-derived prior μ0 = (s0 − 1)/6 every "
                f"interior score (2..6) has ceiling exactly {cs[0]}, whatever the claim: the "
                f"prior μ0 = k/6 sits where the receiver's best reply is exactly the score "
                f"k + 1, midway between the breakpoints μ = (2k ± 1)/12 of v̂, where the "
                f"ceiling jumps (from about 1 just below a breakpoint to 0 just above it). "
                f"Under this construction the ceiling says nothing about the claim; compare "
                f"the other constructions.")
    return "\n".join(notes) if notes else None


# ------------------------------------------------------- paired comparisons

#: The per-instance quantities :func:`compare_evaluations` compares.
COMPARED = ("score_gain", "model_gain", "signed_shift")


def _instance_value(inst: Mapping, r: Mapping, what: str) -> float | None:
    if what == "score_gain":
        vals = [float(g) for g in r["score_gains"] if g is not None]
    elif what == "model_gain":
        vals = [float(g) for g in r["model_gains"] if g is not None]
    else:
        vals = _shifts(inst, r)
    return float(np.mean(vals)) if vals else None


def compare_evaluations(
    records_a: Sequence[Mapping],
    records_b: Sequence[Mapping],
    *,
    round: int | None = None,
    controls: Iterable[str] | None = None,
    confidence: float = DEFAULT_CONFIDENCE,
    n_resamples: int = DEFAULT_RESAMPLES,
    seed: int = DEFAULT_SEED,
) -> dict:
    """Paired differences between two evaluations of the same instances.

    Instances are matched by key (``dataset/id``); only instances finished in
    both runs are compared, controls (flagged in either run, or listed) left
    out.  For each quantity of :data:`COMPARED` (the instance's mean over its
    dialogues of the round: reported-score gain, model-consistent gain, signed
    belief shift) and each dataset and pooled: the mean of ``A − B`` over
    instances with a cluster bootstrap interval, the paired ``t`` test and a
    permutation test that swaps the runs within instances
    (:func:`~bayespersuade.llm.stats.paired_difference`).  Model gains and
    shifts are compared only when both runs use the same family, loss and
    belief source (otherwise ``reason`` says why).

    Returns
    -------
    dict
        ``n_matched``, ``only_in_a``, ``only_in_b`` (keys), ``n_controls``,
        ``comparisons``: ``{quantity: {dataset or "pooled": {"a", "b",
        "difference", "t", "p_value", "p_value_permutation"}}}`` (``a`` and
        ``b`` are estimate objects of each run's mean over the matched
        instances), and ``resampling``.

    Examples
    --------
    >>> compare_evaluations([], [])["n_matched"]
    0
    """
    from .stats import paired_difference

    opts = {"confidence": confidence, "n_resamples": n_resamples, "seed": seed}
    controls = frozenset(controls or ())

    def index(recs):
        out = {}
        for i in recs:
            if i.get("status") == "done" and i["metrics"]["rounds"]:
                rs = i["metrics"]["rounds"]
                k = (round or len(rs)) - 1
                if k >= len(rs):
                    raise InvalidParameterError(f"instance {i['key']} has {len(rs)} round(s), "
                                                f"not {round}")
                out[i["key"]] = (i, rs[k])
        return out

    a, b = index(records_a), index(records_b)
    ctrl = {k for k in set(a) | set(b)
            if (k in a and is_control(a[k][0], controls))
            or (k in b and is_control(b[k][0], controls))}
    keys = sorted((set(a) & set(b)) - ctrl)
    setting = {
        side: {(i["metrics"]["family"], i["metrics"]["loss"], i["metrics"]["belief_source"])
               for i, _ in idx.values()} for side, idx in (("a", a), ("b", b))}
    same = len(setting["a"] | setting["b"]) <= 1
    out: dict[str, Any] = {
        "n_matched": len(keys), "only_in_a": sorted(set(a) - set(b) - ctrl),
        "only_in_b": sorted(set(b) - set(a) - ctrl), "n_controls": len(ctrl),
        "resampling": {"unit": "instance", **opts}, "comparisons": {},
    }
    datasets = sorted({a[k][0]["dataset"] for k in keys})
    for what in COMPARED:
        if what != "score_gain" and not same:
            out["comparisons"][what] = {"reason": "the runs use different families, losses or "
                                                  "belief sources"}
            continue
        block = {}
        for name in [*datasets, "pooled"]:
            ks = [k for k in keys if name == "pooled" or a[k][0]["dataset"] == name]
            va, vb, n_d = [], [], 0
            for k in ks:
                xa = _instance_value(*a[k], what)
                xb = _instance_value(*b[k], what)
                if xa is not None and xb is not None:
                    va.append(xa)
                    vb.append(xb)
                    n_d += a[k][1]["n_dialogues"] + b[k][1]["n_dialogues"]
            res = paired_difference(va, vb, n_dialogues=n_d, **opts)
            block[name] = {"a": cluster_mean([[x] for x in va], **opts).to_dict(),
                           "b": cluster_mean([[x] for x in vb], **opts).to_dict(),
                           "difference": res["difference"].to_dict(), "t": res["t"],
                           "p_value": res["p_value"],
                           "p_value_permutation": res["p_value_permutation"]}
        out["comparisons"][what] = block
    return out
