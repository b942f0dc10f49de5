"""Fashion-MNIST and MNIST for the image notebook: a small IDX reader/writer and loaders.

Where the images come from, in this order (``load_images``):

1. ``data/fashion-mnist-subset/`` in this repository: a class-balanced subset
   (1,000 training and 200 test images per class) built by
   ``scripts/build_fashion_subset.py`` and checked against ``data/fashion-mnist-subset/SHA256SUMS``;
2. the full data set in a system folder: ``/usr/share/datasets/fashion-mnist/`` (Debian's
   ``dataset-fashion-mnist`` package), or a folder named by ``WGAN_COURSE_DATA``;
3. a cache folder (``~/.cache/wgan-course/<name>``), filled by downloading the original
   files when ``download=True`` (or ``WGAN_COURSE_DOWNLOAD=1``; in Colab it defaults to on).

Every file is verified: a download by the MD5 published by its authors, a system or
cached file by the MD5 of its decompressed content. A missing, truncated or corrupt
file raises an error that says which file and how to get it; nothing is skipped silently.
MNIST is not shipped: it comes from a system folder, the cache or a download.
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
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
import torch

from . import settings

__all__ = ["CACHE_DIR", "DATA_ENV_VAR", "DOWNLOAD_ENV_VAR", "FASHION_CLASSES", "FILES", "MNIST_CLASSES", "REPO_DATA",
           "SOURCES", "SUBSET_DIR", "DataIntegrityError", "DataNotFoundError", "ImageSet", "RealSampler", "Source",
           "Split", "balanced_indices", "download_dataset", "download_default", "from_unit_range", "full_data_dirs", "idx_bytes",
           "load_images", "load_shipped", "md5_of", "parse_idx", "read_idx", "sha256_file", "to_unit_range",
           "write_idx"]

Split = Literal["train", "test"]

REPO_DATA = Path(__file__).resolve().parents[1] / "data"
SUBSET_DIR = REPO_DATA / "fashion-mnist-subset"
DATA_ENV_VAR = settings.DATA
DOWNLOAD_ENV_VAR = settings.DOWNLOAD
CACHE_DIR = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "wgan-course"

FASHION_CLASSES = (
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
    "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
)
MNIST_CLASSES = tuple(str(i) for i in range(10))

FILES = {
    ("train", "images"): "train-images-idx3-ubyte.gz",
    ("train", "labels"): "train-labels-idx1-ubyte.gz",
    ("test", "images"): "t10k-images-idx3-ubyte.gz",
    ("test", "labels"): "t10k-labels-idx1-ubyte.gz",
}


@dataclass(frozen=True)
class Source:
    """Where a data set can be downloaded and how its files are verified.

    Not called in a notebook (used by the package and its commands).
    """

    name: str
    urls: tuple[str, ...]
    #: MD5 of each published .gz file (as the authors list them)
    md5_gz: dict[str, str]
    #: MD5 of each file's decompressed bytes (a re-compressed copy, e.g. Debian's, still matches)
    md5_raw: dict[str, str]
    system_dirs: tuple[str, ...]
    classes: tuple[str, ...]
    how_to_get: str


SOURCES = {
    "fashion-mnist": Source(
        name="fashion-mnist",
        # Zalando Research's official location (README of github.com/zalandoresearch/fashion-mnist)
        urls=("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",),
        md5_gz={
            "train-images-idx3-ubyte.gz": "8d4fb7e6c68d591d4c3dfef9ec88bf0d",
            "train-labels-idx1-ubyte.gz": "25c81989df183df01b3e8a0aad5dffbe",
            "t10k-images-idx3-ubyte.gz": "bef4ecab320f06d8554ea6380940ec79",
            "t10k-labels-idx1-ubyte.gz": "bb300cfdad3c16e7a12a480ee83cd310",
        },
        md5_raw={
            "train-images-idx3-ubyte.gz": "f4a8712d7a061bf5bd6d2ca38dc4d50a",
            "train-labels-idx1-ubyte.gz": "9018921c3c673c538a1fc5bad174d6f9",
            "t10k-images-idx3-ubyte.gz": "8181f5470baa50b63fa0f6fddb340f0a",
            "t10k-labels-idx1-ubyte.gz": "15d484375f8d13e6eb1aabb0c3f46965",
        },
        system_dirs=("/usr/share/datasets/fashion-mnist",),
        classes=FASHION_CLASSES,
        how_to_get=(
            "Get Fashion-MNIST in one of these ways: restore the repository's data/fashion-mnist-subset/ "
            "(git checkout -- data); on Debian/Ubuntu run `sudo apt-get install dataset-fashion-mnist`; "
            f"put the four original .gz files in a folder and set {DATA_ENV_VAR} to it; or, when online, "
            f"call with download=True (or set {DOWNLOAD_ENV_VAR}=1)."
        ),
    ),
    "mnist": Source(
        name="mnist",
        urls=("https://ossci-datasets.s3.amazonaws.com/mnist/", "http://yann.lecun.com/exdb/mnist/"),
        md5_gz={
            "train-images-idx3-ubyte.gz": "f68b3c2dcbeaaa9fbdd348bbdeb94873",
            "train-labels-idx1-ubyte.gz": "d53e105ee54ea40749a09fcbcd1e9432",
            "t10k-images-idx3-ubyte.gz": "9fb629c4189551a2d022fa330f9573f3",
            "t10k-labels-idx1-ubyte.gz": "ec29112dd5afa0611ce80d1b7f02629c",
        },
        md5_raw={},
        system_dirs=("/usr/share/datasets/mnist",),
        classes=MNIST_CLASSES,
        how_to_get=(
            "MNIST is not shipped with the course. Put the four original .gz files in a folder and set "
            f"{DATA_ENV_VAR} to it, or, when online, call with download=True (or set {DOWNLOAD_ENV_VAR}=1)."
        ),
    ),
}


class DataNotFoundError(FileNotFoundError):
    """No copy of a data set could be found (the message says how to get one). Used in notebook 08."""


class DataIntegrityError(ValueError):
    """A data file exists but is truncated, corrupt or not the expected file. Used in notebook 08."""


# ----------------------------------------------------------------------------- IDX format
_IDX_DTYPES = {
    0x08: np.dtype(np.uint8), 0x09: np.dtype(np.int8), 0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"), 0x0D: np.dtype(">f4"), 0x0E: np.dtype(">f8"),
}
_IDX_CODES = {np.dtype(np.uint8): 0x08, np.dtype(np.int8): 0x09}


def load_shipped(path: str | Path, how_to_make: str) -> dict:
    """``torch.load`` a file shipped in ``data/`` onto the CPU.

    A missing file raises ``FileNotFoundError`` saying how to restore it, or ``how_to_make``
    (how to rebuild it).

    Not called in a notebook (used by the package and its commands).
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path} not found. Restore it with `git checkout -- data/` or {how_to_make}")
    return torch.load(path, map_location="cpu", weights_only=False)


