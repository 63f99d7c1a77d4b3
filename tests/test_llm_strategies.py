"""Sender strategies: exact schemes, seeded plans, and pi-hat against pi-star."""

from __future__ import annotations

import json
import math
from fractions import Fraction as F

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bayespersuade.cli import evaluate as cli_evaluate
from bayespersuade.datasets import load_embedded
from bayespersuade.datasets.records import Evidence
from bayespersuade.exceptions import BackendError, InvalidParameterError
from bayespersuade.instances.families import evidence_stance_game, evidence_support_share
from bayespersuade.llm.backends.scripted import scripted_receiver, scripted_sender
from bayespersuade.llm.protocol import DialogueSpec, ProtocolConfig, run_instance
from bayespersuade.llm.runner import EvaluationConfig, run_evaluation
from bayespersuade.llm.stats import ESTIMATE_KEYS
from bayespersuade.llm.strategies import (
    plan_dialogues,
    scripted_bayesian_receiver,
    scripted_strategy_sender,
    strategy_metrics,
    strategy_scheme,
)
from bayespersuade.solvers.evaluate import evaluate_scheme

priors = st.fractions(min_value=0, max_value=1, max_denominator=40)
losses = st.sampled_from(["quadratic", "absolute"])


def _evidence(n_support: int, n_undermine: int) -> list[Evidence]:
    return ([Evidence(f"s{i}", f"S{i}.", "support") for i in range(n_support)]
            + [Evidence(f"u{i}", f"U{i}.", "undermine") for i in range(n_undermine)])


# ------------------------------------------------------------------ schemes

@settings(max_examples=40, deadline=None)
@given(priors, losses)
def test_strategy_schemes_are_what_they_claim(mu, loss):
    game = evidence_stance_game(mu, loss=loss)
    sol = game.solve(exact=True)
    expected = {"optimal": sol.value, "full": sol.full_disclosure_value,
                "babbling": sol.no_disclosure_value}
    for strategy, value in expected.items():
        sch = strategy_scheme(strategy, mu, loss=loss)
        assert sch.value == value, strategy
        for row in sch.scheme:
            assert sum(row) == 1 and all(x >= 0 for x in row)
        # A second method: the library's scheme evaluator on the same matrix.
        ev = evaluate_scheme(game, [list(r) for r in sch.scheme])
        assert ev.value == value
        # Bayes plausibility of the posteriors, obedience of the answers.
        p_s = [(1 - mu) * sch.scheme[0][j] + mu * sch.scheme[1][j] for j in range(len(sch.labels))]
        assert sum(p * q for p, q in zip(p_s, sch.posteriors)) == mu
        for q, a in zip(sch.posteriors, sch.answers):
            assert game.actions[game.best_response([1 - q, q], exact=True)] == a
    opt = strategy_scheme("optimal", mu, loss=loss)
    assert len(set(opt.answers)) == len(opt.answers)  # merged by induced answer


def test_strategy_scheme_rejects_free_floats_and_unknown():
    with pytest.raises(InvalidParameterError, match="commits to no scheme"):
        strategy_scheme("free", F(1, 2))
    with pytest.raises(InvalidParameterError, match="exact"):
        strategy_scheme("optimal", 0.5)
    with pytest.raises(InvalidParameterError, match="strategy must be one of"):
        strategy_scheme("sneaky", F(1, 2))
    with pytest.raises(InvalidParameterError, match=r"\[0, 1\]"):
        strategy_scheme("optimal", F(3, 2))


# -------------------------------------------------------------------- plans

def test_plan_draws_state_from_prior_and_signal_from_pi_star():
    ev = _evidence(1, 2)                       # mu0 = P(support) = 1/3
    mu = F(1, 3)
    plan = plan_dialogues("optimal", ev, mu, samples=1000, seed=7)
    assert len(plan) == 3000
    sch = strategy_scheme("optimal", mu)
    n_sup = sum(d.guidance["state"] == "support" for d in plan)
    se = math.sqrt(float(mu * (1 - mu)) / len(plan))
    assert abs(n_sup / len(plan) - float(mu)) < 4 * se
    for w, state in enumerate(("undermine", "support")):
        ds = [d for d in plan if d.guidance["state"] == state]
        assert all(d.evidence.stance == state for d in ds)   # never lies about its evidence
        for j, label in enumerate(sch.labels):
            p = float(sch.scheme[w][j])
            share = sum(d.guidance["signal"] == label for d in ds) / len(ds)
            assert abs(share - p) < 4 * math.sqrt(p * (1 - p) / len(ds)) + 1e-12
    for d in plan:
        j = sch.labels.index(d.guidance["signal"])
        assert d.guidance["target_answer"] == sch.answers[j]
        assert F(d.guidance["target_posterior"]) == sch.posteriors[j]


