# comprobaciones: xor_lineal<=0.75, xor_oculta>=0.99, sierra_diferencia<1e-4, sierra_piezas_profunda>=64, sonda_entrada<0.6, sonda_ultima>=0.8, mnist_mas_datos>=0.7, clasico_crudo<0.9, clasico_a_mano>=0.9, mlp_lunas>=0.9
# %% [markdown]
# # Unidad 1 — Qué es Deep Learning y por qué funciona
#
# Esta unidad es conceptual, pero aquí cada idea se comprueba con código que se ejecuta:
#
# * por qué una red sin capas ocultas (o con pocas) se queda corta, y qué aporta la profundidad;
# * qué significa que una red aprenda **representaciones jerárquicas**, medido capa a capa;
# * por qué el Deep Learning mejora al añadir datos y tamaño de modelo (y cuánto cuesta);
# * en qué se parece y en qué se diferencia del Machine Learning clásico, qué problemas resuelve
#   y qué recursos pide de verdad.
#
# Todo se hace con **minidl**, un motor de Deep Learning pequeño y legible: cuando una lección
# usa una pieza del motor, la línea `→ minidl/...` dice en qué fichero está, para que puedas
# abrirlo y leer cómo funciona por dentro.
#
# **Cómo ejecutarlo** (desde cualquier carpeta):
#
# ```
# python tutorials/01_que_es_deep_learning.py            # modo completo (unos minutos)
# MINIDL_FAST=1 python tutorials/01_que_es_deep_learning.py   # modo rápido (menos de un minuto)
# ```
#
# Las figuras se guardan como PNG en `tutorials/output/01_que_es_deep_learning/`. Las cifras
# citadas en el texto salen de una ejecución en modo completo; el modo rápido usa menos datos y
# menos pasos, así que sus cifras serán algo peores.

# %%
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent if "__file__" in globals() else Path.cwd()))
import time

import matplotlib.pyplot as plt
import numpy as np
from _comun import RAPIDO, carpeta_salida, guardar_figura, resultado, segun_modo

import minidl as mdl
import minidl.functional as F
from minidl import datasets, nn, optim

TUTORIAL = "01_que_es_deep_learning"
print("modo rápido" if RAPIDO else "modo completo", "· salida en", carpeta_salida(TUTORIAL))


def entrenar(modelo, X, y, perdida, pasos, lr=0.01):
    """Entrenamiento por lotes completos con Adam: el bucle mínimo de la Unidad 5."""
    opt = optim.Adam(modelo.parameters(), lr=lr)
    Xt = mdl.tensor(X)
    for _ in range(pasos):
        opt.zero_grad()
        loss = perdida(modelo(Xt), y)
        loss.backward()
        opt.step()
    return loss.item()


def precision(modelo, X, y):
    """Fracción de aciertos; la salida puede ser un logit (binaria) o K logits (multiclase)."""
    with mdl.no_grad():
        salida = modelo(mdl.tensor(X)).numpy()
    pred = (salida[:, 0] > 0).astype(int) if salida.shape[1] == 1 else salida.argmax(axis=1)
    return float((pred == y).mean())


def mlp(tamanos):
    """Perceptrón multicapa: Linear + ReLU entre cada par de tamaños (sin ReLU al final)."""
    capas = []
    for a, b in zip(tamanos[:-1], tamanos[1:]):
        capas += [nn.Linear(a, b), nn.ReLU()]
    return nn.Sequential(*capas[:-1])


# %% [markdown]
# ## 1.1 — De redes simples a redes profundas
#
# ## Lección 1.1.1 — Limitaciones de redes poco profundas
#
# Un modelo **lineal** (una sola capa `Linear`, como la regresión logística) separa las clases
# con una recta (un hiperplano en más dimensiones). El ejemplo clásico que no puede resolver es
# **XOR**: los puntos (0,0) y (1,1) son de la clase 0, y (0,1) y (1,0) de la clase 1. Ninguna
# recta deja a un lado los dos primeros y al otro los dos segundos, así que como mucho acierta
# 3 de 4; entrenada, la regresión logística acaba en el "empate" del centro y da probabilidad
# 0.5 a los cuatro puntos (su precisión es entonces cuestión de redondeo). Con **una capa oculta** de unas pocas neuronas ReLU el problema desaparece: la capa
# oculta transforma el plano en un espacio donde las clases sí son separables por una recta.
#
# → minidl/nn/layers.py, minidl/ops/loss.py, minidl/optim/adam.py

