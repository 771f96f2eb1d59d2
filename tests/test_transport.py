"""The channel codec: exact round trips of plain data, strict rejection of everything else."""
from __future__ import annotations

import io
import json
import math
import pickle
import socket
import struct
import threading
import time

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nngrade.autograder import transport as T


def roundtrip(value, **kw):
    return T.decode(T.encode(value, fallback=T.unsupported), **kw)


def payload(header: dict, blobs=()) -> bytes:
    h = json.dumps(header).encode()
    return struct.pack(">I", len(h)) + h + b"".join(blobs)


def npy(arr, allow_pickle=False) -> bytes:
    buf = io.BytesIO()
    np.lib.format.write_array(buf, arr, allow_pickle=allow_pickle)
    return buf.getvalue()


# ---- round trips ------------------------------------------------------------------------------


@pytest.mark.parametrize("value", [
    None, True, False, 0, -7, 2**63, 1.5, -0.0, 1e-300, "", "안녕 y₂", [], {},
    [1, [2, [3, {"a": None}]]], {"W1": [1.0, 2.0], "b": {"c": "d"}},
])
def test_plain_values_round_trip_exactly(value):
    out = roundtrip(value)
    assert out == value and type(out) is type(value)


def test_tuples_stay_tuples_and_lists_stay_lists():
    out = roundtrip((1, [2, (3,)], {"k": (4.0, "x")}))
    assert out == (1, [2, (3,)], {"k": (4.0, "x")})
    assert type(out) is tuple and type(out[1]) is list and type(out[1][1]) is tuple


def test_non_finite_floats_use_markers_and_survive():
    out = roundtrip([math.nan, math.inf, -math.inf, 0.1])
    assert math.isnan(out[0]) and out[1] == math.inf and out[2] == -math.inf and out[3] == 0.1
    header = T.encode([math.nan])[4:]
    assert b"NaN" not in header and b'"$f"' in header


def test_dict_keys_starting_with_dollar_are_escaped_not_interpreted():
    value = {"$nd": 0, "$handle": 3, "type": "x"}
    assert roundtrip(value) == value


@pytest.mark.parametrize("dtype", ["bool", "int8", "uint16", "int32", "int64", "uint64",
                                   "float16", "float32", "float64"])
def test_arrays_keep_dtype_shape_and_values(dtype):
    rng = np.random.default_rng(3)
    arr = (rng.standard_normal((3, 5)) * 10).astype(dtype)
    out = roundtrip({"a": arr})["a"]
    assert type(out) is np.ndarray and out.dtype == arr.dtype and out.shape == (3, 5)
    np.testing.assert_array_equal(out, arr)
    assert out.flags.writeable and out.flags.c_contiguous and out.flags.owndata


def test_array_layouts_zero_d_empty_fortran_strided_big_endian():
    base = np.arange(24, dtype=np.float64).reshape(4, 6)
    cases = [np.array(3.25), np.zeros((0, 7)), np.asfortranarray(base), base[::2, ::3],
             base.astype(">f8"), np.array([True, False])]
    for arr in cases:
        out = roundtrip(arr)
        assert type(out) is np.ndarray and out.shape == arr.shape and out.dtype.isnative
        np.testing.assert_array_equal(out, arr)


def test_numpy_scalars_become_python_scalars():
    out = roundtrip([np.float64(0.5), np.float32(0.25), np.int64(-3), np.uint8(7), np.bool_(True)])
    assert out == [0.5, 0.25, -3, 7, True]
    assert [type(v) for v in out] == [float, float, int, int, bool]


@settings(max_examples=60, deadline=None)
@given(st.recursive(
    st.none() | st.booleans() | st.integers(-2**70, 2**70) | st.floats(allow_nan=False) |
    st.text(max_size=10),
    lambda kids: st.lists(kids, max_size=4) | st.dictionaries(st.text(max_size=5), kids, max_size=4)
    | st.tuples(kids, kids),
    max_leaves=25))
def test_any_plain_value_round_trips(value):
    assert roundtrip(value) == value


# ---- the student's side: anything not exactly plain is named, never converted ------------------


class Spy:
    """Records every dunder method the encoder might be tempted to call."""
    calls: list = []

    def _hit(name):  # noqa: N805
        def f(self, *a, **k):
            Spy.calls.append(name)
            raise AssertionError(f"encoder called {name}")
        return f

    for _n in ("__eq__", "__len__", "__iter__", "__array__", "__float__", "__int__", "__index__",
               "__bool__", "__getitem__", "__str__", "__repr__", "__reduce__"):
        locals()[_n] = _hit(_n)
    __hash__ = object.__hash__


