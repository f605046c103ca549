"""keras.backend, keras.utils.pad_sequences and metric objects called as functions.

Reference values: the same calls under Keras 3.15 (KERAS_BACKEND=jax), printed by hand.
"""

from __future__ import annotations

import numpy as np
import pytest

import minidl as tf

keras = tf.keras


def test_backend_settings_as_keras():
    backend = keras.backend
    assert (backend.epsilon(), backend.floatx(), backend.image_data_format()) == (1e-7, "float32", "channels_last")
    assert backend.is_keras_tensor(keras.Input((3,))) and not backend.is_keras_tensor(np.zeros(3))
    backend.clear_session()
    assert keras.layers.Dense(1).name == "dense"  # automatic names start again
    with pytest.raises(ValueError, match="channels_last"):
        backend.set_image_data_format("channels_first")
    with pytest.raises(NotImplementedError, match="1e-7"):
        backend.set_epsilon(1e-3)
    try:
        backend.set_floatx("float64")
        assert backend.floatx() == "float64"
        assert keras.layers.Dense(2)(np.zeros((1, 3))).dtype == np.float64
    finally:
        backend.set_floatx("float32")
    with pytest.raises(ValueError, match="float16"):
        backend.set_floatx("float16")


def test_learning_rate_assign_and_set_value_as_tf_keras():
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile(keras.optimizers.Adam(0.01), "mse")
    keras.backend.set_value(model.optimizer.learning_rate, 0.001)
    assert keras.backend.get_value(model.optimizer.learning_rate) == pytest.approx(0.001)
    model.optimizer.learning_rate.assign(0.5)  # TensorFlow's Variable spelling
    assert float(model.optimizer.learning_rate) == 0.5
    with pytest.raises(TypeError, match="optimizer.learning_rate"):
        keras.backend.set_value(np.zeros(1), 3.0)


SEQUENCES = [[1, 2, 3], [4], [5, 6, 7, 8, 9]]


@pytest.mark.parametrize("kwargs, expected", [  # Keras 3.15's answers
    ({}, [[0, 0, 1, 2, 3], [0, 0, 0, 0, 4], [5, 6, 7, 8, 9]]),
    ({"maxlen": 3}, [[1, 2, 3], [0, 0, 4], [7, 8, 9]]),
    ({"maxlen": 4, "padding": "post", "truncating": "post", "value": -1},
     [[1, 2, 3, -1], [4, -1, -1, -1], [5, 6, 7, 8]]),
])
def test_pad_sequences_as_keras(kwargs, expected):
    padded = keras.utils.pad_sequences(SEQUENCES, **kwargs)
    assert padded.dtype == np.int32 and padded.tolist() == expected
    assert keras.preprocessing.sequence.pad_sequences(SEQUENCES, **kwargs).tolist() == expected


def test_pad_sequences_items_empty_and_errors():
    assert keras.utils.pad_sequences([[[1, 2], [3, 4]], [[5, 6]]]).tolist() == [[[1, 2], [3, 4]], [[0, 0], [5, 6]]]
    assert keras.utils.pad_sequences([[1.5, 2]], dtype="float32").tolist() == [[1.5, 2.0]]
    assert keras.utils.pad_sequences([], maxlen=2).shape == (0, 2)
    assert keras.utils.pad_sequences([[], [1]]).tolist() == [[0], [1]]
    with pytest.raises(ValueError, match="padding must be 'pre' or 'post', got 'mid'"):
        keras.utils.pad_sequences(SEQUENCES, padding="mid")
    with pytest.raises(ValueError, match="sequence 1 is int"):
        keras.utils.pad_sequences([[1], 2])


def test_metric_objects_called_as_functions_as_keras():
    mean = keras.metrics.Mean()
    assert mean([1, 2, 3]) == pytest.approx(2.0)
    assert mean(np.array([4.0]), sample_weight=[2.0]) == pytest.approx(2.8)  # Keras: 2.799999952
    mean.reset_state()
    assert mean.result() == 0.0
    assert keras.metrics.Mean()(np.ones((2, 3)), sample_weight=np.array([1.0, 0.0])) == 1.0
    assert keras.metrics.BinaryAccuracy()([[1], [0]], [[0.7], [0.8]]) == pytest.approx(0.5)
    assert keras.metrics.Precision()(np.array([1, 0, 1]), np.array([0.9, 0.8, 0.1])) == pytest.approx(0.5)
    assert keras.metrics.AUC()(np.array([1, 0, 1, 0]), np.array([0.9, 0.8, 0.3, 0.1])) == pytest.approx(0.75)
    with pytest.raises(ValueError, match="sample_weight of shape"):
        keras.metrics.Mean()(np.ones(3), sample_weight=np.ones(2))


def test_tf_keras_2_optimizer_arguments_name_the_keras_3_spelling():
    """Keras 3 refuses lr= and decay= too; the message says what to write instead."""
    with pytest.raises(ValueError, match=r"lr not recognized.*Adam\(learning_rate=\.\.\.\)"):
        keras.optimizers.Adam(lr=0.01)
    with pytest.raises(ValueError, match="decay not recognized.*InverseTimeDecay"):
        keras.optimizers.SGD(0.1, decay=1e-4)


def test_removed_tf_keras_2_methods_and_version():
    import minidl

    assert keras.__version__ == keras.version() == minidl.__version__
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(2)])
    with pytest.raises(AttributeError, match=r"np.argmax\(model.predict\(x\), axis=-1\)"):
        model.predict_classes(np.ones((1, 2)))
    with pytest.raises(AttributeError, match=r"model.fit\(generator"):
        model.fit_generator(iter([]))
