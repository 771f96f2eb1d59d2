"""A zip bomb with lying headers, and zips nested too deep."""
import io
import os
import struct
import zipfile

BOMB_BYTES = 100 << 20
CLAIMED = 2000


def _bomb() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        info = zipfile.ZipInfo("perceptron.py")
        info.compress_type = zipfile.ZIP_DEFLATED
        with zf.open(info, "w", force_zip64=False) as f:
            chunk = b"#" * (1 << 20)
            for _ in range(BOMB_BYTES >> 20):
                f.write(chunk)
    data = bytearray(buf.getvalue())
    # Make both headers claim a small file (offsets from the zip specification).
    local = data.find(b"PK\x03\x04")
    struct.pack_into("<I", data, local + 22, CLAIMED)
    central = data.find(b"PK\x01\x02")
    struct.pack_into("<I", data, central + 24, CLAIMED)
    return bytes(data)


def _nested(depth: int, source: str) -> bytes:
    data = source.encode()
    name = "perceptron.py"
    for i in range(depth):
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as zf:
            zf.writestr(name, data)
        data, name = buf.getvalue(), f"layer{i}.zip"
    return data


def build(subs, student, values, sources):
    entry = os.path.join(subs, student)
    os.makedirs(entry)
    with open(os.path.join(entry, "compgraph.py"), "w", encoding="utf-8") as f:
        f.write(sources["compgraph"])
    with open(os.path.join(entry, "bomb.zip"), "wb") as f:
        f.write(_bomb())
    with open(os.path.join(entry, "layers.zip"), "wb") as f:
        f.write(_nested(3, sources["perceptron"]))