class LyingArray(np.ndarray):
    def __eq__(self, other):
        return np.ones(np.shape(other), dtype=bool)


class Meta(type):
    @property
    def __name__(cls):   # a class that lies about its name
        return "float"


class WithMeta(metaclass=Meta):
    pass


class MyFloat(float):
    pass


class MyInt(int):
    pass


class MyStr(str):
    pass


class MyList(list):
    pass


class MyDict(dict):
    pass


@pytest.mark.parametrize("value, name", [
    (Spy(), "Spy"),
    (np.arange(3.0).view(LyingArray), "LyingArray[<f8]"),
    (WithMeta(), "WithMeta"),
    (MyFloat(1.0), "MyFloat"),
    (MyInt(1), "MyInt"),
    (MyStr("a"), "MyStr"),
    (MyList([1]), "MyList"),
    (MyDict(a=1), "MyDict"),
    (np.array([1, "x"], dtype=object), "ndarray[|O]"),
    (np.array([1 + 2j]), "ndarray[<c16]"),
    (np.zeros(2, dtype=[("a", "f8")]), "ndarray[|V8]"),
    (np.array(["ab"]), "ndarray[<U2]"),
    ({1: "int key"}, "dict"),
    ({1, 2}, "set"),
    (b"bytes", "bytes"),
    (np.longdouble(1.0), "longdouble"),
    (1 + 2j, "complex"),
])
def test_student_values_that_are_not_plain_are_unsupported(value, name):
    Spy.calls = []
    out = roundtrip({"r": [value]})["r"][0]
    assert type(out) is T.Unsupported and out.type_name == name
    assert Spy.calls == []
    assert out != out and not (out == value)  # never equal to anything, itself included


def test_lying_objects_inside_containers_do_not_spoil_their_neighbours():
    out = roundtrip([1.0, Spy(), {"w": np.ones(2)}])
    assert out[0] == 1.0 and type(out[1]) is T.Unsupported
    np.testing.assert_array_equal(out[2]["w"], np.ones(2))


def test_grader_side_encoding_refuses_unknown_types():
    with pytest.raises(T.BadValue, match="Spy"):
        T.encode([Spy()])


# ---- caps -----------------------------------------------------------------------------------


def nested(depth):
    v = 1
    for _ in range(depth):
        v = [v]
    return v


def test_nesting_up_to_the_cap_passes_and_beyond_fails():
    assert roundtrip(nested(T.MAX_DEPTH)) == nested(T.MAX_DEPTH)
    with pytest.raises(T.BadValue, match="deeper"):
        T.encode(nested(T.MAX_DEPTH + 2))
    cyclic = []
    cyclic.append(cyclic)
    with pytest.raises(T.BadValue, match="deeper"):
        T.encode(cyclic, fallback=T.unsupported)


def test_decoder_rejects_crafted_deep_and_huge_inputs():
    deep = ("[" * (T.MAX_DEPTH + 5)) + ("]" * (T.MAX_DEPTH + 5))
    with pytest.raises(T.BadValue):
        T.decode(payload({"blobs": [], "value": json.loads(deep)}))
    very_deep = b"[" * 200_000 + b"]" * 200_000       # beyond json's own recursion limit
    raw = b'{"blobs": [], "value": ' + very_deep + b"}"
    with pytest.raises(T.BadValue):
        T.decode(struct.pack(">I", len(raw)) + raw)
    big_int = b'{"blobs": [], "value": ' + b"9" * 5000 + b"}"
    with pytest.raises(T.BadValue):
        T.decode(struct.pack(">I", len(big_int)) + big_int)
    with pytest.raises(T.BadValue):
        T.decode(payload({"blobs": [], "value": [0] * (T.MAX_ITEMS + 1)}))


def test_encoder_rejects_huge_values():
    with pytest.raises(T.BadValue):
        T.encode(10 ** 5000)
    with pytest.raises(T.BadValue, match="million|1000000"):
        T.encode([0] * (T.MAX_ITEMS + 1))


