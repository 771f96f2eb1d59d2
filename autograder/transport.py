"""Frames and a strict codec for the channel between the grading process and a student's process.

Standalone on purpose (standard library + numpy only): the same file is loaded inside the sandbox,
where the kit itself is not importable.

Frame: 8-byte big-endian payload length, then the payload.
Payload: 4-byte big-endian header length, the UTF-8 JSON header, then the `.npy` blobs.
Header: ``{"blobs": [len0, len1, ...], "value": <value>}``.

Values are plain JSON (null, bool, int, float, str, list, dict with str keys). Special objects are
dicts whose keys start with "$":

    {"$nd": i}                       ndarray in blob i (dtype kind b/i/u/f, never pickled)
    {"$f": "nan" | "inf" | "-inf"}   a non-finite float
    {"$tuple": [...]}                a tuple
    {"$dict": {...}}                 a plain dict that itself has keys starting with "$"
    {"$handle": n, "type": "MLP"}    an object living in the student's process
    {"$probe": name, "args": {...}}  a callable built in the student's process (sandbox/probes.py)
    {"$unsupported": "TypeName"}     a student value that is not plain data

Encoding converts exact types only (``type(x) is float``, never ``isinstance``) so that no
method a student defined (``__eq__``, ``__array__``, ``__float__``, ``__len__``, ``__iter__``)
runs while a value is encoded. Decoding is strict: anything outside the rules above raises
`BadValue`; no pickle and no eval anywhere.
"""
from __future__ import annotations

import io
import json
import math
import re
import socket
import struct
import time
from dataclasses import dataclass

import numpy as np

MAX_MESSAGE_BYTES = 256 * 1024 * 1024
MAX_HEADER_BYTES = 8 * 1024 * 1024   # the JSON part; arrays travel as blobs, outside it
MAX_DEPTH = 32
MAX_ITEMS = 10**6            # elements of one list/dict, values in one header, blobs per message
MAX_NAME_CHARS = 200         # type names carried by $handle / $unsupported
ARRAY_KINDS = "biuf"

_FRAME = struct.Struct(">Q")
_HEADER = struct.Struct(">I")

# Exact numpy scalar types that become Python scalars (bool, int, float) on the wire.
_NUMPY_SCALARS = frozenset({
    np.bool_, np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16, np.uint32, np.uint64,
    np.float16, np.float32, np.float64, np.longlong, np.ulonglong, np.intc, np.uintc,
})
_SPECIAL_KEYS = {
    "$nd": ("$nd",), "$f": ("$f",), "$tuple": ("$tuple",), "$dict": ("$dict",),
    "$handle": ("$handle", "type"), "$probe": ("$probe", "args"), "$unsupported": ("$unsupported",),
}
_FLOATS = {"nan": math.nan, "inf": math.inf, "-inf": -math.inf}


class TransportError(Exception):
    """The channel broke or a frame is malformed."""


class ChannelClosed(TransportError):
    """The other end closed the channel (the process exited or was killed)."""


class BadValue(TransportError):
    """A value breaks the codec's rules (too deep, too large, a forbidden type or dtype)."""


class TooLarge(BadValue):
    """A frame longer than the receiver allows (its cap, or what is left of a byte budget)."""

    def __init__(self, size: int, limit: int):
        super().__init__(f"message of {size} bytes exceeds the {_mib(limit)} allowed")
        self.size, self.limit = size, limit


def _mib(n: int) -> str:
    return f"{n / (1 << 20):.3g} MiB"


@dataclass(frozen=True, eq=False)
class Handle:
    """An object that lives in the student's process, named by its number there.

    `owner` is set by the grading process (which process incarnation created it); it never
    crosses the wire.
    """
    id: int
    type: str
    owner: object = None

    def __repr__(self) -> str:
        return f"<{self.type} object #{self.id} in the student's process>"


@dataclass(frozen=True, eq=False)
class Unsupported:
    """Stands for a value the student returned that is not plain data; never equal to anything."""
    type_name: str

    def __eq__(self, other) -> bool:
        return False

    def __ne__(self, other) -> bool:
        return True

    __hash__ = object.__hash__

    def __repr__(self) -> str:
        return f"<unsupported {self.type_name}>"


