"""kernels/mlp_train.py against PyTorch: the same net, data, initial parameters and
minibatches give the same per-step training losses (float64, 1e-6 relative, 100 steps)
under the textbook optimizers written as update programs and as feature rows.

torch is an independent peer (its own autograd, its own optimizer code), so an error shared
by the kernel and tests/naive_mlp.py (written from the same reading of the maths) shows up
here. Skipped without torch (the `bench` extra)."""
import numpy as np
import pytest

torch = pytest.importorskip("torch")
F = torch.nn.functional

from evo_l2l.kernels import mlp_train as mt  # noqa: E402

STEPS, E = 100, 2
F64 = torch.float64          # every tensor is created float64; the default dtype is untouched
OPS = {name: code for code, name in enumerate(
    ["nop", "add", "sub", "mul", "div", "sign", "sqrt", "abs", "square", "interp", "scale",
     "shift", "clip", "debias", "const"])}
assert len(OPS) == mt.N_OPS
G, W, M1, M2, M3, R1, R2, U = range(8)       # the register file


def program(lr, *instructions):
    """A PROGRAM row: lr, then (op, dst, a, b, c) per slot, nop-padded."""
    row = np.zeros(1 + mt.N_SLOTS * mt.SLOT)
    row[0] = lr
    assert len(instructions) <= mt.N_SLOTS
    for s, (op, dst, a, b, c) in enumerate(instructions):
        row[1 + s * mt.SLOT:1 + (s + 1) * mt.SLOT] = OPS[op], dst, a, b, c
    return row


def features(lr, **coef):
    """A FEATURES row: lr, then the named feature coefficients (the rest 0)."""
    names = ["g", "m5", "m9", "m99", "g_rms", "m5_rms", "m9_rms", "m99_rms", "sign_g",
             "sign_m9", "sign_m99", "w"]
    assert len(names) == mt.N_FEATURES
    row = np.zeros(1 + mt.N_FEATURES)
    row[0] = lr
    for name, c in coef.items():
        row[1 + names.index(name)] = c
    return row


ADAM = [("interp", M1, M1, G, 0.9), ("square", R1, G, G, 0), ("interp", M2, M2, R1, 0.999),
        ("debias", R1, M1, M1, 0.9), ("debias", R2, M2, M2, 0.999), ("sqrt", R2, R2, R2, 0),
        ("shift", R2, R2, R2, 1e-8), ("div", U, R1, R2, 0)]


def torch_opt(cls, **kw):
    return lambda params: cls(params, **kw)


class Lion:
    """Lion by hand (Chen et al. 2023, Algorithm 2): c = b1 m + (1-b1) g;
    w -= lr (sign(c) + wd w); m = b2 m + (1-b2) g."""

    def __init__(self, params, lr, betas=(0.9, 0.99), weight_decay=0.0):
        self.params, self.lr, self.betas, self.wd = list(params), lr, betas, weight_decay
        self.m = [torch.zeros_like(p) for p in self.params]

    def zero_grad(self):
        for p in self.params:
            p.grad = None

    @torch.no_grad()
    def step(self):
        b1, b2 = self.betas
        for p, m in zip(self.params, self.m):
            c = b1 * m + (1 - b1) * p.grad
            p -= self.lr * (torch.sign(c) + self.wd * p)
            m.mul_(b2).add_((1 - b2) * p.grad)