def test_oversized_frame_is_refused_before_reading_it():
    a, b = socket.socketpair()
    try:
        a.sendall(struct.pack(">Q", T.MAX_MESSAGE_BYTES + 1))
        t0 = time.monotonic()
        with pytest.raises(T.BadValue, match="exceeds"):
            T.recv_frame(b, deadline=time.monotonic() + 5)
        assert time.monotonic() - t0 < 1
    finally:
        a.close()
        b.close()


# ---- the grader's decoder is strict ---------------------------------------------------------


class Boom:
    def __reduce__(self):
        return (exec, ("open('/tmp/nngrade-pwned', 'w')",))


@pytest.mark.parametrize("header, blobs, match", [
    ({"blobs": [], "value": {"$eval": "1+1"}}, [], "unknown special"),
    ({"blobs": [], "value": {"$nd": 0}}, [], "out of range"),
    ({"blobs": [], "value": {"$f": "NaN!"}}, [], "float marker"),
    ({"blobs": [], "value": {"$tuple": {"a": 1}}}, [], "list"),
    ({"blobs": [], "value": {"$handle": 1, "type": "MLP"}}, [], "handles"),
    ({"blobs": [], "value": {"$probe": "quadratic", "args": {}}}, [], "probes"),
    ({"blobs": [], "value": {"$unsupported": 5}}, [], "unsupported"),
    ({"blobs": [], "value": {"$nd": 0, "extra": 1}}, [], "unknown special"),
    ({"blobs": [], "value": 1, "more": 2}, [], "header"),
])
def test_malformed_specials_are_rejected(header, blobs, match):
    with pytest.raises(T.BadValue, match=match):
        T.decode(payload(header, blobs))


def test_pickled_object_arrays_are_never_unpickled(tmp_path):
    marker = tmp_path / "pwned"
    blob = npy(np.array([Boom()], dtype=object), allow_pickle=True).replace(
        b"/tmp/nngrade-pwned", str(marker).encode().ljust(len("/tmp/nngrade-pwned"))[:18])
    with pytest.raises(T.BadValue, match="dtype"):
        T.decode(payload({"blobs": [len(blob)], "value": {"$nd": 0}}, [blob]))
    assert not marker.exists()


@pytest.mark.parametrize("arr", [np.array([1 + 1j]), np.zeros(2, dtype=[("a", "<f8")]),
                                 np.array(["s"]), np.array([1], dtype="datetime64[s]")])
def test_forbidden_dtypes_are_rejected(arr):
    blob = npy(arr)
    with pytest.raises(T.BadValue, match="dtype"):
        T.decode(payload({"blobs": [len(blob)], "value": {"$nd": 0}}, [blob]))


def test_blob_bookkeeping_is_checked():
    blob = npy(np.arange(3.0))
    cases = [
        ({"blobs": [len(blob)], "value": [{"$nd": 0}, {"$nd": 0}]}, [blob], "twice"),
        ({"blobs": [len(blob)], "value": 1}, [blob], "not referenced"),
        ({"blobs": [len(blob) + 1], "value": {"$nd": 0}}, [blob], "add up"),
        ({"blobs": [len(blob) - 8], "value": {"$nd": 0}}, [blob[:-8]], "header says"),
        ({"blobs": [5], "value": {"$nd": 0}}, [b"hello"], "npy"),
    ]
    for header, blobs, match in cases:
        with pytest.raises(T.BadValue, match=match):
            T.decode(payload(header, blobs))


def test_json_oddities_are_rejected():
    for raw in (b'{"blobs": [], "value": NaN}', b'{"blobs": [], "value": 1e999}',
                b'{"blobs": [], "blobs": [], "value": 1}', b'\xff\xfe', b'[1, 2]'):
        with pytest.raises(T.BadValue):
            T.decode(struct.pack(">I", len(raw)) + raw)
    with pytest.raises(T.BadValue):
        T.decode(b"\x00\x00")
    with pytest.raises(T.BadValue):
        T.decode(struct.pack(">I", 100) + b"{}")


def test_decoded_arrays_are_plain_ndarrays_even_if_a_subclass_was_sent():
    out = T.decode(T.encode(np.arange(3.0).view(LyingArray).view(np.ndarray)))
    assert type(out) is np.ndarray


def test_handles_and_probes_go_through_the_given_builders():
    made = []
    value = T.decode(payload({"blobs": [], "value": [{"$handle": 4, "type": "MLP"},
                                                      {"$probe": "q", "args": {"c": 1.0}}]}),
                     handle=lambda i, t: made.append((i, t)) or "H",
                     probe=lambda n, a: made.append((n, a)) or "P")
    assert value == ["H", "P"] and made == [(4, "MLP"), ("q", {"c": 1.0})]


