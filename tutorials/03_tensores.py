# comprobaciones: rango_escalar<=0, forma_lote_ok>=1, broadcast_error>=1, grad_sesgo_ok>=1, trampa_forma>8, logsumexp_finito>=1, grad_matmul_error<1e-4, aceleracion_vectorizada>10, aceleracion_lote>1, ops_pytorch_ok>=1
# %% [markdown]
# # Unidad 3 — Tensores y operaciones fundamentales
#
# Una red neuronal es, en su maquinaria, una sucesión de operaciones sobre **tensores**:
# arrays de números con cualquier número de ejes. En esta unidad:
#
# * escalares, vectores, matrices y tensores de más ejes: qué significa cada eje en Deep
#   Learning (lote, alto, ancho, canales, tiempo...);
# * **shapes y broadcasting**, la fuente número uno de errores (y de errores silenciosos);
# * operaciones elemento a elemento y matriciales, y cómo las deriva minidl;
# * por qué hay que **vectorizar**: medimos un bucle de Python frente a una sola operación
#   sobre el lote entero.
#
# **Cómo ejecutarlo** (desde cualquier carpeta):
#
# ```
# python tutorials/03_tensores.py                 # modo completo
# MINIDL_FAST=1 python tutorials/03_tensores.py   # modo rápido (menos de un minuto)
# ```
#
# Las figuras van a `tutorials/output/03_tensores/`. Las cifras citadas salen de una ejecución
# en modo completo en una máquina de 2 núcleos compartida (los tiempos son orientativos).

# %%
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent if "__file__" in globals() else Path.cwd()))
import time

import matplotlib.pyplot as plt
import numpy as np
from _comun import RAPIDO, carpeta_salida, guardar_figura, resultado, segun_modo

import minidl as mdl
from minidl import datasets

TUTORIAL = "03_tensores"
print("modo rápido" if RAPIDO else "modo completo", "· salida en", carpeta_salida(TUTORIAL))


def describir(nombre, t):
    print(f"{nombre:28s} ndim={t.ndim}  shape={str(t.shape):16s} size={t.size:<7d} dtype={t.dtype}")


# %% [markdown]
# ## 3.1 — Qué es un tensor
#
# ## Lección 3.1.1 — Escalares, vectores y matrices
#
# * Un **escalar** es un número: tensor de 0 ejes, `shape == ()`. Una pérdida es un escalar.
# * Un **vector** tiene 1 eje: por ejemplo las características de un ejemplo, o los sesgos
#   de una capa.
# * Una **matriz** tiene 2 ejes. En Deep Learning la forma más común es `(N, d)`: **N ejemplos**
#   (el *lote*, siempre el primer eje) por **d características**. Los pesos de una capa densa
#   también son una matriz, `(entradas, salidas)` en minidl.
#
# El número de ejes se llama `ndim` (rango); `shape` dice cuántos elementos hay en cada eje;
# `size` es el total de elementos y `dtype` el tipo de número.
#
# → minidl/autograd.py, minidl/ops/creation.py

# %%
perdida = mdl.tensor(0.693)
ejemplo = mdl.tensor([5.1, 3.5, 1.4, 0.2])  # las 4 medidas de una flor
X, y = datasets.make_regression(8, n_features=3, seed=0)
lote = mdl.tensor(X)
describir("escalar (una pérdida)", perdida)
describir("vector (un ejemplo)", ejemplo)
describir("matriz (lote de 8 ejemplos)", lote)
print("el escalar como número de Python:", perdida.item(), "· el vector como lista:", ejemplo.tolist())
print("fila 0 del lote (un ejemplo):", lote[0], "· columna 1 (una característica):", lote[:, 1].shape)
resultado("rango_escalar", perdida.ndim)

# %% [markdown]
# ## Lección 3.1.2 — Tensores multidimensionales
#
# Con más ejes, cada uno tiene un significado fijado por convención:
#
# | datos | shape en minidl (y Keras) | ejes |
# |---|---|---|
# | tabla | `(N, d)` | ejemplos, características |
# | secuencias | `(N, T, d)` | ejemplos, pasos de tiempo, características por paso |
# | imágenes | `(N, H, W, C)` | ejemplos, alto, ancho, canales (**NHWC**, "canales al final") |
#
# PyTorch guarda las imágenes como `(N, C, H, W)` ("canales primero"); pasar de una a otra es
# una trasposición de ejes. Lo practicamos con un lote de dígitos de MNIST: seleccionar,
# recortar, reducir a lo largo de un eje y cambiar la forma.
#
# → minidl/ops/shape.py, minidl/ops/reduction.py, minidl/datasets/mnist.py

