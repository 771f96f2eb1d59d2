"""The registry of mistake models.

A model names a catalogue id and the attributes of the reference module it replaces. Building it
executes the reference source into a fresh module and installs the replacements there, so that
functions calling a replaced one (``gradients`` calling ``output_delta``) use the mistaken version.
"""
from __future__ import annotations

import importlib
import pkgutil
import sys
import types
from dataclasses import dataclass, field
from typing import Callable

from nngrade.autograder.reference import fresh_reference
from nngrade.sets import find_set


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
_LOADED = False


def mistake(mistake_id: str, replaces: str | tuple[str, ...]):
    """Register the decorated builder as a model of ``mistake_id`` for the calling file's ``SET``."""
    names = (replaces,) if isinstance(replaces, str) else tuple(replaces)

    def register(builder):
        caller = sys._getframe(1).f_globals
        set_id = find_set(caller["SET"]).id
        models = _REGISTRY.setdefault(set_id, [])
        variant = sum(1 for m in models if m.id == mistake_id)
        models.append(MistakeModel(mistake_id, set_id, names, builder, variant))
        return builder

    return register


def _load_all() -> None:
    global _LOADED
    if _LOADED:
        return
    package = importlib.import_module("nngrade.autograder.mistakes")
    for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda i: i.name):
        if info.name.startswith("m") and info.name[1:3].isdigit():
            importlib.import_module(f"nngrade.autograder.mistakes.{info.name}")
    _LOADED = True


def models_for(set_id: str) -> list[MistakeModel]:
    """Every model of a set, in file order."""
    _load_all()
    return list(_REGISTRY.get(find_set(set_id).id, []))


def all_ids() -> set[str]:
    _load_all()
    return {m.id for models in _REGISTRY.values() for m in models}
