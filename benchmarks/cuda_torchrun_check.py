"""One GPU under torchrun with NCCL: a data-parallel fit runs on CUDA (issue 26's check).

    torchrun --standalone --nproc-per-node=1 benchmarks/cuda_torchrun_check.py

Prints the process group's backend, the device each rank trained on, its losses and
whether the steps were replayed from CUDA graphs (a distributed fit trains eagerly).
"""

import os

import numpy as np
import torch
import torch.distributed as dist

from skgan import GANSampler


def main():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(4096, 4)).astype(np.float32)
    model = GANSampler(epochs=5, device="cuda", distributed="auto", random_state=0).fit(X)
    rank = int(os.environ.get("RANK", "0"))
    backend = dist.get_backend() if dist.is_initialized() else "none"
    print(f"rank {rank}: backend {backend}, device {model.device_}, world size "
          f"{dist.get_world_size() if dist.is_initialized() else 1}, generator loss "
          f"{np.round(model.history_['generator_loss'], 3).tolist()}, graph steps "
          f"{model.history_.get('graph_steps', 'none (eager)')}, sample "
          f"{model.sample(3, random_state=0).round(2).tolist()}", flush=True)
    if dist.is_initialized():
        dist.destroy_process_group()
    assert torch.cuda.is_available()


if __name__ == "__main__":
    main()