# %%
X_xor = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float32)
y_xor = np.array([0, 1, 1, 0])
def perdida_bin(salida, y):
    return F.binary_cross_entropy_with_logits(salida, y.reshape(-1, 1))


mdl.manual_seed(0)
lineal = nn.Linear(2, 1)
entrenar(lineal, X_xor, y_xor, perdida_bin, pasos=500, lr=0.1)
mdl.manual_seed(0)
oculta = mlp([2, 8, 1])
entrenar(oculta, X_xor, y_xor, perdida_bin, pasos=500, lr=0.05)
acc_lineal, acc_oculta = precision(lineal, X_xor, y_xor), precision(oculta, X_xor, y_xor)
with mdl.no_grad():
    p_lineal = mdl.sigmoid(lineal(mdl.tensor(X_xor))).numpy().ravel()
    p_oculta = mdl.sigmoid(oculta(mdl.tensor(X_xor))).numpy().ravel()
print("P(clase 1) en (0,0), (0,1), (1,0), (1,1):")
print(f"  modelo lineal        : {p_lineal.round(3)} → precisión {acc_lineal:.2f}")
print(f"  capa oculta de 8 ReLU: {p_oculta.round(3)} → precisión {acc_oculta:.2f}")
resultado("xor_lineal", acc_lineal)
resultado("xor_oculta", acc_oculta)

# %% [markdown]
# Una capa oculta basta para *representar* cualquier función continua si tiene suficientes
# neuronas (el teorema de aproximación universal). La pregunta importante es **cuántas**. Hay
# funciones que una red profunda construye con muy pocas neuronas y que una red de una sola
# capa oculta solo consigue con un número exponencialmente mayor.
#
# El ejemplo más limpio es la **función diente de sierra** (Telgarsky, 2016). La "tienda"
# `t(x) = 2·relu(x) − 4·relu(x − 0.5)` sube de 0 a 1 y vuelve a bajar en [0, 1]. Componerla
# consigo misma `k` veces, `t(t(...t(x)))`, da una sierra con `2^k` tramos rectos. Una red
# profunda la calcula con **2 neuronas por capa** (2k en total). Una red con una sola capa
# oculta de ReLU produce una función lineal a trozos con, como mucho, tantos tramos como
# neuronas más uno, así que necesita al menos `2^k − 1` neuronas; la construimos con `2^k`
# (una por cada cambio de pendiente). Fijamos los pesos a mano en capas `nn.Linear` y
# comprobamos que las dos redes calculan exactamente la misma función.

# %%
def sierra_profunda(k):
    """k bloques Linear(1→2) + ReLU + Linear(2→1), cada uno calcula la tienda t(x)."""
    capas = []
    for _ in range(k):
        entrada, salida = nn.Linear(1, 2), nn.Linear(2, 1)
        entrada.weight.data[...] = [[1.0, 1.0]]
        entrada.bias.data[...] = [0.0, -0.5]
        salida.weight.data[...] = [[2.0], [-4.0]]
        salida.bias.data[...] = [0.0]
        capas += [entrada, nn.ReLU(), salida]
    return nn.Sequential(*capas)


def sierra_ancha(k):
    """Una capa oculta: f(x) = Σ_j c_j relu(x − j/2^k), con la pendiente alternando ±2^k."""
    n = 2**k
    entrada, salida = nn.Linear(1, n), nn.Linear(n, 1)
    entrada.weight.data[...] = 1.0
    entrada.bias.data[...] = -np.arange(n) / n  # un codo en cada múltiplo de 1/2^k
    c = np.where(np.arange(n) % 2 == 1, -2.0, 2.0) * n
    c[0] = n  # la pendiente inicial es +2^k
    salida.weight.data[...] = c[:, None]
    salida.bias.data[...] = 0.0
    return nn.Sequential(entrada, nn.ReLU(), salida)


def contar_tramos(x, y):
    pendientes = np.diff(y) / np.diff(x)
    return 1 + int(np.sum(np.abs(np.diff(pendientes)) > 1e-3 * np.abs(pendientes).max()))


