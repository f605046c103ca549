"""The Keras facade: ``from minidl.keras.datasets import mnist`` as in the course notebook."""

import numpy as np


def test_notebook_import_and_call():
    from minidl.keras.datasets import mnist

    (x_train, y_train), (x_test, y_test) = mnist.load_data()
    assert x_train.shape == (60000, 28, 28) and x_train.dtype == np.uint8
    assert y_train.shape == (60000,) and y_train.dtype == np.uint8
    assert x_test.shape == (10000, 28, 28) and y_test.shape == (10000,)
    assert y_train[:10].tolist() == [5, 0, 4, 1, 9, 2, 1, 3, 1, 4]


def test_same_arrays_as_minidl_datasets():
    from minidl.datasets import mnist as core
    from minidl.keras import datasets

    (a, b), (c, d) = datasets.mnist.load_data()
    (a2, b2), (c2, d2) = core.load_data()
    for p, q in ((a, a2), (b, b2), (c, c2), (d, d2)):
        assert np.array_equal(p, q) and not np.shares_memory(p, q)


def test_keras_cache_file_name_is_accepted(tmp_path):
    from minidl.keras.datasets import mnist

    # In Keras `path` names the download cache file; nothing is downloaded here.
    (_, y_train), _ = mnist.load_data(path=str(tmp_path / "my-mnist.npz"))
    assert y_train[:3].tolist() == [5, 0, 4]


def test_directory_path_is_read(fake_mnist):
    from minidl.keras.datasets import mnist

    folder, arrays = fake_mnist
    (x_train, _), (_, y_test) = mnist.load_data(path=folder)
    np.testing.assert_array_equal(x_train, arrays["x_train"])
    np.testing.assert_array_equal(y_test, arrays["y_test"])
