"""Keras GRU and Bidirectional: Keras 3.15 reference values (hard-coded: CI installs no
Keras), a plain NumPy float64 GRU, finite differences, PyTorch's GRU where installed,
save/load, summary counts, a short fit, and the errors for bad input."""

from __future__ import annotations

import numpy as np
import pytest

import minidl as mdl
from minidl import keras
from minidl.keras import layers as L
from minidl.keras.models.summary import summary_text


@pytest.fixture
def float64():
    mdl.set_default_dtype("float64")
    yield
    mdl.set_default_dtype("float32")


def fixed(shape: tuple, offset: float) -> np.ndarray:
    """Deterministic weights without a random generator (the same ones were given to Keras)."""
    n = int(np.prod(shape))
    return (0.5 * np.sin(0.7 * np.arange(n) + offset)).reshape(shape).astype("float32")


X = fixed((2, 3, 2), 0.3) * 2


def with_fixed_weights(layer: L.Layer) -> L.Layer:
    layer.build((None, 3, 2))
    layer.set_weights([fixed(w.shape, 1 + i) for i, w in enumerate(layer.get_weights())])
    return layer


def sigmoid(z: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-z))


def numpy_keras_gru(x, kernel, recurrent, bias, reset_after=True):
    """Keras's GRU equations, gate by gate in float64: columns z, r, h."""
    x, kernel, recurrent, bias = (np.asarray(a, np.float64) for a in (x, kernel, recurrent, bias))
    units = recurrent.shape[0]
    z_, r_, h_ = (slice(i * units, (i + 1) * units) for i in range(3))
    b_in, b_rec = (bias[0], bias[1]) if reset_after else (bias, np.zeros_like(bias))
    h = np.zeros((x.shape[0], units))
    outputs = []
    for t in range(x.shape[1]):
        xt = x[:, t]
        z = sigmoid(xt @ kernel[:, z_] + b_in[z_] + h @ recurrent[:, z_] + b_rec[z_])
        r = sigmoid(xt @ kernel[:, r_] + b_in[r_] + h @ recurrent[:, r_] + b_rec[r_])
        if reset_after:
            candidate = np.tanh(xt @ kernel[:, h_] + b_in[h_] + r * (h @ recurrent[:, h_] + b_rec[h_]))
        else:
            candidate = np.tanh(xt @ kernel[:, h_] + b_in[h_] + (r * h) @ recurrent[:, h_])
        h = z * h + (1 - z) * candidate
        outputs.append(h)
    return np.stack(outputs, axis=1)


