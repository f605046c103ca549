# comprobaciones: densa_dif_nn<1e-5, densa_dif_keras<1e-5, colapso_lineal_dif<1e-4, grad_relu_sobre_sigmoide>10, parametros_coinciden>=1, flujo_dif<1e-5, r2_salida_lineal>=0.9, r2_salida_sigmoide<0.5, suma_probabilidades_error<1e-5, acc_espirales>=0.9, acc_binaria>=0.9
# %% [markdown]
# # Unidad 4 — Construcción de redes neuronales en Python
#
# Una red neuronal densa es una composición de piezas pequeñas: productos de matrices, sumas de
# sesgos y funciones de activación. En esta unidad la construimos **primero a mano, con
# tensores**, y después con **capas** (`minidl.nn` y `minidl.keras`), comprobando que dan
# exactamente los mismos números. Después vemos cómo debe ser la **salida** de la red según el
# problema: regresión o clasificación.
#
# **Cómo ejecutarlo** (desde cualquier carpeta):
#
# ```
# python tutorials/04_redes.py                 # modo completo
# MINIDL_FAST=1 python tutorials/04_redes.py   # modo rápido (menos de un minuto)
# ```
#
# Las figuras van a `tutorials/output/04_redes/`. Las cifras citadas salen de una ejecución en
# modo completo.

# %%
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent if "__file__" in globals() else Path.cwd()))
import matplotlib.pyplot as plt
import numpy as np
from _comun import RAPIDO, carpeta_salida, guardar_figura, resultado, segun_modo

import minidl as mdl
import minidl.functional as F
from minidl import datasets, keras, metrics, nn, optim
from minidl.keras import layers, models

TUTORIAL = "04_redes"
print("modo rápido" if RAPIDO else "modo completo", "· salida en", carpeta_salida(TUTORIAL))


def entrenar(modelo, X, y, perdida, pasos, lr=0.01):
    """Entrenamiento por lotes completos con Adam (el bucle se explica en la Unidad 5)."""
    opt = optim.Adam(modelo.parameters(), lr=lr)
    Xt = mdl.tensor(X)
    for _ in range(pasos):
        opt.zero_grad()
        loss = perdida(modelo(Xt), y)
        loss.backward()
        opt.step()
    return loss.item()


# %% [markdown]
# ## 4.1 — Definir una red neuronal
#
# ## Lección 4.1.1 — Capas densas
#
# Una **neurona** calcula una suma ponderada de sus entradas más un sesgo, `z = x·w + b`. Una
# **capa densa** son `h` neuronas que miran las mismas `d` entradas: sus pesos forman una
# matriz `W` de forma `(d, h)` (una columna por neurona) y sus sesgos un vector `b` de `h`
# elementos. Para un lote `X` de forma `(N, d)`:
#
# `Z = X W + b`  →  forma `(N, h)`
#
# Lo calculamos a mano con tensores y lo comparamos con `nn.Linear` (estilo PyTorch) y con
# `layers.Dense` (estilo Keras), a los que damos los mismos pesos. minidl guarda `W` como
# `(entradas, salidas)` para que la fórmula se lea tal cual; PyTorch guarda la traspuesta.
#
# → minidl/nn/layers.py, minidl/keras/layers/core.py, minidl/ops/linalg.py

# %%
mdl.manual_seed(0)
X = mdl.randn(4, 3)  # 4 ejemplos, 3 características
W = mdl.randn(3, 2)  # 2 neuronas
b = mdl.tensor([0.5, -1.0])
Z_mano = X @ W + b
print("a mano:", Z_mano.shape, "\n", Z_mano.numpy())

capa = nn.Linear(3, 2)
capa.weight.data[...] = W.numpy()
capa.bias.data[...] = b.numpy()
dif_nn = float(np.abs(capa(X).numpy() - Z_mano.numpy()).max())

densa = layers.Dense(2)
densa(X)  # la primera llamada crea los pesos (construcción perezosa, como en Keras)
densa.set_weights([W.numpy(), b.numpy()])  # orden de Keras: [kernel (d, h), bias (h,)]
dif_keras = float(np.abs(densa(X).numpy() - Z_mano.numpy()).max())
print(f"nn.Linear difiere de la cuenta a mano en {dif_nn:.1e} · layers.Dense en {dif_keras:.1e}")
print("inicialización por defecto: nn.Linear (PyTorch) U(±1/√d); Dense (Keras) glorot_uniform, sesgos a cero")
resultado("densa_dif_nn", dif_nn)
resultado("densa_dif_keras", dif_keras)

