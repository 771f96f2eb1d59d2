"""Does the MNIST loader find, check, download and split the real files as the contract says?

The real data here: MNIST's 10,000 test digits in /work/shared/data/mnist (re-compressed copies, so
their gz md5s differ from the published ones), Debian's Fashion-MNIST in
/usr/share/datasets/fashion-mnist. Downloads are tested against a local HTTP server on 127.0.0.1.
"""
import contextlib
import gzip
import hashlib
import http.server
import os
import shutil
import struct
import threading
from functools import partial
from pathlib import Path

import numpy as np
import pytest

from nngrade import mnist_data as md

MNIST_DIR = Path(os.environ.get("NNGRADE_TEST_MNIST_DIR", "/work/shared/data/mnist"))
FASHION_DIR = Path("/usr/share/datasets/fashion-mnist")
# REFERENCE.md: the label counts of MNIST's test set, digits 0..9.
T10K_LABEL_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]

needs_mnist = pytest.mark.skipif(not (MNIST_DIR / "t10k-images-idx3-ubyte.gz").is_file(),
                                 reason=f"MNIST test files not in {MNIST_DIR}")
needs_fashion = pytest.mark.skipif(not (FASHION_DIR / "train-images-idx3-ubyte.gz").is_file(),
                                   reason="Debian's dataset-fashion-mnist is not installed")


