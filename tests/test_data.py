"""Data loaders: sphere points, random images, MNIST, CIFAR-10 archive handling, stand-in, image folders."""
import hashlib
import shutil

import numpy as np
import pytest
import torch

import attractor_utils as au
from attractor_utils.data import images as D


def test_sphere_points_norm_seed_and_errors():
    X = au.sphere_points(50, 32, 7.5, seed=3)
    assert X.shape == (50, 32)
    torch.testing.assert_close(X.norm(dim=1), torch.full((50,), 7.5), rtol=1e-6, atol=1e-6)
    assert torch.equal(X, au.sphere_points(50, 32, 7.5, seed=3))
    assert not torch.equal(X, au.sphere_points(50, 32, 7.5, seed=4))
    # mean direction near 0 (uniform on the sphere, not the positive orthant)
    assert (au.sphere_points(2000, 8, 1.0, seed=0).mean(0).abs() < 0.05).all()
    with pytest.raises(ValueError, match="radius"):
        au.sphere_points(2, 3, 0.0)
    with pytest.raises(ValueError, match="n="):
        au.sphere_points(0, 3)


def test_random_images():
    d = au.random_images(5, (3, 32, 32), seed=1)
    assert d.X.shape == (5, 3072) and 0 <= d.X.min() and d.X.max() <= 1
    assert d.images().shape == (5, 32, 32, 3)
    with pytest.raises(ValueError, match="distribution"):
        au.random_images(2, (1, 4, 4), distribution="normal")


def test_mnist_shipped_digits():
    d = au.mnist(20, seed=0)
    assert d.X.shape == (20, 784) and d.X.max() <= 1 and d.X.max() > 0.9
    seq = au.mnist(labels=range(10), seed=1)
    assert seq.labels.tolist() == list(range(10))


def test_cifar10_reads_a_verified_archive(tmp_path):
    md5 = D.write_cifar_like_archive(tmp_path / D.CIFAR10_ARCHIVE, n_per_batch=8, seed=0)
    d = au.cifar10(10, root=tmp_path, md5=md5, seed=0)
    assert d.X.shape == (10, 3072) and d.shape == (3, 32, 32) and d.source == "CIFAR-10"
    g = au.cifar10(10, root=tmp_path, md5=md5, seed=0, grayscale=True)
    assert g.X.shape == (10, 1024)
    torch.testing.assert_close(g.X, (d.X.reshape(10, 3, 1024) * torch.tensor([0.299, 0.587, 0.114])[:, None]).sum(1))
    t = au.cifar10(8, root=tmp_path, md5=md5, split="test")
    assert t.X.shape == (8, 3072)
    with pytest.raises(ValueError, match="split"):
        au.cifar10(2, root=tmp_path, md5=md5, split="val")


def test_cifar10_refuses_corrupt_archive_before_unpickling(tmp_path, monkeypatch):
    path = tmp_path / D.CIFAR10_ARCHIVE
    md5 = D.write_cifar_like_archive(path, n_per_batch=4)
    raw = bytearray(path.read_bytes())
    raw[len(raw) // 2] ^= 0xFF
    path.write_bytes(bytes(raw))
    called = []
    monkeypatch.setattr(D.pickle, "loads", lambda *a, **k: called.append(1))
    with pytest.raises(D.ChecksumError, match="md5"):
        au.cifar10(2, root=tmp_path, md5=md5)
    with pytest.raises(D.ChecksumError, match="md5"):
        au.cifar10(2, root=tmp_path)  # the official checksum does not match a fake archive either
    assert not called


def test_cifar10_extracted_folder_checks_each_batch(tmp_path):
    import tarfile

    md5 = D.write_cifar_like_archive(tmp_path / "a.tar.gz", n_per_batch=4)
    with tarfile.open(tmp_path / "a.tar.gz") as tar:
        tar.extractall(tmp_path / "root", filter="data")
    folder = tmp_path / "root" / "cifar-10-batches-py"
    sums = {p.name: hashlib.md5(p.read_bytes()).hexdigest() for p in folder.iterdir()}
    d = au.cifar10(5, root=tmp_path / "root", batch_md5=sums)
    assert d.X.shape == (5, 3072)
    with pytest.raises(D.ChecksumError, match="data_batch_1"):
        au.cifar10(5, root=tmp_path / "root")  # official per-batch checksums refuse the fake data


def test_cifar10_missing_says_where_and_standin_is_labelled(tmp_path, capsys):
    with pytest.raises(D.DatasetNotFound, match="cifar-10-python.tar.gz"):
        au.cifar10(2, root=tmp_path)
    d = au.cifar10_or_standin(12, root=tmp_path, grayscale=True)
    assert d.is_standin and "STAND-IN" in d.source and d.X.shape == (12, 1024)
    assert "NOTE" in capsys.readouterr().out
    assert au.resolve_cifar("cifar10", root=tmp_path) == "patches"
    # a stand-in of real photographs has spatial structure: neighbouring pixels correlate
    img = d.images()
    c = np.corrcoef(img[:, :, :-1].ravel(), img[:, :, 1:].ravel())[0, 1]
    assert c > 0.8


def test_image_folder(tmp_path):
    from PIL import Image

    for i in range(3):
        Image.fromarray((np.random.default_rng(i).random((40, 50, 3)) * 255).astype(np.uint8)).save(tmp_path / f"{i}.png")
    d = au.image_folder(tmp_path, size=16)
    assert d.X.shape == (3, 3 * 16 * 16)
    assert au.image_folder(tmp_path, n=2, size=8, grayscale=True).X.shape == (2, 64)
    with pytest.raises(D.DatasetNotFound, match="path"):
        au.image_folder(tmp_path / "nope")
