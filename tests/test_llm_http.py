"""The OpenAI-compatible backend against a fake chat server on loopback."""

import math

import pytest
from llm_fakes import FakeChatServer, chat_response

from bayespersuade.datasets.records import ClaimRecord
from bayespersuade.exceptions import BackendError
from bayespersuade.llm.backends.base import GenerationRequest, ScoreRequest
from bayespersuade.llm.backends.openai import OpenAIChatBackend
from bayespersuade.llm.backends.registry import load_backend
from bayespersuade.llm.backends.scripted import scripted_sender
from bayespersuade.llm.protocol import ProtocolConfig
from bayespersuade.llm.runner import EvaluationConfig, run_evaluation

CHAT = [{"role": "user", "content": "Is it true?"}]


def backend(url, **kw):
    kw.setdefault("request_timeout", 5.0)
    return OpenAIChatBackend("fake-model", url, api_key="sk-test", **kw)


def test_generate_sends_the_chat_and_returns_the_text():
    with FakeChatServer(lambda body: (200, chat_response("  <score>5</score> "))) as srv:
        out = backend(srv.url).generate(CHAT, max_new_tokens=12, temperature=0.5, seed=7)
    assert out == "<score>5</score>"
    body = srv.requests[0]
    assert body["model"] == "fake-model"
    assert body["messages"] == CHAT
    assert body["max_tokens"] == 12
    assert body["temperature"] == 0.5
    assert body["seed"] == 7
    assert {k.lower(): v for k, v in srv.headers[0].items()}["authorization"] == "Bearer sk-test"


def test_generate_batch_keeps_order():
    def handler(body):
        return 200, chat_response(f"reply to {body['messages'][-1]['content']}")

    with FakeChatServer(handler) as srv:
        reqs = [GenerationRequest([{"role": "user", "content": str(i)}], i) for i in range(6)]
        out = backend(srv.url, concurrency=3).generate_batch(reqs, max_new_tokens=5)
    assert out == [f"reply to {i}" for i in range(6)]
    assert sorted(b["seed"] for b in srv.requests) == list(range(6))


def test_prefix_uses_continue_final_message():
    with FakeChatServer(lambda body: (200, chat_response("5</score>"))) as srv:
        out = backend(srv.url).generate(CHAT, max_new_tokens=4, prefix="<score>")
    assert out == "<score>5</score>"
    body = srv.requests[0]
    assert body["messages"][-1] == {"role": "assistant", "content": "<score>"}
    assert body["continue_final_message"] is True
    assert body["add_generation_prompt"] is False


def test_score_options_reads_top_logprobs():
    top = [("Yes", math.log(0.5)), (" yes", math.log(0.1)), ("No", math.log(0.2)),
           ("Maybe", math.log(0.05))]
    with FakeChatServer(lambda body: (200, chat_response("Yes", top))) as srv:
        s = backend(srv.url, top_logprobs=5).score_options(CHAT, ["Yes", "yes", "No", "no"])
    body = srv.requests[0]
    assert body["logprobs"] is True
    assert body["top_logprobs"] == 5
    assert body["max_tokens"] == 1
    assert body["temperature"] == 0.0
    assert s.probability("Yes") == pytest.approx(0.5)
    assert s.probability("yes") == pytest.approx(0.1)
    assert s.probability("No") == pytest.approx(0.2)
    assert s.probability("no") is None  # not in the top list: unobserved, not zero
    assert s.unobserved_bound == pytest.approx(math.log(0.05))


def test_tokens_mapping_to_the_same_option_are_added():
    top = [("7", math.log(0.3)), (" 7", math.log(0.2)), ("6", math.log(0.5))]
    with FakeChatServer(lambda body: (200, chat_response("7", top))) as srv:
        s = backend(srv.url).score_options(CHAT, list("1234567"))
    assert s.probability("7") == pytest.approx(0.5)
    assert s.probability("6") == pytest.approx(0.5)
    assert s.observed.sum() == 2


def test_score_batch_and_beliefs_partial():
    from bayespersuade.llm.beliefs import yes_no_belief

    top = [("Yes", math.log(0.6)), ("No", math.log(0.3))]
    with FakeChatServer(lambda body: (200, chat_response("Yes", top))) as srv:
        out = backend(srv.url).score_options_batch(
            [ScoreRequest(CHAT, ("Yes", "yes", "No", "no"))] * 3)
    b = yes_no_belief(out[0])
    assert len(out) == 3
    assert b.status == "partial"
    assert b.prob("yes") == pytest.approx(2 / 3)


def test_server_without_logprobs_is_a_clear_error():
    with FakeChatServer(lambda body: (200, chat_response("Yes"))) as srv, \
            pytest.raises(BackendError, match="no token log-probabilities"):
        backend(srv.url).score_options(CHAT, ["Yes", "No"])


def test_http_error_message_is_passed_on():
    def handler(body):
        return 400, {"error": {"message": "model 'fake-model' does not exist"}}

    with FakeChatServer(handler) as srv, pytest.raises(BackendError,
                                                      match=r"HTTP 400.*does not exist"):
        backend(srv.url).generate(CHAT, max_new_tokens=3)
    assert len(srv.requests) == 1  # client errors are not retried


def test_transient_errors_are_retried():
    calls = []

    def handler(body):
        calls.append(1)
        if len(calls) < 3:
            return 503, {"error": {"message": "busy"}}
        return 200, chat_response("ok")

    with FakeChatServer(handler) as srv:
        out = backend(srv.url, max_retries=4).generate(CHAT, max_new_tokens=3)
    assert out == "ok"
    assert len(calls) == 3


