"""The TensorFlow spellings of ``import minidl as tf`` (minidl/tf_compat.py, tf_tape.py).

Reference values: NumPy in float64, finite differences, and numbers computed once with
TensorFlow 2.21 (tensorflow-cpu) and written here (TensorFlow is not a test dependency).
"""

from __future__ import annotations

import numpy as np
import pytest

import minidl as tf
from minidl import tf_compat

# ---------------------------------------------------------------- random, version, config


def test_set_seed_is_manual_seed():
    tf.random.set_seed(42)
    a = tf.randn(5).numpy()
    tf.manual_seed(42)
    b = tf.randn(5).numpy()
    tf.keras.utils.set_random_seed(42)
    c = tf.randn(5).numpy()
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(a, c)
    tf.random.set_seed(43)
    assert not np.array_equal(a, tf.randn(5).numpy())
    with pytest.raises(ValueError, match="seed"):
        tf.random.set_seed(-1)


def test_version_is_a_string():
    assert isinstance(tf.__version__, str) and tf.__version__.count(".") == 2


def test_list_physical_devices_reads_as_tensorflow():
    cpu = tf.config.list_physical_devices("CPU")
    # repr printed by TensorFlow 2.21 for its first CPU
    assert [repr(d) for d in cpu] == ["PhysicalDevice(name='/physical_device:CPU:0', device_type='CPU')"]
    assert cpu[0].name == "/physical_device:CPU:0" and cpu[0].device_type == "CPU"
    assert tf.config.list_physical_devices()[0] == cpu[0]
    assert tf.config.list_physical_devices("cpu") == []  # TF's device types are capitals
    with pytest.raises(TypeError, match="device_type"):
        tf.config.list_physical_devices(0)


def test_list_physical_devices_lists_each_gpu(monkeypatch):
    monkeypatch.setattr(tf_compat, "_gpu_count", lambda: 2)
    gpus = tf.config.list_physical_devices("GPU")
    assert [(d.name, d.device_type) for d in gpus] == [("/physical_device:GPU:0", "GPU"),
                                                       ("/physical_device:GPU:1", "GPU")]
    assert len(tf.config.list_physical_devices()) == 3
    tf.config.experimental.set_memory_growth(gpus[0], True)
    assert tf.config.experimental.get_memory_growth(gpus[0]) is True
    with pytest.raises(ValueError, match="grows GPU memory"):
        tf.config.experimental.set_memory_growth(gpus[0], False)
    with pytest.raises(TypeError, match="list_physical_devices"):
        tf.config.experimental.set_memory_growth("GPU:0", True)


def test_no_gpu_listed_without_cuda(monkeypatch):
    monkeypatch.setattr(tf.cuda, "is_available", lambda: False)
    assert tf.config.list_physical_devices("GPU") == []


def test_intra_op_threads_are_numba_threads():
    numba = pytest.importorskip("numba")
    before = numba.get_num_threads()
    try:
        tf.config.threading.set_intra_op_parallelism_threads(1)
        assert tf.config.threading.get_intra_op_parallelism_threads() == 1 == numba.get_num_threads()
        tf.config.threading.set_intra_op_parallelism_threads(0)  # 0: all of them, as TF's default
        assert numba.get_num_threads() == numba.config.NUMBA_NUM_THREADS
        with pytest.raises(ValueError, match="NUMBA_NUM_THREADS"):
            tf.config.threading.set_intra_op_parallelism_threads(numba.config.NUMBA_NUM_THREADS + 1)
        with pytest.raises(ValueError, match="non-negative"):
            tf.config.threading.set_intra_op_parallelism_threads(-2)
    finally:
        numba.set_num_threads(before)


# ---------------------------------------------------------------- tensors


@pytest.mark.parametrize("value, dtype", [  # dtypes TensorFlow 2.21 gives
    ([1, 2, 3], "int32"), (2**40, "int64"), (1.5, "float32"), ([1.0, 2], "float32"),
    (np.array([1.0]), "float64"), (np.array([1, 2]), "int64"), (np.float32(1), "float32"),
    ([True], "bool"),
])
def test_constant_dtype_as_tensorflow(value, dtype):
    t = tf.constant(value)
    assert t.dtype == np.dtype(dtype)
    assert not t.requires_grad
    np.testing.assert_array_equal(t.numpy(), np.asarray(value))


def test_constant_dtype_and_shape_arguments():
    assert tf.constant([1, 2], dtype=tf.float64).dtype == np.float64
    np.testing.assert_array_equal(tf.constant(0.0, shape=[2, 3]).numpy(), np.zeros((2, 3)))
    np.testing.assert_array_equal(tf.constant([1, 2, 3, 4], shape=(2, 2)).numpy(), [[1, 2], [3, 4]])
    with pytest.raises(ValueError, match="3 values for shape"):
        tf.constant([1, 2, 3], shape=(2, 2))
    with pytest.raises(TypeError):
        tf.constant(["a", "b"])
    source = np.array([1.0, 2.0])
    copy = tf.constant(source)
    source[0] = 9.0
    assert copy.numpy()[0] == 1.0  # a copy, as TF


def test_convert_to_tensor():
    x = tf.Variable([1.0, 2.0])
    assert tf.convert_to_tensor(x) is x  # keeps the graph
    assert tf.convert_to_tensor([1, 2]).dtype == np.int32
    with pytest.raises(ValueError, match="tf.cast"):
        tf.convert_to_tensor(tf.constant(1.0), dtype=tf.float64)