def type_name(obj) -> str:
    """Name of obj's class without running code of its class or metaclass."""
    return class_name(type(obj))


def class_name(cls) -> str:
    """Name of a class, read from the type slot (a metaclass cannot override it)."""
    if not isinstance(cls, type):
        return "object"
    try:
        name = type.__dict__["__name__"].__get__(cls, type)
    except Exception:  # pragma: no cover - every class has a name
        name = "object"
    if type(name) is not str:  # pragma: no cover
        name = "object"
    return name[:MAX_NAME_CHARS]


def array_type_name(arr) -> str:
    """'ndarray[complex128]' style name for an array whose dtype the wire does not carry."""
    try:
        return f"{type_name(arr)}[{np.ndarray.__dict__['dtype'].__get__(arr).str}]"[:MAX_NAME_CHARS]
    except Exception:  # pragma: no cover
        return type_name(arr)


# --------------------------------------------------------------------------------------------
# encoding


class _Encoder:
    def __init__(self, fallback):
        self.fallback = fallback
        self.blobs: list[bytes] = []
        self.blob_bytes = 0

    def value(self, x, depth: int = 0):
        if depth > MAX_DEPTH:
            raise BadValue(f"value is nested deeper than {MAX_DEPTH} levels")
        t = type(x)
        if x is None or t is bool or t is str:
            return x
        if t is int:
            return x
        if t is float:
            return x if math.isfinite(x) else {"$f": "nan" if x != x else ("inf" if x > 0 else "-inf")}
        if t is np.ndarray:
            return self.array(x)
        if t in _NUMPY_SCALARS:
            return self.value(x.item(), depth)
        if t is list:
            self._check_len(len(x))
            return [self.value(v, depth + 1) for v in x]
        if t is tuple:
            self._check_len(len(x))
            return {"$tuple": [self.value(v, depth + 1) for v in x]}
        if t is dict:
            self._check_len(len(x))
            if all(type(k) is str for k in x):
                out = {k: self.value(v, depth + 1) for k, v in x.items()}
                return {"$dict": out} if any(k.startswith("$") for k in out) else out
            return self._other(x, depth)
        return self._other(x, depth)

    def array(self, arr: np.ndarray):
        if arr.dtype.kind not in ARRAY_KINDS or arr.dtype.fields is not None or arr.dtype.subdtype:
            return self._other(arr, 0)
        self._check_len(len(self.blobs) + 1, "arrays in one message")
        self.blob_bytes += arr.nbytes
        if self.blob_bytes > MAX_MESSAGE_BYTES:     # refuse before copying anything
            raise BadValue(f"arrays of more than {MAX_MESSAGE_BYTES >> 20} MiB in one message")
        if not arr.flags.c_contiguous:
            arr = arr.copy(order="C")      # (np.ascontiguousarray would turn 0-d into 1-d)
        if not arr.dtype.isnative:
            arr = arr.astype(arr.dtype.newbyteorder("="))
        buf = io.BytesIO()
        np.lib.format.write_array(buf, arr, allow_pickle=False)
        self.blobs.append(buf.getvalue())
        return {"$nd": len(self.blobs) - 1}

    def _other(self, x, depth):
        if self.fallback is None:
            raise BadValue(f"cannot send a value of type {type_name(x)}")
        return self.fallback(x, lambda v: self.value(v, depth + 1))

    @staticmethod
    def _check_len(n: int, what: str = "elements in one container"):
        if n > MAX_ITEMS:
            raise BadValue(f"more than {MAX_ITEMS} {what}")


def unsupported(x, _enc=None) -> dict:
    """Fallback for the student's side: anything that is not plain data is named, not sent."""
    if issubclass(type(x), np.ndarray):  # type-based: never consults a student's __class__
        return {"$unsupported": array_type_name(x)}
    return {"$unsupported": type_name(x)}


