"""Shared fixtures: the `backend` fixture runs a test on every backend that is
registered and initialises here ("cpu" always natively; "webgpu" where an adapter
exists), and every test checks that it left the engine's scopes and tape clean."""
from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

_runtime = Path(tempfile.gettempdir()) / f"webgrad-runtime-{os.getuid()}"
os.environ.setdefault("XDG_RUNTIME_DIR", str(_runtime))
os.environ.setdefault("MESA_SHADER_CACHE_DIR", str(_runtime / "mesa-shader-cache"))
Path(os.environ["MESA_SHADER_CACHE_DIR"]).mkdir(parents=True, exist_ok=True, mode=0o700)
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "pkg"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import pytest  # noqa: E402

import webgrad as wg  # noqa: E402


def available_backends() -> list[str]:
    """Registered backends that initialise on this machine, "cpu" first."""
    names = []
    for name in sorted(wg.engine.backend_factories, key=lambda n: (n != "cpu", n)):
        try:
            wg.engine._instantiate(name)
        except Exception:  # no adapter / no NumPy: not available here
            continue
        names.append(name)
    return names


BACKENDS = available_backends()


@pytest.fixture(params=BACKENDS)
def backend(request):
    """Run the test with each available backend set."""
    previous = wg.engine._backend
    wg.set_backend(request.param)
    yield request.param
    wg.engine._backend = previous


@pytest.fixture(autouse=True)
def engine_left_clean():
    """Every test must leave no open tidy scope, no active tape and no saved tensors."""
    yield
    eng = wg.engine
    problems = []
    if eng.scopes:
        problems.append(f"{len(eng.scopes)} open scopes")
    if eng.tapes:
        problems.append(f"{len(eng.tapes)} active tapes")
    if eng.saved:
        problems.append(f"{len(eng.saved)} saved tensors")
    if eng.grad_depth:
        problems.append(f"grad depth {eng.grad_depth}")
    eng.scopes.clear(), eng.tapes.clear(), eng.release_saved()
    eng.grad_depth = 0
    assert not problems, "engine left dirty: " + ", ".join(problems)
