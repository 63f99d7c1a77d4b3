"""Sender strategies: can a language model play the optimal scheme?

In the evidence-stance game (:func:`~bayespersuade.instances.families.evidence_stance_game`)
the sender privately holds one piece of evidence whose stance is the state,
``ω ∈ {undermine, support}``, drawn from the prior ``μ0 = P(support)``.  The
library knows the game's optimal signaling scheme ``π*`` exactly; a sender
strategy says what the sender is told to do with its evidence:

``"free"``
    The paper's unguided sender: "argue for the claim" (the baseline).
``"optimal"``
    Per dialogue, the state is drawn from the prior, the evidence from the
    claim's pieces of that stance, and a recommendation ``s ~ π*(· | ω)``;
    the sender is told the posterior ``P(support | s)`` and the answer
    ``a*(s)`` its argument should lead a rational reader to, without lying
    about its evidence.
``"full"``
    Full disclosure: state the evidence plainly (the scheme ``π(ω | ω) = 1``).
``"babbling"``
    The same message whatever the evidence (one signal; the receiver stays at
    ``μ0``).

Each strategy but ``"free"`` *is* a scheme (:func:`strategy_scheme`), so
"what the sender was told" and "what its messages induced" can be compared:
:func:`strategy_metrics` groups an instance's messages into signals by the
receiver's answer after them (as :func:`~bayespersuade.llm.metrics.empirical_scheme`
does), and reports the empirical scheme ``π̂`` against ``π*`` (over the
answers each induces): the total variation distance per state with a
bootstrap interval over the dialogues, the value ``π̂`` earns against a
Bayesian receiver (exact, from ``π̂``) and against the actual receiver (the
mean answer, weighted by the prior over states), beside ``V(μ0)``, ``v̂(μ0)``
and the full-disclosure value.  :func:`summarize_strategies` aggregates per
dataset with intervals over instances (the claim is the unit of resampling).

Two scripted agents make the numbers testable without a model:
:func:`scripted_strategy_sender` carries out each strategy exactly (it writes
the recommended signal as a ``[signal ...]`` marker), and
:func:`scripted_bayesian_receiver` knows the sender's strategy (the
commitment of Bayesian persuasion), forms its posterior by Bayes' rule and
answers its best response.  Together the optimal pair's ``π̂`` converges to
``π*`` and its value to ``V(μ0)``.  (They are written here, not in
:mod:`~bayespersuade.llm.backends.scripted`, and are test doubles, not models
of anyone.)

References
----------
Kamenica, E. and Gentzkow, M. (2011). Bayesian persuasion. *American Economic
Review* 101(6), 2590-2615 (commitment, the obedient recommendation scheme).
Cheng, Z. and You, J. (2025). Towards strategic persuasion with language
models. arXiv:2509.22989 (ICLR 2026) (the unguided sender).
"""

from __future__ import annotations

import math
import random
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np

from ..exceptions import BackendError, InvalidParameterError
from ..instances.families import evidence_stance_game
from . import prompts
from .backends.scripted import ScriptedBackend, _yes_no_scores
from .metrics import empirical_scheme
from .protocol import DialogueSpec, derive_seed, select_evidence

__all__ = [
    "SENDER_STRATEGIES",
    "StrategyScheme",
    "plan_dialogues",
    "scripted_bayesian_receiver",
    "scripted_strategy_sender",
    "strategy_markdown",
    "strategy_metrics",
    "strategy_scheme",
    "summarize_strategies",
]

#: The sender strategies (``--sender-strategy``).
SENDER_STRATEGIES = prompts.SENDER_STRATEGIES
_STATES = ("undermine", "support")