mdl.set_default_dtype(mdl.float64)  # para comparar las dos redes al nivel del redondeo
x_malla = np.linspace(0, 1, 2**12 + 1)[:, None]
print(" k | tramos | neuronas red profunda | neuronas red de 1 capa | diferencia máxima")
for k in range(1, 7):
    profunda, ancha = sierra_profunda(k), sierra_ancha(k)
    with mdl.no_grad():
        y_prof = profunda(mdl.tensor(x_malla, dtype="float64")).numpy().ravel()
        y_ancha = ancha(mdl.tensor(x_malla, dtype="float64")).numpy().ravel()
    dif = float(np.abs(y_prof - y_ancha).max())
    tramos = contar_tramos(x_malla.ravel(), y_prof)
    print(f"{k:2d} | {tramos:6d} | {2 * k:21d} | {2**k:22d} | {dif:.1e}")
mdl.set_default_dtype(mdl.float32)
resultado("sierra_piezas_profunda", tramos)
resultado("sierra_diferencia", dif)

fig, ax = plt.subplots(figsize=(7, 2.5))
for k in (1, 2, 4):
    with mdl.no_grad():
        ax.plot(x_malla, sierra_profunda(k)(mdl.tensor(x_malla)).numpy(), label=f"k={k}")
ax.set_title("Diente de sierra: 2k neuronas en profundidad, 2^k en una sola capa")
ax.legend()
guardar_figura(fig, TUTORIAL, "diente_de_sierra")

# %% [markdown]
# Con k = 6 (en modo completo y en el rápido, pues aquí no se entrena nada) la red profunda usa
# 12 neuronas y la de una capa 64, y ambas coinciden hasta el redondeo de float64. Para k = 30
# serían 60 neuronas frente a más de mil millones. Esta es la idea central: **la profundidad
# permite reutilizar cálculos** (cada capa "pliega" el resultado de la anterior), y eso hace
# que ciertas funciones sean baratas en profundidad y carísimas en anchura.
#
# Advertencia honesta: poder *representar* una función no garantiza que el entrenamiento la
# *encuentre*. Si entrenas redes al azar para imitar esta sierra verás que les cuesta. La
# práctica del Deep Learning (Unidades 5, 7 y 8) trata de cómo entrenar bien redes profundas.

# %% [markdown]
# ## Lección 1.1.2 — Representaciones jerárquicas
#
# En una red profunda cada capa recibe lo que calculó la anterior y lo recombina. Las primeras
# capas calculan rasgos simples y las siguientes combinan esos rasgos en otros más complejos:
# en imágenes, bordes → texturas → partes → objetos (lo describe el cuaderno de introducción
# del curso). Aquí lo **medimos** en un problema pequeño: cinco espirales entrelazadas en el
# plano (`make_spirals` con 5 clases).
#
# Entrenamos una red 2 → 8 → 8 → 8 → 5 y después hacemos una **sonda lineal** en cada capa:
# congelamos la red, tomamos las activaciones de esa capa como si fueran las variables de
# entrada y entrenamos sobre ellas un clasificador lineal. Si la precisión de la sonda sube
# capa a capa, cada capa está produciendo una representación en la que las clases son más
# fáciles de separar: eso es lo que significa "aprender representaciones".
#
# → minidl/nn/layers.py, minidl/nn/module.py, minidl/autograd.py, minidl/datasets/synthetic.py

# %%
X_esp, y_esp = datasets.make_spirals(segun_modo(800, 1500), n_classes=5, noise=0.1, seed=0)
X_tr, X_te, y_tr, y_te = datasets.train_test_split(X_esp, y_esp, test_size=0.5, seed=0, stratify=y_esp)

mdl.manual_seed(1)
red = mlp([2, 8, 8, 8, 5])
entrenar(red, X_tr, y_tr, F.cross_entropy, pasos=segun_modo(400, 1500), lr=0.02)
print(f"red completa: precisión en test {precision(red, X_te, y_te):.3f}")


def activaciones(red, X):
    """Salida de cada ReLU de la red (más la entrada): una representación por capa."""
    reps, h = [X], mdl.tensor(X)
    with mdl.no_grad():
        for capa in red:
            h = capa(h)
            if isinstance(capa, nn.ReLU):
                reps.append(h.numpy())
    return reps


def sonda_lineal(R_tr, R_te):
    mdl.manual_seed(0)
    media, escala = R_tr.mean(0), R_tr.std(0) + 1e-6  # estandarizar ayuda a la sonda
    sonda = nn.Linear(R_tr.shape[1], 5)
    entrenar(sonda, (R_tr - media) / escala, y_tr, F.cross_entropy, pasos=segun_modo(200, 500), lr=0.05)
    with mdl.no_grad():
        perdida_te = F.cross_entropy(sonda(mdl.tensor((R_te - media) / escala)), y_te).item()
    return precision(sonda, (R_te - media) / escala, y_te), perdida_te


