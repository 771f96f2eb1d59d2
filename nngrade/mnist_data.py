"""MNIST (and Fashion-MNIST) in the original idx format: find, download, verify, load, split.

Where the files are looked for, in order:

1. an explicit directory: the ``mnist_dir`` argument (the CLI's ``--mnist-dir``) or the
   environment variable ``NNGRADE_MNIST_DIR``; nothing is downloaded then;
2. for Fashion-MNIST, Debian's ``dataset-fashion-mnist`` folder;
3. the cache: ``$NNGRADE_CACHE_DIR/mnist`` (``fashion-mnist``), by default
   ``~/.cache/nngrade/mnist``;
4. a download from public mirrors into the cache (``NNGRADE_MNIST_MIRRORS`` replaces MNIST's list
   of base URLs: space- or comma-separated). A download goes to a temporary file that is renamed
   only after the checks below pass, so a failure never leaves a partial file behind.

Every file is checked before use: gzip integrity, the idx magic number (2051 images, 2049 labels),
the item count and image size, the length, and a checksum. Mirrors re-compress the files, so a
file passes when either its gz bytes have a known md5 or its decompressed content has a known
sha256.

When only the 10,000 test digits are present (the offline case), :func:`load_mnist_split` draws a
stratified held-out set of 2,000 of them with seed 0 and trains on the other 8,000; its ``note``
says so and every report that uses the split prints it.
"""
from __future__ import annotations

import gzip
import hashlib
import os
import shutil
import struct
import sys
import tempfile
import urllib.request
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np

from nngrade.autograder.messages import Said
from nngrade.paths import DATA_DIR
from nngrade.speech import cli, prefixed, said_of, tell

IMAGES_MAGIC = 2051
LABELS_MAGIC = 2049
ROWS = COLS = 28

# The four files of a data set; the sample shipped with the kit uses the same names.
FILE_NAMES = {
    "train_images": "train-images-idx3-ubyte",
    "train_labels": "train-labels-idx1-ubyte",
    "test_images": "t10k-images-idx3-ubyte",
    "test_labels": "t10k-labels-idx1-ubyte",
}


@dataclass(frozen=True)
class DataSet:
    name: str                               # "mnist", "fashion", "mnist-sample"
    title: str
    cache_subdir: str
    counts: dict[str, int]                  # file key -> number of items
    gz_md5: dict[str, frozenset[str]]       # file key -> md5s of known gz files
    sha256: dict[str, frozenset[str]]       # file key -> sha256 of the decompressed content
    mirrors: tuple[str, ...] = ()
    system_dirs: tuple[str, ...] = ()       # installed copies looked at before the cache
    credit: str = ""


def _sums(**values: str | tuple[str, ...]) -> dict[str, frozenset[str]]:
    return {k: frozenset((v,) if isinstance(v, str) else v) for k, v in values.items()}


MNIST = DataSet(
    name="mnist",
    title="MNIST",
    cache_subdir="mnist",
    counts={"train_images": 60000, "train_labels": 60000, "test_images": 10000, "test_labels": 10000},
    # md5 of the gz files most mirrors serve (yann.lecun.com's originals).
    gz_md5=_sums(train_images="f68b3c2dcbeaaa9fbdd348bbdeb94873",
                 train_labels="d53e105ee54ea40749a09fcbcd1e9432",
                 test_images="9fb629c4189551a2d022fa330f9573f3",
                 test_labels="ec29112dd5afa0611ce80d1b7f02629c"),
    # sha256 of the decompressed idx files. The test files' were computed from the kit's reference
    # copies; the training files' are the values published by several independent projects for
    # the same content (this machine holds no training file to recompute them).
    sha256=_sums(train_images="ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
                 train_labels="65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
                 test_images="0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
                 test_labels="ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2"),
    mirrors=("https://ossci-datasets.s3.amazonaws.com/mnist/",
             "https://storage.googleapis.com/cvdf-datasets/mnist/",
             "http://yann.lecun.com/exdb/mnist/"),
    credit="MNIST by Yann LeCun, Corinna Cortes and Christopher J. C. Burges (CC BY-SA 3.0)",
)

