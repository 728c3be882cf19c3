#!/usr/bin/python3
"""npz-check.py applies a network written by `shardnet export --format npz`
to the test images of a data set with the blog post's own NumPy forward
pass, and compares it with shardnet.

    /usr/bin/python3 scripts/npz-check.py --model model.npz --data DIR \\
        [--probabilities probs.npy] [--accuracy 0.8862]

DIR holds t10k-images-idx3-ubyte and t10k-labels-idx1-ubyte (raw or .gz).
--accuracy is the accuracy `shardnet eval` printed (four decimals): the
check passes when NumPy's accuracy rounds to the same four decimals.
--probabilities is the file of `shardnet eval --probabilities`; with it the
script also reports how often NumPy and shardnet pick the same class and
how far apart their probabilities are (shardnet computes in float32, NumPy
here in float64), and fails below --min-agreement (default 0.999).

It prints one JSON object on standard output and exits 0 when the checks
pass, 1 when one fails and 2 on bad usage or input.
"""

import argparse
import gzip
import json
import os
import sys

import numpy as np


def read_idx(directory, name, ndims):
    """Reads an IDX file of unsigned bytes (raw or .gz) as an array."""
    path = os.path.join(directory, name)
    if not os.path.exists(path):
        path += ".gz"
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        b = f.read()
    if len(b) < 4 + 4 * ndims or int.from_bytes(b[:4], "big") != 0x0800 | ndims:
        raise ValueError(f"{path}: not an IDX file of {ndims}-dimensional unsigned bytes")
    dims = [int.from_bytes(b[4 + 4 * i:8 + 4 * i], "big") for i in range(ndims)]
    data = np.frombuffer(b, dtype=np.uint8, offset=4 + 4 * ndims)
    if data.size != np.prod(dims):
        raise ValueError(f"{path}: dimensions {dims} do not match its {data.size} bytes")
    return data.reshape(dims)


def forward(npz, X):
    """The post's forward pass: X is inputs x images, raw pixels."""
    W1, b1, W2, b2 = npz["W1"], npz["b1"], npz["W2"], npz["b2"]
    activation = str(npz["activation"])
    X = X * float(npz["pixel_scale"])
    Z1 = W1 @ X + b1
    if activation == "sigmoid":
        with np.errstate(over="ignore"):  # exp(-Z1) overflows to inf: sigmoid 0
            A1 = 1 / (1 + np.exp(-Z1))
    elif activation == "tanh":
        A1 = np.tanh(Z1)
    elif activation == "relu":
        A1 = np.maximum(Z1, 0)
    else:
        raise ValueError(f"unknown activation {activation!r}")
    Z2 = W2 @ A1 + b2
    E = np.exp(Z2 - Z2.max(axis=0))  # softmax, shifted so exp cannot overflow
    return E / E.sum(axis=0)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", required=True)
    ap.add_argument("--data", required=True)
    ap.add_argument("--probabilities")
    ap.add_argument("--accuracy", type=float)
    ap.add_argument("--min-agreement", type=float, default=0.999)
    args = ap.parse_args()
    try:
        images = read_idx(args.data, "t10k-images-idx3-ubyte", 3)
        labels = read_idx(args.data, "t10k-labels-idx1-ubyte", 1)
        with np.load(args.model) as npz:
            shapes = {k: list(npz[k].shape) for k in npz.files}
            dtypes = {k: str(npz[k].dtype) for k in npz.files}
            activation = str(npz["activation"])
            X = images.reshape(images.shape[0], -1).T.astype(np.float64)  # one image a column
            A2 = forward(npz, X)
        ref = np.load(args.probabilities) if args.probabilities else None
    except (OSError, ValueError, KeyError) as e:
        print(f"npz-check: {e}", file=sys.stderr)
        return 2

    predictions = A2.argmax(axis=0)
    result = {
        "model": args.model,
        "images": int(labels.size),
        "activation": activation,
        "shapes": shapes,
        "dtypes": dtypes,
        "accuracy": float((predictions == labels).mean()),
    }
    failures = []
    if args.accuracy is not None:
        result["shardnet_accuracy"] = args.accuracy
        if f"{result['accuracy']:.4f}" != f"{args.accuracy:.4f}":
            failures.append(f"accuracy {result['accuracy']:.4f}, shardnet eval printed {args.accuracy:.4f}")
    if ref is not None:
        if ref.shape != A2.T.shape:
            print(f"npz-check: {args.probabilities}: shape {ref.shape}, want {A2.T.shape}", file=sys.stderr)
            return 2
        diff = np.abs(ref - A2.T)
        result["agreement"] = float((ref.argmax(axis=1) == predictions).mean())
        result["max_prob_diff"] = float(diff.max())
        result["max_prob_diff_image"] = int(diff.max(axis=1).argmax())
        if result["agreement"] < args.min_agreement:
            failures.append(f"agreement {result['agreement']} below {args.min_agreement}")
    result["failures"] = failures
    print(json.dumps(result))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