nombres = ["entrada", "capa 1", "capa 2", "capa 3"]
sondas = [sonda_lineal(a, b) for a, b in zip(activaciones(red, X_tr), activaciones(red, X_te))]
for nombre, (acc, perd) in zip(nombres, sondas):
    print(f"sonda lineal sobre {nombre:8s}: precisión en test {acc:.3f} · entropía cruzada {perd:.3f}")
resultado("sonda_entrada", sondas[0][0])
resultado("sonda_ultima", sondas[-1][0])

# %% [markdown]
# Ahora lo vemos. Cada panel pinta, sobre el plano de entrada, cuánto se activa una neurona
# (las cuatro más variables de cada capa; alguna neurona ReLU puede quedar "muerta", siempre a 0).
# Las de la capa 1 solo pueden dibujar **semiplanos** (una recta y una rampa: son
# `relu(w·x + b)`); las de la capa 2 combinan semiplanos en regiones con esquinas; las de la
# capa 3 ya siguen la forma curva de las espirales.

# %%
g = np.linspace(-1.1, 1.1, 120)
malla = np.stack(np.meshgrid(g, g), axis=-1).reshape(-1, 2).astype(np.float32)
reps_malla = activaciones(red, malla)[1:]
fig, axes = plt.subplots(3, 4, figsize=(9, 7))
for fila, rep in enumerate(reps_malla):
    mas_variables = np.argsort(rep.std(axis=0))[::-1][:4]  # las 4 neuronas que más cambian en el plano
    for col, neurona in enumerate(mas_variables):
        ax = axes[fila, col]
        ax.imshow(rep[:, neurona].reshape(len(g), len(g)), origin="lower", extent=(-1.1, 1.1, -1.1, 1.1), cmap="viridis")
        ax.set_xticks([])
        ax.set_yticks([])
        if col == 0:
            ax.set_ylabel(f"capa {fila + 1}")
fig.suptitle("Qué detectan 4 neuronas de cada capa (claro = activa)")
guardar_figura(fig, TUTORIAL, "representaciones_por_capa")

# %% [markdown]
# En modo completo la sonda lineal acertó 0.34 sobre la entrada cruda (una recta no separa
# espirales; el azar con 5 clases es 0.20), 0.76 sobre la capa 1, 0.86 sobre la capa 2 y 0.97
# sobre la capa 3, y su entropía cruzada bajó de 1.21 a 0.17: cada capa deja las clases más
# separadas que la anterior. La red no recibió ninguna pista de qué rasgos construir: los aprendió porque le
# ayudaban a reducir la pérdida.

# %% [markdown]
# ## Lección 1.1.3 — Por qué el Deep Learning escala
#
# "Escalar" significa que el rendimiento **sigue mejorando** cuando se añaden datos, tamaño de
# modelo y cómputo, en lugar de estancarse. Lo comprobamos con dígitos manuscritos (MNIST,
# incluido en minidl, funciona sin conexión) y un perceptrón multicapa:
#
# 1. mismo modelo, cada vez más datos de entrenamiento;
# 2. mismos datos, cada vez más neuronas.
#
# Usamos la API estilo Keras (`models.Sequential`, `compile`, `fit`), la misma del cuaderno
# del curso.
#
# → minidl/keras/models/sequential.py, minidl/keras/models/model.py, minidl/keras/layers/core.py, minidl/datasets/mnist.py

# %%
from minidl import keras
from minidl.keras import layers, models
from minidl.keras.datasets import mnist

(x_mnist, y_mnist), (x_mnist_te, y_mnist_te) = mnist.load_data()
x_mnist = x_mnist.reshape(len(x_mnist), -1).astype("float32") / 255
x_mnist_te = x_mnist_te[:2000].reshape(2000, -1).astype("float32") / 255
y_mnist_te = y_mnist_te[:2000]


def entrenar_mnist(n, ancho, epocas):
    keras.utils.set_random_seed(0)
    modelo = models.Sequential([
        layers.Input(shape=(784,)),
        layers.Dense(ancho, activation="relu"),
        layers.Dense(10, activation="softmax"),
    ])
    modelo.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    t0 = time.perf_counter()
    modelo.fit(x_mnist[:n], y_mnist[:n], epochs=epocas, batch_size=64, verbose=0)
    segundos = time.perf_counter() - t0
    return modelo.evaluate(x_mnist_te, y_mnist_te, verbose=0)[1], segundos


