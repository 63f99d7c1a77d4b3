"""Test doubles for the LLM bridge: a tiny random Llama and a fake chat server.

* :func:`tiny_llama` builds, in code, a byte-level tokenizer (256 byte tokens
  plus three special tokens, with a ChatML-style chat template) and a
  ``LlamaForCausalLM`` with random weights (two layers, width 16: about ten
  thousand parameters, well under 1 MB), in well under a second.  It exercises
  the real ``transformers`` code path; its text is gibberish.
* :class:`FakeChatServer` serves ``POST /v1/chat/completions`` on loopback,
  answering from a script and recording every request, like an
  OpenAI-compatible server (vLLM, llama.cpp) would.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

CHATML = (
    "{% for m in messages %}<|im_start|>{{ m['role'] }}\n{{ m['content'] }}<|im_end|>\n"
    "{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)


def tiny_tokenizer():
    from tokenizers import Tokenizer, decoders, models
    from tokenizers.pre_tokenizers import ByteLevel
    from transformers import PreTrainedTokenizerFast

    alphabet = sorted(ByteLevel.alphabet())
    vocab = {c: i for i, c in enumerate(alphabet)}
    tok = Tokenizer(models.BPE(vocab=vocab, merges=[]))
    tok.pre_tokenizer = ByteLevel(add_prefix_space=False, use_regex=False)
    tok.decoder = decoders.ByteLevel()
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tok, eos_token="<|im_end|>", pad_token="<pad>",
        additional_special_tokens=["<|im_start|>"],
    )
    fast.chat_template = CHATML
    return fast


def tiny_llama(seed: int = 0):
    """A (model, tokenizer) pair: a random two-layer Llama and a byte tokenizer."""
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    tok = tiny_tokenizer()
    config = LlamaConfig(
        vocab_size=len(tok), hidden_size=16, intermediate_size=32, num_hidden_layers=2,
        num_attention_heads=2, num_key_value_heads=1, max_position_embeddings=8192,
        eos_token_id=tok.eos_token_id, pad_token_id=tok.pad_token_id, bos_token_id=None,
        tie_word_embeddings=True,
    )
    torch.manual_seed(seed)
    model = LlamaForCausalLM(config).eval()
    # Random init is nearly uniform; sharpen the output layer so that
    # probabilities differ visibly between tokens and contexts.
    with torch.no_grad():
        model.model.embed_tokens.weight.mul_(8.0)
    return model, tok


class FakeChatServer:
    """An OpenAI-compatible chat server on 127.0.0.1 (a free port), in a thread.

    Parameters
    ----------
    handler : callable
        ``handler(request_json) -> (status, response_json)``.

    Attributes
    ----------
    requests : list of dict
        Every request body received, in order.
    url : str
        The base URL, ``http://127.0.0.1:PORT/v1``.
    """

    def __init__(self, handler: Callable[[dict], tuple[int, dict]]) -> None:
        self.requests: list[dict] = []
        self.headers: list[dict] = []
        outer = self

        class H(BaseHTTPRequestHandler):
            def do_POST(self):
                n = int(self.headers.get("Content-Length", 0))
                body = json.loads(self.rfile.read(n))
                outer.requests.append(body)
                outer.headers.append(dict(self.headers))
                if self.path != "/v1/chat/completions":
                    status, resp = 404, {"error": {"message": f"no route {self.path}"}}
                else:
                    status, resp = handler(body)
                data = json.dumps(resp).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/v1"
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.02,),
                                        daemon=True)

    def __enter__(self) -> FakeChatServer:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


def chat_response(content: str, top: list[tuple[str, float]] | None = None,
                  model: str = "fake") -> dict:
    """A chat-completions response body, with first-token top log-probabilities."""
    choice = {"index": 0, "message": {"role": "assistant", "content": content},
              "finish_reason": "stop", "logprobs": None}
    if top is not None:
        choice["logprobs"] = {"content": [{
            "token": top[0][0], "logprob": top[0][1], "bytes": None,
            "top_logprobs": [{"token": t, "logprob": lp, "bytes": None} for t, lp in top],
        }]}
    return {"id": "x", "object": "chat.completion", "model": model, "choices": [choice]}