# %%
(x_mnist, y_mnist), _ = datasets.mnist.load_data()
n = segun_modo(2000, 10000)
imagenes = mdl.tensor(x_mnist[:n].astype(np.float32) / 255).reshape(n, 28, 28, 1)  # añade el eje de canal
describir("lote de imágenes NHWC", imagenes)
describir("una imagen", imagenes[0])
describir("recorte central 8x8 de todas", imagenes[:, 10:18, 10:18, :])
describir("brillo medio de cada imagen", imagenes.mean(axis=(1, 2, 3)))
describir("imagen media del lote", imagenes.mean(axis=0))
describir("aplanado (para capas densas)", imagenes.reshape(n, -1))
describir("canales primero (PyTorch)", imagenes.transpose(0, 3, 1, 2))
secuencias, _ = datasets.make_sequence_task(32, seq_len=20, seed=0)
describir("lote de secuencias (N, T, d)", mdl.tensor(secuencias))
resultado("forma_lote_ok", int(imagenes.reshape(n, -1).shape == (n, 784)))

# La "imagen media" de cada dígito: una máscara booleana selecciona las imágenes de esa clase.
etiquetas = y_mnist[:n]
fig, axes = plt.subplots(1, 10, figsize=(10, 1.3))
for digito, ax in enumerate(axes):
    media = imagenes[mdl.tensor(etiquetas == digito)].mean(axis=0)  # (28, 28, 1)
    ax.imshow(media.numpy()[:, :, 0], cmap="gray")
    ax.set_title(str(digito))
    ax.axis("off")
guardar_figura(fig, TUTORIAL, "digito_medio")

# %% [markdown]
# Observa el vocabulario: **reducir** a lo largo de un eje (`mean(axis=0)`) hace desaparecer
# ese eje; **indexar** con un entero también lo elimina (`imagenes[0]` ya no tiene el eje del
# lote); `reshape` reordena los mismos números en otra forma sin copiarlos (el tamaño total
# debe coincidir, y `-1` significa "lo que falte"); `transpose` permuta los ejes.

# %% [markdown]
# ## Lección 3.1.3 — Shapes y broadcasting
#
# Para operar dos tensores de formas distintas, NumPy (y minidl) aplican el **broadcasting**:
#
# 1. se alinean las formas **por la derecha**;
# 2. en cada eje, los tamaños deben ser iguales o uno de ellos 1 (o no existir);
# 3. el eje de tamaño 1 se "estira" (sin copiar memoria) hasta el tamaño del otro.
#
# Así se resta la media de cada columna, `(N, d) − (d,)`, o se suma el sesgo de una capa a
# todo el lote. Dos consecuencias que hay que conocer:
#
# * **el gradiente deshace el broadcasting**: si el sesgo `(d,)` se usó N veces, su gradiente
#   es la *suma* de los N gradientes. minidl lo hace en un único sitio, la función
#   `unbroadcast` de `minidl/autograd.py`;
# * **el broadcasting puede esconder errores**: `(N, 1) − (N,)` no falla, da una matriz
#   `(N, N)`.
#
# → minidl/autograd.py, minidl/ops/elementwise.py, minidl/ops/common.py

# %%
lote = mdl.tensor(X)  # (8, 3)
medias = lote.mean(axis=0)  # (3,)
centrado = lote - medias  # (8, 3) - (3,) → (8, 3)
print("(8,3) - (3,) →", centrado.shape, "· medias por columna tras centrar:", np.round(centrado.mean(axis=0).numpy(), 6))
columna, fila = mdl.arange(4).reshape(4, 1), mdl.arange(3).reshape(1, 3)
print("(4,1) * (1,3) → tabla de multiplicar", (columna * fila).shape, "\n", (columna * fila).numpy())

try:
    mdl.ones(3) + mdl.ones(4)
except Exception as error:  # formas incompatibles: error claro que nombra la op y las formas
    print(f"(3,) + (4,) → {type(error).__name__}: {error}")
    resultado("broadcast_error", 1)

# El gradiente de un sesgo usado por todo el lote es la suma sobre el lote.
W = mdl.randn(3, 2, requires_grad=True)
b = mdl.zeros(2, requires_grad=True)
salida = lote @ W + b  # b (2,) se suma a las 8 filas
salida.sum().backward()
print("grad de b:", b.grad.numpy(), "· shape", b.grad.shape, "(la misma que b)")
ok = b.grad.shape == (2,) and np.allclose(b.grad.numpy(), 8.0)
resultado("grad_sesgo_ok", int(ok))

