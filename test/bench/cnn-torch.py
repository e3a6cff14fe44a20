"""Child process of `npm run bench -- cnn`: PyTorch trains the Keras "simple MNIST convnet"
(conv 32 3x3 relu, maxpool 2, conv 64 3x3 relu, maxpool 2, flatten, dropout 0.5, dense 10
softmax; 34,826 parameters) on Fashion-MNIST with Adam 1e-3, the reference knobs is measured
against in the same run.

Usage: cnn-torch.py THREADS EPOCHS TRAIN_COUNT BATCH [SEED]
Prints one JSON line like the knobs child (system, samplesPerSec, epochSamplesPerSec,
testAccuracy, peakRssMiB, cpuSamplesPerSec). samplesPerSec is the median over epochs after the
first; cpuSamplesPerSec the same per second of this process's CPU time (all its threads), which
load from other jobs on a shared machine changes far less than wall-clock time.
"""
import json
import resource
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from fashion_idx import idx


threads, epochs, count, batch = (int(a) for a in sys.argv[1:5])
seed = int(sys.argv[5]) if len(sys.argv) > 5 else 1
torch.set_num_threads(threads)
torch.manual_seed(seed)

x_train = torch.from_numpy(idx("train-images-idx3-ubyte.gz")[:count].astype(np.float32) / 255.0).unsqueeze(1)
y_train = torch.from_numpy(idx("train-labels-idx1-ubyte.gz")[:count].astype(np.int64))
x_test = torch.from_numpy(idx("t10k-images-idx3-ubyte.gz").astype(np.float32) / 255.0).unsqueeze(1)
y_test = torch.from_numpy(idx("t10k-labels-idx1-ubyte.gz").astype(np.int64))


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.c1 = nn.Conv2d(1, 32, 3)
        self.c2 = nn.Conv2d(32, 64, 3)
        self.drop = nn.Dropout(0.5)
        self.fc = nn.Linear(1600, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.c1(x)), 2)
        x = F.max_pool2d(F.relu(self.c2(x)), 2)
        return self.fc(self.drop(torch.flatten(x, 1)))


net = Net()
assert sum(p.numel() for p in net.parameters()) == 34826
opt = torch.optim.Adam(net.parameters(), lr=1e-3)
rates = []
cpu_rates = []
for epoch in range(epochs):
    net.train()
    perm = torch.randperm(count)
    t0 = time.perf_counter()
    c0 = time.process_time()
    for i in range(0, count, batch):
        idx_b = perm[i : i + batch]
        opt.zero_grad()
        loss = F.cross_entropy(net(x_train[idx_b]), y_train[idx_b])
        loss.backward()
        opt.step()
    rates.append(count / (time.perf_counter() - t0))
    cpu_rates.append(count / max(time.process_time() - c0, 1e-9))
net.eval()
with torch.no_grad():
    correct = sum((net(x_test[i : i + 1000]).argmax(1) == y_test[i : i + 1000]).sum().item() for i in range(0, 10000, 1000))
steady = rates[1:] or rates
print(
    json.dumps(
        {
            "system": f"PyTorch {torch.__version__} {threads} thread{'s' if threads > 1 else ''}",
            "samplesPerSec": float(np.median(steady)),
            "epochSamplesPerSec": rates,
            "cpuSamplesPerSec": float(np.median(cpu_rates[1:] or cpu_rates)),
            "testAccuracy": correct / 10000,
            "peakRssMiB": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        }
    )
)