def _read_bytes(path: Path) -> bytes:
    """The file's bytes, decompressed when it is gzip (detected by its magic number)."""
    raw = Path(path).read_bytes()
    if raw[:2] == b"\x1f\x8b":
        try:
            return gzip.decompress(raw)
        except (OSError, EOFError, gzip.BadGzipFile) as exc:
            raise DataIntegrityError(f"{path}: the gzip stream is corrupt or truncated ({exc}).") from exc
    return raw


def parse_idx(data: bytes, name: str = "<bytes>") -> np.ndarray:
    """Parse IDX bytes (``magic = 0 0 dtype ndim``, big-endian int32 sizes, then the values).

    Not called in a notebook (used by the package and its commands).
    """
    if len(data) < 4 or data[0] != 0 or data[1] != 0:
        raise DataIntegrityError(f"{name}: not an IDX file (bad magic number {data[:4]!r}).")
    code, ndim = data[2], data[3]
    if code not in _IDX_DTYPES:
        raise DataIntegrityError(f"{name}: unknown IDX value type 0x{code:02x}.")
    header = 4 + 4 * ndim
    if len(data) < header:
        raise DataIntegrityError(f"{name}: truncated IDX header.")
    shape = struct.unpack(f">{ndim}I", data[4:header])
    dtype = _IDX_DTYPES[code]
    expected = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    if len(data) - header != expected:
        raise DataIntegrityError(
            f"{name}: IDX header says shape {shape} ({expected} bytes of data) but the file has "
            f"{len(data) - header}; the file is truncated or corrupt."
        )
    return np.frombuffer(data, dtype=dtype, offset=header).reshape(shape).astype(dtype.newbyteorder("="))


def read_idx(path: str | Path) -> np.ndarray:
    """Read an IDX file, gzip-compressed or raw, into a NumPy array.

    Not called in a notebook (used by the package and its commands).
    """
    path = Path(path)
    if not path.is_file():
        raise DataNotFoundError(f"{path} does not exist.")
    return parse_idx(_read_bytes(path), str(path))


