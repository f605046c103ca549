"""Keras masking: Embedding(mask_zero=True), Masking, and the recurrent layers, Bidirectional and
GlobalAveragePooling1D that honour the mask.  Values are pinned to Keras 3.15 (JAX backend; the
numbers were printed once with real Keras and are hard-coded, as CI installs no Keras), with the
same weights given to both through ``set_weights``; gradients are checked by finite differences
in float64; the training run matches Keras's losses step for step."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import minidl as mdl
from minidl import keras
from minidl.errors import ShapeError
from minidl.keras import layers as L
from minidl.keras.layers.masking import get_mask
from minidl.keras.models.summary import summary_text

# Right padding, right padding, no padding, left padding (id 0 is the padding).
IDS = np.array([[3, 1, 4, 0, 0], [2, 5, 0, 0, 0], [1, 2, 3, 4, 5], [0, 0, 3, 2, 1]])
TRAIN_IDS = np.array([[6, 7, 9, 6, 7, 8], [1, 3, 3, 0, 0, 0], [9, 1, 5, 8, 2, 8], [5, 8, 0, 0, 0, 0],
                      [4, 3, 7, 0, 0, 0], [9, 5, 5, 0, 0, 0], [6, 5, 5, 9, 0, 0], [8, 7, 6, 4, 9, 5]])
TRAIN_Y = np.array([1, 1, 1, 1, 0, 1, 1, 1], dtype=np.float32)
TRAIN_LOSS = [0.4783, 0.434575, 0.409013, 0.392941]  # Keras: SGD(0.5), batch 4, shuffle=False, 4 epochs

KERAS = {  # name: (shape, values), printed by Keras 3.15 (JAX backend) for the models below
    'SimpleRNN_seq': ((4, 5, 4), [
        -0.186092, 0.301211, 0.027457, -0.340618, 0.409132, -0.315384, 0.198527, -0.673124, -0.100933,
        0.415903, 0.456684, -0.143252, -0.100933, 0.415903, 0.456684, -0.143252, -0.100933, 0.415903,
        0.456684, -0.143252, -0.080911, 0.176571, 0.112169, -0.440456, -0.061715, 0.054687, -0.122362,
        -0.080795, -0.061715, 0.054687, -0.122362, -0.080795, -0.061715, 0.054687, -0.122362, -0.080795,
        -0.061715, 0.054687, -0.122362, -0.080795, 0.364178, -0.38356, 0.368247, -0.62779, -0.053385,
        0.508779, 0.553224, -0.143584, -0.346625, 0.265816, 0.013517, -0.310012, 0.00221, 0.234474,
        -0.187105, -0.461125, -0.066641, -0.03938, -0.227436, -0.183881, 0, 0, 0, 0, 0, 0, 0, 0, -0.186092,
        0.301211, 0.027457, -0.340618, -0.028207, 0.250696, -0.072425, -0.501622, 0.404129, -0.293726,
        0.255363, -0.665865]),
    'SimpleRNN_last': ((4, 4), [
        -0.100933, 0.415903, 0.456684, -0.143252, -0.061715, 0.054687, -0.122362, -0.080795, -0.066641,
        -0.03938, -0.227436, -0.183881, 0.404129, -0.293726, 0.255363, -0.665865]),
    'LSTM_seq': ((4, 5, 4), [
        0.077576, 0.064753, -0.091211, -0.041598, 0.12348, 0.017889, -0.210477, 0.07072, 0.18543, 0.144188,
        -0.181702, -0.028531, 0.18543, 0.144188, -0.181702, -0.028531, 0.18543, 0.144188, -0.181702,
        -0.028531, 0.074049, -0.045596, -0.135307, 0.063764, 0.095913, 0.050487, -0.113028, 0.023613,
        0.095913, 0.050487, -0.113028, 0.023613, 0.095913, 0.050487, -0.113028, 0.023613, 0.095913,
        0.050487, -0.113028, 0.023613, 0.077855, -0.047956, -0.134406, 0.067853, 0.123759, -0.05667,
        -0.226159, 0.101484, 0.152308, 0.054075, -0.224947, 0.063607, 0.201738, 0.171568, -0.211905,
        -0.03646, 0.16396, 0.171434, -0.156195, -0.00354, 0, 0, 0, 0, 0, 0, 0, 0, 0.077576, 0.064753,
        -0.091211, -0.041598, 0.119774, 0.020409, -0.211145, 0.066534, 0.151033, 0.003389, -0.27277,
        0.113153]),
    'LSTM_last': ((4, 4), [
        0.18543, 0.144188, -0.181702, -0.028531, 0.095913, 0.050487, -0.113028, 0.023613, 0.16396, 0.171434,
        -0.156195, -0.00354, 0.151033, 0.003389, -0.27277, 0.113153]),
    'GRU_seq': ((4, 5, 4), [
        -0.208797, 0.162252, 0.044648, -0.106361, -0.408829, 0.104111, 0.153209, -0.200057, -0.497529,
        -0.001505, 0.150047, -0.071824, -0.497529, -0.001505, 0.150047, -0.071824, -0.497529, -0.001505,
        0.150047, -0.071824, -0.158887, 0.036933, -0.030486, 0.047424, -0.301763, 0.007979, -0.04744,
        0.071743, -0.301763, 0.007979, -0.04744, 0.071743, -0.301763, 0.007979, -0.04744, 0.071743,
        -0.301763, 0.007979, -0.04744, 0.071743, -0.26409, 0.040603, 0.139902, -0.126194, -0.269014,
        0.035894, 0.032442, -0.010993, -0.33573, 0.160784, 0.062293, -0.117207, -0.461266, 0.039246,
        0.117577, -0.065047, -0.437361, -0.014665, 0.022352, 0.038014, 0, 0, 0, 0, 0, 0, 0, 0, -0.208797,
        0.162252, 0.044648, -0.106361, -0.261974, 0.099046, -0.011061, -0.029179, -0.441087, 0.073559,
        0.136313, -0.157016]),
    'GRU_last': ((4, 4), [
        -0.497529, -0.001505, 0.150047, -0.071824, -0.301763, 0.007979, -0.04744, 0.071743, -0.437361,
        -0.014665, 0.022352, 0.038014, -0.441087, 0.073559, 0.136313, -0.157016]),
    'LSTM_backwards_seq': ((4, 5, 4), [
        0, 0, 0, 0, 0, 0, 0, 0, 0.123248, 0.112739, -0.053064, -0.124944, 0.143572, 0.045276, -0.182919,
        0.050653, 0.156493, 0.115946, -0.195644, 0.029239, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0.047971,
        0.063559, -0.039622, -0.043082, 0.101949, 0.016939, -0.172319, 0.061457, 0.047971, 0.063559,
        -0.039622, -0.043082, 0.146752, 0.170394, -0.079822, -0.132863, 0.150361, 0.186712, -0.139446,
        -0.069551, 0.159775, 0.12328, -0.245422, 0.071494, 0.171802, 0.083213, -0.290381, 0.121382,
        0.077855, -0.047956, -0.134406, 0.067853, 0.123759, -0.05667, -0.226159, 0.101484, 0.152308,
        0.054075, -0.224947, 0.063607, 0.152308, 0.054075, -0.224947, 0.063607, 0.152308, 0.054075,
        -0.224947, 0.063607]),
    'X': ((2, 4, 3), [
        0.12573, -0.132105, 0.640423, 0, 0, 0, 1.304, 0.947081, -0.703735, 0, 0, 0, 0, 0, 0, -0.732267,
        -0.544259, -0.3163, 0.411631, 1.042513, -0.128535, 1.366463, -0.665195, 0.35151]),
    'Masking_LSTM_seq': ((2, 4, 4), [
        -0.058188, -0.089707, -0.015735, 0.032046, -0.058188, -0.089707, -0.015735, 0.032046, -0.023887,
        -0.014358, -0.039235, 0.081218, -0.023887, -0.014358, -0.039235, 0.081218, 0, 0, 0, 0, -0.111989,
        -0.021638, -0.214509, 0.164208, -0.084301, -0.02522, -0.102331, 0.09045, -0.038279, -0.120677,
        -0.032402, 0.08826]),
    'Masking_LSTM_last': ((2, 4), [
        -0.023887, -0.014358, -0.039235, 0.081218, -0.038279, -0.120677, -0.032402, 0.08826]),
    'Bi_LSTM_seq': ((4, 5, 6), [
        0.125287, 0.004348, 0.101621, 0.115113, -0.14152, -0.105725, 0.130825, -0.050554, 0.219057,
        0.151744, -0.102726, -0.079711, 0.175957, -0.099919, 0.220403, 0.086745, -0.073446, -0.002252, 0, 0,
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0.115885, 0.032749, 0.02802, 0.026723, -0.129919, -0.10799, 0.150984,
        -0.059382, 0.168205, 0.101451, -0.058156, -0.058985, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        0, 0, 0.079495, -0.047286, 0.175533, 0.119826, -0.181892, -0.098775, 0.163475, 0.014537, 0.105589,
        0.018873, -0.188109, -0.105456, 0.211017, 0.003517, 0.15792, 0.105348, -0.140407, -0.077355,
        0.218483, -0.09246, 0.20526, 0.136058, -0.111414, -0.025453, 0.182004, -0.1076, 0.244359, 0.101451,
        -0.058156, -0.058985, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0.125287, 0.004348, 0.101621, 0.045122,
        -0.15672, -0.107446, 0.184287, 0.030928, 0.087705, 0.029484, -0.126224, -0.121983, 0.156374,
        -0.043668, 0.213131, 0.105233, -0.051669, -0.080058]),
    'Bi_LSTM_last': ((4, 6), [
        0.175957, -0.099919, 0.220403, 0.115113, -0.14152, -0.105725, 0.150984, -0.059382, 0.168205,
        0.026723, -0.129919, -0.10799, 0.182004, -0.1076, 0.244359, 0.119826, -0.181892, -0.098775,
        0.156374, -0.043668, 0.213131, 0.045122, -0.15672, -0.107446]),
    'Bi_GRU_sum_seq': ((4, 5, 3), [
        -0.149978, 0.200461, 0.345844, 0.016124, 0.207459, -0.171473, 0.04334, 0.255717, 0.0252, 0, 0, 0, 0,
        0, 0, -0.084136, -0.079531, 0.53597, 0.169925, -0.193382, 0.097299, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        -0.007222, 0.38156, -0.039297, -0.127839, 0.192882, 0.595766, -0.145643, 0.094944, 0.494154,
        0.072118, 0.090807, 0.17082, 0.259899, -0.150208, 0.079296, 0, 0, 0, 0, 0, 0, -0.192919, 0.171483,
        0.523909, -0.07921, -0.118009, 0.433516, 0.15468, -0.045459, -0.164121]),
    'GAP1D': ((4, 3), [
        -0.028984, -0.261955, -0.168504, -0.123027, -0.270242, 0.226877, -0.066601, -0.26527, -0.010352,
        -0.093615, -0.14353, 0.053163]),
    'Dense_LSTM': ((4, 2), [
        -0.188327, 0.112778, -0.164202, 0.115672, -0.182119, 0.142239, -0.175465, 0.126445]),
    'TRAIN_PRED': ((8, 1), [
        0.808891, 0.801748, 0.813679, 0.793138, 0.778467, 0.798258, 0.808987, 0.809582]),
}


def keras_value(name: str) -> np.ndarray:
    shape, values = KERAS[name]
    return np.array(values, dtype=np.float64).reshape(shape)


def weights_for(model: keras.Model, seed: int) -> None:
    """The weights Keras was given: U(-0.6, 0.6) from NumPy's generator, in get_weights() order."""
    rng = np.random.default_rng(seed)
    model.set_weights([rng.uniform(-0.6, 0.6, size=w.shape).astype(np.float32) for w in model.get_weights()])