tamanos_datos = segun_modo([250, 1000, 2000], [250, 1000, 4000, 16000])
epocas = segun_modo(2, 8)
acc_datos = []
for n in tamanos_datos:
    acc, seg = entrenar_mnist(n, 128, epocas)
    acc_datos.append(acc)
    print(f"{n:6d} imágenes de entrenamiento → precisión en test {acc:.3f}  ({seg:.1f} s)")
resultado("mnist_menos_datos", acc_datos[0])
resultado("mnist_mas_datos", acc_datos[-1])

anchos = segun_modo([4, 16, 64], [4, 16, 64, 256])
n_fijo = segun_modo(2000, 4000)
acc_anchos = []
for ancho in anchos:
    acc, seg = entrenar_mnist(n_fijo, ancho, epocas)
    acc_anchos.append(acc)
    print(f"{ancho:4d} neuronas ocultas ({n_fijo} imágenes) → precisión en test {acc:.3f}  ({seg:.1f} s)")

fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(9, 3))
ax1.semilogx(tamanos_datos, acc_datos, "o-")
ax1.set(xlabel="imágenes de entrenamiento", ylabel="precisión en test", title="Más datos")
ax2.semilogx(anchos, acc_anchos, "o-")
ax2.set(xlabel="neuronas ocultas", title="Modelo más grande")
guardar_figura(fig, TUTORIAL, "escalado")

# %% [markdown]
# En modo completo obtuvimos, con 128 neuronas ocultas, unas precisiones de 0.67 con 250
# imágenes, 0.84 con 1000, 0.90 con 4000 y 0.95 con 16000; y con 4000 imágenes, de 0.67 con
# 4 neuronas a 0.87 con 16, 0.90 con 64 y 0.91 con 256. Cada multiplicación por 4 de los datos sigue dando mejora, aunque
# cada vez menor (la curva es aproximadamente lineal en escala logarítmica). Tres cosas hacen
# posible ese escalado: modelos con capacidad de sobra, un algoritmo de entrenamiento (descenso
# del gradiente con minilotes) cuyo coste crece solo linealmente con los datos, y hardware
# (GPU) que ejecuta en paralelo las multiplicaciones de matrices de las que está hecha la red.

# %% [markdown]
# ## 1.2 — Deep Learning dentro de la IA moderna
#
# ## Lección 1.2.1 — Relación con Machine Learning clásico
#
# En Machine Learning clásico una persona decide qué **características** describen cada
# ejemplo, y un modelo sencillo (a menudo lineal) aprende a combinarlas. En Deep Learning la
# red aprende también las características. Lo vemos con las "lunas" (`make_moons`), dos
# semicírculos entrelazados:
#
# * regresión logística sobre las coordenadas crudas (x₁, x₂);
# * la misma regresión logística sobre características **diseñadas a mano**: todos los
#   monomios hasta grado 3 (x₁², x₁x₂, x₂³, ...), el trabajo típico de "feature engineering";
# * una red con dos capas ocultas sobre las coordenadas crudas, que construye sus propias
#   características.
#
# Las tres son modelos de minidl; la regresión logística no es más que una capa `Linear` con
# pérdida de entropía cruzada binaria. Si scikit-learn está instalado, comparamos además con su
# `LogisticRegression`, para ver que nuestra versión de ML clásico es la de verdad.
#
# → minidl/nn/layers.py, minidl/ops/loss.py, minidl/datasets/utils.py

# %%
X_lunas, y_lunas = datasets.make_moons(segun_modo(400, 1000), noise=0.2, seed=0)
Xl_tr, Xl_te, yl_tr, yl_te = datasets.train_test_split(X_lunas, y_lunas, test_size=0.3, seed=0)


def monomios(X, grado=3):
    cols = [X[:, 0] ** i * X[:, 1] ** (d - i) for d in range(1, grado + 1) for i in range(d + 1)]
    return np.stack(cols, axis=1).astype(np.float32)


est = datasets.Standardizer().fit(monomios(Xl_tr))
F_tr, F_te = est.transform(monomios(Xl_tr)), est.transform(monomios(Xl_te))
pasos_lunas = segun_modo(600, 2000)