# %% [markdown]
# ## Lección 4.1.2 — Funciones de activación
#
# Sin activaciones, apilar capas no sirve de nada: dos capas lineales seguidas,
# `(X W₁ + b₁) W₂ + b₂ = X (W₁W₂) + (b₁W₂ + b₂)`, son **una sola** capa lineal. La activación
# no lineal entre capas es lo que da a la red su capacidad. Las más usadas:
#
# * **ReLU** `max(0, z)`: barata, derivada 1 en la parte positiva (no "satura"). La opción por
#   defecto en capas ocultas. Variantes: Leaky ReLU, ELU, GELU.
# * **sigmoide** `1/(1+e^(−z))` y **tanh**: suaves y acotadas, pero su derivada se hace casi 0
#   lejos del origen (la sigmoide nunca pasa de 0.25). Hoy se usan sobre todo en la **salida**
#   (sigmoide para probabilidades) y en las puertas de las redes recurrentes.
#
# Dibujamos cada activación y su derivada, calculada con autograd; comprobamos el colapso de
# dos capas lineales; y medimos el gradiente que llega a la primera capa de una red de 10 capas
# con sigmoides frente a otra con ReLU (el problema del **gradiente que se desvanece**).
#
# → minidl/ops/activation.py, minidl/ops/elementwise.py, minidl/nn/layers.py

# %%
activaciones = {
    "relu": F.relu, "leaky_relu": F.leaky_relu, "elu": F.elu, "gelu": F.gelu,
    "sigmoid": F.sigmoid, "tanh": F.tanh, "softplus": F.softplus,
}
z = mdl.tensor(np.linspace(-4, 4, 401), requires_grad=True)
fig, axes = plt.subplots(1, 2, figsize=(10, 3.5))
for nombre, f in activaciones.items():
    z.grad = None
    salida = f(z)
    salida.sum().backward()  # la derivada de Σ f(zᵢ) respecto a zᵢ es f'(zᵢ)
    axes[0].plot(z.numpy(), salida.numpy(), label=nombre)
    axes[1].plot(z.numpy(), z.grad.numpy(), label=nombre)
axes[0].set(title="activación f(z)", ylim=(-1.5, 4))
axes[1].set(title="derivada f'(z) (con autograd)")
axes[0].legend(fontsize=8)
guardar_figura(fig, TUTORIAL, "activaciones")

mdl.manual_seed(0)
l1, l2 = nn.Linear(3, 5), nn.Linear(5, 2)
W_junta = l1.weight.numpy() @ l2.weight.numpy()
b_junta = l1.bias.numpy() @ l2.weight.numpy() + l2.bias.numpy()
dif_colapso = float(np.abs(l2(l1(X)).numpy() - (X.numpy() @ W_junta + b_junta)).max())
print(f"dos capas lineales sin activación = una capa con W₁W₂: diferencia {dif_colapso:.1e}")
resultado("colapso_lineal_dif", dif_colapso)


def norma_gradiente_primera_capa(activacion, profundidad=10):
    mdl.manual_seed(0)
    capas = []
    for _ in range(profundidad):
        capas += [nn.Linear(32, 32), activacion()]
    red = nn.Sequential(*capas, nn.Linear(32, 1))
    red(mdl.randn(64, 32)).mean().backward()
    return float(np.linalg.norm(red[0].weight.grad.numpy()))


g_sigmoide, g_relu = norma_gradiente_primera_capa(nn.Sigmoid), norma_gradiente_primera_capa(nn.ReLU)
print(f"10 capas: |∂L/∂W| en la primera capa con sigmoide {g_sigmoide:.2e}, con ReLU {g_relu:.2e} "
      f"({g_relu / g_sigmoide:,.0f} veces mayor)")
resultado("grad_relu_sobre_sigmoide", round(g_relu / g_sigmoide, 1))

# %% [markdown]
# En la figura, la derivada de la ReLU vale exactamente 1 para z > 0, mientras que la de la
# sigmoide tiene un máximo de 0.25. Cada capa multiplica el gradiente por esa derivada (y por
# los pesos), así que con 10 sigmoides el gradiente que llega a la primera capa es miles de
# veces menor que con ReLU (en modo completo, unas 19 000 veces): esa capa apenas aprendería.