def run(layers: list, x: np.ndarray, seed: int) -> np.ndarray:
    model = keras.Sequential([L.Input(shape=x.shape[1:], dtype=x.dtype), *layers])
    weights_for(model, seed)
    return model.predict(x, verbose=0)


@pytest.fixture
def float64():
    mdl.set_default_dtype("float64")
    yield
    mdl.set_default_dtype("float32")


@pytest.mark.parametrize("seed, kind", [(10, "SimpleRNN"), (11, "LSTM"), (12, "GRU")])
@pytest.mark.parametrize("return_sequences", [True, False])
def test_embedding_mask_zero_and_recurrent_layers_match_keras(seed, kind, return_sequences):
    out = run([L.Embedding(6, 3, mask_zero=True), getattr(L, kind)(4, return_sequences=return_sequences)], IDS, seed)
    np.testing.assert_allclose(out, keras_value(f"{kind}_{'seq' if return_sequences else 'last'}"), atol=2e-6)


def test_masked_steps_carry_the_state_and_repeat_the_output():
    out = run([L.Embedding(6, 3, mask_zero=True), L.LSTM(4, return_sequences=True)], IDS, 11)
    np.testing.assert_array_equal(out[0, 3], out[0, 2])  # right padding: the last real output, repeated
    np.testing.assert_array_equal(out[3, :2], 0)         # left padding: the zero initial state
    last = run([L.Embedding(6, 3, mask_zero=True), L.LSTM(4)], IDS, 11)
    np.testing.assert_array_equal(last, out[:, -1])