@dataclass(frozen=True)
class StrategyScheme:
    """A strategy as an exact signaling scheme of the evidence-stance game.

    Attributes
    ----------
    strategy : str
    prior_support : Fraction
    labels : tuple of str
        The signals (``"answer a"`` for the optimal scheme's recommendations,
        ``"undermine"``/``"support"`` for full disclosure, ``"babble"``).
    scheme : tuple of tuple of Fraction
        ``scheme[ω][j] = π(labels[j] | ω)``, states ``(undermine, support)``.
    posteriors : tuple of Fraction
        ``P(support | labels[j])`` of a Bayesian receiver.
    answers : tuple of int
        Its best response (1..7) to each posterior (ties to the sender).
    value : Fraction
        The scheme's value against a Bayesian receiver.
    """

    strategy: str
    prior_support: Fraction
    labels: tuple[str, ...]
    scheme: tuple[tuple[Fraction, ...], ...]
    posteriors: tuple[Fraction, ...]
    answers: tuple[int, ...]
    value: Fraction

    def induced(self) -> dict[str, tuple[Fraction, Fraction]]:
        """``π(answer | ω)``: the scheme as a distribution over the answers it induces.

        Keys are ``"score a"``, as the empirical scheme's signals.

        Examples
        --------
        >>> strategy_scheme("full", "1/2").induced()
        {'score 1': (Fraction(1, 1), Fraction(0, 1)), 'score 7': (Fraction(0, 1), Fraction(1, 1))}
        """
        out: dict[str, list[Fraction]] = {}
        for j, a in enumerate(self.answers):
            row = out.setdefault(f"score {a}", [Fraction(0), Fraction(0)])
            for w in range(2):
                row[w] += self.scheme[w][j]
        return {k: (v[0], v[1]) for k, v in out.items()}


def _game(prior: Fraction, loss: str):
    return evidence_stance_game(prior, loss=loss)


def strategy_scheme(strategy: str, prior_support: Any, *, loss: str = "quadratic"
                    ) -> StrategyScheme:
    """The exact scheme a strategy commits to, at a prior, in the evidence-stance game.

    ``"optimal"``: the exact, certified optimum ``π*`` (signals inducing the
    same answer merged); ``"full"``: full disclosure; ``"babbling"``: one
    signal.  At a degenerate prior (0 or 1) every strategy is one signal.

    Parameters
    ----------
    strategy : {"optimal", "full", "babbling"}
    prior_support : Fraction, int or str
        ``μ0 = P(support)``, rational.
    loss : {"quadratic", "absolute"}, default "quadratic"

    Returns
    -------
    StrategyScheme

    Raises
    ------
    InvalidParameterError
        For ``"free"`` (it commits to no scheme) or an unknown strategy.

    Examples
    --------
    >>> s = strategy_scheme("optimal", "1/2")
    >>> s.value                             # V(1/2); π* itself need not be unique
    Fraction(9, 2)
    >>> all(lab == f"answer {a}" for lab, a in zip(s.labels, s.answers))
    True
    >>> sum(s.scheme[1]) == sum(s.scheme[0]) == 1
    True
    >>> strategy_scheme("full", "1/2").value, strategy_scheme("babbling", "1/2").value
    (Fraction(4, 1), Fraction(4, 1))
    """
    if strategy not in SENDER_STRATEGIES:
        raise InvalidParameterError(f"strategy must be one of {', '.join(SENDER_STRATEGIES)}, "
                                    f"got {strategy!r}")
    if strategy == "free":
        raise InvalidParameterError("the 'free' strategy commits to no scheme")
    if isinstance(prior_support, float):
        raise InvalidParameterError("prior_support must be exact (int, Fraction or 'p/q'), "
                                    f"got the float {prior_support!r}")
    mu = Fraction(prior_support)
    if not 0 <= mu <= 1:
        raise InvalidParameterError(f"prior_support must lie in [0, 1], got {mu}")
    game = _game(mu, loss)
    prior = (1 - mu, mu)
    if strategy == "optimal" and 0 < mu < 1:
        sol = game.solve(exact=True)
        if not sol.exact:
            raise InvalidParameterError(f"no exact optimum at prior {mu}: {sol.exact_failure}")
        merged: dict[int, list[Fraction]] = {}
        for j, sig in enumerate(sol.signals):
            a = int(game.actions[sig.action])
            row = merged.setdefault(a, [Fraction(0), Fraction(0)])
            for w in range(2):
                row[w] += Fraction(sol.scheme[w][j])
        items = sorted((a, r) for a, r in merged.items() if prior[0] * r[0] + prior[1] * r[1])
        labels = tuple(f"answer {a}" for a, _ in items)
        scheme = tuple(tuple(r[w] for _, r in items) for w in range(2))
    elif strategy == "full" and 0 < mu < 1:
        labels = _STATES
        scheme = ((Fraction(1), Fraction(0)), (Fraction(0), Fraction(1)))
    elif strategy == "full":  # one state is certain: disclosing it is the only signal
        labels = (_STATES[int(mu == 1)],)
        scheme = ((Fraction(1),), (Fraction(1),))
    else:
        labels = ("babble",)
        scheme = ((Fraction(1),), (Fraction(1),))
    posts, answers = [], []
    value = Fraction(0)
    for j in range(len(labels)):
        joint = (prior[0] * scheme[0][j], prior[1] * scheme[1][j])
        p_s = joint[0] + joint[1]
        post = joint[1] / p_s
        a = int(game.actions[game.best_response([1 - post, post], exact=True)])
        posts.append(post)
        answers.append(a)
        value += p_s * a
    if strategy == "optimal":
        # The merged, re-derived scheme must still earn the certified optimum.
        assert value == game.solve(exact=True).value
        labels = tuple(f"answer {a}" for a in answers)
    return StrategyScheme(strategy, mu, labels, scheme, tuple(posts), tuple(answers), value)