# La trampa: predicciones (N, 1) contra objetivos (N,) en un error cuadrático escrito a mano.
pred = mdl.zeros(len(y), 1)
objetivo = mdl.tensor(y[:, 0])  # (N,): se perdió el eje de columna
diferencia = pred - objetivo
print(f"(N,1) - (N,) con N={len(y)} → {diferencia.shape}: ¡{diferencia.size} diferencias en vez de {len(y)}!")
resultado("trampa_forma", diferencia.size)

# %% [markdown]
# El último ejemplo no da ningún error: calcula un error cuadrático "medio" sobre todas las
# parejas (predicción i, objetivo j), y la red aprende a predecir la media. Las pérdidas de
# minidl (`F.mse_loss` y las de Keras) comprueban las formas para evitarlo, pero en tu propio
# código la defensa es imprimir `.shape` a menudo. La Unidad 5 muestra el efecto en un
# entrenamiento.

# %% [markdown]
# ## 3.2 — Operaciones sobre tensores
#
# ## Lección 3.2.1 — Operaciones elementales
#
# Las operaciones **elemento a elemento** (`+ − * / **`, `exp`, `log`, `sqrt`, `abs`, `tanh`,
# `sigmoid`, `maximum`, `where`, comparaciones...) aplican la misma función a cada número; la
# salida tiene la forma (tras el broadcasting) de las entradas. Cada una es una clase pequeña de
# `minidl/ops/elementwise.py` con su derivada escrita en el docstring.
#
# Un matiz importante en la práctica: la **estabilidad numérica**. `float32` solo llega hasta
# ~3.4·10³⁸, así que `exp(100)` ya es infinito. Calcular `log(Σ exp(z))` (está dentro de
# softmax y de la entropía cruzada) de forma ingenua desborda; la forma estable resta antes el
# máximo: `m + log(Σ exp(z − m))`, que es lo que hace `mdl.logsumexp`.
#
# → minidl/ops/elementwise.py, minidl/ops/reduction.py, minidl/ops/activation.py

# %%
z = mdl.tensor([-2.0, 0.0, 1.0, 3.0], requires_grad=True)
print("z         :", z.numpy())
print("z ** 2    :", (z**2).numpy())
print("exp(z)    :", mdl.exp(z).numpy().round(3))
print("relu(z)   :", mdl.maximum(z, 0.0).numpy())
print("sigmoid(z):", mdl.sigmoid(z).numpy().round(3))
print("z > 0     :", (z > 0).numpy(), "(booleanos, sin gradiente)")
print("where     :", mdl.where(z > 0, z, 0.1 * z).numpy(), "(una 'leaky ReLU')")
mdl.sigmoid(z).sum().backward()
s = mdl.sigmoid(z).numpy()
print("d sigmoid/dz con autograd:", z.grad.numpy().round(4), "· fórmula σ(1−σ):", (s * (1 - s)).round(4))

grandes = mdl.tensor([100.0, 101.0, 102.0])
with np.errstate(over="ignore"):  # exp(100) desborda float32: es justo lo que queremos ver
    ingenuo = mdl.log(mdl.exp(grandes).sum()).item()
estable = mdl.logsumexp(grandes).item()
print(f"log(sum(exp(z))) ingenuo: {ingenuo} · logsumexp estable: {estable:.4f}")
resultado("logsumexp_finito", int(np.isfinite(estable) and not np.isfinite(ingenuo)))

# %% [markdown]
# ## Lección 3.2.2 — Operaciones matriciales
#
# El **producto de matrices** `A @ B` combina filas de A con columnas de B:
# `(n, k) @ (k, m) → (n, m)`, y el eje interior `k` tiene que coincidir. Es la operación central
# de una capa densa: un lote `(N, d)` por los pesos `(d, h)` da `(N, h)`, las h neuronas
# aplicadas a los N ejemplos **a la vez**. Con más de dos ejes, los anteriores se tratan como
# lotes: `(B, n, k) @ (k, m) → (B, n, m)`.
#
# La derivada también es un producto de matrices. Si `Y = X W` y G = ∂L/∂Y, entonces
# `∂L/∂X = G Wᵀ` y `∂L/∂W = Xᵀ G`; lo comprobamos contra el `backward` de minidl. Y un aviso:
# `*` es el producto **elemento a elemento**, no el matricial.
#
# → minidl/ops/linalg.py, minidl/autograd.py