def test_go_backwards_with_right_padding_matches_keras():
    layers = [L.Embedding(6, 3, mask_zero=True), L.LSTM(4, return_sequences=True, go_backwards=True)]
    np.testing.assert_allclose(run(layers, IDS, 11), keras_value("LSTM_backwards_seq"), atol=2e-6)


def test_masking_layer_and_lstm_match_keras():
    x = keras_value("X").astype(np.float32)
    seq = run([L.Masking(0.0), L.LSTM(4, return_sequences=True)], x, 20)
    np.testing.assert_allclose(seq, keras_value("Masking_LSTM_seq"), atol=2e-6)
    np.testing.assert_allclose(run([L.Masking(0.0), L.LSTM(4)], x, 20), keras_value("Masking_LSTM_last"), atol=2e-6)


def test_masking_layer_mask_and_zeroed_output():
    x = np.array([[[1.0, 2.0], [-1.0, -1.0], [0.0, -1.0]]], dtype=np.float32)
    layer = L.Masking(mask_value=-1.0)
    y = layer(x)
    np.testing.assert_array_equal(get_mask(y).numpy(), [[True, False, True]])
    np.testing.assert_array_equal(y.numpy(), [[[1, 2], [0, 0], [0, -1]]])
    np.testing.assert_array_equal(layer.compute_mask(x).numpy(), [[True, False, True]])
    assert L.Masking.from_config(layer.get_config()).mask_value == -1.0


