"""The transformers backend on a tiny random Llama built in code (no download)."""

import pytest

pytestmark = pytest.mark.llm
torch = pytest.importorskip(
    "torch", reason="needs the llm extra: pip install torch==2.13.0 'bayespersuade[llm]'")
pytest.importorskip("transformers", reason="needs the llm extra: pip install 'bayespersuade[llm]'")

from llm_fakes import tiny_llama  # noqa: E402

from bayespersuade.datasets.records import ClaimRecord  # noqa: E402
from bayespersuade.exceptions import BackendError  # noqa: E402
from bayespersuade.llm.backends.base import GenerationRequest, ScoreRequest  # noqa: E402
from bayespersuade.llm.backends.hf import TransformersBackend  # noqa: E402
from bayespersuade.llm.backends.registry import load_backend  # noqa: E402
from bayespersuade.llm.protocol import ProtocolConfig  # noqa: E402
from bayespersuade.llm.runner import EvaluationConfig, run_evaluation  # noqa: E402

torch.set_num_threads(1)

CHAT = [{"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Is the claim true? ω"}]
LONG = [{"role": "user", "content": "A much longer question " * 6}]


@pytest.fixture(scope="module")
def tiny():
    model, tok = tiny_llama()
    return TransformersBackend(model, tok, name="tiny", batch_size=4)


@pytest.fixture(scope="module")
def tiny_batched(tiny):
    """The same model without the prefix store: batched generation (as on a GPU)."""
    return TransformersBackend(tiny.model, tiny.tokenizer, name="tiny", batch_size=4,
                               prefix_cache_tokens=0)


def direct_logprob(b, messages, option, prefix=""):
    """log P(option | chat) with one unpadded forward pass (the reference)."""
    text = b.tokenizer.apply_chat_template(messages, add_generation_prompt=True, tokenize=False)
    prompt = b.tokenizer(text + prefix, add_special_tokens=False)["input_ids"]
    opt = b.tokenizer(option, add_special_tokens=False)["input_ids"]
    ids = torch.tensor([prompt + opt])
    with torch.no_grad():
        logp = torch.log_softmax(b.model(ids).logits[0].float(), -1)
    return sum(logp[len(prompt) - 1 + j, t].item() for j, t in enumerate(opt))


def direct_greedy(b, messages, n, prefix=""):
    text = b.tokenizer.apply_chat_template(messages, add_generation_prompt=True, tokenize=False)
    ids = b.tokenizer(text + prefix, add_special_tokens=False)["input_ids"]
    out = []
    for _ in range(n):
        with torch.no_grad():
            nxt = int(b.model(torch.tensor([ids + out])).logits[0, -1].argmax())
        out.append(nxt)
        if nxt == b.tokenizer.eos_token_id:
            break
    return prefix + b.tokenizer.decode(out, skip_special_tokens=True)


def test_tiny_model_is_tiny(tmp_path):
    # (its build time is not asserted: speed is measured in benchmarks/)
    model, _tok = tiny_llama(seed=1)
    model.save_pretrained(tmp_path)
    size = sum(p.stat().st_size for p in tmp_path.glob("*.safetensors"))
    assert size < 1_000_000


def test_scores_equal_direct_computation(tiny):
    opts = ["Yes", "no", "1", "7", "maybe so"]  # the byte tokenizer: multi-token options
    s = tiny.score_options(CHAT, opts)
    expected = [direct_logprob(tiny, CHAT, o) for o in opts]
    assert s.observed.all()
    assert s.logprobs.tolist() == pytest.approx(expected, abs=1e-5)
    assert len({round(x, 3) for x in expected}) == len(expected)  # not a constant


def test_batched_scoring_is_padding_invariant(tiny):
    chats = [CHAT, LONG, [*CHAT, {"role": "assistant", "content": "Hm."},
                          {"role": "user", "content": "Again?"}]]
    reqs = [ScoreRequest(c, ("Yes", "No", "4")) for c in chats]
    batch = tiny.score_options_batch(reqs * 2)  # 6 requests, 2 chunks of 4 sequences
    for r, s in zip(reqs * 2, batch):
        single = tiny.score_options(r.messages, r.options)
        assert s.logprobs.tolist() == pytest.approx(single.logprobs.tolist(), abs=1e-5)


@pytest.mark.parametrize("which", ["tiny", "tiny_batched"])
def test_greedy_generation_matches_manual_decoding(which, request):
    b = request.getfixturevalue(which)
    b.clear_cache()
    for _ in range(2):  # the second time from stored prefixes (with the store)
        out = b.generate_batch([GenerationRequest(CHAT), GenerationRequest(LONG)],
                               max_new_tokens=6)
        assert out[0] == direct_greedy(b, CHAT, 6).strip()
        assert out[1] == direct_greedy(b, LONG, 6).strip()