# %%
mdl.manual_seed(0)
Xm = mdl.randn(5, 4, requires_grad=True)
Wm = mdl.randn(4, 3, requires_grad=True)
Ym = Xm @ Wm
print("(5,4) @ (4,3) →", Ym.shape, "· por lotes: (2,5,4) @ (4,3) →", (mdl.randn(2, 5, 4) @ Wm).shape)
print("vector · vector (producto escalar):", (mdl.tensor([1.0, 2.0, 3.0]) @ mdl.tensor([4.0, 5.0, 6.0])).item())
print("A * A (elemento a elemento) →", (Wm * Wm).shape, "· A @ Aᵀ (matricial) →", (Wm @ Wm.T).shape)

G = np.random.default_rng(0).standard_normal((5, 3)).astype(np.float32)  # un ∂L/∂Y cualquiera
Ym.backward(G)
error_x = np.abs(Xm.grad.numpy() - G @ Wm.numpy().T).max()
error_w = np.abs(Wm.grad.numpy() - Xm.numpy().T @ G).max()
print(f"∂L/∂X = G Wᵀ: error {error_x:.1e} · ∂L/∂W = Xᵀ G: error {error_w:.1e}")
resultado("grad_matmul_error", float(max(error_x, error_w)))

# %% [markdown]
# ### Más operaciones, con los nombres de PyTorch
#
# Quien venga de PyTorch encontrará también: división entera `//` y resto `%` (con la regla de
# Python: `a == (a // b) * b + a % b`, y el resto toma el signo del divisor), `clamp` (recortar
# a un intervalo; su derivada es 1 dentro y 0 fuera), `cat`, `eye`, `linspace`, `cumsum`,
# `sort` y `topk` (devuelven valores **e índices**), `tril` y `masked_fill`. Las dos últimas
# construyen la **máscara causal** de los Transformers: cada posición solo puede mirar a las
# anteriores, así que se pone −∞ encima de la diagonal antes del softmax.
#
# → minidl/ops/rounding.py, minidl/ops/sorting.py, minidl/ops/selection.py, minidl/ops/creation.py