@pytest.mark.parametrize("return_sequences", [True, False])
def test_bidirectional_lstm_with_mask_matches_keras(return_sequences):
    layers = [L.Embedding(6, 3, mask_zero=True), L.Bidirectional(L.LSTM(3, return_sequences=return_sequences))]
    out = run(layers, IDS, 30)
    np.testing.assert_allclose(out, keras_value(f"Bi_LSTM_{'seq' if return_sequences else 'last'}"), atol=2e-6)


def test_bidirectional_gru_sum_with_mask_matches_keras():
    layers = [L.Embedding(6, 3, mask_zero=True), L.Bidirectional(L.GRU(3, return_sequences=True), merge_mode="sum")]
    out = run(layers, IDS, 31)
    np.testing.assert_allclose(out, keras_value("Bi_GRU_sum_seq"), atol=2e-6)
    np.testing.assert_array_equal(out[1, 2:], 0)  # as Keras: zeros on masked steps when returning sequences


def test_global_average_pooling_1d_averages_valid_steps():
    model = keras.Sequential([L.Input(shape=(5,), dtype="int32"), L.Embedding(6, 3, mask_zero=True),
                              L.GlobalAveragePooling1D()])
    weights_for(model, 40)
    out = model.predict(IDS, verbose=0)
    np.testing.assert_allclose(out, keras_value("GAP1D"), atol=2e-6)
    table = model.get_weights()[0].astype(np.float64)
    expected = [table[row[row != 0]].mean(axis=0) for row in IDS]  # plain NumPy: the real tokens only
    np.testing.assert_allclose(out, expected, atol=1e-6)