FASHION = DataSet(
    name="fashion",
    title="Fashion-MNIST",
    cache_subdir="fashion-mnist",
    counts=MNIST.counts,
    # Zalando's published gz md5s; Debian re-compresses, so its copies pass on the sha256s below,
    # computed here from /usr/share/datasets/fashion-mnist (they match Zalando's content).
    gz_md5=_sums(train_images="8d4fb7e6c68d591d4c3dfef9ec88bf0d",
                 train_labels="25c81989df183df01b3e8a0aad5dffbe",
                 test_images="bef4ecab320f06d8554ea6380940ec79",
                 test_labels="bb300cfdad3c16e7a12a480ee83cd310"),
    sha256=_sums(train_images="c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
                 train_labels="bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
                 test_images="5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
                 test_labels="0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34"),
    mirrors=("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
             "https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/"),
    system_dirs=("/usr/share/datasets/fashion-mnist",),
    credit="Fashion-MNIST by Han Xiao, Kashif Rasul and Roland Vollgraf, Zalando Research (MIT)",
)

SAMPLE_DIR = DATA_DIR / "mnist-sample"
SAMPLE_TRAIN, SAMPLE_HELD_OUT = 1000, 300

# The small real sample shipped for the demo (see nngrade/data/mnist-sample/README.md):
# 1,000 training and 300 held-out digits drawn from MNIST's test set by write_sample().
SAMPLE = DataSet(
    name="mnist-sample",
    title="MNIST sample",
    cache_subdir="",
    counts={"train_images": SAMPLE_TRAIN, "train_labels": SAMPLE_TRAIN,
            "test_images": SAMPLE_HELD_OUT, "test_labels": SAMPLE_HELD_OUT},
    gz_md5={},
    sha256=_sums(train_images="816242b9f514189260cc7acf4ebf91905c0f2bff80e27265841269db8af4b1ba",
                 train_labels="af010429db2bad376618c5a958bd480b39f9b5fed57ea7b9056243a0107c7ee9",
                 test_images="3ae6da41db4ddabd00de6521a2639cc860be00b86a586bc7149147a33b6a6ac7",
                 test_labels="f6904052a53ac143e8e80af96f153aba2a1c073c081aa4e2130a2b5b68971599"),
    credit=MNIST.credit,
)

DATASETS = {d.name: d for d in (MNIST, FASHION, SAMPLE)}

DOWNLOAD_TIMEOUT = 30  # seconds per connection attempt


class MnistDataError(ValueError):
    """A data file is missing, damaged or not the one expected; the message names it."""


@dataclass
class Split:
    """Training and held-out arrays with a sentence saying where they came from.

    ``X_*`` are (N, 784) pixels scaled to [0, 1]; ``y_*`` are (N,) int64 labels 0..9. ``note`` is
    the English sentence; ``note.to(lang)`` says it in another language of the kit's catalogue.
    """
    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    note: Said
    dataset: str
    directory: Path
    standard: bool            # True: the data set's own train/test files; False: split from t10k
    held_out_indices: np.ndarray | None = field(default=None, repr=False)  # into t10k, offline only


# --------------------------------------------------------------------------------------------
# Reading and checking one file

def _candidates(directory: Path, name: str) -> list[Path]:
    # Kaggle's copies spell "t10k-images.idx3-ubyte"; accept it beside the usual names.
    dotted = name.replace("-idx", ".idx")
    return [directory / f"{name}.gz", directory / name, directory / f"{dotted}.gz", directory / dotted]


def find_file(directory: Path, key: str) -> Path | None:
    for path in _candidates(Path(directory), FILE_NAMES[key]):
        if path.is_file():
            return path
    return None


def _read_content(path: Path) -> tuple[bytes, str | None]:
    """(decompressed bytes, md5 of the gz bytes or None for a raw file)."""
    raw = path.read_bytes()
    if raw[:2] != b"\x1f\x8b":
        if path.suffix == ".gz":
            raise MnistDataError(cli("mnist-not-gzip", path=path, first=raw[:4].hex()))
        return raw, None
    try:
        content = gzip.decompress(raw)
    except EOFError:
        raise MnistDataError(cli("mnist-truncated-gzip", path=path, size=len(raw))) from None
    except (OSError, zlib.error) as exc:
        raise MnistDataError(cli("mnist-damaged-gzip", path=path, error=exc)) from None
    return content, hashlib.md5(raw, usedforsecurity=False).hexdigest()