# %%
a = mdl.tensor([-7, -3, 3, 7])
print("a // 2:", (a // 2).tolist(), "· a % 2:", (a % 2).tolist(), "· Python:", [v // 2 for v in (-7, -3, 3, 7)])
division_ok = (a // 2).tolist() == [v // 2 for v in (-7, -3, 3, 7)] and ((a // 2) * 2 + a % 2).tolist() == a.tolist()

puntuaciones = mdl.tensor([[0.1, 0.7, 0.2], [0.5, 0.1, 0.4]], requires_grad=True)
valores, indices = mdl.topk(puntuaciones, 2)  # las 2 clases más probables de cada fila
print("topk:", valores.numpy(), "índices", indices.tolist())
topk_ok = np.allclose(valores.numpy(), -np.sort(-puntuaciones.numpy(), axis=1)[:, :2])
acumulado = mdl.cumsum(puntuaciones, dim=1)
print("cumsum (la última columna es la suma de la fila):", acumulado.numpy())
mdl.clamp(puntuaciones, 0.15, 0.45).sum().backward()
print("grad de clamp(x, 0.15, 0.45):", puntuaciones.grad.numpy(), "(1 dentro del intervalo, 0 fuera)")
clamp_ok = np.array_equal(puntuaciones.grad.numpy(), ((puntuaciones.numpy() > 0.15) & (puntuaciones.numpy() < 0.45)))

T = 4
futuro = mdl.tril(mdl.ones(T, T)) == 0  # True encima de la diagonal: posiciones futuras
atencion = mdl.softmax(mdl.masked_fill(mdl.randn(T, T), futuro, float("-inf")), axis=-1)
print("atención causal (filas: posición; columnas: a quién mira):\n", atencion.numpy().round(2))
causal_ok = np.all(atencion.numpy()[futuro.numpy()] == 0) and np.allclose(atencion.numpy().sum(axis=1), 1)
print("cat(eye(2), linspace):", mdl.cat([mdl.eye(2), mdl.linspace(0, 1, 2).reshape(1, 2)], dim=0).tolist())
resultado("ops_pytorch_ok", int(division_ok and topk_ok and clamp_ok and causal_ok
                                and np.allclose(acumulado.numpy()[:, -1], puntuaciones.numpy().sum(axis=1))))

# %% [markdown]
# ## Lección 3.2.3 — Impacto en rendimiento
#
# Python interpreta cada operación de un bucle una a una; NumPy (y por tanto minidl) ejecuta
# una operación sobre todo un array en código compilado que usa instrucciones vectoriales y
# varios núcleos. Medimos la misma capa densa, `Y = X W`, de tres maneras:
#
# 1. tres bucles de Python sobre números;
# 2. un bucle de Python sobre los ejemplos, con un producto vector-matriz de minidl por ejemplo;
# 3. **un solo** producto de matrices de minidl para todo el lote.
#
# Y además comparamos `float32` con `float64`. Cada tiempo es la mediana de varias
# repeticiones; la máquina es compartida, así que las cifras son aproximadas.
#
# → minidl/ops/linalg.py, minidl/autograd.py, minidl/backend.py

# %%
def cronometrar(funcion, repeticiones=5):
    tiempos = []
    for _ in range(repeticiones):
        t0 = time.perf_counter()
        funcion()
        tiempos.append(time.perf_counter() - t0)
    return float(np.median(tiempos))


N, d, h = segun_modo((64, 64, 32), (256, 128, 64))
rng = np.random.default_rng(0)
Xa, Wa = rng.standard_normal((N, d)).astype(np.float32), rng.standard_normal((d, h)).astype(np.float32)
X_lista, W_lista = Xa.tolist(), Wa.tolist()
Xt, Wt = mdl.tensor(Xa), mdl.tensor(Wa)


def bucles_python():
    return [[sum(X_lista[i][k] * W_lista[k][j] for k in range(d)) for j in range(h)] for i in range(N)]


def bucle_por_ejemplo():
    return mdl.stack([Xt[i] @ Wt for i in range(N)])


def un_producto():
    return Xt @ Wt


assert np.allclose(np.array(bucles_python()), un_producto().numpy(), atol=1e-3)
assert np.allclose(bucle_por_ejemplo().numpy(), un_producto().numpy(), atol=1e-4)
t_python = cronometrar(bucles_python, repeticiones=3)
t_ejemplo = cronometrar(bucle_por_ejemplo)
t_lote = cronometrar(un_producto, repeticiones=50)
grande32 = mdl.randn(1024, 1024)
grande64 = grande32.astype("float64")
t32 = cronometrar(lambda: grande32 @ grande32)
t64 = cronometrar(lambda: grande64 @ grande64)

print(f"X ({N}x{d}) @ W ({d}x{h}):")
print(f"  bucles de Python          : {t_python * 1e3:9.2f} ms")
print(f"  bucle por ejemplo (minidl): {t_ejemplo * 1e3:9.2f} ms")
print(f"  un producto (minidl)      : {t_lote * 1e3:9.3f} ms  → {t_python / t_lote:,.0f} veces más rápido que los bucles")
print(f"1024x1024 @ 1024x1024: float32 {t32 * 1e3:.1f} ms · float64 {t64 * 1e3:.1f} ms ({t64 / t32:.1f}x)")
resultado("aceleracion_vectorizada", round(t_python / t_lote, 1))
resultado("aceleracion_lote", round(t_ejemplo / t_lote, 1))

fig, ax = plt.subplots(figsize=(6, 2.5))
ax.barh(["bucles de Python", "bucle por ejemplo", "un producto"], [t_python * 1e3, t_ejemplo * 1e3, t_lote * 1e3])
ax.set_xscale("log")
ax.set_xlabel("milisegundos (escala logarítmica)")
ax.set_title(f"La misma capa densa, {N}x{d} @ {d}x{h}")
guardar_figura(fig, TUTORIAL, "vectorizar")

# %% [markdown]
# En modo completo el producto único (0.08 ms) fue unas 3 400 veces más rápido que los bucles de
# Python (0.27 s) y unas 95 veces más rápido que el bucle por ejemplo; `float64` tardó 2.0 veces
# lo que `float32`. El bucle por ejemplo es lento por dos razones: Python repite su trabajo de
# interpretación en cada iteración, y minidl crea un nodo del grafo por cada operación pequeña.
# Por eso las redes se entrenan **por lotes**: un lote de 32 o 64 ejemplos cuesta casi lo mismo
# que uno solo. Regla práctica: si escribes un `for` sobre los ejemplos o sobre los elementos de
# un tensor, busca la operación vectorizada que lo sustituye.
