"""The protocol and its numbers, against scripted agents and hand computation.

Hand formulas for the quadratic binary-truth game (DESIGN.md §2), used as the
independent reference: the receiver answers the integer nearest ``1 + 6q``
(ties up, to the sender), so ``v̂(q)`` is that integer, and
``V(q) = 1 + 12q`` on ``[0, 1/12]``, ``3/2 + 6q`` on ``[1/12, 11/12]``, 7 above.
"""

import math
from fractions import Fraction as F

import pytest

from bayespersuade.datasets.records import Evidence
from bayespersuade.exceptions import BackendError, InvalidParameterError
from bayespersuade.llm.backends.scripted import (
    ScriptedBackend,
    scripted_receiver,
    scripted_sender,
)
from bayespersuade.llm.metrics import empirical_scheme, instance_metrics
from bayespersuade.llm.protocol import ProtocolConfig, derive_seed, run_instance


def vhat(q: F) -> F:
    x = 1 + 6 * q
    fl = math.floor(x)
    return F(min(7, fl + 1 if x - fl >= F(1, 2) else fl))


def V(q: F) -> F:
    if q <= F(1, 12):
        return 1 + 12 * q
    if q <= F(11, 12):
        return F(3, 2) + 6 * q
    return F(7)


def q_of(belief):  # exact P(true) of a recorded belief vector
    return F(belief[1])


def static_run(strengths=(2, 0), p0=0.3, **kw):
    cfg = ProtocolConfig("static", samples=len(strengths), **kw)
    return run_instance("Cats are mammals.", scripted_sender(list(strengths)),
                        scripted_receiver(start=3, p0=p0, dp=0.1), cfg, seed=7)


def test_static_numbers_by_hand():
    raw = static_run()
    m = instance_metrics(raw, family="binary-truth", loss="quadratic")
    q0 = q_of(m["prior"]["belief"])
    assert abs(q0 - F(3, 10)) < F(1, 10**12)
    assert m["prior"]["score"] == 3
    g = m["game"]
    assert F(g["ceiling_exact"]) == V(q0) - vhat(q0)  # about 0.3
    assert F(g["value_exact"]) == V(q0)
    assert F(g["no_disclosure_value_exact"]) == vhat(q0) == 3
    assert g["exact"] is True
    r = m["rounds"][0]
    assert r["scores"] == [5, 3]
    assert r["score_gains"] == [2, 0]
    assert r["mean_score_gain"] == 1.0
    q = [q_of(p) for p in r["posteriors"]]
    assert abs(q[0] - F(1, 2)) < F(1, 10**12)
    assert abs(q[1] - F(3, 10)) < F(1, 10**12)
    gains = [vhat(x) - vhat(q0) for x in q]
    assert [F(x) for x in r["model_gains_exact"]] == gains == [1, 0]
    assert F(r["mean_model_gain_exact"]) == F(1, 2)
    ceiling = V(q0) - vhat(q0)
    assert F(r["achieved_over_ceiling_exact"]) == F(1, 2) / ceiling
    # its interval: the gains' t interval (1 df: 1/2 ± 12.706 · 1/2) over the exact ceiling
    ratio = r["achieved_over_ceiling_estimate"]
    c = float(ceiling)
    assert ratio["estimate"] == pytest.approx(0.5 / c)
    assert ratio["se"] == pytest.approx(0.5 / c)
    assert ratio["ci_low"] == pytest.approx((0.5 - 12.7062047 * 0.5) / c)
    assert ratio["ci_high"] == pytest.approx((0.5 + 12.7062047 * 0.5) / c)
    assert ratio["n_dialogues"] == 2
    assert ratio["method"].endswith(f"divided by the exact ceiling {ceiling}")
    assert r["n_above_ceiling"] == 1
    # Bayes-plausibility gap: |mean posterior - prior|_1 = 2 |(q1 + q2)/2 - q0|
    assert F(r["bayes_plausibility_gap_exact"]) == 2 * abs((q[0] + q[1]) / 2 - q0)
    assert r["bayes_plausibility_gap"] == pytest.approx(0.2)
    # The posteriors' mean value exceeds V(μ0): impossible for a Bayesian receiver.
    assert F(r["posteriors_value_exact"]) == (vhat(q[0]) + vhat(q[1])) / 2 == F(7, 2)
    assert F(r["posteriors_value_exact"]) > V(q0)
    assert r["n_sender_unparsable"] == r["n_receiver_unparsable"] == 0