def test_variable_basics():
    v = tf.Variable(3.0)
    assert v.requires_grad and v.trainable and v.dtype == np.float32 and v.grad is None
    assert v.name == "Variable:0" and tf.Variable(1.0, name="w").name == "w:0"
    assert repr(v).startswith("<minidl.Variable 'Variable:0' shape=() dtype=float32")
    assert v.assign_add(1.0) is v and v.numpy() == 4.0
    v.assign_sub(tf.constant(0.5))
    assert v.numpy() == 3.5 and v.dtype == np.float32
    v.assign(10)
    assert v.numpy() == 10.0 and v.dtype == np.float32
    with pytest.raises(ValueError, match=r"shape \(2,\) to variable 'Variable:0' of shape \(\)"):
        v.assign([1.0, 2.0])
    frozen = tf.Variable(np.ones(2), trainable=False)
    assert frozen.dtype == np.float64 and not frozen.requires_grad
    assert not tf.Variable([1, 2]).requires_grad  # integers are not differentiable
    assert tf.Variable(lambda: tf.zeros(3)).shape == (3,)
    with pytest.raises(TypeError, match="trainable"):
        tf.Variable(1.0, trainable="yes")
    np.testing.assert_array_equal((v * 2).numpy(), 20.0)
    assert type(v * 2) is tf.Tensor


def test_cast():
    # TensorFlow 2.21: tf.cast([-1.7, 2.7], tf.int32) -> [-1, 2] (truncation toward zero)
    out = tf.cast(tf.constant([-1.7, 2.7]), tf.int32)
    assert out.dtype == np.int32
    np.testing.assert_array_equal(out.numpy(), [-1, 2])
    x = tf.Variable([1.0, 2.0])
    with tf.GradientTape() as tape:
        y = tf.reduce_sum(tf.cast(x, tf.float64) ** 2)
    assert y.dtype == np.float64
    np.testing.assert_allclose(tape.gradient(y, x).numpy(), [2.0, 4.0])
    assert tf.cast(x, "float32") is x


AXES = [None, 0, 1, -1, [0, 1], (0, 2)]


@pytest.mark.parametrize("axis", AXES)
@pytest.mark.parametrize("keepdims", [False, True])
@pytest.mark.parametrize("name, reference", [("reduce_sum", np.sum), ("reduce_mean", np.mean),
                                             ("reduce_max", np.max), ("reduce_min", np.min)])
def test_reductions_match_numpy(name, reference, axis, keepdims):
    data = np.random.default_rng(0).standard_normal((2, 3, 4))
    got = getattr(tf, name)(tf.constant(data), axis=axis, keepdims=keepdims)
    numpy_axis = tuple(axis) if isinstance(axis, list) else axis
    expected = reference(data, axis=numpy_axis, keepdims=keepdims)
    assert got.dtype == np.float64
    np.testing.assert_allclose(got.numpy(), expected, rtol=1e-12)


@pytest.mark.parametrize("name", ["reduce_sum", "reduce_mean", "reduce_max", "reduce_min"])
def test_reductions_gradcheck(name):
    x = tf.tensor(np.random.default_rng(1).standard_normal((3, 4)), dtype=tf.float64, requires_grad=True)
    assert tf.gradcheck(lambda t: getattr(tf, name)(t, axis=[1]), x)
    assert tf.gradcheck(lambda t: getattr(tf, name)(t), x)


def test_reductions_take_lists_and_tensor_axes():
    assert tf.reduce_sum([[1.0, 2.0], [3.0, 4.0]]).item() == 10.0
    np.testing.assert_array_equal(tf.reduce_max([[1, 5], [3, 4]], axis=tf.constant(1)).numpy(), [5, 4])
    with pytest.raises(TypeError, match="axis"):
        tf.reduce_sum([1.0], axis="0")


def test_integer_mean_truncates_as_tensorflow():
    # values from TensorFlow 2.21
    assert tf.reduce_mean(tf.constant([1, 2])).item() == 1
    assert tf.reduce_mean(tf.constant([-1, -2])).item() == -1
    np.testing.assert_array_equal(tf.reduce_mean(tf.constant([[1, 2], [4, 7]]), axis=1).numpy(), [1, 5])
    assert tf.reduce_mean(tf.constant([[-3, 4]])).item() == 0
    out = tf.reduce_mean(tf.constant([[-3, -4], [5, 8]]), axis=0, keepdims=True)
    assert out.dtype == np.int32
    np.testing.assert_array_equal(out.numpy(), [[1, 2]])


def test_elementwise_spellings():
    a, b = np.array([1.0, -2.0, 3.0]), np.array([0.5, 4.0, -1.0])
    np.testing.assert_allclose(tf.square(a).numpy(), a**2)
    np.testing.assert_allclose(tf.add(a, b).numpy(), a + b, rtol=1e-6)
    np.testing.assert_allclose(tf.subtract(a, b).numpy(), a - b, rtol=1e-6)
    np.testing.assert_allclose(tf.multiply(a, b).numpy(), a * b, rtol=1e-6)
    np.testing.assert_allclose(tf.divide(a, b).numpy(), a / b, rtol=1e-6)
    x = tf.tensor([1.5, -0.5], dtype=tf.float64, requires_grad=True)
    assert tf.gradcheck(tf.square, x)
    np.testing.assert_array_equal(tf.reshape(tf.ones([2, 3]), [3, -1]).shape, (3, 2))
    assert tf.zeros((2, 3), dtype=tf.int32).dtype == np.int32
