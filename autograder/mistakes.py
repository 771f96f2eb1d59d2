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
    together: tuple[str, ...] = ()   # a declared combination: every id it makes at once

    @property
    def ids(self) -> tuple[str, ...]:
        """The mistakes this model makes: one, or the ids of a declared combination."""
        return self.together or (self.id,)

    @property
    def label(self) -> str:
        name = "+".join(self.ids)
        return f"{name}#{self.variant}" if self.variant else name

    def install(self, m: types.ModuleType) -> types.ModuleType:
        """Put this model's replacements into ``m`` (a fresh reference, maybe holding another
        model's already: the builder then sees and may call that one)."""
        made = self.builder(m)
        if len(self.replaces) == 1:
            made = (made,)
        if len(made) != len(self.replaces):
            raise ValueError(f"mistake {self.label} returned {len(made)} objects for {self.replaces}")
        for name, obj in zip(self.replaces, made):
            setattr(m, name, obj)
        return m

    def module(self) -> types.ModuleType:
        """The reference with this mistake installed (built once, then reused)."""
        if self._module is None:
            self._module = self.install(fresh_reference(self.set_id))
        return self._module


def stacked(first: MistakeModel, second: MistakeModel) -> types.ModuleType:
    """The reference with two models of different functions installed: both mistakes at once
    (``gradients`` then calls the mistaken ``output_delta`` and its own mistaken code)."""
    if set(first.replaces) & set(second.replaces):
        raise ValueError(f"{first.label} and {second.label} replace the same function; declare "
                         "their combination in mistakes.py (together=...)")
    return second.install(first.install(fresh_reference(first.set_id)))


_REGISTRY: dict[str, list[MistakeModel]] = {}
_loading: list[str] = []          # the set whose mistakes.py is being executed


def mistake(mistake_id: str | tuple[str, ...], replaces: str | tuple[str, ...]):
    """Register the decorated builder as a model of ``mistake_id`` for the set being loaded.

    A tuple of ids declares a combination: one builder making several mistakes in the same
    function at once (a softmax on the wrong axis and without the max shift). Models of
    different functions combine by themselves (see ``stacked``); those of one function cannot,
    since each replaces the whole function."""
    names = (replaces,) if isinstance(replaces, str) else tuple(replaces)
    together = tuple(mistake_id) if isinstance(mistake_id, tuple) else ()
    if together and len(set(together)) < 2:
        raise ValueError(f"a combination of mistakes needs two different ids, not {mistake_id!r}")
    first = together[0] if together else mistake_id

    def register(builder):
        if not _loading:
            raise RuntimeError(f"mistake {mistake_id!r}: models are registered only while the kit "
                               "loads a set's mistakes.py")
        set_id = _loading[-1]
        models = _REGISTRY.setdefault(set_id, [])
        variant = sum(1 for m in models if m.ids == (together or (first,)))
        models.append(MistakeModel(first, set_id, names, builder, variant, together=together))
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
    """Every model of one mistake in a set, in file order (declared combinations left out)."""
    s = find_set(set_id)
    _load(s)
    return [m for m in _REGISTRY.get(s.id, []) if not m.together]


def combinations_for(set_id: str) -> list[MistakeModel]:
    """The declared combinations of a set (several mistakes in one function), in file order."""
    s = find_set(set_id)
    _load(s)
    return [m for m in _REGISTRY.get(s.id, []) if m.together]


def all_ids() -> set[str]:
    for s in all_sets():
        _load(s)
    return {i for models in _REGISTRY.values() for m in models for i in m.ids}
