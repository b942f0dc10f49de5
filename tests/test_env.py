import os

import numpy as np
import pytest
import torch

from course_utils import env


def test_quick_mode_reads_the_environment_variable(monkeypatch):
    monkeypatch.setenv(env.QUICK_ENV_VAR, "1")
    assert env.quick_mode() and env.pick(full=100, quick=5) == 5
    monkeypatch.setenv(env.QUICK_ENV_VAR, "0")
    assert not env.quick_mode() and env.pick(full=100, quick=5) == 100
    monkeypatch.delenv(env.QUICK_ENV_VAR)
    assert not env.quick_mode()


def test_quick_mode_rejects_unclear_values(monkeypatch):
    monkeypatch.setenv(env.QUICK_ENV_VAR, "maybe")
    with pytest.raises(ValueError, match="WGAN_COURSE_QUICK"):
        env.quick_mode()


def test_seed_everything_makes_runs_identical():
    env.seed_everything(123)
    a = (torch.rand(3), np.random.rand(3), __import__("random").random())
    env.seed_everything(123)
    b = (torch.rand(3), np.random.rand(3), __import__("random").random())
    assert torch.equal(a[0], b[0]) and np.array_equal(a[1], b[1]) and a[2] == b[2]
    env.seed_everything(124)
    assert not torch.equal(a[0], torch.rand(3))


@pytest.mark.parametrize("bad", [-1, 1.5, "0"])
def test_seed_everything_rejects_bad_seeds(bad):
    with pytest.raises(ValueError):
        env.seed_everything(bad)


def test_get_device_defaults_to_an_available_device():
    device = env.get_device()
    assert device.type in {"cpu", "cuda", "mps"}
    torch.zeros(1, device=device)  # usable


def test_get_device_explains_unavailable_devices(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.raises(RuntimeError, match="CUDA is not available"):
        env.get_device("cuda")
    with pytest.raises(ValueError, match="Unknown device"):
        env.get_device("tpu")
    monkeypatch.setenv(env.DEVICE_ENV_VAR, "cpu")
    assert env.get_device() == torch.device("cpu")


def test_threads_default_and_override(monkeypatch):
    monkeypatch.delenv(env.THREADS_ENV_VAR, raising=False)
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    assert env.default_num_threads() == 1
    monkeypatch.setattr(os, "cpu_count", lambda: 16)
    assert env.default_num_threads() == 8
    monkeypatch.setenv(env.THREADS_ENV_VAR, "3")
    assert env.default_num_threads() == 3
    monkeypatch.setenv(env.THREADS_ENV_VAR, "zero")
    with pytest.raises(ValueError):
        env.default_num_threads()


def test_setup_reports_everything(monkeypatch):
    monkeypatch.setenv(env.QUICK_ENV_VAR, "1")
    threads = torch.get_num_threads()
    try:
        e = env.setup(seed=7, device="cpu", threads=1)
        report = e.report()
        assert e.quick and e.seed == 7 and e.device == torch.device("cpu") and torch.get_num_threads() == 1
        for word in ("PyTorch", "Device", "Quick mode  ON", "Seed        7"):
            assert word in report
        assert not e.colab
    finally:
        torch.set_num_threads(threads)
