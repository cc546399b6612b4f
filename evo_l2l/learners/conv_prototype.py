"""A few-shot learner whose features and learning rule are evolved: conv features + a local
readout rule.

A fresh learner meets an N-way K-shot episode with output weights W = 0 and learns the
support set online, one pass, by a local rule at its output synapses; its features come
from a small convolutional net (kernels/conv_features.py) whose filters are genes, shared
by every episode. Evolution (evolution/fewshot_es.py) shapes both on the background
alphabets: what the learner sees (the filters) and how it learns from it (the rule).
It is the shape of a prototypical network (Snell et al. 2017) with the gradient-trained
embedding replaced by an evolved one, and the episode's learning done by a synaptic rule,
as in Bengio et al. (1991).

For each image, features f (F,), then a = (f - centre * m) / |f - centre * m|, where m is
the mean feature of the episode's support set. For each support image in order, with
target t (one-hot) and output o = W a:

    dW = (t - lam * o) a^T        (lam = 0: Hebbian, prototype sums; lam = 1: the delta rule)

A query's logits are beta * W a; its class the argmax. The rule genes (lam, log beta,
centre) come first in a genome, then the filters W1, b1, W2, b2 (kernel layout). beta only
sharpens the log-likelihood that evolution climbs (accuracy ignores it). Genome 0 of a run
(`ConvNet.start`) is a He-initialised random net with the Hebbian rule: the learner before
evolution, reported beside the evolved one so that the gain is evolution's.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

RULE_GENES = ("lam", "log_beta", "centre")


@dataclass(frozen=True)
class ConvNet:
    """The feature net's shape: image side, filter sizes and counts."""

    size: int = 28
    k1: int = 5
    c1: int = 8
    k2: int = 3
    c2: int = 16

    def __post_init__(self):
        if self.pool2 < 1:
            raise ValueError(f"a {self.size}x{self.size} image is too small for filters "
                             f"{self.k1} and {self.k2} with two 2x2 pools")

    @property
    def pool1(self) -> int:
        return (self.size - self.k1 + 1) // 2

    @property
    def pool2(self) -> int:
        return (self.pool1 - self.k2 + 1) // 2

    @property
    def n_features(self) -> int:
        return self.pool2 * self.pool2 * self.c2

    @property
    def shapes(self) -> tuple:
        return ((self.k1, self.k1, self.c1), (self.c1,),
                (self.k2, self.k2, self.c1, self.c2), (self.c2,))

    @property
    def n_genes(self) -> int:
        return len(RULE_GENES) + sum(int(np.prod(s)) for s in self.shapes)

    def start(self, seed: int) -> np.ndarray:
        """(n_genes,) float32: Hebbian rule, beta 10, no centring; He-initialised filters."""
        rng = np.random.default_rng(seed)
        w1 = rng.normal(0.0, np.sqrt(2.0 / self.k1 ** 2), self.shapes[0])
        w2 = rng.normal(0.0, np.sqrt(2.0 / (self.k2 ** 2 * self.c1)), self.shapes[2])
        parts = [np.array([0.0, np.log(10.0), 0.0]), w1.ravel(), np.zeros(self.c1),
                 w2.ravel(), np.zeros(self.c2)]
        return np.concatenate(parts).astype(np.float32)

    def unpack(self, genomes: np.ndarray) -> tuple:
        """(G, n_genes) -> rule (G, 3), W1, b1, W2, b2 (kernel shapes, float32, C order)."""
        g = np.atleast_2d(np.asarray(genomes, dtype=np.float32))
        if g.shape[1] != self.n_genes:
            raise ValueError(f"genomes need {self.n_genes} genes for this net; got {g.shape[1]}")
        out = [g[:, :len(RULE_GENES)]]
        at = len(RULE_GENES)
        for shape in self.shapes:
            n = int(np.prod(shape))
            out.append(np.ascontiguousarray(g[:, at:at + n].reshape((len(g),) + shape)))
            at += n
        return tuple(out)