def parse_idx(content: bytes, path: Path | str, key: str, count: int | None = None) -> np.ndarray:
    """The uint8 array of an idx file's content after checking magic, count, dims and length.

    Images come back as (N, 28, 28), labels as (N,).
    """
    images = key.endswith("images")
    magic_wanted = IMAGES_MAGIC if images else LABELS_MAGIC
    header = 16 if images else 8
    what = cli("mnist-images" if images else "mnist-labels")
    if len(content) < header:
        raise MnistDataError(cli("mnist-short-header", path=path, size=len(content), header=header,
                                 what=what))
    magic, n = struct.unpack(">II", content[:8])
    if magic != magic_wanted:
        other = {IMAGES_MAGIC: "mnist-is-images", LABELS_MAGIC: "mnist-is-labels"}.get(magic)
        extra = cli(other) if other else ""
        raise MnistDataError(cli("mnist-bad-magic", path=path, magic=magic, wanted=magic_wanted,
                                 what=what, extra=extra))
    if count is not None and n != count:
        raise MnistDataError(cli("mnist-wrong-count", path=path, n=n, what=what, count=count))
    shape: tuple[int, ...] = (n,)
    if images:
        rows, cols = struct.unpack(">II", content[8:16])
        if (rows, cols) != (ROWS, COLS):
            raise MnistDataError(cli("mnist-image-size", path=path, size=f"{rows}x{cols}",
                                     wanted=f"{ROWS}x{COLS}"))
        shape = (n, rows, cols)
    expected_len = header + int(np.prod(shape))
    if len(content) != expected_len:
        state = cli("mnist-truncated" if len(content) < expected_len else "mnist-too-long")
        raise MnistDataError(cli("mnist-length", path=path, state=state, size=len(content),
                                 expected=expected_len, n=n, what=what))
    data = np.frombuffer(content, dtype=np.uint8, offset=header).reshape(shape)
    if not images and data.max(initial=0) > 9:
        raise MnistDataError(cli("mnist-label-range", path=path, label=int(data.max())))
    return data


def _verify_checksum(path: Path, key: str, content: bytes, gz_md5: str | None, dataset: DataSet) -> None:
    if gz_md5 is not None and gz_md5 in dataset.gz_md5.get(key, ()):
        return
    sha = hashlib.sha256(content).hexdigest()
    if sha in dataset.sha256.get(key, ()):
        return
    known_elsewhere = [d.title for d in DATASETS.values()
                       if d is not dataset and sha in d.sha256.get(key, ())]
    hint = cli("mnist-other-dataset", dataset=known_elsewhere[0]) if known_elsewhere else ""
    expected = ", ".join(sorted(dataset.sha256.get(key, ()))) or cli("mnist-none-recorded")
    md5 = cli("mnist-or-md5", md5=", ".join(sorted(dataset.gz_md5[key]))) \
        if dataset.gz_md5.get(key) else ""
    raise MnistDataError(cli("mnist-checksum", path=path, dataset=dataset.title,
                             file=FILE_NAMES[key], sha=sha, expected=expected, md5=md5,
                             hint=hint))


def read_file(path: Path | str, key: str, dataset: DataSet | str = MNIST, verify: bool = True) -> np.ndarray:
    """Read and check one idx file (gz or raw) of ``dataset``; ``key`` is one of FILE_NAMES."""
    dataset = DATASETS[dataset] if isinstance(dataset, str) else dataset
    path = Path(path)
    content, gz_md5 = _read_content(path)
    data = parse_idx(content, path, key, dataset.counts[key])
    if verify:
        _verify_checksum(path, key, content, gz_md5, dataset)
    return data


# --------------------------------------------------------------------------------------------
# Where the files are: explicit directory, installed copy, cache, download

def cache_dir(dataset: DataSet | str = MNIST) -> Path:
    dataset = DATASETS[dataset] if isinstance(dataset, str) else dataset
    root = os.environ.get("NNGRADE_CACHE_DIR")
    if root:
        base = Path(root).expanduser()
    else:
        base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "nngrade"
    return base / dataset.cache_subdir