def _draw(probs: Sequence[Fraction], rng: random.Random) -> int:
    """An index drawn exactly with rational probabilities ``probs``."""
    den = math.lcm(*(p.denominator for p in probs))
    u = rng.randrange(den)
    acc = 0
    for i, p in enumerate(probs):
        acc += p.numerator * (den // p.denominator)
        if u < acc:
            return i
    raise AssertionError("probabilities do not sum to 1")  # pragma: no cover


def plan_dialogues(
    strategy: str,
    evidence: Sequence[Any],
    prior_support: Fraction,
    *,
    samples: int,
    seed: int,
    limit: int | None = None,
    loss: str = "quadratic",
) -> list[DialogueSpec] | None:
    """The dialogues of one instance under a sender strategy.

    ``"free"`` returns ``None`` (the protocol's default: every selected piece
    of evidence, ``samples`` times).  The other strategies plan as many
    dialogues (``samples`` times the number of pieces
    :func:`~bayespersuade.llm.protocol.select_evidence` keeps with ``limit``);
    dialogue ``i`` draws, with its own seed derived from ``seed``
    (:func:`~bayespersuade.llm.protocol.derive_seed`), the state
    ``ω ~ μ0``, a piece of evidence uniformly among the claim's pieces of
    stance ``ω``, and the signal ``s ~ π(· | ω)`` of :func:`strategy_scheme`.
    Draws are exact (rational probabilities, integer arithmetic).

    Returns
    -------
    list of DialogueSpec or None
        Each with ``guidance``: the strategy, the state, the signal, and for
        ``"optimal"`` the ``target_posterior`` (``"p/q"``) and
        ``target_answer``, and the draw's ``seed``.

    Examples
    --------
    >>> from fractions import Fraction as F
    >>> from bayespersuade.datasets.records import Evidence
    >>> ev = [Evidence("a", "A.", "support"), Evidence("b", "B.", "undermine")]
    >>> plan = plan_dialogues("optimal", ev, F(1, 2), samples=2, seed=0)
    >>> len(plan), sorted(plan[0].guidance)
    (4, ['seed', 'signal', 'state', 'strategy', 'target_answer', 'target_posterior'])
    >>> plan_dialogues("free", ev, F(1, 2), samples=2, seed=0) is None
    True
    """
    if strategy == "free":
        return None
    sch = strategy_scheme(strategy, prior_support, loss=loss)
    ev = list(evidence)
    by = {s: [(i, e) for i, e in enumerate(ev) if e.stance == s] for s in _STATES}
    mu = sch.prior_support
    for w, s in enumerate(_STATES):
        if (mu if w else 1 - mu) > 0 and not by[s]:
            raise InvalidParameterError(f"prior P({s}) > 0 but no evidence has stance {s!r}")
    n = len(select_evidence(ev, limit, derive_seed(seed, "evidence"))) * samples
    plan = []
    for i in range(n):
        s_i = derive_seed(seed, "strategy", strategy, i)
        rng = random.Random(s_i)
        w = _draw([1 - mu, mu], rng)
        j, piece = by[_STATES[w]][rng.randrange(len(by[_STATES[w]]))]
        k = _draw(list(sch.scheme[w]), rng)
        g: dict[str, Any] = {"strategy": strategy, "state": _STATES[w],
                             "signal": sch.labels[k], "seed": s_i}
        if strategy == "optimal":
            g["target_posterior"] = str(sch.posteriors[k])
            g["target_answer"] = sch.answers[k]
        plan.append(DialogueSpec(piece, j, i, g))
    return plan


# ------------------------------------------------------------ scripted agents

_SIGNAL = re.compile(r"\[signal ([^\]]+)\]")
_OPT_ANSWER = re.compile(r"would\s+answer\s+([1-7])\s+on\s+the\s+scale")


def scripted_strategy_sender(*, name: str = "scripted:strategy-sender") -> ScriptedBackend:
    """A scripted sender that carries out the strategy in its prompt exactly.

    It reads its system prompt (:func:`~bayespersuade.llm.prompts.sender_system`)
    and writes an argument with the marker of the signal its strategy
    prescribes: ``[signal answer a]`` for the optimal strategy's recommended
    answer ``a``, ``[signal support]`` / ``[signal undermine]`` (its stance)
    for full disclosure, ``[signal babble]`` for babbling.  A prompt without a
    strategy (``"free"``) is an error: use
    :func:`~bayespersuade.llm.backends.scripted.scripted_sender` for that.

    Examples
    --------
    >>> from fractions import Fraction as F
    >>> system = prompts.sender_system("X.", evidence="E.", stance="support",
    ...                                strategy="optimal", target_posterior=F(11, 36),
    ...                                target_answer=3)
    >>> chat = [{"role": "system", "content": system}, {"role": "user", "content": "Go."}]
    >>> scripted_strategy_sender().generate(chat, max_new_tokens=64)
    '<opinion>Unsure.</opinion><thinking>Follow the strategy.</thinking><argument>Here is \
what I can tell you [signal answer 3]</argument>'
    """

    def reply(messages, seed):
        system = " ".join((messages[0]["content"] if messages[0]["role"] == "system"
                           else "").split())
        m = _OPT_ANSWER.search(system)
        if m:
            label = f"answer {m.group(1)}"
        elif "disclose your evidence plainly" in system:
            label = "support" if "It supports the claim" in system else "undermine"
        elif "the same whatever your evidence says" in system:
            label = "babble"
        else:
            raise BackendError("the scripted strategy sender found no sender strategy in its "
                               "system prompt (use scripted_sender for the free strategy)")
        return ("<opinion>Unsure.</opinion><thinking>Follow the strategy.</thinking>"
                f"<argument>Here is what I can tell you [signal {label}]</argument>")

    return ScriptedBackend(reply, None, name=name, spec=name)


def scripted_bayesian_receiver(
    priors: Mapping[str, Any],
    strategy: str,
    *,
    loss: str = "quadratic",
    name: str | None = None,
) -> ScriptedBackend:
    """A scripted receiver that knows the sender's strategy and updates by Bayes' rule.

    For a claim with prior ``μ0 = priors[claim]`` (the evidence-stance prior,
    exact) and a sender committed to :func:`strategy_scheme` of ``strategy``,
    it reads the ``[signal ...]`` markers of the arguments it has seen, forms
    the posterior ``P(support | s)`` by Bayes' rule, and answers its best
    response in the evidence-stance game (ties to the sender).  Before any
    argument, or with ``strategy="free"`` (no commitment, so no message can be
    interpreted), the posterior is the prior.  Its log-probabilities give
    ``P(yes)`` = the posterior (over ``Yes/yes/No/no`` as
    :func:`~bayespersuade.llm.backends.scripted.scripted_receiver`) and
    1/2 (times 0.9) on the answer it reports.

    Raises
    ------
    BackendError
        When called on a claim it has no prior for, a signal its strategy
        never sends, or two different signals in one dialogue.

    Examples
    --------
    >>> r = scripted_bayesian_receiver({"X.": "1/2"}, "optimal")
    >>> sch = strategy_scheme("optimal", "1/2")
    >>> chat = [{"role": "user", "content": "Claim: X.\\n\\nNobody has argued yet."},
    ...         {"role": "user", "content": f"<argument>[signal {sch.labels[-1]}]</argument>"}]
    >>> from bayespersuade.llm.parsing import parse_receiver
    >>> parse_receiver(r.generate(chat, max_new_tokens=8)).score == sch.answers[-1]
    True
    >>> p_yes = r.score_options(chat, ["Yes", "No"]).probability("Yes") / 0.6
    >>> abs(p_yes - float(sch.posteriors[-1])) < 1e-12       # Bayes' rule on π*
    True
    """
    if strategy not in SENDER_STRATEGIES:
        raise InvalidParameterError(f"strategy must be one of {', '.join(SENDER_STRATEGIES)}, "
                                    f"got {strategy!r}")
    pri = {c: Fraction(v) for c, v in priors.items()}
    schemes: dict[str, StrategyScheme] = {}
    games: dict[str, Any] = {}

    def posterior(messages) -> tuple[Fraction, int]:
        first = next((m["content"] for m in messages if m["role"] == "user"), "")
        line = first.splitlines()[0] if first else ""
        claim = line[len("Claim: "):] if line.startswith("Claim: ") else None
        if claim not in pri:
            raise BackendError(f"the scripted Bayesian receiver has no prior for claim "
                               f"{claim!r}")
        mu = pri[claim]
        if claim not in games:
            games[claim] = _game(mu, loss)
        post = mu
        if strategy != "free":
            seen = {s for m in messages[1:] if m["role"] == "user"
                    for s in _SIGNAL.findall(m["content"])}
            if len(seen) > 1:
                raise BackendError(f"two different signals in one dialogue: {sorted(seen)}")
            if seen:
                if claim not in schemes:
                    schemes[claim] = strategy_scheme(strategy, mu, loss=loss)
                sch = schemes[claim]
                label = seen.pop()
                if label not in sch.labels:
                    raise BackendError(f"signal {label!r} is never sent by the {strategy!r} "
                                       f"strategy at prior {mu} (signals {sch.labels})")
                post = sch.posteriors[sch.labels.index(label)]
        g = games[claim]
        return post, int(g.actions[g.best_response([1 - post, post], exact=True)])

    def reply(messages, seed):
        post, a = posterior(messages)
        return (f"<thinking>My posterior that the evidence supports the claim is {post}."
                f"</thinking><score>{a}</score><opinion>I weigh what I was told.</opinion>"
                f"<question>What else do you know?</question>")

    def scores(messages, options):
        post, a = posterior(messages)
        table = _yes_no_scores(float(post), a)
        return {o: table[o] for o in options if o in table}

    nm = name or f"scripted:bayesian-receiver:{strategy}"
    return ScriptedBackend(reply, scores, name=nm, spec=nm)


# ------------------------------------------------------------------ metrics

def _induced(rd: Mapping) -> str:
    # the signal grouping of metrics.empirical_scheme (signal="score")
    if rd["status"] in ("sender_unparsable", "not_reached"):
        return "no argument"
    score = rd["receiver"]["parsed"]["score"]
    return f"score {score}" if score is not None else "unparsable"


def _tv(counts: Sequence[str], target: Mapping[str, Fraction]) -> Fraction:
    n = len(counts)
    emp: dict[str, Fraction] = {}
    for s in counts:
        emp[s] = emp.get(s, Fraction(0)) + Fraction(1, n)
    keys = set(emp) | set(target)
    return sum((abs(emp.get(k, Fraction(0)) - target.get(k, Fraction(0))) for k in keys),
               Fraction(0)) / 2


def _percentile_ci(values: Sequence[float], level: float) -> list[float]:
    lo, hi = np.quantile(np.asarray(values, dtype=float), [(1 - level) / 2, (1 + level) / 2])
    return [float(lo), float(hi)]


def strategy_metrics(
    raw: Mapping,
    prior_support: Fraction,
    *,
    strategy: str = "free",
    loss: str = "quadratic",
    round: int | None = None,
    n_boot: int = 1000,
    level: float = 0.95,
    seed: int = 0,
) -> dict:
    """The empirical scheme ``π̂`` of one instance against the optimal scheme ``π*``.

    Parameters
    ----------
    raw : mapping
        A transcript record (:func:`~bayespersuade.llm.protocol.run_instance`)
        whose dialogues carry private evidence.
    prior_support : Fraction
        ``μ0 = P(support)`` of the claim (exact).
    strategy : str, default "free"
        The sender strategy the dialogues ran under (recorded; the optimal
        scheme is the reference whatever the strategy).
    loss : {"quadratic", "absolute"}
    round : int, optional
        The round whose answers are the signals; default the last.
    n_boot : int, default 1000
        Bootstrap resamples of the dialogues of each state (percentile
        interval at ``level``); ``seed`` seeds them.
    level : float, default 0.95
    seed : int, default 0

    Returns
    -------
    dict
        JSON-serialisable (exact numbers as ``"p/q"`` strings beside floats):
        ``pi_star`` and ``pi_hat`` (per state, over induced answers
        ``"score a"``, plus ``"unparsable"``/``"no argument"``), ``n`` and
        ``tv`` per state with ``tv_ci``; ``value_bayes`` (``π̂`` against a
        Bayesian receiver, exact, from
        :func:`~bayespersuade.llm.metrics.empirical_scheme`); ``value_actual``
        (``Σ_ω μ0(ω) ×`` mean answer of the actual receiver after the
        messages of state ``ω``; unparsable answers left out and counted);
        ``optimal_value`` ``V(μ0)``, ``no_disclosure_value`` ``v̂(μ0)``,
        ``full_disclosure_value``; the strategy's own ``strategy_value``;
        ``obedience`` (the share of guided dialogues whose receiver answered
        the recommended answer; optimal strategy only).  ``available`` is
        false (with ``reason``) when a state of positive prior has no
        dialogue.

    Examples
    --------
    The optimal scripted pair on a claim with one piece of evidence of each
    stance (``μ0 = 1/2``): 400 dialogues.

    >>> from fractions import Fraction as F
    >>> from bayespersuade.datasets.records import Evidence
    >>> from bayespersuade.llm.protocol import ProtocolConfig, run_instance
    >>> ev = [Evidence("a", "A.", "support"), Evidence("b", "B.", "undermine")]
    >>> plan = plan_dialogues("optimal", ev, F(1, 2), samples=200, seed=0)
    >>> raw = run_instance("X.", scripted_strategy_sender(),
    ...                    scripted_bayesian_receiver({"X.": F(1, 2)}, "optimal"),
    ...                    ProtocolConfig("static"), seed=0, dialogues=plan)
    >>> m = strategy_metrics(raw, F(1, 2), strategy="optimal", n_boot=200)
    >>> m["optimal_value_exact"], m["obedience"], m["tv"]["support"] < 0.1
    ('9/2', 1.0, True)
    """
    if not 0 < level < 1:
        raise InvalidParameterError(f"level must lie in (0, 1), got {level!r}")
    if isinstance(n_boot, bool) or not isinstance(n_boot, int) or n_boot < 1:
        raise InvalidParameterError(f"n_boot must be a positive integer, got {n_boot!r}")
    mu = Fraction(prior_support)
    prior = (1 - mu, mu)
    dialogues = raw["dialogues"]
    if not dialogues or any(d.get("evidence") is None for d in dialogues):
        raise InvalidParameterError("strategy_metrics needs dialogues with private evidence")
    n_rounds = len(dialogues[0]["rounds"])
    r = n_rounds if round is None else round
    if not 1 <= r <= n_rounds:
        raise InvalidParameterError(f"round must be in 1..{n_rounds}, got {round!r}")
    game = _game(mu, loss)
    sol = game.solve(exact=True)
    opt = strategy_scheme("optimal", mu, loss=loss)
    star = opt.induced()
    own = strategy_scheme(strategy, mu, loss=loss) if strategy != "free" else None
    sig: dict[str, list[str]] = {s: [] for s in _STATES}
    scores: dict[str, list[int]] = {s: [] for s in _STATES}
    obey = [0, 0]
    for d in dialogues:
        rd = d["rounds"][r - 1]
        w = d["evidence"]["stance"]
        if w not in sig:
            raise InvalidParameterError(f"evidence stance {w!r} is not 'support' or 'undermine'")
        s = _induced(rd)
        sig[w].append(s)
        if s.startswith("score "):
            scores[w].append(int(s.split()[1]))
        g = d.get("guidance") or {}
        if g.get("target_answer") is not None:
            obey[0] += s == f"score {g['target_answer']}"
            obey[1] += 1
    out: dict[str, Any] = {
        "strategy": strategy, "round": r, "prior_support": str(mu), "loss": loss,
        "n": {s: len(sig[s]) for s in _STATES},
        "n_unparsable": {s: len(sig[s]) - len(scores[s]) for s in _STATES},
        "pi_star": {s: {k: str(v[w]) for k, v in sorted(star.items())}
                    for w, s in enumerate(_STATES)},
        "optimal_value": float(sol.value), "optimal_value_exact": str(sol.value),
        "no_disclosure_value": float(sol.no_disclosure_value),
        "no_disclosure_value_exact": str(sol.no_disclosure_value),
        "full_disclosure_value": float(sol.full_disclosure_value),
        "full_disclosure_value_exact": str(sol.full_disclosure_value),
        "strategy_value_exact": str(own.value) if own else None,
        "obedience": (obey[0] / obey[1]) if obey[1] else None,
        "bootstrap": {"n_boot": n_boot, "level": level, "seed": seed,
                      "unit": "dialogue, within each state"},
    }
    empty = [s for w, s in enumerate(_STATES) if prior[w] > 0 and not sig[s]]
    if empty:
        out["available"] = False
        out["reason"] = f"no dialogue with {' or '.join(empty)} evidence"
        return out
    rng = np.random.default_rng(seed)
    tv, ci, hat = {}, {}, {}
    for w, s in enumerate(_STATES):
        if not sig[s]:
            tv[s] = ci[s] = hat[s] = None
            continue
        target = {k: v[w] for k, v in star.items()}
        t = _tv(sig[s], target)
        tv[s] = float(t)
        out.setdefault("tv_exact", {})[s] = str(t)
        arr = sig[s]
        n = len(arr)
        keys = sorted(set(arr) | set(target))
        code = np.array([keys.index(k) for k in arr])
        tgt = np.array([float(target.get(k, 0)) for k in keys])
        idx = code[rng.integers(0, n, (n_boot, n))] + len(keys) * np.arange(n_boot)[:, None]
        freq = np.bincount(idx.ravel(), minlength=n_boot * len(keys)).reshape(n_boot, -1) / n
        ci[s] = _percentile_ci(np.abs(freq - tgt).sum(axis=1) / 2, level)
        hat[s] = {k: str(Fraction(arr.count(k), n)) for k in sorted(set(arr))}
    out.update({"available": True, "tv": tv, "tv_ci": ci, "pi_hat": hat})
    emp = empirical_scheme(raw, mu, round=r, loss=loss)
    out["value_bayes"] = emp.get("value")
    out["value_bayes_exact"] = emp.get("value_exact")
    if all(scores[s] or prior[w] == 0 for w, s in enumerate(_STATES)):
        va = sum((prior[w] * Fraction(sum(scores[s]), len(scores[s]))
                  for w, s in enumerate(_STATES) if scores[s]), Fraction(0))
        out["value_actual"], out["value_actual_exact"] = float(va), str(va)
    else:
        out["value_actual"] = out["value_actual_exact"] = None
        out["value_actual_unavailable"] = "a state has no parsable receiver answer"
    return out


# ---------------------------------------------------------------- summaries

_SUMMARY_KEYS = ("tv_undermine", "tv_support", "value_bayes", "value_actual", "optimal_value",
                 "no_disclosure_value", "full_disclosure_value")


def _row(m: Mapping) -> dict[str, float | None]:
    tv = m.get("tv") or {}
    return {"tv_undermine": tv.get("undermine"), "tv_support": tv.get("support"),
            "value_bayes": m.get("value_bayes"), "value_actual": m.get("value_actual"),
            "optimal_value": m["optimal_value"], "no_disclosure_value": m["no_disclosure_value"],
            "full_disclosure_value": m["full_disclosure_value"]}


def _n_dialogues(m: Mapping) -> int:
    return int(sum((m.get("n") or {}).values()))


def _stats(ms: Sequence[Mapping], n_boot: int, level: float, seed: int) -> dict:
    """Estimate objects over instances (:mod:`bayespersuade.instances.stats`)."""
    from .stats import Estimate, cluster_mean, ratio_of_means

    opts = {"confidence": level, "n_resamples": n_boot, "seed": seed}
    rows = [(_row(m), _n_dialogues(m)) for m in ms]
    out: dict[str, Any] = {}

    def with_n(e: Estimate, n_d: int) -> dict:
        return Estimate(e.estimate, e.se, e.ci_low, e.ci_high, e.n_instances, n_d,
                        e.method).to_dict()

    for k in _SUMMARY_KEYS:
        have = [(r[k], n) for r, n in rows if r[k] is not None]
        out[k] = with_n(cluster_mean([[v] for v, _ in have], **opts), sum(n for _, n in have))
    # Share of the ceiling realised: ratio of means over instances with both numbers,
    # Σ (value − v̂) / Σ (V − v̂).
    for name, key in (("realised_bayes", "value_bayes"), ("realised_actual", "value_actual")):
        both = [(r, n) for r, n in rows if r[key] is not None]
        gain = [r[key] - r["no_disclosure_value"] for r, _ in both]
        ceil = [r["optimal_value"] - r["no_disclosure_value"] for r, _ in both]
        out[name] = ratio_of_means(gain, ceil, n_dialogues=sum(n for _, n in both),
                                   **opts).to_dict()
    obey = [(m["obedience"], _n_dialogues(m)) for m in ms if m.get("obedience") is not None]
    out["obedience"] = with_n(cluster_mean([[v] for v, _ in obey], **opts),
                              sum(n for _, n in obey))
    return out


def summarize_strategies(
    records: Sequence[Mapping], *, n_boot: int = 2000, level: float = 0.95, seed: int = 0
) -> dict:
    """Per dataset: ``π̂`` against ``π*`` and the values, with intervals over instances.

    For each dataset, over its finished instances with an available
    :func:`strategy_metrics` (``record["strategy"]``): the mean total
    variation per state, the mean value of ``π̂`` against a Bayesian
    receiver and against the actual receiver, the means of ``V(μ0)``,
    ``v̂(μ0)`` and the full-disclosure value, and the mean obedience, each an
    estimate object (``n``, cluster-robust standard error and cluster bootstrap
    interval resampling instances, :func:`bayespersuade.instances.stats.cluster_mean`:
    the claim is the unit; its dialogues are clustered in it); and the share of
    the ceiling realised, ``Σ (value − v̂) / Σ (V − v̂)``, a ratio of means
    (:func:`~bayespersuade.instances.stats.ratio_of_means`).

    Examples
    --------
    >>> summarize_strategies([])
    {'datasets': {}, 'bootstrap': {'n_boot': 2000, 'level': 0.95, 'seed': 0, 'unit': 'instance'}}
    """
    by: dict[str, list[Mapping]] = {}
    for r in records:
        m = r.get("strategy")
        if r.get("status") == "done" and m is not None:
            by.setdefault(r["dataset"], []).append(m)
    datasets = {}
    for name, ms in sorted(by.items()):
        ok = [m for m in ms if m.get("available")]
        datasets[name] = {"strategy": ms[0]["strategy"], "n_instances": len(ms),
                          "n_available": len(ok), **_stats(ok, n_boot, level, seed)}
    return {"datasets": datasets,
            "bootstrap": {"n_boot": n_boot, "level": level, "seed": seed, "unit": "instance"}}


def _fmt(x: Any) -> str:
    return "n/a" if x is None else f"{x:.3f}"


def _ci(d: Mapping) -> str:
    from .stats import Estimate

    return Estimate.from_dict(d).format(3)


def strategy_markdown(summary: Mapping, records: Sequence[Mapping]) -> list[str]:
    """The report section on ``π̂`` vs ``π*`` (Markdown lines; empty without one).

    Examples
    --------
    >>> strategy_markdown({"datasets": {}}, [])
    []
    """
    if not summary.get("datasets"):
        return []
    lvl = summary["bootstrap"]["level"]
    lines = ["## Sender strategy: the empirical scheme π̂ against the optimal scheme π*", "",
             "Messages are grouped into signals by the receiver's answer after them. TV: the "
             "total variation distance between π̂(· | stance) and π*(· | stance) over the "
             "answers they induce. Value (Bayes): what π̂ earns against a Bayesian receiver "
             "(exact, from π̂); value (actual): the prior-weighted mean answer of the actual "
             "receiver. Per dataset: means over instances with "
             f"{round(100 * lvl)}% bootstrap intervals (instances resampled).", ""]
    head = ["dataset", "strategy", "n", "TV undermine", "TV support", "value (Bayes)",
            "value (actual)", "V(μ0)", "v̂(μ0)", "full disclosure", "realised (Bayes)",
            "realised (actual)", "obedience"]
    rows = []
    for name, d in summary["datasets"].items():
        rows.append([name, d["strategy"], f"{d['n_available']}/{d['n_instances']}",
                     _ci(d["tv_undermine"]), _ci(d["tv_support"]), _ci(d["value_bayes"]),
                     _ci(d["value_actual"]), _ci(d["optimal_value"]),
                     _ci(d["no_disclosure_value"]), _ci(d["full_disclosure_value"]),
                     _ci(d["realised_bayes"]), _ci(d["realised_actual"]),
                     _ci(d["obedience"])])
    lines += ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    lines += ["", "Per instance (TV with its interval over dialogues):", ""]
    head = ["instance", "μ0(support)", "n (u/s)", "TV undermine", "TV support",
            "value (Bayes)", "value (actual)", "V(μ0)", "v̂(μ0)"]
    lines += ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in records:
        m = r.get("strategy")
        if r.get("status") != "done" or m is None:
            continue
        if not m.get("available"):
            lines.append(f"| {r['key']} | {m['prior_support']} | | n/a: {m['reason']} |"
                         " | | | | |")
            continue

        def tvs(s, m=m):
            if m["tv"][s] is None:
                return "n/a"
            lo, hi = m["tv_ci"][s]
            return f"{m['tv'][s]:.3f} [{lo:.3f}, {hi:.3f}]"
        lines.append("| " + " | ".join([
            r["key"], m["prior_support"], f"{m['n']['undermine']}/{m['n']['support']}",
            tvs("undermine"), tvs("support"), _fmt(m["value_bayes"]), _fmt(m["value_actual"]),
            m["optimal_value_exact"], m["no_disclosure_value_exact"]]) + " |")
    return [*lines, ""]