def test_plan_is_seeded_and_each_dialogue_draws_alone():
    ev = _evidence(2, 3)
    a = plan_dialogues("optimal", ev, F(2, 5), samples=4, seed=1)
    b = plan_dialogues("optimal", ev, F(2, 5), samples=4, seed=1)
    c = plan_dialogues("optimal", ev, F(2, 5), samples=2, seed=1)
    d = plan_dialogues("optimal", ev, F(2, 5), samples=4, seed=2)
    assert a == b
    assert a[: len(c)] == c           # dialogue i's draw does not depend on how many follow
    assert a != d
    assert plan_dialogues("free", ev, F(2, 5), samples=4, seed=1) is None


def test_plan_refuses_a_prior_without_evidence_of_that_stance():
    with pytest.raises(InvalidParameterError, match="no evidence has stance 'undermine'"):
        plan_dialogues("full", _evidence(2, 0), F(1, 2), samples=1, seed=0)


def test_run_instance_rejects_evidence_with_dialogues():
    ev = _evidence(1, 1)
    with pytest.raises(InvalidParameterError, match="either evidence or dialogues"):
        run_instance("X.", scripted_sender(), scripted_receiver(), ProtocolConfig("static"),
                     seed=0, evidence=ev, dialogues=[DialogueSpec(ev[0], 0, 0)])


# ------------------------------------------------- scripted agents, convergence

def _optimal_run(mu: F, n_s: int, n_u: int, samples: int, seed: int = 0):
    ev = _evidence(n_s, n_u)
    plan = plan_dialogues("optimal", ev, mu, samples=samples, seed=seed)
    raw = run_instance("X.", scripted_strategy_sender(),
                       scripted_bayesian_receiver({"X.": mu}, "optimal"),
                       ProtocolConfig("static"), seed=seed, dialogues=plan)
    return raw, strategy_metrics(raw, mu, strategy="optimal", n_boot=300, seed=seed)


def test_optimal_scripted_sender_converges_to_pi_star_and_its_value():
    mu = F(2, 5)
    V = evidence_stance_game(mu).solve(exact=True).value
    small = _optimal_run(mu, 2, 3, samples=10)[1]
    raw, big = _optimal_run(mu, 2, 3, samples=500)
    assert big["obedience"] == 1.0
    for s in ("undermine", "support"):
        assert big["tv"][s] < 0.05
        assert big["tv"][s] < small["tv"][s] or small["tv"][s] < 0.05
        lo, hi = big["tv_ci"][s]
        assert lo <= big["tv"][s] <= hi
    # against the scripted Bayesian receiver: the prior-weighted mean answer -> V(mu0)
    n = {s: big["n"][s] for s in big["n"]}
    answers = {s: [d["rounds"][0]["receiver"]["parsed"]["score"] for d in raw["dialogues"]
                   if d["evidence"]["stance"] == s] for s in n}
    var = sum(float(w) ** 2 * (sum((a - sum(x) / len(x)) ** 2 for a in x) / len(x)) / len(x)
              for w, x in zip((1 - mu, mu), (answers["undermine"], answers["support"])))
    assert abs(big["value_actual"] - float(V)) < 4 * math.sqrt(var)
    assert big["optimal_value_exact"] == str(V)
    # the value of pi-hat against a Bayesian receiver never exceeds the optimum
    assert F(big["value_bayes_exact"]) <= V


@pytest.mark.parametrize(("strategy", "value_key"), [("full", "full_disclosure_value_exact"),
                                                     ("babbling", "no_disclosure_value_exact")])
def test_full_and_babbling_scripted_senders_play_their_scheme_exactly(strategy, value_key):
    mu = F(3, 5)
    ev = _evidence(3, 2)
    plan = plan_dialogues(strategy, ev, mu, samples=6, seed=3)
    raw = run_instance("X.", scripted_strategy_sender(),
                       scripted_bayesian_receiver({"X.": mu}, strategy),
                       ProtocolConfig("static"), seed=3, dialogues=plan)
    m = strategy_metrics(raw, mu, strategy=strategy, n_boot=50)
    sch = strategy_scheme(strategy, mu)
    expected = {s: {f"score {a}": str(sch.scheme[w][j]) for j, a in enumerate(sch.answers)
                    if sch.scheme[w][j]} for w, s in enumerate(("undermine", "support"))}
    assert m["pi_hat"] == expected
    assert m["value_bayes_exact"] == m[value_key] == m["strategy_value_exact"]
    assert F(m["value_actual_exact"]) == sch.value


def test_bayesian_receiver_refuses_what_it_cannot_interpret():
    r = scripted_bayesian_receiver({"X.": F(1, 2)}, "optimal")
    chat = [{"role": "user", "content": "Claim: X.\n\nNobody has argued yet."},
            {"role": "user", "content": "<argument>[signal answer 8]</argument>"}]
    with pytest.raises(BackendError, match="never sent"):
        r.generate(chat, max_new_tokens=8)
    with pytest.raises(BackendError, match=r"no prior for claim 'Y\.'"):
        r.generate([{"role": "user", "content": "Claim: Y."}], max_new_tokens=8)
    chat2 = [*chat[:1], {"role": "user", "content": "[signal answer 4]"},
             {"role": "user", "content": "[signal answer 7]"}]
    with pytest.raises(BackendError, match="two different signals"):
        r.generate(chat2, max_new_tokens=8)


