"""Inception-v3 pool features for FID, from the standard weights in a local file.

The network is the TensorFlow Inception-v3 of the original FID code (Heusel et al., 2017),
in the layout of the PyTorch port of its weights, ``pt_inception-2015-12-05-6726825d.pth``
(1008 classes; average pools that ignore padding; a max pool in the last block). skgan
never downloads it: the user passes the path of a copy they obtained themselves.
"""

from pathlib import Path

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

WEIGHTS_FILE = "pt_inception-2015-12-05-6726825d.pth"


class _ConvBN(nn.Module):
    """Convolution without bias, batch norm (eps 1e-3), ReLU."""

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0):
        super().__init__()
        self.conv = nn.Conv2d(in_channels, out_channels, kernel_size, stride=stride,
                              padding=padding, bias=False)
        self.bn = nn.BatchNorm2d(out_channels, eps=0.001)

    def forward(self, inputs):
        return F.relu(self.bn(self.conv(inputs)))


def _mean_pool(inputs):
    return F.avg_pool2d(inputs, kernel_size=3, stride=1, padding=1, count_include_pad=False)


class _BlockA(nn.Module):
    def __init__(self, in_channels, pool_features):
        super().__init__()
        self.branch1x1 = _ConvBN(in_channels, 64, 1)
        self.branch5x5_1 = _ConvBN(in_channels, 48, 1)
        self.branch5x5_2 = _ConvBN(48, 64, 5, padding=2)
        self.branch3x3dbl_1 = _ConvBN(in_channels, 64, 1)
        self.branch3x3dbl_2 = _ConvBN(64, 96, 3, padding=1)
        self.branch3x3dbl_3 = _ConvBN(96, 96, 3, padding=1)
        self.branch_pool = _ConvBN(in_channels, pool_features, 1)

    def forward(self, x):
        wide = self.branch5x5_2(self.branch5x5_1(x))
        deep = self.branch3x3dbl_3(self.branch3x3dbl_2(self.branch3x3dbl_1(x)))
        return torch.cat([self.branch1x1(x), wide, deep, self.branch_pool(_mean_pool(x))], 1)


class _BlockB(nn.Module):
    def __init__(self, in_channels):
        super().__init__()
        self.branch3x3 = _ConvBN(in_channels, 384, 3, stride=2)
        self.branch3x3dbl_1 = _ConvBN(in_channels, 64, 1)
        self.branch3x3dbl_2 = _ConvBN(64, 96, 3, padding=1)
        self.branch3x3dbl_3 = _ConvBN(96, 96, 3, stride=2)

    def forward(self, x):
        deep = self.branch3x3dbl_3(self.branch3x3dbl_2(self.branch3x3dbl_1(x)))
        return torch.cat([self.branch3x3(x), deep, F.max_pool2d(x, 3, stride=2)], 1)


class _BlockC(nn.Module):
    def __init__(self, in_channels, channels_7x7):
        super().__init__()
        c7 = channels_7x7
        self.branch1x1 = _ConvBN(in_channels, 192, 1)
        self.branch7x7_1 = _ConvBN(in_channels, c7, 1)
        self.branch7x7_2 = _ConvBN(c7, c7, (1, 7), padding=(0, 3))
        self.branch7x7_3 = _ConvBN(c7, 192, (7, 1), padding=(3, 0))
        self.branch7x7dbl_1 = _ConvBN(in_channels, c7, 1)
        self.branch7x7dbl_2 = _ConvBN(c7, c7, (7, 1), padding=(3, 0))
        self.branch7x7dbl_3 = _ConvBN(c7, c7, (1, 7), padding=(0, 3))
        self.branch7x7dbl_4 = _ConvBN(c7, c7, (7, 1), padding=(3, 0))
        self.branch7x7dbl_5 = _ConvBN(c7, 192, (1, 7), padding=(0, 3))
        self.branch_pool = _ConvBN(in_channels, 192, 1)

    def forward(self, x):
        single = self.branch7x7_3(self.branch7x7_2(self.branch7x7_1(x)))
        double = self.branch7x7dbl_1(x)
        for layer in (self.branch7x7dbl_2, self.branch7x7dbl_3, self.branch7x7dbl_4,
                      self.branch7x7dbl_5):
            double = layer(double)
        return torch.cat([self.branch1x1(x), single, double,
                          self.branch_pool(_mean_pool(x))], 1)