def test_mask_passes_through_dense_and_dropout():
    layers = [L.Embedding(6, 3, mask_zero=True), L.Dense(5, activation="tanh"), L.Dropout(0.5), L.LSTM(2)]
    np.testing.assert_allclose(run(layers, IDS, 50), keras_value("Dense_LSTM"), atol=2e-6)


def test_functional_model_carries_the_mask():
    ids = L.Input(shape=(None,), dtype="int32")
    hidden = L.LSTM(4, return_sequences=True)(L.Dense(3, activation="tanh")(L.Embedding(6, 3, mask_zero=True)(ids)))
    model = keras.Model(ids, L.Add()([hidden, hidden]))
    reference = keras.Sequential([L.Input(shape=(5,), dtype="int32"), L.Embedding(6, 3, mask_zero=True),
                                  L.Dense(3, activation="tanh"), L.LSTM(4, return_sequences=True)])
    weights_for(reference, 3)
    model.set_weights(reference.get_weights())
    out = model(IDS)
    np.testing.assert_allclose(out.numpy(), 2 * reference.predict(IDS, verbose=0), atol=1e-6)
    np.testing.assert_array_equal(get_mask(out).numpy(), IDS != 0)  # Add gives the AND of its inputs' masks


def test_eager_calls_and_the_mask_argument():
    embedding, lstm = L.Embedding(6, 3, mask_zero=True), L.LSTM(4, return_sequences=True)
    from_embedding = lstm(embedding(IDS)).numpy()
    vectors = embedding(IDS).numpy()  # a new tensor: no mask attached to the array
    np.testing.assert_array_equal(lstm(vectors, mask=IDS != 0).numpy(), from_embedding)
    everything = np.ones(IDS.shape, dtype=bool)
    np.testing.assert_allclose(lstm(vectors, mask=everything).numpy(), lstm(vectors).numpy(), atol=1e-6)
    assert get_mask(lstm(vectors)) is None
    np.testing.assert_array_equal(embedding.compute_mask(IDS).numpy(), IDS != 0)


def test_masked_lstm_gradients_by_finite_differences(float64):
    rng = np.random.default_rng(0)
    layer = L.LSTM(3, return_sequences=True)
    layer.build((None, 4, 2))
    layer.set_weights([rng.normal(size=w.shape) * 0.6 for w in layer.get_weights()])
    mask = np.array([[True, True, False, False], [False, True, True, True]])
    x = mdl.tensor(rng.normal(size=(2, 4, 2)), requires_grad=True)
    project = mdl.tensor(rng.normal(size=(2, 4, 3)))

    def loss() -> mdl.Tensor:
        return (layer(x, mask=mask) * project).sum()

    assert mdl.gradcheck(lambda x: (layer(x, mask=mask) * project).sum(), x)
    x.grad = None
    layer.zero_grad()  # gradcheck's backward passes left their gradients on the weights
    loss().backward()
    np.testing.assert_array_equal(x.grad.numpy()[~mask], 0)  # a masked step's input does not count
    eps = 1e-6
    for weight in layer.weights:  # gradcheck copies its inputs: the weights by central differences
        flat, numeric = weight.data.reshape(-1), np.zeros(weight.size)
        for j in range(weight.size):
            original = flat[j]
            flat[j] = original + eps
            plus = loss().item()
            flat[j] = original - eps
            minus = loss().item()
            flat[j] = original
            numeric[j] = (plus - minus) / (2 * eps)
        np.testing.assert_allclose(weight.grad.numpy().reshape(-1), numeric, rtol=1e-5, atol=1e-7)


