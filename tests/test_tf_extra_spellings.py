"""TensorFlow spellings beyond tf_compat: ``tf.random.normal/uniform``, ``tf.zeros(shape, dtype)``,
``tf.matmul(transpose_a=, transpose_b=)`` and ``tf.transpose(perm=)``."""

import numpy as np
import pytest

import minidl as tf


def test_normal_is_mean_plus_stddev_times_the_seeded_standard_normal():
    got = tf.random.normal([3, 4], mean=2.0, stddev=0.5, seed=7)
    expected = 2.0 + 0.5 * np.random.default_rng(7).standard_normal((3, 4))
    assert isinstance(got, tf.Tensor) and got.dtype == np.float32 and got.shape == (3, 4)
    np.testing.assert_allclose(got.numpy(), expected, rtol=1e-6)
    # the same op seed gives the same numbers
    np.testing.assert_array_equal(tf.random.normal([3, 4], 2.0, 0.5, seed=7).numpy(), got.numpy())


def test_normal_follows_set_seed_and_has_the_asked_moments():
    tf.random.set_seed(3)
    a = tf.random.normal((200_000,), mean=-1.0, stddev=3.0, dtype=tf.float64)
    tf.random.set_seed(3)
    b = tf.random.normal((200_000,), mean=-1.0, stddev=3.0, dtype="float64")
    np.testing.assert_array_equal(a.numpy(), b.numpy())
    assert a.dtype == np.float64
    assert abs(a.numpy().mean() + 1.0) < 0.03 and abs(a.numpy().std() - 3.0) < 0.03


def test_uniform_floats_stay_in_range_with_the_asked_mean():
    tf.random.set_seed(0)
    u = tf.random.uniform([100_000], minval=-2, maxval=6).numpy()
    assert u.dtype == np.float32 and u.min() >= -2 and u.max() < 6
    assert abs(u.mean() - 2.0) < 0.05
    default = tf.random.uniform((2, 5), seed=1).numpy()
    np.testing.assert_allclose(default, np.random.default_rng(1).random((2, 5)), rtol=1e-6)


def test_uniform_integers_need_maxval_and_cover_the_range():
    ints = tf.random.uniform([5000], minval=3, maxval=7, dtype=tf.int32, seed=2).numpy()
    assert ints.dtype == np.int32 and set(np.unique(ints)) == {3, 4, 5, 6}
    with pytest.raises(ValueError, match="needs maxval"):
        tf.random.uniform([3], dtype=tf.int32)


@pytest.mark.parametrize("call, error, message", [
    (lambda: tf.random.normal("3"), TypeError, "shape must be a list"),
    (lambda: tf.random.normal([2, -1]), TypeError, "non-negative"),
    (lambda: tf.random.normal([2], stddev=-1.0), ValueError, "stddev must be >= 0"),
    (lambda: tf.random.normal([2], dtype=tf.int32), TypeError, "must be floating"),
    (lambda: tf.random.normal([2], mean="0"), TypeError, "mean must be a number"),
    (lambda: tf.random.uniform([2], minval=1, maxval=1), ValueError, "minval < maxval"),
    (lambda: tf.random.uniform([2], seed=-1), ValueError, "seed must be"),
    (lambda: tf.random.uniform([2], dtype=tf.bool), TypeError, "floating or integer"),
])
def test_bad_random_arguments_are_named(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_zeros_and_ones_take_tensorflows_positional_dtype():
    z = tf.zeros([2, 3], tf.float64)
    o = tf.ones((4,), "int32")
    assert z.shape == (2, 3) and z.dtype == np.float64 and not z.numpy().any()
    assert o.shape == (4,) and o.dtype == np.int32 and (o.numpy() == 1).all()
    assert tf.zeros(2, 3).shape == (2, 3)  # PyTorch's spelling is unchanged
    with pytest.raises(TypeError, match="dtype twice"):
        tf.zeros([2], tf.float64, dtype="float32")
    with pytest.raises(TypeError, match="not a dtype"):
        tf.ones(2, "banana")


@pytest.mark.parametrize("transpose_a, transpose_b", [(True, False), (False, True), (True, True)])
def test_matmul_transpose_flags_match_numpy_and_finite_differences(transpose_a, transpose_b):
    rng = np.random.default_rng(5)
    a = rng.standard_normal((2, 4, 3))
    b = rng.standard_normal((2, 4, 3) if transpose_a != transpose_b else (2, 3, 4))
    a_np = a.swapaxes(-1, -2) if transpose_a else a
    b_np = b.swapaxes(-1, -2) if transpose_b else b
    got = tf.matmul(tf.constant(a), tf.constant(b), transpose_a=transpose_a, transpose_b=transpose_b)
    np.testing.assert_allclose(got.numpy(), a_np @ b_np, rtol=1e-12)
    ta = tf.tensor(a, dtype="float64", requires_grad=True)
    tb = tf.tensor(b, dtype="float64", requires_grad=True)
    assert tf.gradcheck(lambda x, y: tf.matmul(x, y, transpose_a=transpose_a, transpose_b=transpose_b),
                        ta, tb)


def test_matmul_transpose_needs_a_matrix():
    with pytest.raises(tf.ShapeError, match="transpose_a=True needs at least 2 dimensions"):
        tf.matmul(tf.ones([3]), tf.ones([3, 2]), transpose_a=True)


def test_transpose_perm_matches_numpy():
    x = np.arange(24.0).reshape(2, 3, 4)
    np.testing.assert_array_equal(tf.transpose(tf.constant(x), perm=[2, 0, 1]).numpy(), x.transpose(2, 0, 1))
    np.testing.assert_array_equal(tf.transpose(tf.constant(x)).numpy(), x.T)
    with pytest.raises(TypeError, match="both axes"):
        tf.transpose(tf.constant(x), 1, 0, 2, perm=[1, 0, 2])
    with pytest.raises(ValueError, match="not a permutation"):
        tf.transpose(tf.constant(x), perm=[0, 0, 1])
