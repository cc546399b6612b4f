"""Numba kernel: a small convolutional feature extractor for many genomes x many images.

The net (channels last, float32): conv k1 x k1 (c1 filters, valid) + bias, ReLU, 2 x 2 max
pool; conv k2 x k2 (c2 filters over the c1 maps, valid) + bias, ReLU, 2 x 2 max pool;
flattened (y, x, channel). Every genome has its own filters (evolved by
learners/conv_prototype.py); one parallel job per (genome, image) pair, so a population
and an episode batch are one call. ReLU outputs are >= 0, so a max pool may start from 0;
a zero input to the second conv is skipped (about half of them after the ReLU).

Shapes: images (n, S, S) f4; W1 (G, k1, k1, c1); b1 (G, c1); W2 (G, k2, k2, c1, c2);
b2 (G, c2); out (G, n, P2 * P2 * c2) with H1 = S - k1 + 1, P1 = H1 // 2,
H2 = P1 - k2 + 1, P2 = H2 // 2.
"""
import numpy as np
from numba import njit, prange


@njit(parallel=True, cache=True)
def conv_features(images, W1, b1, W2, b2, out):
    G = W1.shape[0]
    n, S = images.shape[0], images.shape[1]
    k1, c1 = W1.shape[1], W1.shape[3]
    k2, c2 = W2.shape[1], W2.shape[4]
    P1 = (S - k1 + 1) // 2
    P2 = (P1 - k2 + 1) // 2
    for job in prange(G * n):
        g = job // n
        i = job - g * n
        h1 = np.zeros((P1, P1, c1), np.float32)
        acc = np.empty(c1, np.float32)
        for y in range(2 * P1):
            for x in range(2 * P1):
                for c in range(c1):
                    acc[c] = b1[g, c]
                for ky in range(k1):
                    for kx in range(k1):
                        v = images[i, y + ky, x + kx]
                        for c in range(c1):
                            acc[c] += v * W1[g, ky, kx, c]
                py, px = y // 2, x // 2
                for c in range(c1):
                    if acc[c] > h1[py, px, c]:
                        h1[py, px, c] = acc[c]
        h2 = np.zeros((P2, P2, c2), np.float32)
        acc2 = np.empty(c2, np.float32)
        for y in range(2 * P2):
            for x in range(2 * P2):
                for c in range(c2):
                    acc2[c] = b2[g, c]
                for ky in range(k2):
                    for kx in range(k2):
                        for ci in range(c1):
                            v = h1[y + ky, x + kx, ci]
                            if v != 0.0:
                                for c in range(c2):
                                    acc2[c] += v * W2[g, ky, kx, ci, c]
                py, px = y // 2, x // 2
                for c in range(c2):
                    if acc2[c] > h2[py, px, c]:
                        h2[py, px, c] = acc2[c]
        k = 0
        for y in range(P2):
            for x in range(P2):
                for c in range(c2):
                    out[g, i, k] = h2[y, x, c]
                    k += 1