def idx_bytes(array: np.ndarray) -> bytes:
    """Encode a uint8/int8 array as IDX bytes. Not called in a notebook (used by the package and its commands)."""
    array = np.ascontiguousarray(array)
    if array.dtype not in _IDX_CODES:
        raise ValueError(f"only uint8 and int8 arrays are supported, got {array.dtype}")
    head = bytes([0, 0, _IDX_CODES[array.dtype], array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    return head + array.tobytes()


def write_idx(path: str | Path, array: np.ndarray, compress: bool | None = None) -> Path:
    """Write ``array`` as an IDX file; gzip it when ``compress`` (default: the name ends in .gz).

    The gzip header carries no time stamp, so the same array always gives the same bytes.

    Not called in a notebook (used by the package and its commands).
    """
    path = Path(path)
    compress = path.suffix == ".gz" if compress is None else compress
    payload = idx_bytes(array)
    if compress:
        payload = gzip.compress(payload, compresslevel=9, mtime=0)
    path.write_bytes(payload)
    return path


def md5_of(data: bytes) -> str:
    """MD5 hex digest of ``data``. Not called in a notebook (used by the package and its commands)."""
    return hashlib.md5(data).hexdigest()  # noqa: S324 - integrity check against published sums


def sha256_file(path: str | Path) -> str:
    """SHA-256 hex digest of a file. Not called in a notebook (used by the package and its commands)."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


# ----------------------------------------------------------------------------- loading
@dataclass(frozen=True)
class ImageSet:
    """Images ``(N, 28, 28)`` uint8 and labels ``(N,)`` int64, with where they came from. Used in notebook 08."""

    images: np.ndarray
    labels: np.ndarray
    classes: tuple[str, ...]
    origin: str

    def __len__(self) -> int:
        return len(self.labels)

    def tensor(self, device: torch.device | str | None = None) -> torch.Tensor:
        """The images as floats in ``[-1, 1]``, shape ``(N, 1, 28, 28)``."""
        return to_unit_range(torch.from_numpy(self.images)).to(device)

    def class_counts(self) -> np.ndarray:
        return np.bincount(self.labels, minlength=len(self.classes))


def to_unit_range(images: torch.Tensor) -> torch.Tensor:
    """uint8 images ``(N, 28, 28)`` -> float ``(N, 1, 28, 28)`` in ``[-1, 1]`` (the generator's tanh range).

    Used in notebook 08 (through the package).
    """
    return (images.float().div(127.5).sub(1.0)).unsqueeze(1)


def from_unit_range(images: torch.Tensor) -> torch.Tensor:
    """Inverse of :func:`to_unit_range`, for display: floats in ``[0, 1]``, shape kept. Used in notebook 08."""
    return images.detach().float().add(1.0).div(2.0).clamp(0.0, 1.0)


def _subset_checksums() -> dict[str, str]:
    sums = SUBSET_DIR / "SHA256SUMS"
    if not sums.is_file():
        return {}
    out = {}
    for line in sums.read_text().splitlines():
        if line.strip():
            digest, name = line.split()
            out[name] = digest
    return out


def _load_pair(folder: Path, split: Split, verify) -> tuple[np.ndarray, np.ndarray]:
    arrays = []
    for kind in ("images", "labels"):
        path = folder / FILES[(split, kind)]
        if not path.is_file():
            raise DataNotFoundError(str(path))
        data = _read_bytes(path)
        verify(path, data)
        arrays.append(parse_idx(data, str(path)))
    images, labels = arrays
    if images.ndim != 3 or images.shape[1:] != (28, 28) or labels.shape != (images.shape[0],):
        raise DataIntegrityError(f"{folder}: unexpected shapes {images.shape} and {labels.shape} for {split}.")
    return images, labels.astype(np.int64)


def _verify_raw(source: Source):
    def verify(path: Path, data: bytes) -> None:
        want = source.md5_raw.get(path.name)
        if want is not None and md5_of(data) != want:
            raise DataIntegrityError(
                f"{path}: content checksum mismatch (MD5 of the decompressed file is {md5_of(data)}, "
                f"expected {want}); the file is corrupt or not the original. {source.how_to_get}"
            )
    return verify


def _verify_subset(path: Path, data: bytes) -> None:
    sums = _subset_checksums()
    want = sums.get(path.name)
    if want is None:
        raise DataIntegrityError(f"{path}: no entry in {SUBSET_DIR / 'SHA256SUMS'}; rebuild the subset.")
    got = sha256_file(path)
    if got != want:
        raise DataIntegrityError(
            f"{path}: SHA-256 {got} does not match {want} in SHA256SUMS; the file is corrupt. "
            "Restore it with `git checkout -- data/fashion-mnist-subset` or rebuild it with "
            "`python scripts/build_fashion_subset.py` (needs the full data set)."
        )


def download_dataset(name: str = "fashion-mnist", folder: str | Path | None = None) -> Path:
    """Download the four original files of ``name`` into ``folder`` (default: the cache), verified by MD5.

    Not called in a notebook (used by the package and its commands).
    """
    source = SOURCES[name]
    folder = Path(folder) if folder is not None else CACHE_DIR / name
    folder.mkdir(parents=True, exist_ok=True)
    for filename, want in source.md5_gz.items():
        target = folder / filename
        if target.is_file() and md5_of(target.read_bytes()) == want:
            continue
        errors = []
        for base in source.urls:
            try:
                with urllib.request.urlopen(base + filename, timeout=60) as response:  # noqa: S310
                    payload = response.read()
            except OSError as exc:
                errors.append(f"{base + filename}: {exc}")
                continue
            if md5_of(payload) != want:
                errors.append(f"{base + filename}: MD5 {md5_of(payload)} != published {want}")
                continue
            with tempfile.NamedTemporaryFile(dir=folder, delete=False) as tmp:
                tmp.write(payload)
            shutil.move(tmp.name, target)
            break
        else:
            raise DataNotFoundError(f"Could not download {filename}: " + "; ".join(errors) + f". {source.how_to_get}")
    return folder


def download_default() -> bool:
    """Whether ``load_images`` may download by default: ``WGAN_COURSE_DOWNLOAD`` if set, else only in Colab.

    Not called in a notebook (used by ``load_images``).
    """
    value = settings.read(DOWNLOAD_ENV_VAR)  # strict: a value it does not understand is an error
    if value is not None:
        return value
    return "google.colab" in sys.modules


def full_data_dirs(name: str) -> list[Path]:
    """Folders searched for the full data set, in order.

    Not called in a notebook (used by the package and its commands).
    """
    dirs = []
    if settings.read(DATA_ENV_VAR):
        dirs.append(Path(settings.read(DATA_ENV_VAR)))
    dirs += [Path(d) for d in SOURCES[name].system_dirs]
    dirs.append(CACHE_DIR / name)
    return dirs


def load_images(
    split: Split = "train",
    name: str = "fashion-mnist",
    *,
    full: bool = False,
    download: bool | None = None,
) -> ImageSet:
    """Load ``split`` of ``name`` (``'fashion-mnist'`` or ``'mnist'``).

    ``full=False`` prefers the shipped Fashion-MNIST subset; ``full=True`` (or MNIST)
    needs the full data set. A folder that holds the files but fails verification
    raises :class:`DataIntegrityError`; no copy at all raises :class:`DataNotFoundError`.

    Used in notebooks 06 and 08.
    """
    if name not in SOURCES:
        raise ValueError(f"Unknown data set {name!r}; use one of {sorted(SOURCES)}.")
    if split not in ("train", "test"):
        raise ValueError(f"split must be 'train' or 'test', got {split!r}")
    source = SOURCES[name]
    if name == "fashion-mnist" and not full and (SUBSET_DIR / FILES[(split, "images")]).is_file():
        images, labels = _load_pair(SUBSET_DIR, split, _verify_subset)
        return ImageSet(images, labels, source.classes, f"subset {SUBSET_DIR}")
    searched = []
    for folder in full_data_dirs(name):
        searched.append(str(folder))
        if (folder / FILES[(split, "images")]).is_file() or (folder / FILES[(split, "labels")]).is_file():
            images, labels = _load_pair(folder, split, _verify_raw(source))
            return ImageSet(images, labels, source.classes, str(folder))
    if download if download is not None else download_default():
        folder = download_dataset(name)
        images, labels = _load_pair(folder, split, _verify_raw(source))
        return ImageSet(images, labels, source.classes, f"downloaded to {folder}")
    raise DataNotFoundError(
        f"No copy of {name} ({split}) found; searched "
        + ", ".join(searched) + (f" and {SUBSET_DIR}" if name == "fashion-mnist" and not full else "")
        + f". {source.how_to_get}"
    )


def balanced_indices(labels: np.ndarray, per_class: int, seed: int) -> np.ndarray:
    """``per_class`` indices of each label, drawn without replacement with a seeded RNG, sorted.

    Not called in a notebook (used by the package and its commands).
    """
    rng = np.random.default_rng(seed)
    picks = []
    for c in np.unique(labels):
        idx = np.flatnonzero(labels == c)
        if len(idx) < per_class:
            raise ValueError(f"class {c} has only {len(idx)} examples, fewer than {per_class}")
        picks.append(rng.choice(idx, size=per_class, replace=False))
    return np.sort(np.concatenate(picks))


class RealSampler:
    """Random mini-batches of real images, kept on ``device`` as floats in ``[-1, 1]``.

    ``sampler(n)`` draws ``n`` images uniformly with its own seeded generator, so a
    resumed run draws the same batches (its ``state_dict`` is saved in checkpoints).

    Used in notebook 08.
    """

    def __init__(self, images: torch.Tensor, seed: int = 0):
        self.images = images
        self.rng = torch.Generator().manual_seed(seed)

    def __call__(self, n: int) -> torch.Tensor:
        idx = torch.randint(len(self.images), (n,), generator=self.rng)
        return self.images[idx.to(self.images.device)]

    def state_dict(self) -> dict:
        return {"rng": self.rng.get_state()}

    def load_state_dict(self, state: dict) -> None:
        self.rng.set_state(state["rng"])