@pytest.fixture(autouse=True)
def isolated_env(tmp_path, monkeypatch):
    """No test sees the user's cache, data directory or mirrors."""
    monkeypatch.setenv("NNGRADE_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("NNGRADE_MNIST_DIR", raising=False)
    monkeypatch.setenv("NNGRADE_MNIST_MIRRORS", "http://127.0.0.1:9/")   # discard port: refused


@pytest.fixture(scope="module")
def t10k_content():
    """The decompressed bytes of the two test files."""
    return {key: gzip.decompress((MNIST_DIR / f"{md.FILE_NAMES[key]}.gz").read_bytes())
            for key in ("test_images", "test_labels")}


def write_copy(directory: Path, content: dict, gz=True) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    for key, data in content.items():
        name = md.FILE_NAMES[key]
        if gz:
            (directory / f"{name}.gz").write_bytes(gzip.compress(data, compresslevel=1))
        else:
            (directory / name).write_bytes(data)
    return directory


# ---- reading and checking ------------------------------------------------------------------------

@needs_mnist
def test_test_set_loads_with_the_published_counts():
    """Do the t10k files give 10,000 28x28 images in [0, 1] and REFERENCE.md's label counts?"""
    raw = md.load_mnist(MNIST_DIR)
    assert raw["train_images"] is None and raw["train_labels"] is None
    assert raw["test_images"].shape == (10000, 28, 28) and raw["test_images"].dtype == np.uint8
    assert np.bincount(raw["test_labels"], minlength=10).tolist() == T10K_LABEL_COUNTS
    split = md.load_mnist_split(MNIST_DIR)
    assert split.X_train.dtype == np.float64 and split.X_train.shape[1] == 784
    assert split.X_train.min() == 0.0 and split.X_train.max() == 1.0
    assert split.y_train.dtype == np.int64


@needs_mnist
def test_recompressed_and_raw_copies_pass_on_the_content_checksum(tmp_path, t10k_content):
    """Mirrors re-compress: does a raw copy pass too (no gz md5 to go by)?"""
    # the shared copies are re-compressed already: their gz md5 is not the published one
    shared_md5 = hashlib.md5((MNIST_DIR / "t10k-images-idx3-ubyte.gz").read_bytes()).hexdigest()
    assert shared_md5 not in md.MNIST.gz_md5["test_images"]
    raw_dir = write_copy(tmp_path / "raw", t10k_content, gz=False)
    raw = md.load_mnist(raw_dir)
    assert np.bincount(raw["test_labels"], minlength=10).tolist() == T10K_LABEL_COUNTS


@needs_mnist
def test_a_changed_pixel_is_a_checksum_mismatch_naming_the_file(tmp_path, t10k_content):
    content = dict(t10k_content)
    images = bytearray(content["test_images"])
    images[16 + 28 * 14 + 14] ^= 0xFF
    content["test_images"] = bytes(images)
    bad = write_copy(tmp_path / "bad", content)
    with pytest.raises(md.MnistDataError) as err:
        md.load_mnist(bad)
    message = str(err.value)
    assert str(bad / "t10k-images-idx3-ubyte.gz") in message
    assert "checksum mismatch" in message and next(iter(md.MNIST.sha256["test_images"])) in message


@needs_mnist
def test_labels_in_place_of_images_is_a_bad_magic_number(tmp_path, t10k_content):
    swapped = write_copy(tmp_path / "swapped", {"test_images": t10k_content["test_labels"],
                                                "test_labels": t10k_content["test_labels"]})
    with pytest.raises(md.MnistDataError, match=r"t10k-images-idx3-ubyte\.gz: bad magic number 2049, "
                                                r"expected 2051.*labels file"):
        md.load_mnist(swapped)


@needs_mnist
def test_truncated_files_are_named_as_truncated(tmp_path, t10k_content):
    """A cut gz stream, and a whole gz of cut content: both 'truncated', with the file's name."""
    cut_gz = tmp_path / "cut-gz"
    write_copy(cut_gz, t10k_content)
    path = cut_gz / "t10k-labels-idx1-ubyte.gz"
    path.write_bytes(path.read_bytes()[:2000])
    with pytest.raises(md.MnistDataError, match=r"t10k-labels-idx1-ubyte\.gz: truncated gzip"):
        md.load_mnist(cut_gz)

    cut_content = dict(t10k_content, test_images=t10k_content["test_images"][:-784])
    short = write_copy(tmp_path / "short", cut_content)
    with pytest.raises(md.MnistDataError, match=r"t10k-images-idx3-ubyte\.gz: truncated: "
                                                r"7,839,232 bytes of content, expected 7,840,016"):
        md.load_mnist(short)


@needs_mnist
def test_a_header_with_another_count_is_a_wrong_count(tmp_path, t10k_content):
    labels = struct.pack(">II", 2049, 9999) + t10k_content["test_labels"][8:-1]
    odd = write_copy(tmp_path / "odd", dict(t10k_content, test_labels=labels))
    with pytest.raises(md.MnistDataError, match=r"t10k-labels-idx1-ubyte\.gz: wrong count: the "
                                                r"header says 9,999 labels, expected 10,000"):
        md.load_mnist(odd)


@needs_mnist
def test_one_training_file_without_the_other_is_refused(tmp_path, t10k_content):
    d = write_copy(tmp_path / "half", t10k_content)
    shutil.copy(d / "t10k-images-idx3-ubyte.gz", d / "train-images-idx3-ubyte.gz")
    with pytest.raises(md.MnistDataError, match=r"train-images-idx3-ubyte\.gz: present without "
                                                r"train-labels-idx1-ubyte\[\.gz\]"):
        md.load_mnist(d)


# ---- where the files are looked for -----------------------------------------------------------

@needs_mnist
def test_env_dir_is_used_and_an_explicit_dir_wins(tmp_path, monkeypatch, t10k_content):
    monkeypatch.setenv("NNGRADE_MNIST_DIR", str(MNIST_DIR))
    assert md.load_mnist_split().directory == MNIST_DIR
    other = write_copy(tmp_path / "other", t10k_content, gz=False)
    assert md.load_mnist_split(other).directory == other


def test_an_explicit_dir_without_the_files_says_what_is_missing(tmp_path, monkeypatch):
    monkeypatch.setenv("NNGRADE_MNIST_DIR", str(tmp_path))
    with pytest.raises(md.MnistDataError, match=r"t10k-images-idx3-ubyte\[\.gz\] and "
                                                r"t10k-labels-idx1-ubyte\[\.gz\] missing in " + str(tmp_path)):
        md.load_mnist_split()
    monkeypatch.setenv("NNGRADE_MNIST_DIR", str(tmp_path / "nowhere"))
    with pytest.raises(md.MnistDataError, match="NNGRADE_MNIST_DIR is not a directory"):
        md.load_mnist_split()


class _Server:
    """A static file server on 127.0.0.1 that counts the files it was asked for."""

    def __init__(self, root: Path):
        self.requests: list[str] = []
        outer = self

        class Handler(http.server.SimpleHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                outer.requests.append(self.path)
                super().do_GET()

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), partial(Handler, directory=str(root)))
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()