def test_fit_on_padded_sequences_matches_keras():
    model = keras.Sequential([L.Input(shape=(6,), dtype="int32"), L.Embedding(10, 4, mask_zero=True), L.LSTM(5),
                              L.Dense(1, activation="sigmoid")])
    weights_for(model, 60)
    model.compile(optimizer=keras.optimizers.SGD(0.5), loss="binary_crossentropy")
    history = model.fit(TRAIN_IDS, TRAIN_Y, batch_size=4, epochs=4, shuffle=False, verbose=0)
    np.testing.assert_allclose(history.history["loss"], TRAIN_LOSS, atol=2e-6)
    np.testing.assert_allclose(model.predict(TRAIN_IDS, verbose=0), keras_value("TRAIN_PRED"), atol=2e-6)


def test_save_load_summary_and_config(tmp_path):
    model = keras.Sequential([L.Input(shape=(5,), dtype="int32"), L.Embedding(6, 3, mask_zero=True),
                              L.Bidirectional(L.GRU(2, return_sequences=True)), L.GlobalAveragePooling1D()])
    assert model.layers[0].get_config()["mask_zero"] is True
    assert "(None, 5, 4)" in summary_text(model)
    path = tmp_path / "masked.keras"
    model.save(path)
    loaded = keras.models.load_model(path)
    assert loaded.layers[0].mask_zero
    np.testing.assert_array_equal(loaded.predict(IDS, verbose=0), model.predict(IDS, verbose=0))
    masking = keras.Sequential([L.Input(shape=(4, 3)), L.Masking(0.0), L.LSTM(2)])
    masking.save(tmp_path / "masking.keras")
    x = keras_value("X").astype(np.float32)
    np.testing.assert_array_equal(keras.models.load_model(tmp_path / "masking.keras").predict(x, verbose=0),
                                  masking.predict(x, verbose=0))


def test_onnx_export_refuses_masks(tmp_path):
    pytest.importorskip("onnx")
    from minidl.onnx import ExportError

    model = keras.Sequential([L.Input(shape=(4, 3)), L.Masking(0.0), L.Dense(2)])
    with pytest.raises(ExportError, match="mask of padded steps"):
        model.export(str(tmp_path / "m.onnx"))


def test_a_layer_without_mask_support_ends_the_mask_with_a_warning():
    model = keras.Sequential([L.Input(shape=(5,), dtype="int32"), L.Embedding(6, 3, mask_zero=True),
                              L.Flatten(), L.Dense(2)])
    with pytest.warns(UserWarning, match="does not support masking"):
        model.predict(IDS, verbose=0)
    plain = keras.Sequential([L.Input(shape=(5,), dtype="int32"), L.Embedding(6, 3), L.Flatten(), L.Dense(2)])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        plain.predict(IDS, verbose=0)


def test_bad_inputs():
    with pytest.raises(TypeError, match="mask_zero"):
        L.Embedding(6, 3, mask_zero="true")
    with pytest.raises(TypeError, match="mask_value"):
        L.Masking(mask_value="pad")
    with pytest.raises(TypeError, match="mask_value"):
        L.Masking(mask_value=None)
    with pytest.raises(TypeError, match="numeric input"):
        L.Masking()(np.array([[[True, False]]]))
    with pytest.raises(ShapeError, match="batch, time, features"):
        L.Masking()(np.zeros((2, 3), dtype=np.float32))
    lstm = L.LSTM(2)
    x = np.zeros((2, 4, 3), dtype=np.float32)
    with pytest.raises(ShapeError, match=r"mask must have shape \(batch, time\) = \(2, 4\)"):
        lstm(x, mask=np.ones((2, 3), dtype=bool))
    with pytest.raises(TypeError, match="mask must hold booleans"):
        lstm(x, mask=np.ones((2, 4)))
    with pytest.raises(ShapeError, match="mask must have shape"):
        L.Bidirectional(L.LSTM(2))(x, mask=np.ones((4, 2), dtype=bool))
    with pytest.raises(ShapeError, match="mask must have shape"):
        L.GlobalAveragePooling1D()(x, mask=np.ones(2, dtype=bool))
