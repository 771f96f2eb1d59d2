"""Every sentence the grader says to a student: the kit's gettext catalogue, keys ``msg:<key>``
(autograder/locale/<lang>.po, read by nngrade.autograder.i18n); the command line's messages are
keys ``cli:<key>`` of the same catalogue, said the same way (nngrade/speech.py)."""
from __future__ import annotations

from nngrade.autograder import i18n

PREFIX = "msg:"
OWN_PREFIXES = ("cli:",)      # keys said with their own prefix: the command line's messages


def msgid_of(key: str) -> str:
    return key if key.startswith(OWN_PREFIXES) else PREFIX + key


def say(key: str, lang: str = "en", /, **fields) -> str:
    text = i18n.lookup(msgid_of(key), lang)
    if text is None:
        raise KeyError(f"no grader message {key!r} in the kit's catalogue")
    return i18n.fill(text, _in(fields, lang))      # a field that is a Said, in the same language


class Said(str):
    """A sentence said before the language is known (intake notes, data notes): the English text
    as a str, kept with its key and fields so that ``to(lang)`` says it in another language.
    A field may itself be a Said; ``Said.joined`` puts several in one."""

    key: str | None
    fields: dict
    parts: tuple
    sep: str

    def __new__(cls, key: str, /, **fields) -> "Said":
        fields = {k: v if isinstance(v, (str, int, float)) and not isinstance(v, bool) else str(v)
                  for k, v in fields.items()}       # a path, an exception: its text
        self = str.__new__(cls, say(key, "en", **_in(fields, "en")))
        self.key, self.fields, self.parts, self.sep = key, fields, (), ""
        return self

    @classmethod
    def joined(cls, parts, sep: str = " ") -> "Said":
        parts = tuple(p if isinstance(p, Said) else Said.plain(p) for p in parts)
        self = str.__new__(cls, sep.join(parts))
        self.key, self.fields, self.parts, self.sep = None, {}, parts, sep
        return self

    @classmethod
    def plain(cls, text: str) -> "Said":
        """Text that is the same in every language (a path, an error message of a library)."""
        self = str.__new__(cls, str(text))
        self.key, self.fields, self.parts, self.sep = None, {}, (), ""
        return self

    def to(self, lang: str) -> str:
        if self.key is not None:
            return say(self.key, lang, **_in(self.fields, lang))
        if self.parts:
            return self.sep.join(p.to(lang) for p in self.parts)
        return str(self)

    def __reduce__(self):       # pickled with its structure (a str would lose it)
        return (_rebuild, (self.as_json(),))

    def as_json(self):
        """Plain data that ``Said.from_json`` turns back into this (across a process boundary)."""
        if self.key is not None:
            return {"key": self.key, "fields": {k: v.as_json() if isinstance(v, Said) else v
                                                for k, v in self.fields.items()}}
        if self.parts:
            return {"join": [p.as_json() for p in self.parts], "sep": self.sep}
        return {"text": str(self)}

    @classmethod
    def from_json(cls, data) -> "Said":
        """The Said of ``as_json``; a malformed one is a ValueError (it may come from a child)."""
        if isinstance(data, dict) and isinstance(data.get("key"), str) \
                and isinstance(data.get("fields"), dict):
            fields = {}
            for k, v in data["fields"].items():
                if isinstance(v, dict):
                    v = cls.from_json(v)
                elif not isinstance(v, (str, int, float)) or isinstance(v, bool):
                    raise ValueError(f"not a field of a sentence: {v!r:.80}")
                fields[str(k)] = v
            try:
                return cls(data["key"], **fields)
            except KeyError:
                raise ValueError(f"no grader message {data['key']!r:.80}") from None
        if isinstance(data, dict) and isinstance(data.get("join"), list) \
                and isinstance(data.get("sep"), str):
            return cls.joined([cls.from_json(p) for p in data["join"]], data["sep"])
        if isinstance(data, dict) and isinstance(data.get("text"), str):
            return cls.plain(data["text"])
        raise ValueError(f"not a sentence: {data!r:.80}")


def _in(fields: dict, lang: str) -> dict:
    return {k: v.to(lang) if isinstance(v, Said) else v for k, v in fields.items()}


def _rebuild(data) -> Said:
    return Said.from_json(data)


def in_language(text, lang: str) -> str:
    """A text in ``lang``: a Said said again, anything else as it is."""
    return text.to(lang) if isinstance(text, Said) else str(text)
