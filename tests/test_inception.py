"""The FID Inception-v3 extractor: architecture, weight loading, input layouts.

Its outputs against pytorch-fid's network on the same weights are compared by
benchmarks/check_inception.py (torchvision and pytorch-fid are not test dependencies).
"""

import numpy as np
import pytest
import torch

from skgan.metrics import frechet_distance
from skgan.metrics.inception import WEIGHTS_FILE, FIDInceptionV3, InceptionFeatures


@pytest.fixture(scope="module")
def weights_file(tmp_path_factory):
    torch.manual_seed(0)  # stand-in weights for the tests only
    network = FIDInceptionV3()
    path = tmp_path_factory.mktemp("weights") / WEIGHTS_FILE
    torch.save(network.state_dict(), path)
    return path


def test_architecture_has_the_fid_parameter_layout():
    network = FIDInceptionV3()
    # torchvision's Inception-v3 without aux logits has 23,834,568 parameters for 1000
    # classes; the FID weights have 1008 classes: 8 more rows of 2049 in fc.
    assert sum(p.numel() for p in network.parameters()) == 23_834_568 + 8 * 2049
    keys = network.state_dict()
    assert keys["Mixed_7c.branch_pool.conv.weight"].shape == (192, 2048, 1, 1)
    assert keys["Mixed_6e.branch7x7dbl_5.conv.weight"].shape == (192, 192, 1, 7)
    assert keys["fc.weight"].shape == (1008, 2048)


def test_features_of_any_layout_agree(weights_file):
    extractor = InceptionFeatures(weights_file, batch_size=3)
    rng = np.random.RandomState(0)
    images = rng.randint(0, 256, size=(4, 40, 40, 3)).astype(np.uint8)
    channel_last = extractor(images)
    assert channel_last.shape == (4, 2048) and np.isfinite(channel_last).all()
    channel_first = extractor(np.moveaxis(images, -1, 1).astype(np.float32) / 255)
    np.testing.assert_allclose(channel_first, channel_last, rtol=1e-4, atol=1e-5)
    gray = extractor(images[..., 0])
    np.testing.assert_allclose(gray, extractor(np.repeat(images[..., :1], 3, axis=-1)),
                               rtol=1e-4, atol=1e-5)
    assert frechet_distance(channel_last, channel_last) == pytest.approx(0.0, abs=1e-6)


def test_integer_images_of_any_type_are_read_alike_and_other_ranges_refused(weights_file):
    # Only uint8 images were scaled: an int64 copy reached the network as 0-255.
    extractor = InceptionFeatures(weights_file, batch_size=4)
    images = np.random.RandomState(1).randint(0, 256, size=(2, 40, 40, 3)).astype(np.uint8)
    expected = extractor(images)
    for dtype in (np.int64, np.uint16, np.int32):
        np.testing.assert_array_equal(extractor(images.astype(dtype)), expected)
    with pytest.raises(ValueError, match="8-bit values"):
        extractor(images.astype(np.int64) * 4)
    with pytest.raises(ValueError, match=r"values in \[0, 1\]"):
        extractor(images.astype(np.float32))  # 0-255 as floats


def test_missing_or_wrong_weights_file(tmp_path):
    with pytest.raises(FileNotFoundError, match=WEIGHTS_FILE):
        InceptionFeatures(tmp_path / "nothing.pth")
    wrong = tmp_path / "wrong.pth"
    torch.save({"conv.weight": torch.zeros(1)}, wrong)
    with pytest.raises(ValueError, match="does not hold the FID Inception-v3 weights"):
        InceptionFeatures(wrong)


def test_bad_image_layout(weights_file):
    extractor = InceptionFeatures(weights_file)
    with pytest.raises(ValueError, match="channels"):
        extractor(np.zeros((2, 5, 16, 16), dtype=np.float32))