class _BlockD(nn.Module):
    def __init__(self, in_channels):
        super().__init__()
        self.branch3x3_1 = _ConvBN(in_channels, 192, 1)
        self.branch3x3_2 = _ConvBN(192, 320, 3, stride=2)
        self.branch7x7x3_1 = _ConvBN(in_channels, 192, 1)
        self.branch7x7x3_2 = _ConvBN(192, 192, (1, 7), padding=(0, 3))
        self.branch7x7x3_3 = _ConvBN(192, 192, (7, 1), padding=(3, 0))
        self.branch7x7x3_4 = _ConvBN(192, 192, 3, stride=2)

    def forward(self, x):
        short = self.branch3x3_2(self.branch3x3_1(x))
        long = self.branch7x7x3_1(x)
        for layer in (self.branch7x7x3_2, self.branch7x7x3_3, self.branch7x7x3_4):
            long = layer(long)
        return torch.cat([short, long, F.max_pool2d(x, 3, stride=2)], 1)


class _BlockE(nn.Module):
    def __init__(self, in_channels, max_pool_branch):
        super().__init__()
        self.max_pool_branch = max_pool_branch
        self.branch1x1 = _ConvBN(in_channels, 320, 1)
        self.branch3x3_1 = _ConvBN(in_channels, 384, 1)
        self.branch3x3_2a = _ConvBN(384, 384, (1, 3), padding=(0, 1))
        self.branch3x3_2b = _ConvBN(384, 384, (3, 1), padding=(1, 0))
        self.branch3x3dbl_1 = _ConvBN(in_channels, 448, 1)
        self.branch3x3dbl_2 = _ConvBN(448, 384, 3, padding=1)
        self.branch3x3dbl_3a = _ConvBN(384, 384, (1, 3), padding=(0, 1))
        self.branch3x3dbl_3b = _ConvBN(384, 384, (3, 1), padding=(1, 0))
        self.branch_pool = _ConvBN(in_channels, 192, 1)

    def forward(self, x):
        split = self.branch3x3_1(x)
        split = torch.cat([self.branch3x3_2a(split), self.branch3x3_2b(split)], 1)
        deep = self.branch3x3dbl_2(self.branch3x3dbl_1(x))
        deep = torch.cat([self.branch3x3dbl_3a(deep), self.branch3x3dbl_3b(deep)], 1)
        # The FID network max-pools in its last block where Inception-v3 averages.
        pooled = (F.max_pool2d(x, 3, stride=1, padding=1) if self.max_pool_branch
                  else _mean_pool(x))
        return torch.cat([self.branch1x1(x), split, deep, self.branch_pool(pooled)], 1)


class FIDInceptionV3(nn.Module):
    """Inception-v3 as the FID weights expect it; ``forward`` returns pool features.

    Input: float images of shape (N, 3, H, W) with values in [0, 1]; they are resized
    to 299 x 299 (bilinear) and scaled to [-1, 1]. Output: (N, 2048) features of the
    last average pool. ``fc`` (1008 classes) is kept so the weight file loads whole.
    """

    def __init__(self):
        super().__init__()
        self.Conv2d_1a_3x3 = _ConvBN(3, 32, 3, stride=2)
        self.Conv2d_2a_3x3 = _ConvBN(32, 32, 3)
        self.Conv2d_2b_3x3 = _ConvBN(32, 64, 3, padding=1)
        self.Conv2d_3b_1x1 = _ConvBN(64, 80, 1)
        self.Conv2d_4a_3x3 = _ConvBN(80, 192, 3)
        self.Mixed_5b = _BlockA(192, 32)
        self.Mixed_5c = _BlockA(256, 64)
        self.Mixed_5d = _BlockA(288, 64)
        self.Mixed_6a = _BlockB(288)
        self.Mixed_6b = _BlockC(768, 128)
        self.Mixed_6c = _BlockC(768, 160)
        self.Mixed_6d = _BlockC(768, 160)
        self.Mixed_6e = _BlockC(768, 192)
        self.Mixed_7a = _BlockD(768)
        self.Mixed_7b = _BlockE(1280, max_pool_branch=False)
        self.Mixed_7c = _BlockE(2048, max_pool_branch=True)
        self.fc = nn.Linear(2048, 1008)

    def forward(self, images):
        x = F.interpolate(images, size=(299, 299), mode="bilinear", align_corners=False)
        x = 2.0 * x - 1.0
        x = self.Conv2d_2b_3x3(self.Conv2d_2a_3x3(self.Conv2d_1a_3x3(x)))
        x = F.max_pool2d(x, 3, stride=2)
        x = self.Conv2d_4a_3x3(self.Conv2d_3b_1x1(x))
        x = F.max_pool2d(x, 3, stride=2)
        for name in ("Mixed_5b", "Mixed_5c", "Mixed_5d", "Mixed_6a", "Mixed_6b", "Mixed_6c",
                     "Mixed_6d", "Mixed_6e", "Mixed_7a", "Mixed_7b", "Mixed_7c"):
            x = getattr(self, name)(x)
        return F.adaptive_avg_pool2d(x, 1).flatten(1)


