"""Compile (and cache) the Numba kernels once: ``python -m minidl.kernels.warmup``.

Numba compiles a kernel the first time it sees each combination of argument types
and, with ``cache=True``, stores the machine code next to the source.  A fresh clone
starts with an empty cache; CI runs this module before the tests so that compile
time is paid once, not inside the first timed test.
"""

from __future__ import annotations

import time

import numpy as np


def warm_up(dtypes: tuple[str, ...] = ("float32", "float64")) -> float:
    """Run one small training step of a CNN and of an MLP per dtype; return the seconds spent."""
    import minidl as mdl
    import minidl.functional as F
    from minidl import kernels, nn, optim
    from minidl.keras import layers, models

    started = time.perf_counter()
    for dtype in dtypes:
        mdl.set_default_dtype(dtype)
        try:
            mdl.manual_seed(0)
            net = nn.Sequential(nn.Conv2d(1, 2, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(2, 2, 3, padding="same"),
                                nn.AvgPool2d(2, padding="same"), nn.Flatten(), nn.Linear(8, 3))
            for make in (optim.Adam, optim.SGD, optim.RMSprop, optim.Adagrad):
                opt = make(net.parameters(), lr=1e-3)
                loss = F.cross_entropy(net(mdl.randn(2, 9, 9, 1)), np.array([0, 2]))
                opt.zero_grad()
                loss.backward()
                opt.step()
            # two conv + pool blocks: one input channel (direct kernel), then nine (Winograd)
            model = models.Sequential([layers.Input(shape=(6, 6, 1)), layers.Conv2D(9, 3, activation="relu"),
                                       layers.MaxPooling2D(), layers.Conv2D(2, 3, padding="same", activation="relu"),
                                       layers.MaxPooling2D(), layers.Flatten(), layers.Dense(3, activation="softmax")])
            for name in ("adam", "sgd", "rmsprop", "adagrad", "adamw"):
                model.compile(optimizer=name, loss="categorical_crossentropy")
                model.fit(np.zeros((4, 6, 6, 1), dtype), np.eye(3, dtype=dtype)[[0, 1, 2, 0]], verbose=0)
            model.predict(np.zeros((4, 6, 6, 1), dtype), verbose=0)  # the fused conv + pool kernel
            big = np.ones((200, 200), dtype)
            kernels.matmul(big, big)  # products split over the cores
            kernels.linear_forward(big, big, big[0], True)  # ... and with the bias and ReLU of each block
            dense = nn.Sequential(nn.Linear(4, 256), nn.ReLU())  # 33,280 outputs: the dense passes
            dense(mdl.randn(130, 4)).sum().backward()
            wide = nn.Linear(300, 250)  # 75,000 weights: the optimizers' block kernels
            for make in (optim.Adam, optim.SGD):
                opt = make(wide.parameters(), lr=1e-3)
                wide(mdl.randn(2, 300)).sum().backward()
                opt.step()
        finally:
            mdl.set_default_dtype("float32")
    return time.perf_counter() - started


if __name__ == "__main__":
    print(f"Numba kernels compiled and cached in {warm_up():.1f} s")