# name: (layer, output printed by Keras 3.15 for X and fixed() weights, rounded to 6 decimals)
KERAS_CASES = {
    "gru_seq": (
        lambda: L.GRU(2, return_sequences=True),
        [[[-0.02258, 0.003238], [-0.136543, -0.126439], [-0.280938, -0.179216]],
         [[-0.170408, 0.074471], [-0.110183, 0.135614], [-0.112762, -0.000417]]]),
    "gru_reset_before_backwards": (
        lambda: L.GRU(2, reset_after=False, go_backwards=True),
        [[-0.009694, 0.120955], [-0.157141, 0.259557]]),
    "gru_relu_hard_sigmoid": (
        lambda: L.GRU(2, activation="relu", recurrent_activation="hard_sigmoid", return_sequences=True),
        [[[0.0, 0.002695], [0.0, 0.001617], [0.0, 0.000908]],
         [[0.0, 0.060076], [0.0, 0.115139], [0.0, 0.067252]]]),
    "gru_state": (
        lambda: L.GRU(2, return_state=True),
        [[[-0.280938, -0.179216], [-0.112762, -0.000417]], [[-0.280938, -0.179216], [-0.112762, -0.000417]]]),
    "bi_gru_concat_seq": (
        lambda: L.Bidirectional(L.GRU(2, return_sequences=True), merge_mode="concat"),
        [[[-0.02258, 0.003238, 0.183242, 0.209308], [-0.136543, -0.126439, 0.352326, 0.404878],
          [-0.280938, -0.179216, 0.423745, 0.287149]],
         [[-0.170408, 0.074471, 0.406406, 0.10685], [-0.110183, 0.135614, 0.107815, 0.025919],
          [-0.112762, -0.000417, 0.054525, 0.121038]]]),
    "bi_gru_concat_last": (
        lambda: L.Bidirectional(L.GRU(2, return_sequences=False), merge_mode="concat"),
        [[-0.280938, -0.179216, 0.183242, 0.209308], [-0.112762, -0.000417, 0.406406, 0.10685]]),
    "bi_gru_sum_seq": (
        lambda: L.Bidirectional(L.GRU(2, return_sequences=True), merge_mode="sum"),
        [[[0.160662, 0.212546], [0.215783, 0.278439], [0.142807, 0.107933]],
         [[0.235998, 0.181321], [-0.002369, 0.161533], [-0.058237, 0.120621]]]),
    "bi_gru_sum_last": (
        lambda: L.Bidirectional(L.GRU(2, return_sequences=False), merge_mode="sum"),
        [[-0.097695, 0.030092], [0.293644, 0.106433]]),
    "bi_gru_mul_seq": (
        lambda: L.Bidirectional(L.GRU(2, return_sequences=True), merge_mode="mul"),
        [[[-0.004138, 0.000678], [-0.048108, -0.051192], [-0.119046, -0.051462]],
         [[-0.069255, 0.007957], [-0.011879, 0.003515], [-0.006148, -5e-05]]]),
    "bi_gru_mul_last": (
        lambda: L.Bidirectional(L.GRU(2, return_sequences=False), merge_mode="mul"),
        [[-0.05148, -0.037511], [-0.045827, -4.5e-05]]),
    "bi_gru_ave_seq": (
        lambda: L.Bidirectional(L.GRU(2, return_sequences=True), merge_mode="ave"),
        [[[0.080331, 0.106273], [0.107892, 0.13922], [0.071404, 0.053966]],
         [[0.117999, 0.09066], [-0.001184, 0.080767], [-0.029119, 0.060311]]]),
    "bi_gru_ave_last": (
        lambda: L.Bidirectional(L.GRU(2, return_sequences=False), merge_mode="ave"),
        [[-0.048848, 0.015046], [0.146822, 0.053217]]),
    "bi_gru_None_seq": (
        lambda: L.Bidirectional(L.GRU(2, return_sequences=True), merge_mode=None),
        [[[[-0.02258, 0.003238], [-0.136543, -0.126439], [-0.280938, -0.179216]],
          [[-0.170408, 0.074471], [-0.110183, 0.135614], [-0.112762, -0.000417]]],
         [[[0.183242, 0.209308], [0.352326, 0.404878], [0.423745, 0.287149]],
          [[0.406406, 0.10685], [0.107815, 0.025919], [0.054525, 0.121038]]]]),
    "bi_gru_None_last": (
        lambda: L.Bidirectional(L.GRU(2, return_sequences=False), merge_mode=None),
        [[[-0.280938, -0.179216], [-0.112762, -0.000417]], [[0.183242, 0.209308], [0.406406, 0.10685]]]),
    "bi_lstm_state": (
        lambda: L.Bidirectional(L.LSTM(2, return_sequences=True, return_state=True)),
        [[[[-0.0806, -0.083821, 0.141293, 0.11359], [-0.144068, -0.175161, 0.139543, 0.072161],
           [-0.10968, 0.004723, 0.055879, -0.032607]],
          [[0.016624, 0.125913, 0.058975, -0.081528], [-0.046662, 0.074182, 0.085298, 0.035797],
           [-0.123798, -0.14024, 0.090586, 0.103885]]],
         [[-0.10968, 0.004723], [-0.123798, -0.14024]], [[-0.163166, 0.007013], [-0.337722, -0.305741]],
         [[0.141293, 0.11359], [0.058975, -0.081528]], [[0.259196, 0.237974], [0.261142, -0.359273]]]),
    "bi_simple_rnn_sum": (
        lambda: L.Bidirectional(L.SimpleRNN(2), merge_mode="sum"),
        [[-0.101585, -0.185786], [1.088071, 0.958905]]),
    "bi_none_state": (
        lambda: L.Bidirectional(L.SimpleRNN(2, return_state=True), merge_mode=None),
        [[[0.166266, -0.243189], [0.622813, 0.257669]], [[-0.267851, 0.057403], [0.465258, 0.701236]],
         [[0.166266, -0.243189], [0.622813, 0.257669]], [[-0.267851, 0.057403], [0.465258, 0.701236]]]),
}