def features(net: ConvNet, genomes: np.ndarray, images: np.ndarray) -> np.ndarray:
    """(G, n_genes) genomes, (n, S, S) images in [0, 1] -> (G, n, F) float32 features."""
    from ..kernels.conv_features import conv_features
    _, W1, b1, W2, b2 = net.unpack(genomes)
    images = np.ascontiguousarray(images, dtype=np.float32)
    if images.shape[1:] != (net.size, net.size):
        raise ValueError(f"images must be {net.size}x{net.size}; got {images.shape[1:]}")
    out = np.empty((len(W1), len(images), net.n_features), np.float32)
    conv_features(images, W1, b1, W2, b2, out)
    return out


def readout(rule: np.ndarray, feats: np.ndarray, support: np.ndarray,
            support_label: np.ndarray, query: np.ndarray, n_way: int) -> np.ndarray:
    """Logits (G, E, Q, N) of the rule-learned readout.

    rule (G, 3); feats (G, n, F) features of the rows that support (E, K') and query (E, Q)
    index; support_label (E, K') in 0..n_way-1. Computed in float64, episodes and genomes
    at once, support images one after another (the rule is online).
    """
    lam = rule[:, 0].astype(np.float64)[:, None, None, None]
    beta = np.exp(np.clip(rule[:, 1].astype(np.float64), -10.0, 10.0))[:, None, None, None]
    centre = rule[:, 2].astype(np.float64)[:, None, None, None]
    S = feats[:, support].astype(np.float64)                  # (G, E, K', F)
    Q = feats[:, query].astype(np.float64)                    # (G, E, Q, F)
    m = S.mean(axis=2, keepdims=True)

    def normed(x):
        x = x - centre * m
        return x / np.maximum(np.sqrt((x * x).sum(axis=-1, keepdims=True)), 1e-12)

    S, Q = normed(S), normed(Q)
    G, E, K, F = S.shape
    W = np.zeros((G, E, n_way, F))
    onehot = np.eye(n_way)[support_label]                     # (E, K', N)
    for k in range(K):
        a = S[:, :, k, :]                                     # (G, E, F)
        o = np.einsum("genf,gef->gen", W, a)
        err = onehot[None, :, k, :] - lam[..., 0] * o
        W += err[..., None] * a[:, :, None, :]
    return beta * np.einsum("genf,geqf->geqn", W, Q)


def scores(logits: np.ndarray, query_label: np.ndarray) -> tuple:
    """(accuracy (G, E), mean log-likelihood of the true class (G, E)) of logits (G, E, Q, N)."""
    z = logits - logits.max(axis=-1, keepdims=True)
    logp = z - np.log(np.exp(z).sum(axis=-1, keepdims=True))
    lab = np.broadcast_to(query_label[None, :, :, None], logp.shape[:3] + (1,))
    ll = np.take_along_axis(logp, lab, axis=-1)[..., 0].mean(axis=-1)
    acc = (np.argmax(logits, axis=-1) == query_label[None]).mean(axis=-1)
    return acc, ll


def episode_scores(net: ConvNet, genomes: np.ndarray, images: np.ndarray, episodes,
                   batch: int = 200) -> tuple:
    """(accuracy (G, E), log-likelihood (G, E)) of genomes on class_data.Episodes whose row
    indices point into images (n, S, S) in [0, 1]; features of each batch of episodes'
    distinct images computed once per genome."""
    genomes = np.atleast_2d(genomes)
    rule = net.unpack(genomes)[0]
    accs, lls = [], []
    for at in range(0, len(episodes), batch):
        ep = episodes.take(slice(at, at + batch))
        rows, inverse = np.unique(np.concatenate([ep.support.ravel(), ep.query.ravel()]),
                                  return_inverse=True)
        n_s = ep.support.size
        sup = inverse[:n_s].reshape(ep.support.shape)
        qry = inverse[n_s:].reshape(ep.query.shape)
        f = features(net, genomes, images[rows])
        acc, ll = scores(readout(rule, f, sup, ep.support_label, qry, ep.n_way), ep.query_label)
        accs.append(acc); lls.append(ll)
    return np.concatenate(accs, axis=1), np.concatenate(lls, axis=1)