# %% [markdown]
# ## Lección 4.1.3 — Arquitectura del modelo
#
# La **arquitectura** es la elección de capas, tamaños y conexiones. Hay tres formas de
# escribirla, todas sobre el mismo motor:
#
# 1. `nn.Sequential(...)` / `models.Sequential([...])`: una pila de capas, cada una alimenta
#    a la siguiente. Cubre la mayoría de redes densas.
# 2. **Subclase** (`nn.Module` con `forward`, o `keras.Model` con `call`): código Python
#    arbitrario; necesaria para conexiones que no son una pila.
# 3. La **API funcional** de Keras: se llama a las capas sobre entradas simbólicas y se forma
#    un grafo, `Model(entradas, salidas)`.
#
# Construimos la misma red 784 → 128 → 64 → 10 de las cuatro maneras y contamos parámetros a
# mano: una capa densa de `d` entradas y `h` salidas tiene `d·h + h`.
#
# → minidl/nn/module.py, minidl/nn/layers.py, minidl/keras/models/sequential.py, minidl/keras/models/functional.py, minidl/keras/models/summary.py

# %%
tamanos = [784, 128, 64, 10]
a_mano = sum(d * h + h for d, h in zip(tamanos[:-1], tamanos[1:]))

red_seq = nn.Sequential(nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 64), nn.ReLU(), nn.Linear(64, 10))


class RedMLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.oculta1 = nn.Linear(784, 128)
        self.oculta2 = nn.Linear(128, 64)
        self.salida = nn.Linear(64, 10)

    def forward(self, x):
        return self.salida(F.relu(self.oculta2(F.relu(self.oculta1(x)))))


red_sub = RedMLP()
keras_seq = models.Sequential([
    layers.Input(shape=(784,)),
    layers.Dense(128, activation="relu"),
    layers.Dense(64, activation="relu"),
    layers.Dense(10, activation="softmax"),
])
entrada = layers.Input(shape=(784,))
h = layers.Dense(128, activation="relu")(entrada)
h = layers.Dense(64, activation="relu")(h)
keras_fun = models.Model(entrada, layers.Dense(10, activation="softmax")(h))

cuentas = {
    "a mano": a_mano,
    "nn.Sequential": sum(p.size for p in red_seq.parameters()),
    "subclase nn.Module": sum(p.size for p in red_sub.parameters()),
    "keras Sequential": keras_seq.count_params(),
    "keras funcional": keras_fun.count_params(),
}
for nombre, n in cuentas.items():
    print(f"{nombre:20s}: {n:,d} parámetros")
print(red_sub)
keras_seq.summary()
resultado("parametros_coinciden", int(len(set(cuentas.values())) == 1))

# %% [markdown]
# Las decisiones de arquitectura en una red densa son pocas: cuántas capas ocultas, cuántas
# neuronas por capa (habitualmente decrecientes, como 128 → 64), qué activación, y la capa de
# salida, que viene dictada por el problema (Lecciones 4.2.2 y 4.2.3). Cómo elegir los tamaños
# se estudia en la Unidad 8.

# %% [markdown]
# ## 4.2 — Forward pass y salida del modelo
#
# ## Lección 4.2.1 — Flujo de datos
#
# El **forward pass** (pasada hacia delante) lleva un lote desde la entrada hasta la salida,
# capa a capa. Lo hacemos a mano con tensores sobre 5 dígitos de MNIST, imprimiendo la forma
# en cada paso, y lo repetimos con la red de capas `red_seq` de la lección anterior usando sus
# mismos pesos: los números deben coincidir.
#
# → minidl/nn/layers.py, minidl/ops/linalg.py, minidl/ops/activation.py, minidl/datasets/mnist.py

# %%
(x_mnist, y_mnist), _ = datasets.mnist.load_data()
lote = mdl.tensor(x_mnist[:5].reshape(5, 784).astype(np.float32) / 255)
W1, b1 = red_seq[0].weight, red_seq[0].bias
W2, b2 = red_seq[2].weight, red_seq[2].bias
W3, b3 = red_seq[4].weight, red_seq[4].bias