def as_list(out):
    return [o.numpy() for o in out] if isinstance(out, (list, tuple)) else out.numpy()


@pytest.mark.parametrize("name", list(KERAS_CASES))
def test_matches_keras_3(name):
    make, expected = KERAS_CASES[name]
    got = as_list(with_fixed_weights(make())(X))
    if isinstance(got, list):
        assert len(got) == len(expected)
        for g, e in zip(got, expected):
            np.testing.assert_allclose(g, e, atol=2e-6)
    else:
        np.testing.assert_allclose(got, expected, atol=2e-6)


# -- GRU ----------------------------------------------------------------------------------------
def test_gru_weights_as_keras():
    layer = L.GRU(4)
    layer.build((None, 5, 3))
    assert [w.shape for w in layer.get_weights()] == [(3, 12), (4, 12), (2, 12)]
    assert layer.count_params() == 108  # Keras 3.15: GRU(4) on 3 features
    assert not layer.get_weights()[2].any()  # zero biases
    before = L.GRU(4, reset_after=False)
    before.build((None, 5, 3))
    assert [w.shape for w in before.get_weights()] == [(3, 12), (4, 12), (12,)]
    assert before.count_params() == 96
    no_bias = L.GRU(4, use_bias=False)
    no_bias.build((None, 5, 3))
    assert [w.shape for w in no_bias.get_weights()] == [(3, 12), (4, 12)]


