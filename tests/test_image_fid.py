"""Frechet distance and class balance; the shipped classifier's accuracy on the shipped test subset."""

import numpy as np
import pytest
import torch

from course_utils import fid, image_data

torch.set_num_threads(1)  # tiny models: one thread is faster, and CI's cores are shared


def test_frechet_distance_identical_is_zero_and_shift_is_measured():
    rng = np.random.default_rng(0)
    a = rng.normal(size=(1000, 16))
    assert fid.feature_frechet_distance(a, a) == pytest.approx(0.0, abs=1e-6)
    b = a + 2.0  # a pure shift by 2 in 16 dims: FD = 16 * 4
    assert fid.feature_frechet_distance(a, b) == pytest.approx(64.0, rel=1e-6)


def test_class_balance():
    assert fid.class_balance(np.arange(1000) % 10) == pytest.approx(1.0)
    assert fid.class_balance(np.zeros(100, dtype=int)) == pytest.approx(0.0)
    assert fid.kl_to_uniform(np.zeros(100, dtype=int)) == pytest.approx(np.log(10))


@pytest.mark.skipif(not fid.CLASSIFIER_PATH.is_file(), reason="classifier weights not built")
def test_shipped_classifier_accuracy_and_identical_sets():
    test = image_data.load_images("test")
    model = fid.load_classifier(device="cpu")
    acc = fid.accuracy(model, test.tensor(), torch.from_numpy(test.labels))
    assert acc >= 0.88, f"classifier accuracy on the test subset is {acc:.3f}"
    ev = fid.Evaluator(test.tensor(), model, n=500)
    same = ev(test.tensor())
    assert same.fd == pytest.approx(0.0, abs=1e-6)
    assert same.balance > 0.99


def test_classify_converts_to_float64_on_the_cpu_and_reports_confidence():
    import inspect

    from course_utils import fid

    src = inspect.getsource(fid.classify_with_confidence)
    assert ".cpu().double()" in src and ".double().cpu()" not in src  # MPS has no float64
    torch.manual_seed(0)
    model = fid.FashionClassifier().eval()
    feats, labels, conf = fid.classify_with_confidence(model, torch.rand(7, 1, 28, 28) * 2 - 1, batch_size=3)
    assert feats.dtype == np.float64 and feats.shape == (7, 128) and labels.shape == (7,)
    assert ((conf > 0) & (conf <= 1)).all()
    assert fid.confident_share(np.array([0.95, 0.5, 0.9, 0.1])) == 0.5


def test_evaluator_calls_the_given_gaussian_distance():
    torch.manual_seed(0)
    model = fid.FashionClassifier().eval()
    calls = []

    def distance(mu1, sigma1, mu2, sigma2):
        calls.append((mu1.shape, sigma1.shape, mu2.shape, sigma2.shape))
        return 42.0

    ev = fid.Evaluator(torch.rand(20, 1, 28, 28) * 2 - 1, model, n=20, distance=distance)
    assert ev(torch.rand(20, 1, 28, 28) * 2 - 1).fd == 42.0
    assert calls == [((128,), (128, 128), (128,), (128, 128))]
    with pytest.raises(ValueError, match="N >= 2"):
        fid.feature_stats(np.zeros((1, 4)))