@contextlib.contextmanager
def serving(root: Path):
    with _Server(root) as server:
        yield server


def leftovers(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir()) if directory.exists() else []


@needs_mnist
def test_download_into_the_cache_then_reuse_it(monkeypatch):
    """Fetched from a mirror, checked, kept in the cache; the next load asks no server."""
    messages = []
    with serving(MNIST_DIR) as server:
        monkeypatch.setenv("NNGRADE_MNIST_MIRRORS", server.url)
        split = md.load_mnist_split(log=messages.append)
        cache = md.cache_dir()
        assert split.directory == cache
        assert leftovers(cache) == ["t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"]
        assert any("Downloading MNIST t10k-images-idx3-ubyte.gz from " + server.url in m for m in messages)
        # the training files are not on this mirror: the offline split, and the note says why
        assert "/train-images-idx3-ubyte.gz" in server.requests
        assert not split.standard and "could not be downloaded" in split.note
        assert len(split.y_test) == 2000 and len(split.y_train) == 8000

        asked = len(server.requests)
        again = md.load_mnist_split(log=messages.append)
        assert len(server.requests) == asked
        assert np.array_equal(again.y_test, split.y_test)


@needs_mnist
def test_a_corrupt_download_leaves_no_file(tmp_path, monkeypatch, t10k_content):
    content = dict(t10k_content)
    labels = bytearray(content["test_labels"])
    labels[100] = (labels[100] + 1) % 10
    content["test_labels"] = bytes(labels)
    corrupt = write_copy(tmp_path / "corrupt", content)
    with serving(corrupt) as server:
        monkeypatch.setenv("NNGRADE_MNIST_MIRRORS", server.url)
        with pytest.raises(md.MnistDataError) as err:
            md.load_mnist_split(log=lambda m: None)
    message = str(err.value)
    assert "could not download MNIST t10k-labels-idx1-ubyte.gz" in message
    assert server.url + "t10k-labels-idx1-ubyte.gz: downloaded file: checksum mismatch" in message
    # the good images file is kept, the bad labels file left nothing behind (no .part either)
    assert leftovers(md.cache_dir()) == ["t10k-images-idx3-ubyte.gz"]


@needs_mnist
def test_a_bad_mirror_is_skipped_for_the_next(tmp_path, monkeypatch, t10k_content):
    truncated = write_copy(tmp_path / "truncated", t10k_content)
    path = truncated / "t10k-images-idx3-ubyte.gz"
    path.write_bytes(path.read_bytes()[:100_000])
    messages = []
    with serving(truncated) as bad, serving(MNIST_DIR) as good:
        monkeypatch.setenv("NNGRADE_MNIST_MIRRORS", f"{bad.url} {good.url}")
        path = md.download_file("test_images", tmp_path / "dl", log=messages.append)
    assert path == tmp_path / "dl" / "t10k-images-idx3-ubyte.gz"
    assert any("truncated gzip" in m for m in messages)
    assert leftovers(tmp_path / "dl") == ["t10k-images-idx3-ubyte.gz"]


def test_no_mirror_reachable_is_a_clear_error(monkeypatch, tmp_path):
    with pytest.raises(md.MnistDataError, match=r"could not download MNIST t10k-images-idx3-ubyte\.gz "
                                                r"into .*\n  http://127\.0\.0\.1:9/t10k-images"):
        md.load_mnist_split(log=lambda m: None)
    assert leftovers(md.cache_dir()) == []


