"""IDX reader/writer, the shipped Fashion-MNIST subset, and clear errors for bad files."""

import gzip

import numpy as np
import pytest
import torch

from course_utils import image_data as D

torch.set_num_threads(1)  # tiny models: one thread is faster, and CI's cores are shared


@pytest.mark.parametrize("name", ["x-idx3-ubyte.gz", "x-idx3-ubyte"])
def test_idx_round_trip(tmp_path, name):
    arr = np.random.default_rng(0).integers(0, 256, size=(5, 28, 28), dtype=np.uint8)
    path = D.write_idx(tmp_path / name, arr)
    assert (path.read_bytes()[:2] == b"\x1f\x8b") == name.endswith(".gz")
    out = D.read_idx(path)
    assert out.dtype == np.uint8 and out.shape == (5, 28, 28)
    np.testing.assert_array_equal(out, arr)


def test_idx_gzip_is_reproducible(tmp_path):
    arr = np.arange(10, dtype=np.uint8)
    a = D.write_idx(tmp_path / "a.gz", arr).read_bytes()
    b = D.write_idx(tmp_path / "b.gz", arr).read_bytes()
    assert a == b


def test_truncated_idx_raises(tmp_path):
    arr = np.zeros((4, 28, 28), dtype=np.uint8)
    data = D.idx_bytes(arr)[:-10]
    path = tmp_path / "bad-idx3-ubyte.gz"
    path.write_bytes(gzip.compress(data))
    with pytest.raises(D.DataIntegrityError, match="truncated or corrupt"):
        D.read_idx(path)


def test_corrupt_gzip_and_magic_raise(tmp_path):
    good = gzip.compress(D.idx_bytes(np.zeros((2, 2), dtype=np.uint8)))
    bad = tmp_path / "bad.gz"
    bad.write_bytes(good[:-8])
    with pytest.raises(D.DataIntegrityError, match="gzip"):
        D.read_idx(bad)
    junk = tmp_path / "junk"
    junk.write_bytes(b"\x01\x02\x03\x04hello")
    with pytest.raises(D.DataIntegrityError, match="not an IDX file"):
        D.read_idx(junk)
    with pytest.raises(D.DataNotFoundError):
        D.read_idx(tmp_path / "missing")


def test_subset_shapes_and_balance():
    train = D.load_images("train")
    test = D.load_images("test")
    assert "subset" in train.origin
    assert train.images.shape == (10_000, 28, 28) and train.images.dtype == np.uint8
    assert test.images.shape == (2_000, 28, 28)
    assert (train.class_counts() == 1000).all() and (test.class_counts() == 200).all()
    x = test.tensor()
    assert x.shape == (2000, 1, 28, 28) and x.dtype == torch.float32
    assert x.min() >= -1 and x.max() <= 1


def test_subset_checksum_mismatch_is_reported(tmp_path, monkeypatch):
    import shutil

    copy = tmp_path / "subset"
    shutil.copytree(D.SUBSET_DIR, copy)
    target = copy / "t10k-labels-idx1-ubyte.gz"
    data = bytearray(target.read_bytes())
    data[-12] ^= 0xFF
    target.write_bytes(bytes(data))
    monkeypatch.setattr(D, "SUBSET_DIR", copy)
    with pytest.raises(D.DataIntegrityError, match="SHA-256|corrupt"):
        D.load_images("test")


def test_missing_everywhere_says_how_to_get_it(tmp_path, monkeypatch):
    monkeypatch.setattr(D, "SUBSET_DIR", tmp_path / "nothing")
    monkeypatch.setattr(D, "CACHE_DIR", tmp_path / "cache")
    monkeypatch.setenv(D.DATA_ENV_VAR, str(tmp_path / "none"))
    monkeypatch.setitem(D.SOURCES, "mnist", D.SOURCES["mnist"].__class__(
        **{**D.SOURCES["mnist"].__dict__, "system_dirs": (str(tmp_path / "sys"),)}))
    with pytest.raises(D.DataNotFoundError, match="download=True"):
        D.load_images("train", "mnist", download=False)


def test_wrong_content_in_system_folder(tmp_path, monkeypatch):
    arr = np.zeros((3, 28, 28), dtype=np.uint8)
    D.write_idx(tmp_path / "t10k-images-idx3-ubyte.gz", arr)
    D.write_idx(tmp_path / "t10k-labels-idx1-ubyte.gz", np.zeros(3, dtype=np.uint8))
    monkeypatch.setenv(D.DATA_ENV_VAR, str(tmp_path))
    with pytest.raises(D.DataIntegrityError, match="checksum"):
        D.load_images("test", full=True)


def test_balanced_indices_and_sampler():
    labels = np.repeat(np.arange(3), 10)
    idx = D.balanced_indices(labels, 4, seed=0)
    assert np.bincount(labels[idx]).tolist() == [4, 4, 4]
    np.testing.assert_array_equal(idx, D.balanced_indices(labels, 4, seed=0))
    s = D.RealSampler(torch.arange(20.0).view(20, 1), seed=1)
    state = s.state_dict()
    a = s(5)
    s.load_state_dict(state)
    assert torch.equal(a, s(5))


def test_missing_shipped_files_say_how_to_get_them(tmp_path):
    from course_utils.fid import load_classifier
    from course_utils.image_training import load_pretrained

    with pytest.raises(FileNotFoundError, match=r"git checkout -- data/.*course_utils\.fid train-classifier"):
        load_classifier(tmp_path / "missing.pt")
    with pytest.raises(FileNotFoundError, match=r"git checkout -- data/.*course_utils\.image_training train"):
        load_pretrained(tmp_path / "missing.pt")