def test_retries_give_up():
    with FakeChatServer(lambda body: (500, {"error": {"message": "down"}})) as srv, \
            pytest.raises(BackendError, match=r"HTTP 500: down \(after up to 1 retries"):
        backend(srv.url, max_retries=1).generate(CHAT, max_new_tokens=3)
    assert len(srv.requests) == 2


def test_unreachable_server():
    with FakeChatServer(lambda body: (200, {})) as srv:
        url = srv.url
    with pytest.raises(BackendError, match="could not reach"):
        backend(url, max_retries=1, request_timeout=2).generate(CHAT, max_new_tokens=3)


def test_malformed_responses():
    with FakeChatServer(lambda body: (200, {"choices": []})) as srv, \
            pytest.raises(BackendError, match="no choices"):
        backend(srv.url).generate(CHAT, max_new_tokens=3)


def test_spec_parsing_and_validation(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-env")
    b = load_backend("openai:gpt-x@http://127.0.0.1:9/v1")
    assert (b.model, b.base_url, b.supports_logprobs) == ("gpt-x", "http://127.0.0.1:9/v1", True)
    assert b._api_key == "sk-env"
    assert "sk-env" not in repr(b.describe())
    assert load_backend("openai-nologprobs:m@http://h:1/v1").supports_logprobs is False
    assert load_backend("openai:org/model@v2@http://h:1/v1").model == "org/model@v2"
    with pytest.raises(BackendError, match="MODEL@BASE_URL"):
        load_backend("openai:gpt-x")
    with pytest.raises(BackendError, match="http"):
        OpenAIChatBackend("m", "ftp://x")
    with pytest.raises(BackendError, match="carries a credential") as e:
        load_backend("openai:m@http://user:hunter2@h:1/v1")
    assert "hunter2" not in str(e.value)


def test_evaluation_through_http(tmp_path):
    """An end-to-end run whose receiver is an HTTP server with log-probabilities."""

    def handler(body):
        if body.get("logprobs"):
            q = body["messages"][-1]["content"]
            if "Yes or No" in q:
                return 200, chat_response("Yes", [("Yes", math.log(0.4)), ("No", math.log(0.6))])
            return 200, chat_response("4", [(str(k), math.log(1 / 7)) for k in range(1, 8)])
        n_args = sum("<argument>" in m["content"] for m in body["messages"]
                     if m["role"] == "user")
        return 200, chat_response(f"<score>{4 + n_args}</score><opinion>o</opinion>"
                                  f"<question>q</question>")

    with FakeChatServer(handler) as srv:
        recv = backend(srv.url)
        cfg = EvaluationConfig("demo", "scripted:sender", f"openai:fake@{srv.url}",
                               ProtocolConfig("static"))
        res = run_evaluation([ClaimRecord("demo", "1", "X.")], scripted_sender([1]), recv,
                             tmp_path, cfg, progress=False, report=None)
    r = res.records[0]["metrics"]["rounds"][0]
    assert r["score_gains"] == [1]
    assert r["model_gains_exact"] == ["0"]  # P(yes) stays 0.4
    assert res.records[0]["metrics"]["prior"]["belief"][1] == pytest.approx(0.4)


def test_requests_carry_the_key_and_the_sdk_headers_but_no_platform_telemetry():
    # Every attempt goes through the SDK's request machinery (its retry count and
    # read timeout headers included); the SDK's platform headers are left out.
    answers = iter([(503, {"error": {"message": "busy"}}), (200, chat_response("ok"))])
    with FakeChatServer(lambda body: next(answers)) as srv:
        assert backend(srv.url, max_retries=1).generate(CHAT, max_new_tokens=4) == "ok"
    sent = [{k.lower(): v for k, v in h.items()} for h in srv.headers]
    assert [h["x-stainless-retry-count"] for h in sent] == ["0", "1"]
    assert {h["authorization"] for h in sent} == {"Bearer sk-test"}
    assert {h["content-type"] for h in sent} == {"application/json"}
    assert all(h["user-agent"].startswith("AsyncOpenAI/Python") for h in sent)
    assert not [k for h in sent for k in h if k.startswith("x-stainless-")
                and k not in ("x-stainless-retry-count", "x-stainless-read-timeout")]
    assert srv.requests[0] == srv.requests[1]  # the retry sends the same body


def test_request_options_are_fresh_copies_with_distinct_idempotency_keys():
    from bayespersuade.llm.backends.openai import _RequestOptions

    make = _RequestOptions("http://127.0.0.1:1/v1/chat/completions")
    a, b = make(b'{"a":1}'), make(b'{"b":2}')
    assert (a.method, a.url, a.content) == ("post", "http://127.0.0.1:1/v1/chat/completions",
                                           b'{"a":1}')
    assert b.content == b'{"b":2}' and a is not b
    assert a.idempotency_key != b.idempotency_key
    assert make._template.content is None and make._template.idempotency_key is None


def test_an_sdk_without_the_private_option_types_falls_back_to_post(monkeypatch):
    from bayespersuade.llm.backends import openai as ob

    def missing(url):
        raise ImportError("no openai._models in this SDK")

    monkeypatch.setattr(ob, "_RequestOptions", missing)
    calls = []

    def handler(body):
        calls.append(1)
        if len(calls) < 2:
            return 503, {"error": {"message": "busy"}}
        return 200, chat_response("ok")

    with FakeChatServer(handler) as srv:
        b = backend(srv.url, max_retries=3)
        assert b.generate(CHAT, max_new_tokens=3) == "ok"
    assert b._options is None and len(calls) == 2  # the SDK's retries still work
