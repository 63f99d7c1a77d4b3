"""Resolve cross-references to re-exported names at their canonical location.

Docstrings refer to objects by the names users import them under, such as
``bayespersuade.PersuasionGame`` or ``bayespersuade.llm.ProtocolConfig``,
while the API reference documents each object once, in the module that
defines it (``bayespersuade.game.PersuasionGame``).  When the Python domain
cannot resolve a reference, this extension imports the name, finds where the
object is defined (``__module__`` and ``__qualname__``) and resolves the
reference there.  References it cannot place are left alone (rendered as
plain text, as Sphinx does without nitpicky mode).
"""

from __future__ import annotations

import importlib
import inspect


def canonical_name(name: str) -> str | None:
    """The defining location of the object called ``name``, or None."""
    parts = name.split(".")
    for i in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:i]))
        except Exception:  # any import failure means "not this prefix"
            continue
        rest = parts[i:]
        break
    else:
        return None
    if not rest:
        return None
    anchor, tail = None, []
    for j, part in enumerate(rest):
        try:
            obj = getattr(obj, part)
        except AttributeError:
            return None
        if inspect.isclass(obj) or inspect.isfunction(obj):
            anchor, tail = obj, rest[j + 1:]
    if anchor is None:
        return None
    module = getattr(anchor, "__module__", None)
    qualname = getattr(anchor, "__qualname__", None)
    if not module or not qualname or "<" in qualname:
        return None
    return ".".join([module, qualname, *tail])


def _missing_reference(app, env, node, contnode):
    if node.get("refdomain") != "py":
        return None
    target = node.get("reftarget", "")
    candidates = [target]
    module = node.get("py:module")
    if module and not target.startswith(module + "."):
        candidates.append(f"{module}.{target}")
    if not target.startswith("bayespersuade."):
        candidates.append(f"bayespersuade.{target}")   # names exported at the top level
    domain = env.get_domain("py")
    for cand in candidates:
        canon = canonical_name(cand)
        if canon is None or canon == target:
            continue
        resolved = domain.resolve_xref(env, node["refdoc"], app.builder, node["reftype"],
                                       canon, node, contnode)
        if resolved is not None:
            return resolved
    return None


def setup(app):
    app.connect("missing-reference", _missing_reference)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
