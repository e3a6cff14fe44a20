"""Fashion-MNIST's IDX files as Debian's dataset-fashion-mnist installs them, for the PyTorch
references of the benchmarks (cnn-torch.py, fashion-torch.py)."""
import gzip

import numpy as np

ROOT = "/usr/share/datasets/fashion-mnist"


def idx(name):
    """The array in the gzipped IDX file `name` under ROOT (uint8, its dimensions from the header)."""
    with gzip.open(f"{ROOT}/{name}", "rb") as f:
        data = f.read()
    ndim = data[3]
    dims = [int.from_bytes(data[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)