print("entrada                 ", lote.shape)
z1 = lote @ W1 + b1
print("capa 1: X W₁ + b₁       ", z1.shape)
a1 = mdl.maximum(z1, 0.0)
print("        ReLU            ", a1.shape, f"({(a1.numpy() == 0).mean():.0%} de ceros)")
z2 = a1 @ W2 + b2
a2 = mdl.maximum(z2, 0.0)
print("capa 2: ReLU(a₁ W₂ + b₂)", a2.shape)
logits = a2 @ W3 + b3
print("salida: a₂ W₃ + b₃      ", logits.shape, "(10 logits por imagen)")
probabilidades = mdl.exp(logits) / mdl.exp(logits).sum(axis=1, keepdims=True)
print("softmax                 ", probabilidades.shape, "· predicciones:", probabilidades.numpy().argmax(1),
      "(red sin entrenar: al azar) · etiquetas:", y_mnist[:5])

with mdl.no_grad():
    dif_flujo = float(np.abs(red_seq(lote).numpy() - logits.numpy()).max())
print(f"la misma pasada con las capas de nn.Sequential: diferencia {dif_flujo:.1e}")
resultado("flujo_dif", dif_flujo)

# %% [markdown]
# Es exactamente lo que hace `nn.Sequential.forward`: un bucle `for capa in capas: x = capa(x)`.
# Cada capa solo necesita que la última dimensión de su entrada coincida con lo que espera; si
# no, minidl avisa con un error que nombra la capa y las dos formas.

# %% [markdown]
# ## Lección 4.2.2 — Salidas en regresión
#
# En **regresión** la red predice un número real sin límites, así que la última capa es
# `Linear(h, 1)` **sin activación** (salida "lineal"), y la pérdida típica es el error
# cuadrático medio. Una activación en la salida restringe lo que la red puede predecir: con
# sigmoide, solo valores en (0, 1); con ReLU, nunca negativos. Entrenamos la misma red con
# tres salidas distintas sobre `make_regression` (una curva que va de −1.9 a 1.9) y medimos el
# R² en datos de prueba.
#
# → minidl/nn/layers.py, minidl/ops/loss.py, minidl/metrics/regression.py

# %%
X_r, y_r = datasets.make_regression(segun_modo(400, 1000), noise=0.1, seed=0)
Xr_tr, Xr_te, yr_tr, yr_te = datasets.train_test_split(X_r, y_r, test_size=0.3, seed=0)
pasos = segun_modo(400, 1500)
resultados_r = {}
curvas = {}
orden = np.argsort(Xr_te[:, 0])
for nombre, final in [("lineal", []), ("relu", [nn.ReLU()]), ("sigmoide", [nn.Sigmoid()])]:
    mdl.manual_seed(0)
    red = nn.Sequential(nn.Linear(1, 32), nn.ReLU(), nn.Linear(32, 32), nn.ReLU(), nn.Linear(32, 1), *final)
    entrenar(red, Xr_tr, yr_tr, F.mse_loss, pasos, lr=0.01)
    with mdl.no_grad():
        pred = red(mdl.tensor(Xr_te)).numpy()
    resultados_r[nombre] = metrics.r2_score(yr_te, pred)
    curvas[nombre] = pred[orden]
    print(f"salida {nombre:9s}: R² en test = {resultados_r[nombre]:.3f} · predicción mínima {pred.min():+.2f}, máxima {pred.max():+.2f}")
resultado("r2_salida_lineal", round(resultados_r["lineal"], 4))
resultado("r2_salida_sigmoide", round(resultados_r["sigmoide"], 4))

fig, ax = plt.subplots(figsize=(6, 3.5))
ax.scatter(Xr_te[:, 0], yr_te[:, 0], s=6, color="0.6", label="datos de prueba")
for nombre, curva in curvas.items():
    ax.plot(Xr_te[orden, 0], curva, label=f"salida {nombre}")
ax.legend()
ax.set_title("Regresión: la activación de salida limita lo que se puede predecir")
guardar_figura(fig, TUTORIAL, "salidas_regresion")

# %% [markdown]
# En modo completo: R² = 0.995 con salida lineal; con ReLU la red no puede bajar de 0 y el R²
# cae a 0.54; con sigmoide queda encerrada en (0, 1) y el R² se queda en 0.44. Si el objetivo
# tiene un rango conocido y acotado se puede usar una activación en la salida, pero lo
# habitual es dejarla lineal y, si los valores son grandes, **estandarizar el objetivo**.