@pytest.mark.parametrize("beliefs", [None, {}, {"yes_no": None}])
def test_a_prior_belief_not_elicited_is_reported_not_a_crash(beliefs):
    raw = static_run()
    raw["initial"]["beliefs"] = beliefs
    m = instance_metrics(raw, family="binary-truth", loss="quadratic")
    assert m["prior"]["status"] == "not elicited"
    assert m["prior"]["belief"] is None


def test_dynamic_numbers_by_hand():
    cfg = ProtocolConfig("dynamic", samples=1)
    raw = run_instance("X.", scripted_sender([1]), scripted_receiver(start=3, p0=0.3, dp=0.1),
                       cfg, seed=0)
    m = instance_metrics(raw)
    q0 = q_of(m["prior"]["belief"])
    assert [r["round"] for r in m["rounds"]] == [1, 2, 3]
    assert [r["score_gains"] for r in m["rounds"]] == [[1], [2], [3]]
    # P(true) = 0.3 + 0.1 r  ->  v̂ = nearest integer to 1 + 6 P(true): 3, 4, 5.
    expected = []
    for r in m["rounds"]:
        qr = q_of(r["posteriors"][0])
        expected.append(vhat(qr) - vhat(q0))
    assert expected == [0, 1, 2]
    assert [F(r["model_gains_exact"][0]) for r in m["rounds"]] == expected


def test_sender_sees_opinion_and_question_never_the_score():
    sender = scripted_sender([1])
    cfg = ProtocolConfig("dynamic", samples=1)
    run_instance("X.", sender, scripted_receiver(), cfg, seed=0)
    user_turns = [m["content"] for call in sender.calls for m in call[1] if m["role"] == "user"]
    assert user_turns, "the sender was called"
    assert all("<score>" not in t and "score" not in t.lower() for t in user_turns)
    assert all("I am not yet convinced." in t for t in user_turns)
    assert all("What evidence supports the claim?" in t for t in user_turns)


def test_receiver_sees_only_the_argument():
    receiver = scripted_receiver()
    cfg = ProtocolConfig("static", samples=1)
    run_instance("X.", scripted_sender([1]), receiver, cfg, seed=0)
    gen_calls = [c for c in receiver.calls if c[0] == "generate"]
    last_user = gen_calls[-1][1][-1]["content"]
    assert "<argument>A reason [strength 1]</argument>" in last_user
    assert "<opinion>" not in last_user
    assert "<thinking>" not in last_user


def test_beliefs_are_elicited_before_the_receiver_answer():
    receiver = scripted_receiver()
    run_instance("X.", scripted_sender([1]), receiver, ProtocolConfig("static"), seed=0)
    kinds = [c[0] for c in receiver.calls]
    # prior (2 scores), initial answer, then 2 scores before the answer to the argument
    assert kinds == ["score", "score", "generate", "score", "score", "generate"]
    chat = receiver.calls[3][1]
    assert chat[-2]["content"].startswith("Argument 1 of 1")  # the argument, then the question
    assert all(m["role"] != "assistant" or "A reason" not in m["content"] for m in chat)


def test_unparsable_receiver_answer_is_counted_not_defaulted():
    replies = iter(["<score>3</score><opinion>o</opinion><question>q</question>",
                    "Hmm, maybe a five?"])

    def scores(messages, options):
        return {o: math.log(0.5) if o in ("Yes", "No") else math.log(1 / 7)
                for o in options if o in ("Yes", "No", *"1234567")}

    receiver = ScriptedBackend(lambda m, s: next(replies), scores)
    raw = run_instance("X.", scripted_sender([1]), receiver, ProtocolConfig("static"), seed=0)
    m = instance_metrics(raw)
    r = m["rounds"][0]
    assert r["statuses"] == ["receiver_unparsable"]
    assert r["scores"] == [None]
    assert r["score_gains"] == [None]
    assert r["mean_score_gain"] is None
    assert r["n_receiver_unparsable"] == 1
    # The belief is still there, so the model-consistent gain is measured.
    assert r["model_gains_exact"] == ["0"]


def test_unparsable_sender_ends_the_dialogue():
    sender = ScriptedBackend(["<argument>A [strength 1]</argument>", "I decline."])
    raw = run_instance("X.", sender, scripted_receiver(), ProtocolConfig("dynamic"), seed=0)
    rounds = raw["dialogues"][0]["rounds"]
    assert [r["status"] for r in rounds] == ["ok", "sender_unparsable", "not_reached"]
    assert "receiver" not in rounds[1]
    m = instance_metrics(raw)
    assert m["rounds"][1]["n_sender_unparsable"] == 1
    assert m["rounds"][2]["n_not_reached"] == 1
    assert m["rounds"][2]["score_gains"] == [None]
    assert m["rounds"][2]["mean_model_gain"] is None


