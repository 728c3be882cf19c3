#!/usr/bin/env python3
"""The seed blog's training algorithm in PyTorch (CPU), for side-by-side timing.

The same steps as ../shared/bench/seed_numpy.py -- 784-H-10, sigmoid hidden
layer, softmax output, cross-entropy, full-batch gradient descent on raw
0..255 pixels, weights N(0,1)*0.01, zero biases -- with the gradients written
out by hand as the blog does, in float32 unless --float64 is given, on as many
threads as torch.get_num_threads() (or --threads).

  seed_torch.py DATA_DIR [--hidden 10] [--lr 0.04] [--iterations 2400]
                [--float64] [--scale 1] [--threads N]

Prints one JSON line: test_accuracy, ms_per_iteration, iterations, threads.
"""
import argparse, gzip, json, os, time
import numpy as np
import torch


def idx(path, offset):
    with gzip.open(path, 'rb') as f:
        return np.frombuffer(f.read(), np.uint8, offset=offset)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('data_dir')
    ap.add_argument('--hidden', type=int, default=10)
    ap.add_argument('--lr', type=float, default=0.04)
    ap.add_argument('--iterations', type=int, default=2400)
    ap.add_argument('--float64', action='store_true')
    ap.add_argument('--scale', type=float, default=1.0, help='multiply pixels by this (1/255 normalises)')
    ap.add_argument('--threads', type=int, default=0, help='intra-op threads (0: PyTorch default)')
    ap.add_argument('--seed', type=int, default=0)
    a = ap.parse_args()
    if a.threads > 0:
        torch.set_num_threads(a.threads)
    dt = torch.float64 if a.float64 else torch.float32
    j = lambda n: os.path.join(a.data_dir, n)
    load = lambda n: torch.from_numpy(idx(j(n), 16).reshape(-1, 784).T.copy()).to(dt) * a.scale
    X, Xt = load('train-images-idx3-ubyte.gz'), load('t10k-images-idx3-ubyte.gz')
    y = torch.from_numpy(idx(j('train-labels-idx1-ubyte.gz'), 8).astype(np.int64))
    yt = torch.from_numpy(idx(j('t10k-labels-idx1-ubyte.gz'), 8).astype(np.int64))
    Y = torch.eye(10, dtype=dt)[y].T.contiguous()
    rng = np.random.default_rng(a.seed)
    W1 = torch.from_numpy(rng.normal(size=(a.hidden, 784)) * 0.01).to(dt); b1 = torch.zeros((a.hidden, 1), dtype=dt)
    W2 = torch.from_numpy(rng.normal(size=(10, a.hidden)) * 0.01).to(dt); b2 = torch.zeros((10, 1), dtype=dt)
    m = X.shape[1]
    with torch.inference_mode():
        t0 = time.perf_counter()
        for _ in range(a.iterations):
            H = torch.sigmoid(W1 @ X + b1)
            dZ2 = torch.softmax(W2 @ H + b2, dim=0) - Y
            dZ1 = (W2.T @ dZ2) * H * (1 - H)
            W1 -= a.lr * (dZ1 @ X.T) / m; b1 -= a.lr * dZ1.sum(1, keepdim=True) / m
            W2 -= a.lr * (dZ2 @ H.T) / m; b2 -= a.lr * dZ2.sum(1, keepdim=True) / m
        elapsed = time.perf_counter() - t0
        H = torch.sigmoid(W1 @ Xt + b1)
        acc = float((torch.argmax(W2 @ H + b2, dim=0) == yt).to(torch.float64).mean())
    print(json.dumps({'test_accuracy': acc, 'ms_per_iteration': round(elapsed / max(a.iterations, 1) * 1000, 2),
                      'iterations': a.iterations, 'hidden': a.hidden, 'dtype': str(dt).removeprefix('torch.'),
                      'threads': torch.get_num_threads(), 'torch': torch.__version__}))


if __name__ == '__main__':
    main()