def test_prefix_is_continued(tiny):
    out = tiny.generate(CHAT, max_new_tokens=5, prefix="<argument>")
    assert out.startswith("<argument>")
    assert out == direct_greedy(tiny, CHAT, 5, prefix="<argument>").rstrip()


@pytest.mark.parametrize("which", ["tiny", "tiny_batched"])
def test_seeded_sampling(which, request):
    b = request.getfixturevalue(which)

    def sample(seed, other=None):
        reqs = [GenerationRequest(CHAT, seed)]
        if other is not None:
            reqs.insert(0, GenerationRequest(LONG, other))
        return b.generate_batch(reqs, max_new_tokens=12, temperature=1.5)[-1]

    a = sample(11)
    assert sample(11) == a
    assert sample(11, other=99) == a  # does not depend on the other chats of the batch
    outs = {sample(s) for s in (1, 2, 3, 4)}
    assert len(outs) > 1


def test_chat_template_required():
    model, tok = tiny_llama()
    tok.chat_template = None
    with pytest.raises(BackendError, match="no chat template"):
        TransformersBackend(model, tok, name="x")
    b = TransformersBackend(model, tok, name="x", chat_template="{{ messages[0]['content'] }}")
    assert b.score_options([{"role": "user", "content": "Hi"}], ["a"]).observed.all()


def test_from_pretrained_directory_and_spec(tmp_path, tiny):
    tiny.model.save_pretrained(tmp_path)
    tiny.tokenizer.save_pretrained(tmp_path)
    b = load_backend(f"hf:{tmp_path}")
    assert isinstance(b, TransformersBackend)
    d = b.describe()
    assert d["backend"] == "transformers"
    assert d["path"] == str(tmp_path.resolve())
    assert d["n_parameters"] == sum(p.numel() for p in tiny.model.parameters())
    assert d["chat_template_sha256"] == tiny.describe()["chat_template_sha256"]
    assert b.score_options(CHAT, ["Yes"]).logprobs[0] == pytest.approx(
        tiny.score_options(CHAT, ["Yes"]).logprobs[0], abs=1e-6)
    with pytest.raises(BackendError, match="does not exist"):
        load_backend(f"hf:{tmp_path / 'nope'}")
    with pytest.raises(BackendError, match="could not load"):
        load_backend(f"hf:{tmp_path.parent}")  # a directory without a model
    with pytest.raises(BackendError, match="does not exist"):
        load_backend(f"gguf:{tmp_path / 'model.gguf'}")


def test_evaluation_with_tiny_model(tmp_path, tiny):
    cfg = EvaluationConfig("demo", "tiny", "tiny",
                           ProtocolConfig("dynamic", rounds=2, samples=2, prefill=True,
                                          sender_max_new_tokens=6, receiver_max_new_tokens=6))
    recs = [ClaimRecord("demo", "1", "Cats are mammals."), ClaimRecord("demo", "2", "Dogs fly.")]
    res = run_evaluation(recs, tiny, tiny, tmp_path, cfg, progress=False, report="md")
    for rec in res.records:
        assert rec["status"] == "done"
        beliefs = rec["transcript"]["initial"]["beliefs"]
        assert beliefs["yes_no"]["status"] == "ok"
        assert 0 < beliefs["yes_no"]["mass"] <= 1
        assert abs(sum(beliefs["likert"]["probs"]) - 1) < 1e-12
        assert rec["metrics"]["game"]["exact"] is True
        for r in rec["metrics"]["rounds"]:
            assert r["n_dialogues"] == 2
            ok = r["statuses"].count("ok")
            assert ok + r["n_sender_unparsable"] + r["n_receiver_unparsable"] + \
                r["n_not_reached"] == 2
    d = res.summary["datasets"]["demo"]
    assert d["n_done"] == 2
    assert (tmp_path / "report.md").exists()
    run = (tmp_path / "run.json").read_text()
    assert '"transformers"' in run