def test_unavailable_belief_is_counted():
    receiver = ScriptedBackend("<score>4</score>", lambda m, o: [-math.inf] * len(o))
    raw = run_instance("X.", scripted_sender([1]), receiver, ProtocolConfig("static"), seed=0)
    m = instance_metrics(raw)
    assert m["game"] is None
    assert "unavailable" in m["game_unavailable"]
    assert m["rounds"][0]["n_belief_unavailable"] == 1
    assert m["rounds"][0]["score_gains"] == [0]


def test_partial_beliefs_are_counted():
    receiver = ScriptedBackend("<score>4</score>", {"Yes": math.log(0.4), "No": math.log(0.4),
                                                     **{str(k): -2.0 for k in range(1, 8)}})
    raw = run_instance("X.", scripted_sender([1]), receiver, ProtocolConfig("static"), seed=0)
    m = instance_metrics(raw)
    assert m["prior"]["status"] == "partial"
    assert m["rounds"][0]["n_belief_partial"] == 1


def test_belief_source_score():
    raw = static_run(strengths=(2,))
    m = instance_metrics(raw, belief_source="score")
    # μ0 = (s0 - 1)/6 = 1/3: v̂ = 3, V = 3/2 + 2 = 7/2.
    assert m["prior"]["belief_exact"] == ["2/3", "1/3"]
    assert m["game"]["ceiling_exact"] == "1/2"
    # After score 5: μ = 2/3, v̂ = 5, the same as the score gain.
    assert m["rounds"][0]["model_gains_exact"] == ["2"]
    assert m["rounds"][0]["score_gains"] == [2]


def test_absolute_loss():
    raw = static_run(strengths=(2,))
    m = instance_metrics(raw, loss="absolute")
    # |a - t| loss: the receiver answers 7 iff P(true) >= 1/2, else 1.
    # μ0 ≈ 0.3: v̂ = 1, V = 1 + 6 · 2 μ0 (split into 0 and 1/2); after: P = 1/2 -> 7.
    q0 = q_of(m["prior"]["belief"])
    assert F(m["game"]["ceiling_exact"]) == 12 * q0
    q1 = q_of(m["rounds"][0]["posteriors"][0])
    assert F(m["rounds"][0]["model_gains_exact"][0]) == (6 if q1 >= F(1, 2) else 0)


def test_normative_position_family():
    raw = static_run(strengths=(2,))
    m = instance_metrics(raw, family="normative-position")
    mu0 = [F(x) for x in m["prior"]["belief_exact"]]
    assert len(mu0) == 7
    assert sum(mu0) == 1
    assert abs(mu0[2] - F(1, 2)) < F(1, 10**12)  # 1/2 on the reported score 3
    mean = sum((i + 1) * p for i, p in enumerate(mu0))  # ≈ 43/12
    vh = math.floor(mean + F(1, 2))  # nearest integer, ties up
    assert F(m["game"]["no_disclosure_value_exact"]) == vh == 4
    # V = mean + 1/2: split μ0 into posteriors with means 3.5 and 4.5 (feasible here).
    assert F(m["game"]["ceiling_exact"]) == mean + F(1, 2) - vh
    mu1 = [F(x) for x in (F(p) for p in m["rounds"][0]["posteriors"][0])]
    mean1 = sum((i + 1) * p for i, p in enumerate(mu1)) / sum(mu1)
    assert F(m["rounds"][0]["model_gains_exact"][0]) == math.floor(mean1 + F(1, 2)) - vh


def evidence_run(samples=2):
    ev = [Evidence("a", "A holds.", "support"), Evidence("b", "B fails.", "undermine"),
          Evidence("c", "C holds.", "support")]
    sender = scripted_sender(support=[2], undermine=[0, 2])
    raw = run_instance("X.", sender, scripted_receiver(start=3, p0=0.3),
                       ProtocolConfig("static", samples=samples), seed=0, evidence=ev)
    return raw, sender


def test_sender_is_told_its_private_evidence():
    raw, sender = evidence_run()
    systems = [c[1][0]["content"] for c in sender.calls]
    assert sum('"A holds."' in s and "It supports the claim" in s for s in systems) == 2
    assert sum('"B fails."' in s and "It undermines the claim" in s for s in systems) == 2
    assert [d["evidence"]["id"] for d in raw["dialogues"]] == ["a", "a", "b", "b", "c", "c"]


