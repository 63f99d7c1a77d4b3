"""Root test set-up: modules of optional extras are collected only where the extra is installed.

``bayespersuade/inspect_task`` needs the ``inspect`` extra (``inspect_ai``) and
``bayespersuade/llm/rl.py``'s dataset builder the ``rl`` extra (``datasets``); their
doctests are left out of collection without them (``scripts/test.sh`` installs
both), as ``tests/test_inspect_task.py`` is skipped (with its reason shown) by
``pytest.importorskip``.
"""

import importlib.util

collect_ignore_glob = []
if importlib.util.find_spec("inspect_ai") is None:
    collect_ignore_glob.append("bayespersuade/inspect_task/*.py")
if importlib.util.find_spec("datasets") is None:  # the rl extra (TRL's prompt datasets)
    collect_ignore_glob.append("bayespersuade/llm/rl.py")