# name: (kernel mode, kernel row, torch optimizer factory)
OPTIMIZERS = {
    "adam": (mt.PROGRAM, program(1e-2, *ADAM),
             torch_opt(torch.optim.Adam, lr=1e-2, betas=(0.9, 0.999), eps=1e-8)),
    "adam-features": (mt.FEATURES, features(1e-2, m9_rms=1.0),
                      torch_opt(torch.optim.Adam, lr=1e-2, betas=(0.9, 0.999), eps=1e-8)),
    "sgd": (mt.PROGRAM, program(0.1, ("scale", U, G, G, 1.0)),
            torch_opt(torch.optim.SGD, lr=0.1)),
    "sgd-features": (mt.FEATURES, features(0.1, g=1.0), torch_opt(torch.optim.SGD, lr=0.1)),
    # torch's buf = 0.9 buf + g is interp(m1, g, 0.9) / (1 - 0.9): the lr carries the 1/0.1
    "momentum": (mt.PROGRAM, program(0.05 / 0.1, ("interp", M1, M1, G, 0.9),
                                     ("scale", U, M1, M1, 1.0)),
                 torch_opt(torch.optim.SGD, lr=0.05, momentum=0.9)),
    # nesterov: g + 0.9 buf = (0.9 m1 + 0.1 g) / 0.1, interp applied once more
    "nesterov": (mt.PROGRAM, program(0.05 / 0.1, ("interp", M1, M1, G, 0.9),
                                     ("interp", U, M1, G, 0.9)),
                 torch_opt(torch.optim.SGD, lr=0.05, momentum=0.9, nesterov=True)),
    # decoupled decay: w (1 - lr wd) - lr adam = w - lr (adam + wd w), the same lr
    "adamw": (mt.PROGRAM, program(1e-2, *ADAM, ("scale", R1, W, W, 0.01), ("add", U, U, R1, 0)),
              torch_opt(torch.optim.AdamW, lr=1e-2, betas=(0.9, 0.999), eps=1e-8,
                        weight_decay=0.01)),
    "adamw-features": (mt.FEATURES, features(1e-2, m9_rms=1.0, w=0.01),
                       torch_opt(torch.optim.AdamW, lr=1e-2, betas=(0.9, 0.999), eps=1e-8,
                                 weight_decay=0.01)),
    "lion": (mt.PROGRAM, program(3e-3, ("interp", R1, M1, G, 0.9), ("sign", U, R1, R1, 0),
                                 ("scale", R2, W, W, 0.1), ("add", U, U, R2, 0),
                                 ("interp", M1, M1, G, 0.99)),
             lambda params: Lion(params, lr=3e-3, betas=(0.9, 0.99), weight_decay=0.1)),
}

# (activation 0 tanh / 1 relu, hidden widths, loss 0 cross-entropy / 1 squared, D, O, batch):
# every activation with 1, 2 and 3 hidden layers, each loss with both activations.
NETS = [(0, (8,), 0, 5, 3, 8), (1, (9,), 1, 4, 2, 6), (0, (7, 6), 1, 6, 2, 5),
        (1, (8, 6), 0, 5, 4, 8), (0, (6, 5, 4), 0, 3, 3, 7), (1, (7, 6, 5), 1, 5, 3, 6)]
N_TRAIN, N_TEST = 40, 12


def make_task(seed, act, hidden, loss, d, o, batch):
    """Data from a random teacher (so training makes progress), scaled initial parameters
    in the kernel's flat order, and a minibatch sequence of training rows."""
    rng = np.random.default_rng(seed)
    P = N_TRAIN + N_TEST
    X = rng.normal(0, 1, (P, d))
    teacher = X @ rng.normal(0, 1, (d, o))
    if loss == 0:
        labels = teacher.argmax(1)
        Y = np.eye(o)[labels]
    else:
        labels, Y = None, np.tanh(teacher)
    theta, prev = [], d
    for width in (*hidden, o):
        theta += [rng.normal(0, 1 / np.sqrt(prev), width * prev), rng.normal(0, 0.1, width)]
        prev = width
    batches = np.stack([rng.choice(N_TRAIN, batch, replace=False) for _ in range(STEPS)])
    return dict(X=X, Y=Y, labels=labels, theta0=np.concatenate(theta), batches=batches,
                act=act, hidden=hidden, loss=loss, d=d, o=o, batch=batch)


TASKS = [make_task(100 + i, *net) for i, net in enumerate(NETS)]