# ---- framing --------------------------------------------------------------------------------


def test_frames_cross_a_socket_and_closing_is_reported():
    a, b = socket.socketpair()
    big = np.random.default_rng(0).standard_normal((300, 400))
    sender = threading.Thread(target=T.send, args=(a, {"x": big, "n": 3}))
    sender.start()
    out = T.recv(b, deadline=time.monotonic() + 10)
    sender.join()
    np.testing.assert_array_equal(out["x"], big)
    assert out["n"] == 3
    a.close()
    with pytest.raises(T.ChannelClosed):
        T.recv(b, deadline=time.monotonic() + 5)
    b.close()


def test_receiving_times_out_at_the_deadline():
    a, b = socket.socketpair()
    try:
        a.sendall(struct.pack(">Q", 100) + struct.pack(">I", 4) + b"x" * 6)   # never completes
        t0 = time.monotonic()
        with pytest.raises(TimeoutError):
            T.recv_frame(b, deadline=time.monotonic() + 0.3)
        assert 0.25 < time.monotonic() - t0 < 2
    finally:
        a.close()
        b.close()


def test_pickle_is_not_used_anywhere_in_the_codec():
    import inspect
    source = inspect.getsource(T)
    assert "pickle" not in source.replace("allow_pickle=False", "").replace("no pickle", "") \
        .replace("never pickled", "")
    assert "eval(" not in source
    with pytest.raises(T.BadValue):
        T.decode(pickle.dumps([1, 2]))


# ---- caps enforced before any object is built ------------------------------------------------


def _frame_with_header(header: bytes) -> bytes:
    return struct.pack(">I", len(header)) + header


@pytest.mark.parametrize("header, why", [
    (b'{"blobs":[],"value":[' + b"{}," * 1_500_000 + b"{}]}", "values"),       # many, 4.5 MiB
    (b'{"blobs":[],"value":' + b"[" * 70 + b"]" * 70 + b"}", "deeper"),           # deep
    (b'{"blobs":[],"value":' + b"[" * 100_000 + b"]" * 100_000 + b"}", "deeper"),  # very deep
    (b'{"blobs":[],"value":[' + b"0," * 2_000_000 + b"0]}", "values"),           # long, 4 MiB
])
def test_a_header_over_a_cap_is_refused_without_building_it(header, why):
    import tracemalloc
    tracemalloc.start()
    try:
        with pytest.raises(T.BadValue, match=why):
            T.decode(_frame_with_header(header))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 4 * len(header) + (1 << 20), peak      # a copy or two of the bytes, no objects


def test_a_header_under_the_caps_still_decodes():
    value = [[[i, {"k": (i, float(i))}] for i in range(1000)]] * 3
    assert T.decode(T.encode(value)) == value
    deep = 1
    for _ in range(T.MAX_DEPTH - 1):
        deep = (deep,)
    assert T.decode(T.encode(deep)) == deep


def test_a_frame_over_the_receivers_limit_is_refused_unread():
    a, b = socket.socketpair()
    try:
        a.sendall(struct.pack(">Q", 50 << 20))                 # announces 50 MiB, sends none
        with pytest.raises(T.TooLarge):
            T.recv_frame(b, deadline=time.monotonic() + 2, max_bytes=1 << 20)
        a.sendall(struct.pack(">Q", 100) + struct.pack(">I", 50 << 20))   # a 50 MiB header
        with pytest.raises(T.BadValue, match="header of"):
            T.recv_frame(b, deadline=time.monotonic() + 2)
    finally:
        a.close()
        b.close()


def test_comparing_a_huge_integer_array_never_converts_it():
    import tracemalloc
    from nngrade.autograder.compare import compare
    got = np.ones(20_000_000, dtype=np.int8)                  # 20 MB, 160 MB as floats
    long_list = [0] * 3_000_000
    tracemalloc.start()
    try:
        for expected in (1.0, [1, 0, 1, 1], np.zeros((3, 4))):
            diff = compare(got, expected)
            assert diff is not None and diff.kind == "shape"
        diff = compare(long_list, [1, 0, 1])
        assert diff is not None and diff.kind == "shape"
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 8 << 20, peak