# ---- the offline split --------------------------------------------------------------------------

def test_stratified_split_keeps_each_class_share():
    """2,000 of REFERENCE.md's 10,000 test labels: each class gets 20 % of its digits (within one)."""
    y = np.repeat(np.arange(10), T10K_LABEL_COUNTS)
    np.random.default_rng(1).shuffle(y)
    train, held = md.stratified_split(y, 2000, seed=0)
    assert len(held) == 2000 and len(train) == 8000
    assert np.intersect1d(train, held).size == 0 and np.union1d(train, held).size == 10000
    per_class = np.bincount(y[held], minlength=10)
    assert np.all(np.abs(per_class - 0.2 * np.array(T10K_LABEL_COUNTS)) < 1)
    again_train, again_held = md.stratified_split(y, 2000, seed=0)
    assert np.array_equal(held, again_held) and np.array_equal(train, again_train)
    assert not np.array_equal(held, md.stratified_split(y, 2000, seed=1)[1])


@needs_mnist
def test_offline_split_is_2000_held_out_and_says_so():
    split = md.load_mnist_split(MNIST_DIR)
    assert split.X_test.shape == (2000, 784) and split.X_train.shape == (8000, 784)
    assert not split.standard
    assert "stratified sample of 2,000" in split.note and "seed 0" in split.note
    assert "8,000" in split.note and "층화" in split.note.to("ko") and "2,000" in split.note.to("ko")
    assert np.array_equal(np.bincount(split.y_test, minlength=10) + np.bincount(split.y_train, minlength=10),
                          T10K_LABEL_COUNTS)


# ---- Fashion-MNIST and the shipped sample -----------------------------------------------------

@needs_fashion
def test_fashion_mnist_loads_the_standard_split():
    """Debian's copy (re-compressed) passes on content checksums: 6,000 + 1,000 per class."""
    split = md.load_mnist_split(dataset="fashion", dtype=np.float32)
    assert split.standard and split.directory == FASHION_DIR
    assert np.bincount(split.y_train).tolist() == [6000] * 10
    assert np.bincount(split.y_test).tolist() == [1000] * 10
    assert "Fashion-MNIST: standard split, 60,000 training" in split.note


@needs_fashion
def test_fashion_files_given_as_mnist_are_recognised():
    with pytest.raises(md.MnistDataError, match="checksum mismatch.*this is Fashion-MNIST's file"):
        md.load_mnist(FASHION_DIR, dataset="mnist")


def test_the_shipped_sample_is_small_real_and_stratified():
    size = sum(p.stat().st_size for p in md.SAMPLE_DIR.iterdir())
    assert size < 1_000_000
    assert "LeCun" in (md.SAMPLE_DIR / "README.md").read_text(encoding="utf-8")
    sample = md.load_sample()
    assert sample.X_train.shape == (1000, 784) and sample.X_test.shape == (300, 784)
    for y, n in ((sample.y_train, 1000), (sample.y_test, 300)):
        share = np.bincount(y, minlength=10) / n
        assert np.all(np.abs(share - np.array(T10K_LABEL_COUNTS) / 10000) < 0.01)


@needs_mnist
def test_the_sample_is_rebuilt_from_the_test_set_and_never_trains_on_held_out(tmp_path):
    sums = md.write_sample(tmp_path, MNIST_DIR)
    assert sums == {k: next(iter(v)) for k, v in md.SAMPLE.sha256.items()}
    raw = md.load_mnist(MNIST_DIR)
    images = raw["test_images"].reshape(10000, -1)
    offline = md.load_mnist_split(MNIST_DIR)
    held_rows = {images[i].tobytes() for i in offline.held_out_indices}
    sample = md.load_sample()
    train_rows = {(x * 255).round().astype(np.uint8).tobytes() for x in sample.X_train}
    assert not held_rows & train_rows