def test_shared_prefix_scoring_equals_direct(tiny, monkeypatch):
    chat = [*CHAT, {"role": "assistant", "content": "Maybe."},
            {"role": "user", "content": "An argument."}]
    q1 = [*chat, {"role": "user", "content": "Yes or No?"}]
    q2 = [*chat, {"role": "user", "content": "A digit from 1 to 7?"}]
    reqs = [ScoreRequest(q1, ("Yes", "No")), ScoreRequest(q2, tuple("1234567")),
            ScoreRequest(LONG, ("7",))]
    calls = []
    real = TransformersBackend._forward_shared

    def spy(self, seqs, members, p, need, kept, store=None):
        calls.append((len(members), p))
        return real(self, seqs, members, p, need, kept, store)

    monkeypatch.setattr(TransformersBackend, "_forward_shared", spy)
    shared = tiny.score_options_batch(reqs)
    assert calls, "the shared-prefix path was used"
    assert calls[0][0] == 4  # two prompts, plus "Yes" and "No" (several byte tokens)
    assert calls[0][1] > 80  # the whole transcript (93 byte tokens) is computed once
    for r, s in zip(reqs, shared):
        expected = [direct_logprob(tiny, r.messages, o) for o in r.options]
        assert s.logprobs.tolist() == pytest.approx(expected, abs=1e-5)
    monkeypatch.setattr(tiny, "min_shared_prefix", 10**9)  # force the plain path
    calls.clear()
    plain = tiny.score_options_batch(reqs)
    assert not calls
    for a, b in zip(shared, plain):
        assert a.logprobs.tolist() == pytest.approx(b.logprobs.tolist(), abs=1e-5)


def test_prefix_store_across_calls_changes_nothing(tiny, monkeypatch):
    """A growing dialogue: each step reuses the previous step's stored prefix."""
    from bayespersuade.llm.backends import hf

    hits = []
    real = hf._PrefixStore.best

    def spy(self, ids, limit):
        n, c = real(self, ids, limit)
        hits.append(n)
        return n, c

    monkeypatch.setattr(hf._PrefixStore, "best", spy)
    tiny.clear_cache()
    chat = list(CHAT)
    for step in range(3):
        reply = tiny.generate(chat, max_new_tokens=4)
        assert reply == direct_greedy(tiny, chat, 4).strip()
        q1 = [*chat, {"role": "user", "content": "Yes or No?"}]
        q2 = [*chat, {"role": "user", "content": "A digit?"}]
        s1, s2 = tiny.score_options_batch([ScoreRequest(q1, ("Yes", "No")),
                                           ScoreRequest(q2, ("1", "7"))])
        assert s1.logprobs.tolist() == pytest.approx(
            [direct_logprob(tiny, q1, o) for o in ("Yes", "No")], abs=1e-5)
        assert s2.logprobs.tolist() == pytest.approx(
            [direct_logprob(tiny, q2, o) for o in ("1", "7")], abs=1e-5)
        chat += [{"role": "assistant", "content": reply or "..."},
                 {"role": "user", "content": f"Argument {step}."}]
    assert max(hits) > 100  # later steps started from long stored prefixes
    assert tiny._store.tokens <= tiny._store.max_tokens


def test_prefix_store_budget_and_copies(tiny):
    from bayespersuade.llm.backends.hf import _PrefixStore

    ids = tiny._prompt_ids(LONG)
    cache = tiny._prefix_cache(ids)  # stored in tiny's store
    n_layers_len = cache.get_seq_length()
    n, copy_ = tiny._store.best([*ids[:50], 7, 7], limit=10**6)
    assert n == 50
    assert copy_.get_seq_length() == 50  # cut to the common prefix...
    assert tiny._store.best(ids, limit=10**6)[1].get_seq_length() == n_layers_len  # ...a copy
    store = _PrefixStore(100)
    store.put(list(range(60)), cache)
    store.put(list(range(1, 61)), cache)  # over budget: the oldest goes
    assert list(store.entries) == [tuple(range(1, 61))]
    store.put(list(range(101)), cache)  # larger than the budget: not kept
    assert store.tokens == 60
    empty = TransformersBackend(tiny.model, tiny.tokenizer, name="t", prefix_cache_tokens=0)
    empty.score_options_batch([ScoreRequest(CHAT, ("Yes",)), ScoreRequest(CHAT, ("No",))])
    assert not empty._store.entries
    with pytest.raises(BackendError, match="prefix_cache_tokens"):
        TransformersBackend(tiny.model, tiny.tokenizer, name="t", prefix_cache_tokens=-1)


def test_protocol_clears_caches_per_instance(tiny, monkeypatch):
    from bayespersuade.llm.protocol import run_instance

    cleared = []
    monkeypatch.setattr(tiny, "clear_cache", lambda: cleared.append(1))
    run_instance("X.", tiny, tiny, ProtocolConfig("static", prefill=True,
                                                  sender_max_new_tokens=2,
                                                  receiver_max_new_tokens=2), seed=0)
    assert len(cleared) == 2  # sender and receiver, at the start of the instance