def _as_image_batch(images):
    """(N, 3, H, W) float32 in [0, 1] from uint8/float images in common layouts."""
    array = images.detach().cpu().numpy() if isinstance(images, torch.Tensor) else np.asarray(images)
    array = _unit_range(array)
    if array.ndim == 3:  # (N, H, W) grayscale
        array = array[:, None]
    if array.ndim != 4:
        raise ValueError(f"images must be (N, H, W), (N, C, H, W) or (N, H, W, C); got "
                         f"{array.ndim}-D.")
    if array.shape[1] not in (1, 3) and array.shape[-1] in (1, 3, 4):
        array = np.moveaxis(array, -1, 1)
    if array.shape[1] == 4:
        array = array[:, :3]
    if array.shape[1] == 1:
        array = np.repeat(array, 3, axis=1)
    if array.shape[1] != 3:
        raise ValueError(f"images need 1, 3 or 4 channels, got {array.shape[1]}.")
    return torch.from_numpy(np.ascontiguousarray(array))


def _unit_range(array):
    """Pixel values in [0, 1] as float32: integer images hold 8-bit values (0-255),
    float images values in [0, 1]; any other range is refused, since the network would
    read it as another picture (an int64 or uint16 copy of a uint8 image reached it as
    values up to 255)."""
    if array.size == 0 or not np.issubdtype(array.dtype, np.number) or \
            np.issubdtype(array.dtype, np.complexfloating):
        return array.astype(np.float32)  # the shape checks name what is wrong
    low, high = float(np.min(array)), float(np.max(array))
    if np.issubdtype(array.dtype, np.integer) or array.dtype == np.bool_:
        if low < 0 or high > 255:
            raise ValueError(
                f"Integer images must hold 8-bit values (0 to 255); these span {low:g} to "
                f"{high:g}. Scale them to floats in [0, 1] first.")
        return array.astype(np.float32) / np.float32(255.0)
    if not (np.isfinite(low) and np.isfinite(high)) or low < -1e-3 or high > 1 + 1e-3:
        raise ValueError(
            f"Float images must hold values in [0, 1]; these span {low:g} to {high:g}. "
            "Divide 0-255 values by 255, or other ranges by their maximum, first.")
    return np.clip(array.astype(np.float32), 0.0, 1.0)


class InceptionFeatures:
    """Feature extractor for FID/KID on images: Inception-v3 pool features (2048-D).

    Parameters
    ----------
    weights_path : str or Path
        Local copy of ``pt_inception-2015-12-05-6726825d.pth`` (the PyTorch port of the
        TensorFlow FID weights). Nothing is downloaded.
    device : str, default="cpu"
        Where the network runs.
    batch_size : int, default=64
        Images per forward pass.

    Images may be uint8 (0-255) or float in [0, 1], grayscale (N, H, W), channel-first
    (N, C, H, W) or channel-last (N, H, W, C) with 1, 3 or 4 channels (alpha dropped).
    Use it wherever a feature extractor is accepted::

        fid_scorer = make_sample_scorer("fid", feature_extractor=InceptionFeatures(path))
    """

    def __init__(self, weights_path, device="cpu", batch_size=64):
        path = Path(weights_path)
        if not path.is_file():
            raise FileNotFoundError(
                f"No Inception weights at {path}: InceptionFeatures needs a local copy of "
                f"{WEIGHTS_FILE} (the FID Inception-v3 weights); skgan does not download it."
            )
        try:
            state = torch.load(path, map_location="cpu", weights_only=True)
        except Exception as error:  # not a torch file, a corrupt one, or pickled objects
            raise ValueError(
                f"{path} cannot be read as the FID Inception-v3 weights ({WEIGHTS_FILE}): "
                f"torch.load raised {type(error).__name__} (a corrupt file, or not a file of "
                "tensors). Download it again from a source you trust; skgan never loads "
                "pickled objects from it."
            ) from error
        if not isinstance(state, dict):
            raise ValueError(f"{path} does not hold a state dict of the FID Inception-v3 "
                             f"weights ({WEIGHTS_FILE}), but a {type(state).__name__}.")
        network = FIDInceptionV3()
        missing, unexpected = network.load_state_dict(state, strict=False)
        missing = [key for key in missing if not key.endswith("num_batches_tracked")]
        if missing or unexpected:
            raise ValueError(
                f"{path} does not hold the FID Inception-v3 weights ({WEIGHTS_FILE}): "
                f"{len(missing)} missing keys (e.g. {missing[:2]}), {len(unexpected)} "
                f"unexpected (e.g. {unexpected[:2]})."
            )
        self.network = network.to(device).eval()
        self.device = torch.device(device)
        self.batch_size = batch_size

    def __call__(self, images):
        batch = _as_image_batch(images)
        outputs = []
        with torch.inference_mode():
            for start in range(0, len(batch), self.batch_size):
                chunk = batch[start:start + self.batch_size].to(self.device)
                outputs.append(self.network(chunk).double().cpu())
        return torch.cat(outputs).numpy() if outputs else np.empty((0, 2048))