def kernel_losses(mode, rows, tasks):
    """Training losses (R, T, STEPS) of every row on every task, in one train call."""
    T, P = len(tasks), N_TRAIN + N_TEST
    D = max(t["d"] for t in tasks)
    O = max(t["o"] for t in tasks)
    Q = max(len(t["theta0"]) for t in tasks)
    B = max(t["batch"] for t in tasks)
    X, Y = np.zeros((T, P, D)), np.zeros((T, P, O))
    theta0, batches = np.zeros((T, Q)), np.zeros((T, STEPS, B), dtype=np.int64)
    arch = np.zeros((T, mt.ARCH_COLUMNS), dtype=np.int64)
    for k, t in enumerate(tasks):
        X[k, :, :t["d"]], Y[k, :, :t["o"]] = t["X"], t["Y"]
        theta0[k, :len(t["theta0"])] = t["theta0"]
        batches[k, :, :t["batch"]] = t["batches"]
        h = t["hidden"]
        arch[k] = [len(h), *h, *[0] * (3 - len(h)), t["act"], t["loss"], t["batch"], STEPS]
        assert mt.n_params(t["d"], arch[k], t["o"]) == len(t["theta0"])
    n_in = np.array([t["d"] for t in tasks], dtype=np.int64)
    n_out = np.array([t["o"] for t in tasks], dtype=np.int64)
    n_train = np.full(T, N_TRAIN, dtype=np.int64)
    n_pat = np.full(T, P, dtype=np.int64)
    rows = np.ascontiguousarray(rows, dtype=np.float64)
    test_loss = np.zeros((len(rows), T, E + 1))
    train_loss = np.zeros((len(rows), T, STEPS))
    mt.train(mode, rows, X, Y, n_in, n_out, arch, n_train, n_pat, np.ones(T), theta0, batches,
             test_loss, train_loss)
    return train_loss


def torch_losses(make_opt, task):
    """Per-step minibatch losses (before each update) of the same training in PyTorch."""
    theta = torch.tensor(task["theta0"], dtype=F64)
    params, p, prev = [], 0, task["d"]
    for width in (*task["hidden"], task["o"]):
        Wt = theta[p:p + width * prev].reshape(width, prev).clone().requires_grad_(True)
        bt = theta[p + width * prev:p + width * prev + width].clone().requires_grad_(True)
        params += [Wt, bt]
        p += width * prev + width
        prev = width
    assert p == len(theta)
    act = torch.tanh if task["act"] == 0 else torch.relu
    X = torch.tensor(task["X"], dtype=F64)
    target = (torch.tensor(task["labels"], dtype=torch.int64) if task["loss"] == 0
              else torch.tensor(task["Y"], dtype=F64))
    opt = make_opt(params)
    losses = []
    for rows in task["batches"]:
        idx = torch.as_tensor(rows)
        h = X[idx]
        for i in range(0, len(params), 2):
            h = h @ params[i].T + params[i + 1]
            if i < len(params) - 2:
                h = act(h)
        loss = (F.cross_entropy(h, target[idx]) if task["loss"] == 0
                else F.mse_loss(h, target[idx]))
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return np.array(losses)


@pytest.fixture(scope="module")
def kernel():
    """{(optimizer, task index): kernel losses}: each mode's rows on every task, one call."""
    out = {}
    for mode in (mt.PROGRAM, mt.FEATURES):
        names = [n for n, (m, _, _) in OPTIMIZERS.items() if m == mode]
        losses = kernel_losses(mode, [OPTIMIZERS[n][1] for n in names], TASKS)
        for r, name in enumerate(names):
            for k in range(len(TASKS)):
                out[name, k] = losses[r, k]
    return out


def net_id(net):
    act, hidden, loss, *_ = net
    return f"{'tanh relu'.split()[act]}-{len(hidden)}h-{'ce mse'.split()[loss]}"


@pytest.mark.parametrize("k", range(len(NETS)), ids=[net_id(n) for n in NETS])
@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_training_losses_match_torch(kernel, name, k):
    dtype = torch.get_default_dtype()
    ref = torch_losses(OPTIMIZERS[name][2], TASKS[k])
    assert torch.get_default_dtype() == dtype
    got = kernel[name, k]
    assert np.isfinite(ref).all() and np.isfinite(got).all()
    # the comparison means something: training moved the loss
    assert abs(ref[-10:].mean() - ref[:10].mean()) > 0.01 * ref[:10].mean()
    np.testing.assert_allclose(got, ref, rtol=1e-6, atol=0)