@pytest.mark.parametrize("reset_after", [True, False])
def test_gru_matches_numpy_float64(float64, reset_after):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(3, 5, 2))
    layer = L.GRU(4, return_sequences=True, reset_after=reset_after)
    layer.build((None, 5, 2))
    weights = [rng.normal(size=w.shape) * 0.5 for w in layer.get_weights()]
    layer.set_weights(weights)
    np.testing.assert_allclose(layer(x).numpy(), numpy_keras_gru(x, *weights, reset_after=reset_after),
                               rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("make", [
    lambda: L.GRU(3, return_sequences=True),
    lambda: L.GRU(3, reset_after=False, go_backwards=True),
    lambda: L.Bidirectional(L.GRU(2, return_sequences=True), merge_mode="mul"),
    lambda: L.Bidirectional(L.LSTM(2), merge_mode="ave"),
    lambda: L.Bidirectional(L.SimpleRNN(2, return_sequences=True)),
], ids=["gru", "gru_reset_before", "bi_gru_mul", "bi_lstm_ave", "bi_simple_concat"])
def test_input_and_weight_gradients_match_finite_differences(float64, make):
    rng = np.random.default_rng(1)
    layer = make()
    layer.build((None, 4, 2))
    layer.set_weights([rng.normal(size=w.shape) * 0.6 for w in layer.get_weights()])
    x = mdl.tensor(rng.normal(size=(2, 4, 2)), requires_grad=True)
    project = mdl.tensor(rng.normal(size=layer(x).shape))
    assert mdl.gradcheck(lambda x: (layer(x) * project).sum(), x)

    # gradcheck copies its inputs, so the layer's own weights are checked here by central differences
    layer.zero_grad()  # gradcheck's backward pass left its own gradients there
    (layer(x) * project).sum().backward()
    eps = 1e-6
    for weight in layer.weights:
        flat, numeric = weight.data.reshape(-1), np.zeros(weight.size)
        for j in range(weight.size):
            original = flat[j]
            flat[j] = original + eps
            plus = (layer(x) * project).sum().item()
            flat[j] = original - eps
            minus = (layer(x) * project).sum().item()
            flat[j] = original
            numeric[j] = (plus - minus) / (2 * eps)
        np.testing.assert_allclose(weight.grad.numpy().reshape(-1), numeric, rtol=1e-5, atol=1e-7,
                                   err_msg=weight.name)


def test_keras_gru_matches_pytorch(torch):
    layer = L.GRU(3, return_sequences=True)
    layer.build((None, 4, 2))
    rng = np.random.default_rng(2)
    kernel, recurrent, bias = (rng.normal(size=w.shape) for w in layer.get_weights())
    layer.set_weights([kernel, recurrent, bias])
    reorder = np.r_[3:6, 0:3, 6:9]  # Keras's columns z, r, h -> PyTorch's rows r, z, n
    ref = torch.nn.GRU(2, 3, batch_first=True).double()
    with torch.no_grad():
        ref.weight_ih_l0.copy_(torch.from_numpy(kernel[:, reorder].T))
        ref.weight_hh_l0.copy_(torch.from_numpy(recurrent[:, reorder].T))
        ref.bias_ih_l0.copy_(torch.from_numpy(bias[0, reorder]))
        ref.bias_hh_l0.copy_(torch.from_numpy(bias[1, reorder]))
        x = rng.normal(size=(2, 4, 2))
        expected = ref(torch.from_numpy(x))[0].numpy()
    np.testing.assert_allclose(layer(x.astype("float32")).numpy(), expected, atol=1e-5)


def test_gru_config_round_trip():
    layer = L.GRU(3, activation="relu", recurrent_activation="hard_sigmoid", reset_after=False,
                  return_sequences=True, go_backwards=True, dropout=0.25, name="g")
    config = layer.get_config()
    assert {k: config[k] for k in ("units", "activation", "recurrent_activation", "reset_after")} == {
        "units": 3, "activation": "relu", "recurrent_activation": "hard_sigmoid", "reset_after": False}
    clone = L.GRU.from_config(config)
    assert clone.get_config() == config


# -- Bidirectional --------------------------------------------------------------------------------
def test_bidirectional_layers_names_and_weight_order_as_keras():
    template = L.LSTM(2, return_sequences=True, name="lstm")
    bi = L.Bidirectional(template)
    bi.build((None, 3, 2))
    assert (bi.forward_layer.name, bi.backward_layer.name) == ("forward_lstm", "backward_lstm")
    assert bi.forward_layer is not template and not bi.forward_layer.go_backwards and bi.backward_layer.go_backwards
    assert [w.name for w in bi.weights] == [f"{d}_lstm/{n}" for d in ("forward", "backward")
                                            for n in ("kernel", "recurrent_kernel", "bias")]
    assert bi.return_sequences and not bi.return_state


def test_bidirectional_counts_and_summary_as_keras():
    model = keras.Sequential([keras.Input((5, 3)), L.Bidirectional(L.GRU(4, return_sequences=True)),
                              L.Bidirectional(L.LSTM(3)), L.Dense(1)])
    assert [layer.count_params() for layer in model.layers] == [216, 288, 7]  # Keras 3.15
    assert model.count_params() == 511
    assert model.layers[0].output_shape == (None, 5, 8) and model.layers[1].output_shape == (None, 6)
    text = summary_text(model)
    assert "(Bidirectional)" in text and "216" in text and "Total params: 511" in text


def test_bidirectional_input_shape_on_the_wrapper_or_the_wrapped_layer():
    for first in (L.Bidirectional(L.GRU(2, return_sequences=True), input_shape=(3, 2)),
                  L.Bidirectional(L.GRU(2, return_sequences=True, input_shape=(3, 2)))):
        model = keras.Sequential([first, L.Dense(1)])
        assert model.built and model.layers[0].output_shape == (None, 3, 4)
        assert model.predict(X, verbose=0).shape == (2, 3, 1)


def test_bidirectional_trainable_false_freezes_both_directions():
    bi = with_fixed_weights(L.Bidirectional(L.GRU(2)))
    bi.trainable = False
    assert bi.trainable_weights == [] and len(bi.non_trainable_weights) == 6


def test_bidirectional_return_state_in_a_functional_model():
    inputs = keras.Input((3, 2))
    outputs = L.Bidirectional(L.GRU(2, return_state=True), merge_mode=None)(inputs)
    assert [o.shape for o in outputs] == [(None, 2)] * 4  # y, y', forward h, backward h
    model = keras.Model(inputs, outputs)
    assert len(model.predict(X, verbose=0)) == 4


def test_bidirectional_initial_state_goes_forward_then_backward():
    bi = with_fixed_weights(L.Bidirectional(L.GRU(2), merge_mode="concat"))
    h_forward, h_backward = fixed((2, 2), 5.0), fixed((2, 2), 6.0)
    got = bi(X, initial_state=[h_forward, h_backward]).numpy()
    np.testing.assert_allclose(got[:, :2], bi.forward_layer(X, initial_state=[h_forward]).numpy())
    np.testing.assert_allclose(got[:, 2:], bi.backward_layer(X, initial_state=[h_backward]).numpy())
    with pytest.raises(ValueError, match="expects 2 initial states"):
        bi(X, initial_state=[h_forward])


def test_save_and_load_keep_predictions_and_config(tmp_path):
    mdl.manual_seed(0)
    model = keras.Sequential([
        keras.Input((4, 3)),
        L.Bidirectional(L.GRU(3, return_sequences=True, reset_after=False), merge_mode="sum"),
        L.Bidirectional(L.LSTM(2), backward_layer=L.LSTM(2, go_backwards=True, activation="relu")),
        L.Dense(1),
    ])
    x = np.random.default_rng(3).normal(size=(5, 4, 3)).astype("float32")
    path = str(tmp_path / "bi.keras")
    model.save(path)
    loaded = keras.models.load_model(path)
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
    assert loaded.get_config() == model.get_config()
    assert loaded.layers[1].backward_layer.get_config()["activation"] == "relu"


def test_fit_lowers_the_loss():
    mdl.manual_seed(0)
    rng = np.random.default_rng(4)
    x = rng.uniform(-1, 1, size=(64, 6, 1)).astype("float32")
    y = (x[:, 0] - x[:, -1]).astype("float32")  # needs both ends of the sequence
    model = keras.Sequential([keras.Input((6, 1)), L.Bidirectional(L.GRU(8)), L.Dense(1)])
    model.compile(keras.optimizers.Adam(0.02), "mse")
    history = model.fit(x, y, epochs=15, batch_size=16, verbose=0)
    assert history.history["loss"][-1] < 0.3 * history.history["loss"][0]


# -- errors ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("layer", [lambda: L.GRU(2), lambda: L.Bidirectional(L.GRU(2))], ids=["gru", "bi"])
def test_wrong_input_rank_and_width(layer):
    built = layer()
    with pytest.raises(ValueError, match=r"expected 3-D input \(batch, time, features\)"):
        built(np.zeros((2, 3), "float32"))
    built = layer()
    built(np.zeros((2, 3, 2), "float32"))
    with pytest.raises(ValueError, match=r"expected input of shape \(batch, time, 2\), got shape \(2, 3, 5\)"):
        built(np.zeros((2, 3, 5), "float32"))


def test_bidirectional_argument_errors():
    with pytest.raises(ValueError, match="merge_mode must be one of"):
        L.Bidirectional(L.GRU(2), merge_mode="max")
    with pytest.raises(ValueError, match="recurrent layer instance.*Dense"):
        L.Bidirectional(L.Dense(2))
    with pytest.raises(ValueError, match="recurrent layer instance"):
        L.Bidirectional(L.GRU)
    with pytest.raises(ValueError, match="different go_backwards"):
        L.Bidirectional(L.GRU(2), backward_layer=L.GRU(2))
    with pytest.raises(ValueError, match="same return_sequences"):
        L.Bidirectional(L.GRU(2), backward_layer=L.GRU(2, go_backwards=True, return_sequences=True))
    with pytest.raises(ValueError, match="weights="):
        L.Bidirectional(L.GRU(2), weights=[np.zeros(1)])
    with pytest.raises(ValueError, match="unknown layer class 'Nope'"):
        L.Bidirectional.from_config({"layer": {"class_name": "Nope", "config": {}}})


def test_gru_argument_errors():
    with pytest.raises(ValueError, match="units must be a positive int"):
        L.GRU(0)
    with pytest.raises(ValueError, match="recurrent_activation|Unknown activation|unknown activation"):
        L.GRU(2, recurrent_activation="nope")