def test_strategy_sender_needs_a_strategy():
    chat = [{"role": "system", "content": "Persuade."}, {"role": "user", "content": "Go."}]
    with pytest.raises(BackendError, match="no sender strategy"):
        scripted_strategy_sender().generate(chat, max_new_tokens=8)


# -------------------------------------------- the comparison on PERSPECTRUM test

def test_four_strategies_on_bundled_perspectrum_claims(tmp_path):
    recs = load_embedded("perspectrum", split="test").records[:6]
    pri = {r.claim: evidence_support_share(r.evidence, "labels")[0] for r in recs}
    out = {}
    for strategy in ("free", "optimal", "full", "babbling"):
        sender = (scripted_sender(support=[2], undermine=[0]) if strategy == "free"
                  else scripted_strategy_sender())
        cfg = EvaluationConfig("perspectrum", "scripted", "scripted-bayes",
                               ProtocolConfig("static", samples=3), family="evidence-stance",
                               sender_strategy=strategy, seed=0)
        d = tmp_path / strategy
        res = run_evaluation(recs, sender, scripted_bayesian_receiver(pri, strategy), d, cfg,
                             progress=False, report="md")
        s = res.summary["sender_strategy"]["datasets"]["perspectrum"]
        assert s["strategy"] == strategy and s["n_available"] == s["n_instances"] == 6
        for k in ("tv_undermine", "tv_support", "value_bayes", "value_actual"):
            e = s[k]
            assert list(e) == list(ESTIMATE_KEYS)
            ms = [r["strategy"] for r in res.records if r["status"] == "done"]
            key = k.split("_")[1] if k.startswith("tv_") else None
            have = [m for m in ms if (m["tv"][key] if key else m[k]) is not None]
            assert e["n_instances"] == len(have) > 0
            assert e["n_dialogues"] == sum(sum(m["n"].values()) for m in have)
            assert e["ci_low"] <= e["estimate"] <= e["ci_high"]
        report = (d / "report.md").read_text(encoding="utf-8")
        assert "empirical scheme π̂ against the optimal scheme π*" in report
        summary = json.loads((d / "summary.json").read_text(encoding="utf-8"))
        assert summary["sender_strategy"]["datasets"]["perspectrum"]["strategy"] == strategy
        out[strategy] = (res, s)
    recs_done = {k: [r for r in v[0].records if r["status"] == "done"] for k, v in out.items()}
    for r in recs_done["full"]:
        assert r["strategy"]["value_bayes_exact"] == r["strategy"]["full_disclosure_value_exact"]
    for k in ("babbling", "free"):       # the Bayesian receiver cannot read a free sender
        for r in recs_done[k]:
            assert (r["strategy"]["value_bayes_exact"]
                    == r["strategy"]["no_disclosure_value_exact"])
    assert out["optimal"][1]["obedience"]["estimate"] == 1.0
    for r in recs_done["optimal"]:
        for d in r["transcript"]["dialogues"]:
            assert d["guidance"]["strategy"] == "optimal"
            assert d["evidence"]["stance"] == d["guidance"]["state"]


def test_strategy_needs_the_evidence_stance_family_and_free_keeps_identity():
    with pytest.raises(InvalidParameterError, match="evidence-stance"):
        EvaluationConfig("d", "s", "r", ProtocolConfig("static"), sender_strategy="optimal")
    with pytest.raises(InvalidParameterError, match="sender_strategy must be one of"):
        EvaluationConfig("d", "s", "r", ProtocolConfig("static"), family="evidence-stance",
                         sender_strategy="lying")
    free = EvaluationConfig("d", "s", "r", ProtocolConfig("static"), family="evidence-stance")
    assert "sender_strategy" not in free.identity()          # old runs still resume
    opt = EvaluationConfig("d", "s", "r", ProtocolConfig("static"), family="evidence-stance",
                           sender_strategy="optimal")
    assert opt.identity()["sender_strategy"] == "optimal"


def test_cli_sender_strategy(tmp_path, capsys):
    base = ["evaluate", "--dataset", "perspectrum", "--split", "test", "--sender",
            "scripted:sender:support=2,undermine=0", "--receiver", "scripted:receiver",
            "--limit", "2", "--no-progress", "--report", "md"]
    rc = cli_evaluate.main([*base, "--family", "evidence-stance", "--sender-strategy",
                            "optimal", "--out", str(tmp_path / "a")])
    assert rc == 0
    out = capsys.readouterr().out
    assert "[optimal sender] (n = 1 instance(s); 95% CIs): TV(pi-hat, pi*)" in out
    rec = json.loads((tmp_path / "a" / "results.jsonl").read_text().splitlines()[0])
    assert rec["sender_strategy"] == "optimal" and rec["strategy"]["strategy"] == "optimal"
    rc = cli_evaluate.main([*base, "--sender-strategy", "full", "--out", str(tmp_path / "b")])
    assert rc == 2
    assert "evidence-stance" in capsys.readouterr().err
