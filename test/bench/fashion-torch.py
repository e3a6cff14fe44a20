"""PyTorch reference for issue 12's Fashion-MNIST recipe: the conv stack of the knobs bench's
`--arch` spec (cN a 3x3 'same' conv without bias - batch norm - relu, p a 2x2 max pool), flatten,
dropout 0.3, dense 10; Keras' initializers (truncated He normal for the convs, Glorot uniform for
the dense layer) and batch norm conventions (momentum 0.99, epsilon 1e-3); AdamW 2e-3 with weight
decay 0.05 and epsilon 1e-7, the rate on a cosine over the epochs (each epoch at its middle's
rate, as the knobs bench); batch 64; horizontal flips with p 0.5. It checks that knobs loses no
accuracy to a silent difference: the same recipe should land where knobs' does.

Usage: /usr/bin/python3 test/bench/fashion-torch.py THREADS EPOCHS TRAIN_COUNT SEED [ARCH]
  e.g. /usr/bin/python3 test/bench/fashion-torch.py 1 16 60000 1 c32,p,c64,p,c64
Prints the epochs on stderr and one JSON line (testAccuracy, tta: with flip test-time augmentation).
"""
import json
import math
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from fashion_idx import idx


def images(name, count=None):
    return torch.from_numpy(idx(name)[:count].astype(np.float32) / 255.0).unsqueeze(1)


def labels(name, count=None):
    return torch.from_numpy(idx(name)[:count].astype(np.int64))


def build(arch):
    layers, channels, size = [], 1, 28
    for token in arch.split(","):
        if token.startswith("c"):
            filters = int(token[1:])
            conv = nn.Conv2d(channels, filters, 3, padding=1, bias=False)
            # Keras' he_normal: a normal truncated at 2 standard deviations, rescaled to keep the variance
            std = math.sqrt(2.0 / (9 * channels)) / 0.87962566
            nn.init.trunc_normal_(conv.weight, 0, std, -2 * std, 2 * std)
            layers += [conv, nn.BatchNorm2d(filters, eps=1e-3, momentum=0.01), nn.ReLU()]
            channels = filters
        elif token == "p":
            layers.append(nn.MaxPool2d(2))
            size //= 2
        else:
            raise ValueError(f"unknown arch token {token!r} (cN, p)")
    head = nn.Linear(channels * size * size, 10)
    nn.init.xavier_uniform_(head.weight)
    nn.init.zeros_(head.bias)
    return nn.Sequential(*layers, nn.Flatten(), nn.Dropout(0.3), head)


threads, epochs, count, seed = (int(a) for a in sys.argv[1:5])
arch = sys.argv[5] if len(sys.argv) > 5 else "c32,p,c64,p,c64"
torch.set_num_threads(threads)
torch.manual_seed(seed)
x_train = images("train-images-idx3-ubyte.gz", count)
y_train = labels("train-labels-idx1-ubyte.gz", count)
x_test = images("t10k-images-idx3-ubyte.gz")
y_test = labels("t10k-labels-idx1-ubyte.gz")

net = build(arch)
print("params", sum(p.numel() for p in net.parameters()), file=sys.stderr)
lr0 = 2e-3
opt = torch.optim.AdamW(net.parameters(), lr=lr0, weight_decay=0.05, eps=1e-7)
t0 = time.time()
for epoch in range(epochs):
    for group in opt.param_groups:
        group["lr"] = lr0 * 0.5 * (1 + math.cos(math.pi * (epoch + 0.5) / epochs))
    net.train()
    order = torch.randperm(count)
    loss_sum, correct = 0.0, 0
    for i in range(0, count, 64):
        batch = order[i : i + 64]
        x, y = x_train[batch].clone(), y_train[batch]
        flip = torch.rand(len(batch)) < 0.5
        x[flip] = x[flip].flip(3)
        opt.zero_grad()
        out = net(x)
        loss = F.cross_entropy(out, y)
        loss.backward()
        opt.step()
        loss_sum += loss.item() * len(batch)
        correct += (out.argmax(1) == y).sum().item()
    print(f"epoch {epoch + 1} loss {loss_sum / count:.4f} acc {correct / count:.4f} {time.time() - t0:.0f} s", file=sys.stderr, flush=True)

net.eval()
with torch.no_grad():
    plain = torch.cat([F.softmax(net(x_test[i : i + 1000]), 1) for i in range(0, 10000, 1000)])
    mirrored = torch.cat([F.softmax(net(x_test[i : i + 1000].flip(3)), 1) for i in range(0, 10000, 1000)])
accuracy = (plain.argmax(1) == y_test).float().mean().item()
tta = ((plain + mirrored).argmax(1) == y_test).float().mean().item()
print(json.dumps({"seed": seed, "arch": arch, "epochs": epochs, "testAccuracy": accuracy, "tta": tta, "seconds": time.time() - t0}))