mdl.manual_seed(0)
log_crudo = nn.Linear(2, 1)
entrenar(log_crudo, Xl_tr, yl_tr, perdida_bin, pasos_lunas, lr=0.05)
mdl.manual_seed(0)
log_mano = nn.Linear(F_tr.shape[1], 1)
entrenar(log_mano, F_tr, yl_tr, perdida_bin, pasos_lunas, lr=0.05)
mdl.manual_seed(0)
red_lunas = mlp([2, 16, 16, 1])
entrenar(red_lunas, Xl_tr, yl_tr, perdida_bin, pasos_lunas, lr=0.02)

acc_crudo, acc_mano, acc_red = (precision(m, X, yl_te) for m, X in
                                [(log_crudo, Xl_te), (log_mano, F_te), (red_lunas, Xl_te)])
print(f"logística sobre (x1, x2)              : {acc_crudo:.3f}")
print(f"logística sobre {F_tr.shape[1]} monomios hechos a mano: {acc_mano:.3f}")
print(f"red 2-16-16-1 sobre (x1, x2)          : {acc_red:.3f}")
resultado("clasico_crudo", acc_crudo)
resultado("clasico_a_mano", acc_mano)
resultado("mlp_lunas", acc_red)

try:
    from sklearn.linear_model import LogisticRegression
except ImportError:
    print("(scikit-learn no está instalado: se omite la comparación)")
else:
    sk = LogisticRegression(C=1e4, max_iter=5000).fit(F_tr, yl_tr)
    print(f"scikit-learn LogisticRegression sobre los mismos monomios: {sk.score(F_te, yl_te):.3f}")

# %% [markdown]
# En modo completo: 0.86 con las coordenadas crudas, 0.97 con los monomios (scikit-learn da
# también 0.97) y 0.96 con la red.
# El modelo clásico llega igual de lejos *si alguien acierta con las características*; la red
# llega sola. Con datos de baja dimensión y bien entendidos el enfoque clásico es perfectamente
# válido (y más barato y más fácil de explicar; lo retomamos en las Unidades 9 y 10). Cuando las
# características son difíciles de diseñar (píxeles, audio, texto), aprenderlas es la ventaja
# decisiva del Deep Learning.

# %% [markdown]
# ## Lección 1.2.2 — Tipos de problemas que resuelve
#
# Cambiar de problema casi nunca cambia el cuerpo de la red: cambia **la forma de los datos**
# y **la última capa con su pérdida**. Resolvemos cuatro problemas distintos con el mismo
# bucle de entrenamiento:
#
# | problema | entrada | salida de la red | pérdida |
# |---|---|---|---|
# | regresión | (N, d) | 1 número sin activación | error cuadrático medio |
# | clasificación binaria | (N, d) | 1 logit (sigmoide → probabilidad) | entropía cruzada binaria |
# | clasificación multiclase | (N, d) | K logits (softmax → probabilidades) | entropía cruzada |
# | secuencias | (N, T, d) | lo que pida la tarea (aquí 1 número) | según la tarea |
#
# Imágenes (N, alto, ancho, canales) con redes convolucionales y generación de contenido se
# ven en la Unidad 13.
#
# → minidl/datasets/synthetic.py, minidl/nn/recurrent.py, minidl/ops/loss.py, minidl/metrics/regression.py

# %%
from minidl import metrics


class Secuencial(nn.Module):
    """RNN que lee la secuencia entera y predice un número con su último estado."""

    def __init__(self):
        super().__init__()
        self.rnn = nn.RNN(1, 16)
        self.salida = nn.Linear(16, 1)

    def forward(self, x):
        _, h = self.rnn(x)
        return self.salida(h[0])


pasos_tipos = segun_modo(150, 600)
mdl.manual_seed(0)
X_r, y_r = datasets.make_regression(500, noise=0.1, seed=0)
reg = mlp([1, 32, 32, 1])
entrenar(reg, X_r, y_r, F.mse_loss, pasos_tipos, lr=0.01)
with mdl.no_grad():
    r2_reg = metrics.r2_score(y_r, reg(mdl.tensor(X_r)).numpy())

X_b, y_b = datasets.make_blobs(500, centers=4, cluster_std=1.5, seed=0)
multi = mlp([2, 32, 4])
entrenar(multi, X_b, y_b, F.cross_entropy, pasos_tipos, lr=0.01)

