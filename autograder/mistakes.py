"""The registry of mistake models.

A model names a catalogue id and the attributes of the reference module it replaces. Building it
executes the reference source into a fresh module and installs the replacements there, so that
functions calling a replaced one (``gradients`` calling ``output_delta``) use the mistaken version.
"""
from __future__ import annotations

import importlib.util
import sys
import types
from dataclasses import dataclass, field
from typing import Callable

from nngrade.autograder.reference import fresh_reference
from nngrade.autograder.sets import MISTAKES_FILE, all_sets, find_set


@dataclass
class MistakeModel:
    id: str
    set_id: str
    replaces: tuple[str, ...]
    builder: Callable[[types.ModuleType], object]
    variant: int = 0            # several models may share an id (ways of making the same mistake)
    _module: types.ModuleType | None = field(default=None, repr=False)

    @property
    def label(self) -> str:
        return f"{self.id}#{self.variant}" if self.variant else self.id

    def module(self) -> types.ModuleType:
        """The reference with this mistake installed (built once, then reused)."""
        if self._module is None:
            m = fresh_reference(self.set_id)
            made = self.builder(m)
            if len(self.replaces) == 1:
                made = (made,)
            if len(made) != len(self.replaces):
                raise ValueError(f"mistake {self.label} returned {len(made)} objects for {self.replaces}")
            for name, obj in zip(self.replaces, made):
                setattr(m, name, obj)
            self._module = m
        return self._module


_REGISTRY: dict[str, list[MistakeModel]] = {}
_loading: list[str] = []          # the set whose mistakes.py is being executed


def mistake(mistake_id: str, replaces: str | tuple[str, ...]):
    """Register the decorated builder as a model of ``mistake_id`` for the set being loaded."""
    names = (replaces,) if isinstance(replaces, str) else tuple(replaces)

    def register(builder):
        if not _loading:
            raise RuntimeError(f"mistake {mistake_id!r}: models are registered only while the kit "
                               "loads a set's mistakes.py")
        set_id = _loading[-1]
        models = _REGISTRY.setdefault(set_id, [])
        variant = sum(1 for m in models if m.id == mistake_id)
        models.append(MistakeModel(mistake_id, set_id, names, builder, variant))
        return builder

    return register


def _load(s) -> None:
    """Execute the set's mistakes.py once (the kit's or a course's own file, never a student's)."""
    if s.id in _REGISTRY:
        return
    _REGISTRY[s.id] = []
    path = s.file(MISTAKES_FILE)
    if not path.is_file():
        return
    spec = importlib.util.spec_from_file_location(f"nngrade_set_mistakes_{s.id}", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    _loading.append(s.id)
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del _REGISTRY[s.id]
        raise
    finally:
        _loading.pop()


def models_module(set_id: str) -> types.ModuleType | None:
    """The executed mistakes.py of a set (its helpers, for the kit's own tests), or None."""
    s = find_set(set_id)
    _load(s)
    return sys.modules.get(f"nngrade_set_mistakes_{s.id}")


def models_for(set_id: str) -> list[MistakeModel]:
    """Every model of a set, in file order."""
    s = find_set(set_id)
    _load(s)
    return list(_REGISTRY.get(s.id, []))


def all_ids() -> set[str]:
    for s in all_sets():
        _load(s)
    return {m.id for models in _REGISTRY.values() for m in models}