def encode(value, fallback=None) -> bytes:
    """Payload bytes for value. `fallback(x, enc)` encodes what the codec does not know
    (handles, probes, student objects) or raises; without one, such values raise BadValue."""
    enc = _Encoder(fallback)
    body = enc.value(value)
    try:
        header = json.dumps({"blobs": [len(b) for b in enc.blobs], "value": body},
                            allow_nan=False, separators=(",", ":")).encode()
    except (ValueError, RecursionError) as e:  # e.g. an int too large to print
        raise BadValue(f"cannot encode value: {e}") from None
    size = _HEADER.size + len(header) + sum(len(b) for b in enc.blobs)
    if size > MAX_MESSAGE_BYTES:
        raise BadValue(f"message of {size} bytes exceeds {MAX_MESSAGE_BYTES >> 20} MiB")
    return b"".join([_HEADER.pack(len(header)), header, *enc.blobs])


# --------------------------------------------------------------------------------------------
# decoding


def _reject_constant(name):
    raise BadValue(f"non-standard JSON constant {name}")


def _pairs(pairs):
    d = dict(pairs)
    if len(d) != len(pairs):
        raise BadValue("duplicate key in a JSON object")
    return d


_JSON_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"')
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")


def check_header(raw) -> None:
    """Refuse a JSON header whose size, value count or depth breaks the caps, before json
    builds a single object from it (a few MiB of `[{},{},...]` would otherwise become GiBs of
    Python objects). Counts run in C: strings blanked, then commas and brackets counted."""
    if len(raw) > MAX_HEADER_BYTES:
        raise BadValue(f"header of {len(raw)} bytes exceeds {MAX_HEADER_BYTES >> 20} MiB")
    bare = _JSON_STRING.sub(b'""', bytes(raw))
    brackets = bare.translate(None, _NOT_BRACKETS)
    values = bare.count(b",") + len(brackets) // 2 + 1     # an upper bound on the values
    if values > MAX_ITEMS + 100:
        raise BadValue(f"header holds more than {MAX_ITEMS} values")
    # Peel one level of innermost [] / {} per round: what is left after the cap is too deep
    # (a tuple or a $dict takes two JSON levels for one level of the value).
    for _ in range(2 * MAX_DEPTH + 2):
        if not brackets:
            return
        shorter = brackets.replace(b"[]", b"").replace(b"{}", b"")
        if len(shorter) == len(brackets):
            raise BadValue("malformed JSON header: unbalanced brackets")
        brackets = shorter
    if brackets:
        raise BadValue(f"value is nested deeper than {MAX_DEPTH} levels")


def _read_array(blob: memoryview) -> np.ndarray:
    fp = io.BytesIO(bytes(blob[:70_000]))  # magic + header (numpy caps headers well below this)
    try:
        version = np.lib.format.read_magic(fp)
        if version == (1, 0):
            shape, fortran, dtype = np.lib.format.read_array_header_1_0(fp)
        elif version in ((2, 0), (3, 0)):
            shape, fortran, dtype = np.lib.format.read_array_header_2_0(fp)
        else:
            raise BadValue(f"unknown .npy version {version}")
    except BadValue:
        raise
    except Exception as e:
        raise BadValue(f"malformed .npy blob: {e}") from None
    if dtype.kind not in ARRAY_KINDS or dtype.fields is not None or dtype.subdtype is not None \
            or dtype.hasobject:
        raise BadValue(f"array dtype {dtype.str} is not allowed (only bool, int, uint, float)")
    count = math.prod(shape)
    offset = fp.tell()
    if len(blob) - offset != count * dtype.itemsize:
        raise BadValue(f"array blob holds {len(blob) - offset} bytes, its header says "
                       f"{count * dtype.itemsize}")
    flat = np.frombuffer(blob, dtype=dtype, count=count, offset=offset)
    arr = flat.reshape(shape[::-1]).transpose() if fortran else flat.reshape(shape)
    # A fresh, writeable, native-order, C-ordered copy that owns its memory.
    return np.array(arr, dtype=dtype.newbyteorder("="), order="C", copy=True)