X_s, y_s = datasets.make_sequence_task(segun_modo(200, 500), seq_len=20, task="sine", seed=0)
sec = Secuencial()
entrenar(sec, X_s, y_s, F.mse_loss, segun_modo(60, 300), lr=0.01)
with mdl.no_grad():
    r2_sec = metrics.r2_score(y_s, sec(mdl.tensor(X_s)).numpy())

print(f"regresión      (entrada {X_r.shape}, salida (N, 1)) → R² = {r2_reg:.3f}")
print(f"binaria        (entrada {Xl_tr.shape}, salida (N, 1)) → precisión = {acc_red:.3f}  (las lunas de antes)")
print(f"multiclase     (entrada {X_b.shape}, salida (N, 4)) → precisión = {precision(multi, X_b, y_b):.3f}")
print(f"secuencias     (entrada {X_s.shape}, salida (N, 1)) → R² = {r2_sec:.3f}")
resultado("r2_regresion", round(r2_reg, 4))
resultado("r2_secuencias", round(r2_sec, 4))

# %% [markdown]
# En modo completo: R² = 0.996 en regresión, 0.99 de precisión en las cuatro nubes de puntos,
# y R² = 0.99 al predecir el siguiente valor de una senoide a partir de los 20 anteriores (el
# R² mide qué fracción de la varianza del objetivo explica el modelo; 1 es perfecto). Las cifras
# son sobre los datos de entrenamiento: evaluar bien es el tema de la Unidad 6.

# %% [markdown]
# ## Lección 1.2.3 — Costes y requisitos reales
#
# El Deep Learning pide tres recursos: **datos** (la Lección 1.1.3 mostró cuánto importan),
# **cómputo** y **memoria**. Para una red densa, cada parámetro participa en una
# multiplicación y una suma por ejemplo en la pasada hacia delante, y en unas dos más en la
# pasada hacia atrás, así que un paso de entrenamiento cuesta aproximadamente
# `6 × parámetros × tamaño del lote` operaciones de coma flotante (FLOP). En memoria, Adam
# guarda por cada parámetro el peso, su gradiente y dos promedios: 4 números de 4 bytes.
#
# Medimos el tiempo real de un paso de entrenamiento con anchos crecientes (la mediana de
# varias repeticiones; la máquina es compartida, así que los tiempos son aproximados).
#
# → minidl/nn/layers.py, minidl/optim/adam.py, minidl/ops/linalg.py, minidl/kernels/optim_updates.py

# %%
def medir_paso(ancho, lote=128, repeticiones=None):
    repeticiones = repeticiones or segun_modo(5, 20)
    mdl.manual_seed(0)
    red = mlp([784, ancho, ancho, 10])
    opt = optim.Adam(red.parameters(), lr=1e-3)
    xb, yb = mdl.tensor(x_mnist[:lote]), y_mnist[:lote]
    tiempos = []
    for _ in range(repeticiones + 1):  # la primera repetición calienta cachés y kernels
        t0 = time.perf_counter()
        opt.zero_grad()
        F.cross_entropy(red(xb), yb).backward()
        opt.step()
        tiempos.append(time.perf_counter() - t0)
    params = sum(p.size for p in red.parameters())
    return params, float(np.median(tiempos[1:]))


print(" ancho | parámetros | memoria Adam | ms por paso | GFLOP/s")
for ancho in segun_modo([32, 128, 512], [32, 128, 512, 2048]):
    params, seg = medir_paso(ancho)
    gflops = 6 * params * 128 / seg / 1e9
    print(f"{ancho:6d} | {params:10,d} | {params * 16 / 2**20:9.1f} MiB | {seg * 1e3:11.2f} | {gflops:7.1f}")
resultado("parametros_mayor", params)

# %% [markdown]
# En modo completo, en una máquina de 2 núcleos compartida, pasar de 128 a 2048 neuronas
# multiplicó los parámetros por 49 (de 118 mil a 5.8 millones) y el tiempo por paso por unos
# 13 (de unos 7 ms a unos 96 ms): el coste crece más despacio que los parámetros porque las
# matrices grandes aprovechan mucho mejor el procesador (de 12 a 47 GFLOP/s), pero crece, y
# ese aprovechamiento tiene un techo. Un modelo real con cientos de millones de parámetros y
# millones de ejemplos sale de este orden de magnitud: por eso se entrena en GPU (Lección
# 2.1.3) y por eso antes de lanzarse conviene estimar el coste con esta cuenta de servilleta.