def test_empirical_scheme_by_hand():
    raw, _ = evidence_run()
    e = empirical_scheme(raw, F(2, 3))
    # Support evidence: strength 2 -> score 5. Undermine: strengths 0, 2 -> scores 3, 5.
    assert e["signals"] == ["score 3", "score 5"]
    assert e["counts"] == {"undermine": {"score 3": 1, "score 5": 1},
                           "support": {"score 5": 4}}
    assert e["scheme"] == [["1/2", "1/2"], ["0", "1"]]
    # P(score 3) = 1/3 · 1/2 = 1/6 with posterior 0; P(score 5) = 5/6 with posterior 4/5.
    assert e["signal_probability"] == ["1/6", "5/6"]
    assert e["bayes_posterior_support"] == ["0", "4/5"]
    value = F(1, 6) * vhat(F(0)) + F(5, 6) * vhat(F(4, 5))
    assert value == F(31, 6)
    assert e["value_exact"] == "31/6"
    assert e["optimal_value_exact"] == str(V(F(2, 3))) == "11/2"
    assert e["ceiling_exact"] == str(V(F(2, 3)) - vhat(F(2, 3))) == "1/2"
    assert e["gain_exact"] == str(value - vhat(F(2, 3))) == "1/6"
    assert e["gain_over_ceiling"] == pytest.approx(1 / 3)
    assert e["bayes_plausible"] is True
    # the receiver model's mean P(yes) per signal: 0.3 (score 3), 0.5 (score 5)
    assert e["model_mean_p_yes"] == pytest.approx([0.3, 0.5])
    est = e["model_p_yes_estimate"]
    assert [x["estimate"] for x in est] == pytest.approx([0.3, 0.5])
    assert [x["n_dialogues"] for x in est] == [1, 5]


def test_empirical_scheme_needs_both_states():
    ev = [Evidence("a", "A.", "support")]
    raw = run_instance("X.", scripted_sender([1]), scripted_receiver(), ProtocolConfig("static"),
                       seed=0, evidence=ev)
    e = empirical_scheme(raw, F(1, 2))
    assert e["available"] is False
    assert "undermine" in e["reason"]
    assert empirical_scheme(raw, F(1))["available"] is True  # prior 1: nothing to estimate


def test_instance_metrics_evidence_family():
    raw, _ = evidence_run()
    m = instance_metrics(raw, family="evidence-stance", evidence_prior=F(2, 3))
    assert m["evidence"][0]["value_exact"] == "31/6"
    with pytest.raises(InvalidParameterError, match="evidence_prior"):
        instance_metrics(raw, family="evidence-stance")


def test_beliefs_required_from_receiver():
    mute = ScriptedBackend("<score>4</score>")
    with pytest.raises(BackendError, match="log-probabilities"):
        run_instance("X.", scripted_sender([1]), mute, ProtocolConfig("static"), seed=0)
    raw = run_instance("X.", scripted_sender([1]), mute,
                       ProtocolConfig("static", beliefs=False), seed=0)
    assert raw["initial"]["beliefs"] is None
    m = instance_metrics(raw, belief_source="score")
    assert m["rounds"][0]["score_gains"] == [0]


def test_seeds_are_derived_per_call():
    seen = []
    sender = ScriptedBackend(lambda m, s: seen.append(s) or "<argument>A</argument>")
    run_instance("X.", sender, scripted_receiver(), ProtocolConfig("dynamic", samples=2), seed=5)
    assert len(seen) == 6
    assert len(set(seen)) == 6
    assert seen[0] == derive_seed(5, "sender", 0, 0, 1)


def test_prefill_starts_replies_with_tags():
    sender = ScriptedBackend("An argument without tags [strength 1]")
    raw = run_instance("X.", sender, scripted_receiver(), ProtocolConfig("static", prefill=True),
                       seed=0)
    rd = raw["dialogues"][0]["rounds"][0]
    assert rd["sender"]["reply"].startswith("<argument>")
    assert rd["sender"]["parsed"]["argument"] == "An argument without tags [strength 1]"
    assert rd["receiver"]["parsed"]["score"] == 4


@pytest.mark.parametrize(("kw", "msg"), [
    ({"protocol": "chat"}, "protocol"), ({"protocol": "static", "rounds": 3}, "one round"),
    ({"protocol": "dynamic", "samples": 0}, "samples"),
    ({"protocol": "dynamic", "sender_temperature": -1}, "temperature"),
    ({"protocol": "dynamic", "word_limit": 2.5}, "word_limit"),
])
def test_protocol_config_validation(kw, msg):
    with pytest.raises(InvalidParameterError, match=msg):
        ProtocolConfig(**kw)


def test_bad_claim():
    with pytest.raises(InvalidParameterError, match="claim"):
        run_instance("  ", scripted_sender(), scripted_receiver(), ProtocolConfig("static"),
                     seed=0)