# %% [markdown]
# ## Lección 4.2.3 — Salidas en clasificación
#
# En **clasificación** la red debe dar probabilidades:
#
# * **binaria**: una sola salida `z` (el *logit*); `σ(z) = 1/(1+e^(−z))` es la probabilidad de
#   la clase 1. Pérdida: entropía cruzada binaria.
# * **multiclase** (K clases excluyentes): K salidas (logits) y **softmax**,
#   `pᵢ = e^(zᵢ) / Σⱼ e^(zⱼ)`, que da K probabilidades positivas que suman 1. Pérdida: entropía
#   cruzada. La clase predicha es el `argmax`.
# * **multietiqueta** (varias clases a la vez): K salidas con sigmoide cada una.
#
# En la práctica la red devuelve **logits** y la pérdida aplica la sigmoide o la softmax por
# dentro (`F.binary_cross_entropy_with_logits`, `F.cross_entropy`), que es más estable
# numéricamente; en Keras se pone la activación en la última capa (`"sigmoid"`, `"softmax"`),
# o se pasa `from_logits=True` a la pérdida. Entrenamos un clasificador de 3 clases (espirales)
# y uno binario (lunas, con Keras).
#
# → minidl/ops/activation.py, minidl/ops/loss.py, minidl/keras/losses.py, minidl/plot/training.py

# %%
X_e, y_e = datasets.make_spirals(segun_modo(600, 1500), n_classes=3, noise=0.2, seed=0)
Xe_tr, Xe_te, ye_tr, ye_te = datasets.train_test_split(X_e, y_e, test_size=0.3, seed=0, stratify=y_e)
mdl.manual_seed(0)
clasificador = nn.Sequential(nn.Linear(2, 32), nn.ReLU(), nn.Linear(32, 32), nn.ReLU(), nn.Linear(32, 3))
entrenar(clasificador, Xe_tr, ye_tr, F.cross_entropy, segun_modo(400, 1500), lr=0.01)
with mdl.no_grad():
    logits_te = clasificador(mdl.tensor(Xe_te))
    probs = F.softmax(logits_te, axis=1).numpy()
dudosos = np.argsort(probs.max(axis=1))[:3]  # los 3 ejemplos de los que la red está menos segura
print("logits de 3 ejemplos dudosos:\n", logits_te.numpy()[dudosos].round(2))
print("probabilidades (softmax):\n", probs[dudosos].round(3), "\nsuma por fila:", probs[dudosos].sum(axis=1),
      "· clase predicha:", probs[dudosos].argmax(1), "· real:", ye_te[dudosos])
acc_e = float((probs.argmax(1) == ye_te).mean())
print(f"precisión en test (3 espirales): {acc_e:.3f}")
resultado("suma_probabilidades_error", float(np.abs(probs.sum(axis=1) - 1).max()))
resultado("acc_espirales", acc_e)

from minidl import plot

fig = plot.decision_boundary(clasificador, Xe_te, ye_te)
fig.axes[0].set_title("Regiones de decisión (argmax de softmax)")
guardar_figura(fig, TUTORIAL, "regiones_espirales")

X_l, y_l = datasets.make_moons(segun_modo(400, 1000), noise=0.2, seed=1)
Xl_tr, Xl_te, yl_tr, yl_te = datasets.train_test_split(X_l, y_l.astype("float32"), test_size=0.3, seed=0)
keras.utils.set_random_seed(0)
binario = models.Sequential([
    layers.Input(shape=(2,)),
    layers.Dense(32, activation="relu"),
    layers.Dense(1, activation="sigmoid"),  # una probabilidad: la de la clase 1
])
binario.compile(optimizer=keras.optimizers.Adam(0.01), loss="binary_crossentropy", metrics=["accuracy"])
binario.fit(Xl_tr, yl_tr, epochs=segun_modo(30, 60), batch_size=32, verbose=0)
p_uno = binario.predict(Xl_te[:3], verbose=0)
print("binaria: P(clase 1) de 3 ejemplos", p_uno.ravel().round(3), "→ clase", (p_uno.ravel() > 0.5).astype(int),
      "· real", yl_te[:3].astype(int))
acc_l = binario.evaluate(Xl_te, yl_te, verbose=0)[1]
print(f"precisión en test (lunas, Keras): {acc_l:.3f}")
resultado("acc_binaria", acc_l)

# %% [markdown]
# En modo completo: 1.00 de precisión en las espirales y 0.98 en las lunas. Las
# probabilidades de una red recién entrenada suelen estar **mal calibradas** (demasiado seguras
# o demasiado poco); si se van a usar como probabilidades de verdad, hay que comprobarlo
# (Unidad 6). Y un error frecuente es combinar mal salida y pérdida (por ejemplo, aplicar
# softmax y después una pérdida que ya espera logits): la Unidad 5 muestra su efecto.
