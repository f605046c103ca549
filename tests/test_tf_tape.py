"""``tf.GradientTape`` (minidl/tf_tape.py) and ``minidl.gradients.grad``.

Reference values: finite differences, ``loss.backward()``, and numbers computed once with
TensorFlow 2.21 (tensorflow-cpu) and written here (TensorFlow is not a test dependency).
"""

from __future__ import annotations

import numpy as np
import pytest

import minidl as tf


def test_tape_watch_constant():
    x = tf.constant(3.0)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = x * x
    assert tape.gradient(y, x).item() == 6.0
    assert not x.requires_grad and x.grad is None  # the constant stays a constant
    with tf.GradientTape() as tape:  # not watched: no gradient, as TF
        y = x * x
    assert tape.gradient(y, x) is None


def test_tape_leaves_grad_alone_and_backward_still_works():
    v = tf.Variable([1.0, 2.0, 3.0])
    with tf.GradientTape() as tape:
        y = tf.reduce_sum(v * v * v)
    g = tape.gradient(y, v)
    np.testing.assert_allclose(g.numpy(), 3 * v.numpy() ** 2)
    assert v.grad is None and not g.requires_grad
    y.backward()  # the graph was kept
    np.testing.assert_allclose(v.grad.numpy(), g.numpy())


def test_non_persistent_tape_allows_one_gradient():
    v = tf.Variable(2.0)
    with tf.GradientTape() as tape:
        y = v * v
    tape.gradient(y, v)
    with pytest.raises(RuntimeError, match="non-persistent GradientTape can only be used to compute one"):
        tape.gradient(y, v)
    with tf.GradientTape(persistent=True) as tape:
        y = v * v
        z = y * v
    assert tape.gradient(y, v).item() == 4.0
    assert tape.gradient(z, v).item() == 12.0


def test_tape_matches_tensorflow_numbers():
    # loss, d loss/dw and d loss/db computed by TensorFlow 2.21 in float64
    w0 = np.array([[0.5, -1.0, 0.25], [1.5, 0.75, -0.5]])
    b0 = np.array([0.1, -0.2, 0.3])
    x0 = np.array([[1.0, 2.0], [-1.0, 0.5], [0.0, 3.0], [2.0, -2.0]])
    w, b = tf.Variable(w0), tf.Variable(b0)
    with tf.GradientTape() as tape:
        h = tf.tanh(tf.matmul(tf.constant(x0), w) + b)
        loss = tf.reduce_mean(tf.square(h)) + tf.reduce_max(h)
    gw, gb = tape.gradient(loss, [w, b])
    np.testing.assert_allclose(loss.item(), 1.62753651182675, rtol=1e-12)
    np.testing.assert_allclose(gw.numpy(), [[-7.6510757570087226e-02, -1.4413820716757295e-04, 6.4973413279262246e-03],
                                            [5.4554106392360496e-02, 1.4258583471154310e-01, -2.9123157381230208e-01]],
                               rtol=1e-10, atol=1e-15)
    np.testing.assert_allclose(gb.numpy(), [0.03704293798258545, 0.09813083091365721, -0.11545321689119217],
                               rtol=1e-10)


def test_tape_matches_finite_differences():
    rng = np.random.default_rng(3)
    x0, w0 = rng.standard_normal((5, 3)), rng.standard_normal((3, 2))

    def f(w):
        return tf.reduce_sum(tf.sigmoid(tf.constant(x0) @ w) ** 3, axis=[0, 1])

    w = tf.Variable(w0)
    with tf.GradientTape() as tape:
        y = f(w)
    analytic = tape.gradient(y, w).numpy()
    numeric = np.zeros_like(w0)
    eps = 1e-6
    for i in np.ndindex(*w0.shape):
        step = np.zeros_like(w0)
        step[i] = eps
        numeric[i] = (f(tf.constant(w0 + step)).item() - f(tf.constant(w0 - step)).item()) / (2 * eps)
    np.testing.assert_allclose(analytic, numeric, rtol=1e-6, atol=1e-9)


def test_tape_records_only_inside_its_block():
    v = tf.Variable(3.0)
    y = v * v  # before the tape: TF 2.21 gives None
    with tf.GradientTape() as tape:
        z = y * 2
    assert tape.gradient(z, v) is None
    x = tf.constant([1.0, 2.0])
    with tf.GradientTape() as tape:
        tape.watch(x)
        with tape.stop_recording():
            a = x * 3
        b = x * a
    np.testing.assert_allclose(tape.gradient(b, x).numpy(), [3.0, 6.0])  # TF 2.21: [3, 6]
    with pytest.raises(RuntimeError, match="recording"):
        with tape.stop_recording():
            pass


def test_assign_inside_tape_keeps_recorded_value():
    v = tf.Variable(3.0)
    with tf.GradientTape() as tape:
        y = v * v
        v.assign(10.0)
    assert tape.gradient(y, v).item() == 6.0  # TF 2.21: 6.0


