"""Check skgan's FID Inception-v3 against pytorch-fid's network on the same weights.

pytorch-fid (Seitzer, the reference PyTorch port of the TensorFlow FID code) builds its
Inception-v3 from torchvision's blocks with FID-specific replacements. This script loads
one set of weights into both networks and compares their 2048-D pool features on random
images of several sizes and layouts, and the FIDs those features give.

With ``--weights PATH`` the real ``pt_inception-2015-12-05-6726825d.pth`` is used;
without it (no download is possible here) a stand-in state is drawn at random with
batch-norm statistics spread out so every layer carries signal, which checks the
architecture, the resizing and the input scaling but not the published values.

Needs torchvision and pytorch-fid (benchmark extras, never runtime dependencies):
    pip install --no-deps torchvision==<the one built for your torch> pytorch-fid pillow

Usage: python benchmarks/check_inception.py [--weights PATH] [--images 16]
"""

import argparse
import importlib
import sys
import tempfile
import types
from pathlib import Path

import numpy as np
import torch

from skgan.metrics import frechet_distance
from skgan.metrics.inception import WEIGHTS_FILE, FIDInceptionV3, InceptionFeatures


def import_pytorch_fid():
    try:
        importlib.import_module("torchvision")
    except RuntimeError:
        # A torchvision wheel built for another torch variant (CUDA wheel, CPU torch)
        # fails registering its compiled operators; the model code needs none of them.
        for name in [m for m in sys.modules if m.startswith("torchvision")]:
            del sys.modules[name]
        sys.modules["torchvision._meta_registrations"] = types.ModuleType("stub")
    from pytorch_fid import inception as pytorch_fid_inception

    return pytorch_fid_inception


def stand_in_state(seed):
    """Random weights in the FID layout, scaled so activations neither vanish nor blow up."""
    generator = torch.Generator().manual_seed(seed)
    network = FIDInceptionV3()
    state = network.state_dict()
    for key, value in state.items():
        if key.endswith("conv.weight"):
            fan_in = value[0].numel()
            state[key] = torch.randn(value.shape, generator=generator) * (2.0 / fan_in) ** 0.5
        elif key.endswith("bn.running_mean"):
            state[key] = 0.1 * torch.randn(value.shape, generator=generator)
        elif key.endswith("bn.running_var"):
            state[key] = 0.5 + torch.rand(value.shape, generator=generator)
        elif key.endswith("bn.weight"):
            state[key] = 0.8 + 0.4 * torch.rand(value.shape, generator=generator)
        elif key.endswith("bn.bias"):
            state[key] = 0.1 * torch.randn(value.shape, generator=generator)
    return state


def reference_network(module, state):
    """pytorch-fid's InceptionV3 (pool3 output, its own resize and scaling) on ``state``."""
    module.load_state_dict_from_url = lambda *args, **kwargs: state  # no download
    network = module.InceptionV3([module.InceptionV3.BLOCK_INDEX_BY_DIM[2048]],
                                 resize_input=True, normalize_input=True,
                                 use_fid_inception=True)
    return network.eval()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--weights", type=Path, default=None)
    parser.add_argument("--images", type=int, default=16)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    module = import_pytorch_fid()
    with tempfile.TemporaryDirectory() as folder:
        if args.weights is None:
            weights = Path(folder) / WEIGHTS_FILE
            torch.save(stand_in_state(args.seed), weights)
            print(f"weights: random stand-in in the FID layout (seed {args.seed})")
        else:
            weights = args.weights
            print("weights:", weights)
        state = torch.load(weights, map_location="cpu", weights_only=True)
        ours = InceptionFeatures(weights, batch_size=8)
        reference = reference_network(module, state)
    rng = np.random.RandomState(args.seed)
    print(f"{'images':<28} {'max |diff|':>10} {'feature scale':>13} {'max rel.':>9}")
    features = {}
    for size in (299, 64, 32, 8):
        images = rng.randint(0, 256, size=(args.images, size, size, 3)).astype(np.uint8)
        ours_features = ours(images)  # channel-last uint8, skgan's conversion
        as_float = torch.from_numpy(np.moveaxis(images, -1, 1).astype(np.float32) / 255)
        with torch.inference_mode():
            reference_features = reference(as_float)[0].flatten(1).double().numpy()
        difference = np.abs(ours_features - reference_features).max()
        scale = np.abs(reference_features).max()
        features[size] = (ours_features, reference_features)
        print(f"{f'{args.images} x {size}x{size}x3 uint8':<28} {difference:10.2e} "
              f"{scale:13.3f} {difference / scale:9.1e}")
    ours_fid = frechet_distance(features[64][0], features[32][0])
    reference_fid = frechet_distance(features[64][1], features[32][1])
    print(f"\nFID(64x64 images, 32x32 images): skgan {ours_fid:.6f}, pytorch-fid features "
          f"{reference_fid:.6f}, rel. diff {abs(ours_fid - reference_fid) / reference_fid:.1e}")


if __name__ == "__main__":
    main()