def mirrors(dataset: DataSet | str = MNIST) -> list[str]:
    dataset = DATASETS[dataset] if isinstance(dataset, str) else dataset
    env = os.environ.get("NNGRADE_MNIST_MIRRORS") if dataset is MNIST else None
    bases = env.replace(",", " ").split() if env else list(dataset.mirrors)
    return [b if b.endswith("/") else b + "/" for b in bases]


def _renamed(said: Said, old: str, new: Said) -> Said:
    """``said`` with the field that is ``old`` (a temporary file's path) said as ``new``."""
    def walk(data):
        if isinstance(data, dict) and "fields" in data:
            return {**data, "fields": {k: new.as_json() if v == old else walk(v)
                                       for k, v in data["fields"].items()}}
        if isinstance(data, dict) and "join" in data:
            return {**data, "join": [walk(p) for p in data["join"]]}
        if isinstance(data, dict) and "text" in data:
            return {"text": data["text"].replace(old, str(new))}
        return data
    return Said.from_json(walk(said.as_json()))


def _stderr(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def download_file(key: str, dest_dir: Path | str, dataset: DataSet | str = MNIST,
                  base_urls: list[str] | None = None, log: Callable[[str], None] = _stderr,
                  timeout: float = DOWNLOAD_TIMEOUT) -> Path:
    """Fetch ``<name>.gz`` from the first mirror that serves a good copy into ``dest_dir``.

    The bytes go to a temporary file in ``dest_dir`` that is checked like any local file and only
    then renamed; on any failure it is removed. Raises MnistDataError listing every attempt.
    """
    dataset = DATASETS[dataset] if isinstance(dataset, str) else dataset
    dest_dir = Path(dest_dir)
    dest_dir.mkdir(parents=True, exist_ok=True)
    name = FILE_NAMES[key] + ".gz"
    final = dest_dir / name
    failures = []
    for base in base_urls if base_urls is not None else mirrors(dataset):
        url = base + name
        log(tell("mnist-downloading", dataset=dataset.title, file=name, url=url, folder=dest_dir))
        fd, tmp_name = tempfile.mkstemp(prefix=f".{name}.", suffix=".part", dir=dest_dir)
        tmp = Path(tmp_name)
        try:
            with os.fdopen(fd, "wb") as out, urllib.request.urlopen(url, timeout=timeout) as resp:
                shutil.copyfileobj(resp, out, length=1 << 20)
            read_file(tmp, key, dataset)               # raises on anything wrong
            os.replace(tmp, final)
            log("  " + tell("mnist-downloaded", path=final, size=final.stat().st_size))
            return final
        except MnistDataError as exc:
            failures.append(prefixed(url, _renamed(said_of(exc), str(tmp),
                                                   cli("mnist-downloaded-file"))))
        except OSError as exc:                       # URLError, HTTPError, timeouts are OSErrors
            failures.append(prefixed(url, Said.plain(str(exc))))
        finally:
            tmp.unlink(missing_ok=True)
        log("  " + tell("mnist-failed", why=failures[-1]))
    raise MnistDataError(cli("mnist-no-download", dataset=dataset.title, file=name, folder=dest_dir,
                             failures=Said.joined(failures, "\n  ") if failures
                             else cli("mnist-no-mirror")))


def _explicit_dir(mnist_dir) -> Path | None:
    chosen = mnist_dir or os.environ.get("NNGRADE_MNIST_DIR")
    return Path(chosen).expanduser() if chosen else None


def locate(mnist_dir: Path | str | None = None, dataset: DataSet | str = MNIST, download: bool = True,
           log: Callable[[str], None] = _stderr) -> tuple[Path, dict[str, Path], list[str]]:
    """Find a directory holding at least the test files.

    Returns (directory, {file key: path} of the files present, notes on what could not be had).
    """
    dataset = DATASETS[dataset] if isinstance(dataset, str) else dataset
    explicit = _explicit_dir(mnist_dir)
    if explicit is not None:
        if not explicit.is_dir():
            source = "--mnist-dir" if mnist_dir else "NNGRADE_MNIST_DIR"
            raise MnistDataError(cli("mnist-not-folder", path=explicit, source=source))
        places = [explicit]
    else:
        places = [Path(d) for d in dataset.system_dirs] + [cache_dir(dataset)]

    for place in places:
        found = {k: p for k in FILE_NAMES if (p := find_file(place, k))}
        if "test_images" in found and "test_labels" in found:
            return place, found, []

    if explicit is not None or not download:
        looked = ", ".join(str(p) for p in places)
        missing = [FILE_NAMES[k] + "[.gz]" for k in ("test_images", "test_labels")]
        how = "" if explicit is not None else cli("mnist-how")
        raise MnistDataError(cli("mnist-not-found", dataset=dataset.title,
                                 missing=cli("and", a=missing[0], b=missing[1]), places=looked,
                                 how=how))

    # Download what the cache lacks. The test files are required; the training files are wanted,
    # and when they cannot be had the split falls back to the test set alone (and says so).
    target = cache_dir(dataset)
    found = {k: p for k in FILE_NAMES if (p := find_file(target, k))}
    notes = []
    for key in ("test_images", "test_labels", "train_images", "train_labels"):
        if key in found:
            continue
        try:
            found[key] = download_file(key, target, dataset, log=log)
        except MnistDataError as exc:
            if key.startswith("test"):
                raise
            notes.append(Said("data-not-downloaded", file=f"{FILE_NAMES[key]}.gz"))
            log(str(exc))
            break
    return target, found, notes


# --------------------------------------------------------------------------------------------
# Loading and splitting

def _scaled(images: np.ndarray, dtype) -> np.ndarray:
    X = images.reshape(len(images), ROWS * COLS).astype(dtype)
    X /= 255.0
    return X


def stratified_split(y: np.ndarray, n_held_out: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """(train indices, held-out indices), both sorted, with each class's share kept.

    Class c gets round(n_held_out · count_c / N) held-out places by largest remainder (ties to the
    lower class), and its places are the first of a permutation of its indices drawn from
    ``np.random.default_rng(seed)``, class 0 first.
    """
    y = np.asarray(y)
    classes, counts = np.unique(y, return_counts=True)
    exact = n_held_out * counts / counts.sum()
    take = np.floor(exact).astype(int)
    short = n_held_out - take.sum()
    order = np.argsort(-(exact - take), kind="stable")
    take[order[:short]] += 1
    rng = np.random.default_rng(seed)
    held = np.concatenate([rng.permutation(np.flatnonzero(y == c))[:k] for c, k in zip(classes, take)])
    held.sort()
    mask = np.ones(len(y), dtype=bool)
    mask[held] = False
    return np.flatnonzero(mask), held


def load_mnist(mnist_dir: Path | str | None = None, dataset: DataSet | str = MNIST, download: bool = True,
               log: Callable[[str], None] = _stderr) -> dict:
    """The raw uint8 arrays: {"train_images": (60000, 28, 28) or None, "train_labels", "test_images",
    "test_labels", "directory", "notes"}; the training entries are None when those files are absent."""
    dataset = DATASETS[dataset] if isinstance(dataset, str) else dataset
    directory, found, notes = locate(mnist_dir, dataset, download, log)
    if ("train_images" in found) != ("train_labels" in found):
        present, missing = ("train_images", "train_labels") if "train_images" in found else \
            ("train_labels", "train_images")
        raise MnistDataError(cli("mnist-half-training", path=found[present],
                                 file=f"{FILE_NAMES[missing]}[.gz]", folder=directory))
    out = {"directory": directory, "notes": notes}
    for key in FILE_NAMES:
        out[key] = read_file(found[key], key, dataset) if key in found else None
    return out


def load_mnist_split(mnist_dir: Path | str | None = None, dataset: DataSet | str = MNIST,
                     download: bool = True, held_out: int = 2000, seed: int = 0,
                     dtype=np.float64, log: Callable[[str], None] = _stderr) -> Split:
    """Training and held-out data for grading and benchmarks.

    With the training files: the data set's standard split (60,000 / 10,000). With only the test
    files: a stratified held-out sample of ``held_out`` test digits drawn with ``seed`` and the
    rest as training data. ``Split.note`` says which, for every report that uses it.
    """
    dataset = DATASETS[dataset] if isinstance(dataset, str) else dataset
    raw = load_mnist(mnist_dir, dataset, download, log)
    directory = raw["directory"]
    test_X, test_y = raw["test_images"], raw["test_labels"].astype(np.int64)
    if raw["train_images"] is not None:
        n_train, n_test = len(raw["train_images"]), len(test_y)
        return Split(_scaled(raw["train_images"], dtype), raw["train_labels"].astype(np.int64),
                     _scaled(test_X, dtype), test_y,
                     note=Said("data-standard-split", title=dataset.title,
                               train=format(n_train, ","), test=format(n_test, ","),
                               directory=str(directory)),
                     dataset=dataset.name, directory=directory, standard=True)
    train_idx, held_idx = stratified_split(test_y, held_out, seed)
    why = Said.joined(raw["notes"], "; ") if raw["notes"] else Said("data-no-training-files")
    return Split(_scaled(test_X[train_idx], dtype), test_y[train_idx],
                 _scaled(test_X[held_idx], dtype), test_y[held_idx],
                 note=Said("data-offline-split", title=dataset.title,
                           count=format(len(test_y), ","), why=why, directory=str(directory),
                           held=format(len(held_idx), ","), seed=seed,
                           train=format(len(train_idx), ",")),
                 dataset=dataset.name, directory=directory, standard=False,
                 held_out_indices=held_idx)


# --------------------------------------------------------------------------------------------
# The small sample shipped with the kit (for `nngrade demo` on a machine without MNIST)

def load_sample(dtype=np.float64) -> Split:
    """The shipped sample: 1,000 training and 300 held-out real MNIST digits."""
    arrays = {k: read_file(find_file(SAMPLE_DIR, k) or SAMPLE_DIR / f"{FILE_NAMES[k]}.gz", k, SAMPLE)
              for k in FILE_NAMES}
    return Split(_scaled(arrays["train_images"], dtype), arrays["train_labels"].astype(np.int64),
                 _scaled(arrays["test_images"], dtype), arrays["test_labels"].astype(np.int64),
                 note=Said("data-sample", train=format(SAMPLE_TRAIN, ","),
                           held=format(SAMPLE_HELD_OUT, ",")),
                 dataset=SAMPLE.name, directory=SAMPLE_DIR, standard=False)


def _idx_bytes(array: np.ndarray) -> bytes:
    if array.ndim == 3:
        return struct.pack(">IIII", IMAGES_MAGIC, *array.shape) + array.astype(np.uint8).tobytes()
    return struct.pack(">II", LABELS_MAGIC, len(array)) + array.astype(np.uint8).tobytes()


def write_idx_gz(path: Path | str, array: np.ndarray) -> None:
    """Write uint8 images (N, 28, 28) or labels (N,) as a gzip'd idx file (reproducible bytes)."""
    with open(path, "wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as gz:
        gz.write(_idx_bytes(array))


def sample_arrays(test_images: np.ndarray, test_labels: np.ndarray) -> dict[str, np.ndarray]:
    """The sample drawn from MNIST's t10k arrays: 1,000 stratified (seed 0) of the offline split's
    8,000 training digits and 300 stratified (seed 0) of its 2,000 held-out digits, so the sample
    never trains on a digit the offline split holds out."""
    train_idx, held_idx = stratified_split(test_labels, 2000, seed=0)
    _, pick_train = stratified_split(test_labels[train_idx], SAMPLE_TRAIN, seed=0)
    _, pick_held = stratified_split(test_labels[held_idx], SAMPLE_HELD_OUT, seed=0)
    tr, he = train_idx[pick_train], held_idx[pick_held]
    return {"train_images": test_images[tr], "train_labels": test_labels[tr],
            "test_images": test_images[he], "test_labels": test_labels[he]}


def write_sample(out_dir: Path | str, mnist_dir: Path | str | None = None) -> dict[str, str]:
    """Rebuild the shipped sample from MNIST's test files; returns each file's content sha256."""
    raw = load_mnist(mnist_dir, MNIST, download=False)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    sums = {}
    for key, array in sample_arrays(raw["test_images"], raw["test_labels"]).items():
        write_idx_gz(out_dir / f"{FILE_NAMES[key]}.gz", array)
        sums[key] = hashlib.sha256(_idx_bytes(array)).hexdigest()
    return sums


if __name__ == "__main__":  # python -m nngrade.mnist_data [DIR]: say what would be used
    split = load_mnist_split(sys.argv[1] if len(sys.argv) > 1 else None)
    print(split.note)
    print("train", split.X_train.shape, np.bincount(split.y_train, minlength=10))
    print("held-out", split.X_test.shape, np.bincount(split.y_test, minlength=10))
