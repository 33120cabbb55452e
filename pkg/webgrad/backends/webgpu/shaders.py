"""WGSL sources: found in the installed package (webgrad/shaders, shipped in the
wheel) or, in a source checkout, in the top-level ``shaders/`` folder."""
from __future__ import annotations

import os

_CACHE: dict[str, str] = {}


def shader_dir() -> str:
    here = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # .../webgrad
    for candidate in (os.path.join(here, "shaders"), os.path.join(here, "..", "..", "shaders")):
        if os.path.isfile(os.path.join(candidate, "common.wgsl")):
            return os.path.normpath(candidate)
    raise FileNotFoundError(f"webgrad: WGSL shaders not found next to {here} (expected webgrad/shaders or ../../shaders)")


def source(name: str) -> str:
    """The text of shaders/<name>.wgsl (cached)."""
    text = _CACHE.get(name)
    if text is None:
        with open(os.path.join(shader_dir(), name + ".wgsl"), encoding="utf-8") as f:
            text = _CACHE[name] = f.read()
    return text


def render(name: str, **subs) -> str:
    """shaders/<name>.wgsl with {{KEY}} placeholders filled, after the common prelude."""
    text = source(name)
    for key, value in subs.items():
        text = text.replace("{{" + key + "}}", str(value))
    if "{{" in text:
        start = text.index("{{")
        raise KeyError(f"shader {name}: unfilled placeholder {text[start:text.index('}}', start) + 2]}")
    return source("common") + "\n" + text
