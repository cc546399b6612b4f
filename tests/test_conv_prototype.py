"""The evolved few-shot learner: conv kernel and readout rule against slow NumPy references."""
from __future__ import annotations

import numpy as np
import pytest

from evo_l2l.learners import conv_prototype as cp
from evo_l2l.tasks import class_data as cd


def conv_reference(net, genome, image):
    """One genome, one image: loops over every output pixel, float64."""
    _, W1, b1, W2, b2 = (a[0].astype(np.float64) for a in net.unpack(genome[None]))
    S, k1, k2 = net.size, net.k1, net.k2
    H1 = S - k1 + 1
    a1 = np.zeros((H1, H1, net.c1))
    for y in range(H1):
        for x in range(H1):
            patch = image[y:y + k1, x:x + k1]
            a1[y, x] = np.maximum(np.tensordot(patch, W1, axes=([0, 1], [0, 1])) + b1, 0)
    P1 = net.pool1
    p1 = np.array([[a1[2 * y:2 * y + 2, 2 * x:2 * x + 2].max(axis=(0, 1)) for x in range(P1)]
                   for y in range(P1)])
    H2 = P1 - k2 + 1
    a2 = np.zeros((H2, H2, net.c2))
    for y in range(H2):
        for x in range(H2):
            patch = p1[y:y + k2, x:x + k2]
            a2[y, x] = np.maximum(np.tensordot(patch, W2, axes=([0, 1, 2], [0, 1, 2])) + b2, 0)
    P2 = net.pool2
    p2 = np.array([[a2[2 * y:2 * y + 2, 2 * x:2 * x + 2].max(axis=(0, 1)) for x in range(P2)]
                   for y in range(P2)])
    return p2.ravel()


@pytest.mark.parametrize("net", [cp.ConvNet(size=14, k1=3, c1=3, k2=3, c2=5),
                                 cp.ConvNet(size=17, k1=4, c1=2, k2=2, c2=3)])
def test_kernel_matches_reference(net):
    rng = np.random.default_rng(0)
    genomes = np.stack([net.start(s) for s in range(3)])
    genomes[:, len(cp.RULE_GENES):] += rng.normal(0, 0.3, genomes[:, 3:].shape).astype(np.float32)
    images = rng.random((4, net.size, net.size)).astype(np.float32)
    got = cp.features(net, genomes, images)
    assert got.shape == (3, 4, net.n_features)
    for g in range(3):
        for i in range(4):
            want = conv_reference(net, genomes[g], images[i].astype(np.float64))
            np.testing.assert_allclose(got[g, i], want, rtol=1e-4, atol=1e-5)


def readout_reference(rule, feats, support, support_label, query, n_way):
    """One genome and one episode at a time, support images in order."""
    G, E = len(rule), len(support)
    out = np.zeros((G, E, query.shape[1], n_way))
    for g in range(G):
        lam, log_beta, centre = (float(v) for v in rule[g])
        beta = np.exp(log_beta)
        for e in range(E):
            m = feats[g, support[e]].astype(np.float64).mean(axis=0)

            def a(row):
                x = feats[g, row].astype(np.float64) - centre * m
                return x / np.linalg.norm(x)
            W = np.zeros((n_way, feats.shape[2]))
            for k, row in enumerate(support[e]):
                t = np.zeros(n_way); t[support_label[e, k]] = 1.0
                x = a(row)
                W += np.outer(t - lam * (W @ x), x)
            for q, row in enumerate(query[e]):
                out[g, e, q] = beta * (W @ a(row))
    return out


def test_readout_matches_reference():
    rng = np.random.default_rng(1)
    G, E, N, K, Qn, F = 3, 4, 5, 2, 3, 7
    feats = rng.random((G, 40, F)).astype(np.float32)
    support = rng.integers(0, 40, (E, N * K)); query = rng.integers(0, 40, (E, N * Qn))
    support_label = np.stack([rng.permutation(np.repeat(np.arange(N), K)) for _ in range(E)])
    rule = np.array([[0.0, 2.0, 0.0], [1.0, 0.5, 1.0], [0.4, -1.0, 0.5]], np.float32)
    got = cp.readout(rule, feats, support, support_label, query, N)
    want = readout_reference(rule, feats, support, support_label, query, N)
    np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12)


def test_hebbian_readout_is_nearest_centroid():
    """lam 0, no centring: the rule sums normalised support features, so its argmax is the
    cosine nearest-centroid prediction."""
    rng = np.random.default_rng(2)
    feats = rng.random((1, 30, 6))
    support = np.arange(10).reshape(1, 10); label = np.tile(np.arange(5), 2)[None]
    query = np.arange(10, 30).reshape(1, 20)
    logits = cp.readout(np.array([[0.0, 0.0, 0.0]]), feats, support, label, query, 5)
    a = feats[0] / np.linalg.norm(feats[0], axis=1, keepdims=True)
    cent = np.stack([a[support[0][label[0] == c]].sum(axis=0) for c in range(5)])
    assert np.array_equal(np.argmax(logits[0, 0], axis=1), np.argmax(a[query[0]] @ cent.T, axis=1))


def test_scores():
    logits = np.array([[[[2.0, 1.0], [0.0, 3.0]]]])          # (1, 1, 2 queries, 2 classes)
    acc, ll = cp.scores(logits, np.array([[0, 0]]))
    assert acc[0, 0] == 0.5
    lp = [2.0 - np.log(np.exp(2) + np.exp(1)), 0.0 - np.log(1 + np.exp(3))]
    assert np.isclose(ll[0, 0], np.mean(lp))


def test_episode_scores_batches_alike():
    net = cp.ConvNet(size=14, k1=3, c1=3, k2=3, c2=4)
    rng = np.random.default_rng(3)
    x = (rng.random((60, 14, 14)) * 255).astype(np.uint8)
    data = cd.ClassData(x, np.repeat(np.arange(10), 6), np.arange(10), tuple("abcdefghij"),
                        tuple("abcdefghij"), {})
    eps = cd.draw_episodes(rng, data, np.arange(10), 3, 1, 2, 7)
    genomes = np.stack([net.start(0), net.start(1)])
    one = cp.episode_scores(net, genomes, x / 255.0, eps, batch=100)
    two = cp.episode_scores(net, genomes, x / 255.0, eps, batch=3)
    np.testing.assert_allclose(one[0], two[0]); np.testing.assert_allclose(one[1], two[1])
    assert one[0].shape == (2, 7)


def test_genome_layout():
    net = cp.ConvNet()
    g = net.start(0)
    assert g.shape == (net.n_genes,) and net.n_features == 5 * 5 * 16
    rule, W1, b1, W2, b2 = net.unpack(g)
    assert rule.shape == (1, 3) and W1.shape == (1, 5, 5, 8) and W2.shape == (1, 3, 3, 8, 16)
    with pytest.raises(ValueError, match="genes"):
        net.unpack(g[:-1])
    with pytest.raises(ValueError, match="too small"):
        cp.ConvNet(size=8)