class _Decoder:
    def __init__(self, arrays, handle, probe):
        self.arrays = arrays
        self.used = [False] * len(arrays)
        self.handle = handle
        self.probe = probe

    def value(self, x, depth: int = 0):
        if depth > MAX_DEPTH:
            raise BadValue(f"value is nested deeper than {MAX_DEPTH} levels")
        t = type(x)
        if t is float and not math.isfinite(x):
            raise BadValue("non-finite JSON number (use the $f marker)")
        if x is None or t in (bool, int, float, str):
            return x
        if t is list:
            if len(x) > MAX_ITEMS:
                raise BadValue(f"list of more than {MAX_ITEMS} elements")
            return [self.value(v, depth + 1) for v in x]
        if t is dict:
            if len(x) > MAX_ITEMS:
                raise BadValue(f"dict of more than {MAX_ITEMS} entries")
            if any(k.startswith("$") for k in x):
                return self.special(x, depth)
            return {k: self.value(v, depth + 1) for k, v in x.items()}
        raise BadValue(f"unexpected JSON value of type {t.__name__}")  # pragma: no cover

    def special(self, x: dict, depth: int):
        tag = next((k for k in x if k in _SPECIAL_KEYS), None)
        if tag is None or set(x) != set(_SPECIAL_KEYS[tag]):
            raise BadValue(f"unknown special object with keys {sorted(x)[:5]}")
        v = x[tag]
        if tag == "$nd":
            if type(v) is not int or not 0 <= v < len(self.arrays):
                raise BadValue(f"array reference {v!r} out of range")
            if self.used[v]:
                raise BadValue(f"array blob {v} referenced twice")
            self.used[v] = True
            return self.arrays[v]
        if tag == "$f":
            if type(v) is not str or v not in _FLOATS:
                raise BadValue(f"bad float marker {v!r}")
            return _FLOATS[v]
        if tag == "$tuple":
            if type(v) is not list:
                raise BadValue("$tuple must hold a list")
            return tuple(self.value(v, depth))
        if tag == "$dict":
            if type(v) is not dict or len(v) > MAX_ITEMS:
                raise BadValue("$dict must hold an object of at most a million entries")
            return {k: self.value(e, depth + 1) for k, e in v.items()}
        if tag == "$unsupported":
            if type(v) is not str or len(v) > MAX_NAME_CHARS:
                raise BadValue("bad $unsupported marker")
            return Unsupported(v)
        if tag == "$handle":
            name = x["type"]
            if type(v) is not int or v < 0 or type(name) is not str or len(name) > MAX_NAME_CHARS:
                raise BadValue("bad $handle marker")
            if self.handle is None:
                raise BadValue("handles are not accepted here")
            return self.handle(v, name)
        # $probe
        args = x["args"]
        if type(v) is not str or type(args) is not dict:
            raise BadValue("bad $probe marker")
        if self.probe is None:
            raise BadValue("probes are not accepted here")
        return self.probe(v, self.value(args, depth + 1))


def decode(payload, handle=None, probe=None):
    """Value of a payload. `handle(id, type)` and `probe(name, args)` build the objects of
    $handle / $probe markers; without them such markers raise BadValue."""
    payload = memoryview(payload)
    if len(payload) > MAX_MESSAGE_BYTES:
        raise BadValue(f"message of {len(payload)} bytes exceeds {MAX_MESSAGE_BYTES >> 20} MiB")
    if len(payload) < _HEADER.size:
        raise BadValue("message too short")
    (hlen,) = _HEADER.unpack(payload[:_HEADER.size])
    end = _HEADER.size + hlen
    if end > len(payload):
        raise BadValue("header length exceeds the message")
    check_header(payload[_HEADER.size:end])
    try:
        header = json.loads(bytes(payload[_HEADER.size:end]).decode("utf-8"),
                            parse_constant=_reject_constant, object_pairs_hook=_pairs)
    except BadValue:
        raise
    except (ValueError, RecursionError, UnicodeDecodeError) as e:
        raise BadValue(f"malformed JSON header: {str(e)[:200]}") from None
    if type(header) is not dict or set(header) != {"blobs", "value"} or type(header["blobs"]) is not list:
        raise BadValue("header must be {'blobs': [...], 'value': ...}")
    lengths = header["blobs"]
    if len(lengths) > MAX_ITEMS or not all(type(n) is int and n >= 0 for n in lengths):
        raise BadValue("bad blob length list")
    if end + sum(lengths) != len(payload):
        raise BadValue("blob lengths do not add up to the message length")
    arrays, pos = [], end
    for n in lengths:
        arrays.append(_read_array(payload[pos:pos + n]))
        pos += n
    dec = _Decoder(arrays, handle, probe)
    value = dec.value(header["value"])
    if not all(dec.used):
        raise BadValue("an array blob is not referenced")
    return value


