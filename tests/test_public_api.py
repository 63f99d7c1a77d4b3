"""The public API of the first layout stays importable where it was (issue 8).

Names importable from these four namespaces before the package was split into
subpackages (commit d48eb2a); module paths below them may move, these may not.
"""

import importlib

import pytest

PUBLIC = {
    "bayespersuade": (
        "BackendError", "BayesPersuadeError", "Certificate", "CertificateCheck",
        "CertificateError", "DataError", "GameFileError", "InvalidGameError",
        "InvalidParameterError", "MissingDependencyError", "PersuasionGame", "Signal",
        "Solution", "SolverError", "citations", "exceptions", "game", "io", "load_game",
        "save_game", "solution", "verify_certificate",
    ),
    "bayespersuade.llm": (
        "Backend", "Belief", "FAMILIES", "GenerationRequest", "OpenAIChatBackend",
        "OptionScores", "PROMPT_VERSION", "ProtocolConfig", "SPEC_HELP", "ScoreRequest",
        "ScriptedBackend", "TransformersBackend", "backends", "beliefs", "derive_seed",
        "empirical_scheme", "find_smollm2_gguf", "instance_metrics", "likert_belief",
        "load_backend", "load_smollm2", "metrics", "parse_receiver", "parse_sender", "parsing",
        "prompts", "protocol", "run_instance", "scripted_agent", "scripted_receiver",
        "scripted_sender", "smollm2", "summarize", "yes_no_belief",
    ),
    "bayespersuade.testing": (
        "Any", "DEGENERACIES", "FLOAT_MAX_DENOMINATOR", "FLOAT_UTILITY_DENOMINATOR",
        "Fraction", "InvalidParameterError", "PersuasionGame", "RATIONAL_MAX_DENOMINATOR",
        "Sequence", "StrategyArgumentError", "annotations", "beliefs", "degenerate_games",
        "games", "missing_dependency", "priors", "schemes", "st", "two_state_games",
    ),
    "bayespersuade.datasets": (
        "Any", "ClaimRecord", "DATASETS", "DataError", "Evidence", "InvalidParameterError",
        "LoadResult", "Path", "RatingObservation", "Rejection", "annotations", "anthropic",
        "claims", "cmv", "ddo", "embedded", "load_anthropic", "load_claims", "load_cmv",
        "load_dataset", "load_ddo", "load_embedded", "load_perspectrum", "perspectrum",
        "records",
    ),
}


@pytest.mark.parametrize("module", sorted(PUBLIC))
def test_public_names_stay_importable(module):
    mod = importlib.import_module(module)
    missing = [n for n in PUBLIC[module] if not hasattr(mod, n)]
    assert not missing, f"{module} lost {missing}"