def test_tape_structures_and_options():
    x = tf.Variable([1.0, 2.0, 3.0])
    b = tf.Variable(0.5)
    with tf.GradientTape(persistent=True) as tape:
        h = x * 2.0
        y = tf.reduce_sum(h * h) + b
        y1, y2 = x * x, tf.reduce_sum(3.0 * x)
    grads = tape.gradient(y, {"x": x, "rest": [b, (x,)]})
    assert set(grads) == {"x", "rest"} and isinstance(grads["rest"][1], tuple)
    np.testing.assert_allclose(grads["x"].numpy(), 8 * x.numpy())
    assert grads["rest"][0].item() == 1.0
    np.testing.assert_allclose(grads["rest"][1][0].numpy(), 8 * x.numpy())
    # values below from TensorFlow 2.21
    np.testing.assert_allclose(tape.gradient(y, h).numpy(), [4.0, 8.0, 12.0])  # an intermediate
    np.testing.assert_allclose(tape.gradient([y1, y2], x).numpy(), [5.0, 7.0, 9.0])  # targets add up
    np.testing.assert_allclose(tape.gradient(y1, x, output_gradients=tf.constant([1.0, 0.5, -1.0])).numpy(),
                               [2.0, 2.0, -6.0])
    first, second = tape.gradient(y1, [x, x])
    np.testing.assert_allclose(first.numpy(), [2.0, 4.0, 6.0])
    np.testing.assert_allclose(second.numpy(), [2.0, 4.0, 6.0])
    assert tape.gradient(x, x).numpy().tolist() == [1.0, 1.0, 1.0]
    assert tape.gradient(tf.cast(y, tf.int32), x) is None  # an integer target, as TF
    c = tf.constant([2.0, 1.0])
    assert tape.gradient(y, c) is None
    assert tape.gradient(y, c, unconnected_gradients="zero").numpy().tolist() == [0.0, 0.0]
    zero = tape.gradient(y, c, unconnected_gradients=tf.UnconnectedGradients.ZERO)
    assert zero.shape == (2,)
    with pytest.raises(ValueError, match="output_gradients"):
        tape.gradient(y1, x, output_gradients=[tf.ones(3), tf.ones(3)])
    with pytest.raises(ValueError, match=r"shape \(3,\)"):
        tape.gradient(y1, x, output_gradients=tf.ones(2))
    with pytest.raises(TypeError, match="sources expects tensors"):
        tape.gradient(y, "x")


def test_watch_accessed_variables_false():
    x, u = tf.Variable([1.0, 2.0, 3.0]), tf.Variable(2.0)
    with tf.GradientTape(watch_accessed_variables=False) as tape:
        tape.watch(x)
        y = tf.reduce_sum(x * u)
    gx, gu = tape.gradient(y, [x, u])
    np.testing.assert_allclose(gx.numpy(), [2.0, 2.0, 2.0])  # TF 2.21: [2, 2, 2] and None
    assert gu is None


def test_watch_rejects_integers_and_non_tensors():
    with tf.GradientTape() as tape:
        with pytest.raises(TypeError, match="floating-point"):
            tape.watch(tf.constant([1, 2]))
        with pytest.raises(TypeError, match="watch"):
            tape.watch([1.0])


def test_gradients_grad_is_torch_autograd_grad():
    from minidl.gradients import grad

    x = tf.tensor([1.0, -2.0], dtype=tf.float64, requires_grad=True)
    y = tf.tensor([0.5, 3.0], dtype=tf.float64, requires_grad=True)
    out = x * y + x
    gx, gy = grad(out, [x, y], grad_outputs=[tf.tensor([1.0, 2.0])])
    np.testing.assert_allclose(gx.numpy(), [1.5, 8.0])
    np.testing.assert_allclose(gy.numpy(), [1.0, -4.0])
    assert x.grad is None and gx.dtype == np.float64
    unused = tf.tensor([1.0], requires_grad=True)
    assert grad(out.sum(), [unused], allow_unused=True)[0] is None
    with pytest.raises(ValueError, match="not used"):  # PyTorch's default: allow_unused=False
        grad(out.sum(), [unused])
    with pytest.raises(tf.GraphError, match="implicit gradient of 1 only works for one-element"):
        grad(out, [x])  # as torch: a non-scalar output needs its grad_outputs
    with pytest.raises(TypeError, match="inputs"):
        grad(out.sum(), [1.0])


def test_custom_training_loop_with_keras_model():
    from minidl import keras

    tf.random.set_seed(0)
    model = keras.Sequential([keras.layers.Input(shape=(4,)), keras.layers.Dense(8, activation="relu"),
                              keras.layers.Dense(3)])
    assert model.trainable_variables == model.trainable_weights and len(model.trainable_variables) == 4
    loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    optimizer = keras.optimizers.SGD(learning_rate=0.5)
    rng = np.random.default_rng(0)
    x = rng.random((64, 4)).astype("float32")
    y = (x.sum(axis=1) > 2).astype("int64")

    with tf.GradientTape() as tape:  # the same gradients as loss.backward()
        loss = loss_fn(y, model(x, training=True))
    grads = tape.gradient(loss, model.trainable_variables)
    loss.backward()
    for g, v in zip(grads, model.trainable_variables):
        np.testing.assert_allclose(g.numpy(), v.grad.numpy(), rtol=1e-6)
        v.grad = None

    first = loss.item()
    for _ in range(30):
        with tf.GradientTape() as tape:
            loss = loss_fn(y, model(x, training=True))
        grads = tape.gradient(loss, model.trainable_variables)
        optimizer.apply_gradients(zip(grads, model.trainable_variables))
    assert loss.item() < 0.8 * first
    assert all(v.grad is None for v in model.trainable_variables)