# --------------------------------------------------------------------------------------------
# framing


_ONE_WRITE_BYTES = 1 << 20     # larger payloads go in a second write rather than be copied


def send_frame(sock: socket.socket, payload: bytes, deadline: float | None = None) -> None:
    """Send one frame; `deadline` (a time.monotonic() value) bounds a peer that stops reading."""
    if len(payload) > MAX_MESSAGE_BYTES:
        raise BadValue(f"message of {len(payload)} bytes exceeds {MAX_MESSAGE_BYTES >> 20} MiB")
    try:
        sock.settimeout(None if deadline is None else max(deadline - time.monotonic(), 1e-3))
        if len(payload) <= _ONE_WRITE_BYTES:
            # length and payload in one write: the reader wakes once per message, not twice
            sock.sendall(_FRAME.pack(len(payload)) + payload)
        else:
            sock.sendall(_FRAME.pack(len(payload)))
            sock.sendall(payload)
    except socket.timeout:
        raise TimeoutError("the other end stopped reading") from None
    except (BrokenPipeError, ConnectionResetError) as e:
        raise ChannelClosed(str(e)) from None


def _recv_exact(sock: socket.socket, n: int, deadline: float | None) -> bytearray:
    buf = bytearray(n)
    view = memoryview(buf)
    got = 0
    while got < n:
        if deadline is not None:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("no complete message before the deadline")
            sock.settimeout(left)
        else:
            sock.settimeout(None)
        try:
            k = sock.recv_into(view[got:], n - got)
        except socket.timeout:
            raise TimeoutError("no complete message before the deadline") from None
        except ConnectionResetError as e:
            raise ChannelClosed(str(e)) from None
        if k == 0:
            raise ChannelClosed("the other end closed the channel")
        got += k
    return buf


def recv_frame(sock: socket.socket, deadline: float | None = None,
               max_bytes: int = MAX_MESSAGE_BYTES) -> bytearray:
    """The next payload; `deadline` is a time.monotonic() value. A frame over `max_bytes`, or
    whose header length is over MAX_HEADER_BYTES, is refused before the rest is read."""
    (n,) = _FRAME.unpack(_recv_exact(sock, _FRAME.size, deadline))
    if n > max_bytes:          # refused before reading (or allocating) any of it
        raise TooLarge(n, max_bytes)
    if n < _HEADER.size:
        raise BadValue("message too short")
    head = _recv_exact(sock, _HEADER.size, deadline)
    (hlen,) = _HEADER.unpack(head)
    if hlen > MAX_HEADER_BYTES:
        raise BadValue(f"header of {hlen} bytes exceeds {MAX_HEADER_BYTES >> 20} MiB")
    if hlen > n - _HEADER.size:
        raise BadValue("header length exceeds the message")
    rest = _recv_exact(sock, n - _HEADER.size, deadline)
    return head + rest


def send(sock: socket.socket, value, fallback=None, deadline: float | None = None) -> None:
    send_frame(sock, encode(value, fallback), deadline)


def recv(sock: socket.socket, deadline: float | None = None, handle=None, probe=None,
         max_bytes: int = MAX_MESSAGE_BYTES):
    return decode(recv_frame(sock, deadline, max_bytes), handle=handle, probe=probe)
