# comprobaciones: numpy_coincide>=1, estilo_pytorch_lunas>=0.9, estilo_keras_lunas>=0.9, dependencias_ok>=1, huella_diferencias>=1, repro_diferencia<=0, repro_otra_semilla>0, repro_keras_diferencia<=0, semilla_tf_igual>=1
# %% [markdown]
# # Unidad 2 — Entorno de trabajo en Python para Deep Learning
#
# Antes de entrenar redes conviene conocer y controlar las herramientas. En esta unidad:
#
# * vemos que un tensor de minidl es, por dentro, un array de **NumPy** (o de CuPy en GPU);
# * escribimos el mismo modelo con los dos estilos de framework que dominan hoy (PyTorch y
#   Keras), que minidl imita;
# * elegimos **CPU o GPU** con una alternativa elegante cuando no hay GPU;
# * imprimimos versiones y dependencias, guardamos una "huella" del entorno y la comparamos;
# * y demostramos la **reproducibilidad**: dos entrenamientos con la misma semilla dan pesos
#   idénticos bit a bit.
#
# **Cómo ejecutarlo** (desde cualquier carpeta):
#
# ```
# python tutorials/02_entorno.py                 # modo completo
# MINIDL_FAST=1 python tutorials/02_entorno.py   # modo rápido (menos de un minuto)
# ```
#
# Las figuras y ficheros que genera van a `tutorials/output/02_entorno/`. Las cifras citadas en
# el texto salen de una ejecución en modo completo en una máquina de 2 núcleos compartida (los
# tiempos son orientativos).

# %%
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent if "__file__" in globals() else Path.cwd()))
import importlib.metadata
import importlib.util
import inspect
import json
import os
import platform
import time

import matplotlib.pyplot as plt
import numpy as np
from _comun import RAIZ, RAPIDO, carpeta_salida, guardar_figura, resultado, segun_modo

import minidl as mdl
import minidl.functional as F
from minidl import datasets, nn, optim

TUTORIAL = "02_entorno"
SALIDA = carpeta_salida(TUTORIAL)
print("modo rápido" if RAPIDO else "modo completo", "· salida en", SALIDA)

# %% [markdown]
# ## 2.1 — Librerías principales
#
# ## Lección 2.1.1 — NumPy como base
#
# NumPy es la base del cálculo numérico en Python: arrays n-dimensionales de un solo tipo,
# guardados en memoria contigua, con operaciones vectorizadas escritas en C. Todos los
# frameworks de Deep Learning copian su interfaz (`shape`, `dtype`, broadcasting, `axis=`).
#
# En minidl la relación es literal: un `mdl.Tensor` **envuelve** un array de NumPy (atributo
# `.data`) y le añade lo que NumPy no tiene: el registro de operaciones para calcular
# gradientes (Unidad 5) y la posibilidad de vivir en la GPU. El único fichero que sabe si los
# arrays son de NumPy o de CuPy es `minidl/backend.py`; el resto del motor escribe la
# matemática una sola vez contra un módulo `xp` que es `numpy` o `cupy`.
#
# → minidl/autograd.py, minidl/backend.py, minidl/ops/elementwise.py

# %%
t = mdl.tensor([[1.0, 2.0], [3.0, 4.0]])
print("tensor:", t)
print("por dentro:", type(t.data), t.data.dtype, "· shape", t.shape)
print("módulo de arrays que usa el motor:", mdl.backend.get_array_module(t.data).__name__)
print("los enteros conservan su tipo:", mdl.tensor([1, 2, 3]).dtype, "· los reales pasan a", t.dtype)

a = np.linspace(-2, 2, 5)
coincide = np.allclose(mdl.tanh(mdl.tensor(a)).numpy(), np.tanh(a), atol=1e-6)
print("mdl.tanh coincide con np.tanh:", coincide)
resultado("numpy_coincide", int(coincide))

# El código de una operación del motor es NumPy puro: así se define tanh y su derivada.
print(inspect.getsource(mdl.ops.elementwise.Tanh))

# %% [markdown]
# Fíjate en que `forward` recibe y devuelve arrays (no tensores) y en que `backward` aplica la
# derivada `1 − tanh²`. Que los números reales se guarden en `float32` (y no en el `float64` por
# defecto de NumPy) es deliberado: la mitad de memoria y el doble de velocidad, con precisión de
# sobra para entrenar redes. Se puede pedir `dtype="float64"` cuando haga falta exactitud (por
# ejemplo para comprobar gradientes numéricamente).

# %% [markdown]
# ## Lección 2.1.2 — Frameworks de Deep Learning
#
# Un framework de Deep Learning aporta cuatro cosas sobre NumPy: tensores en CPU y GPU,
# **diferenciación automática**, una biblioteca de capas, pérdidas y optimizadores, y
# utilidades para entrenar, guardar y desplegar. Los más usados son **PyTorch** (estilo
# imperativo: tú escribes el bucle de entrenamiento), **TensorFlow/Keras** (estilo declarativo:
# `compile` + `fit`) y **JAX** (funciones puras y transformaciones). minidl ofrece los dos
# primeros estilos sobre el mismo motor:
#
# | idea | estilo PyTorch (`minidl.nn`, `minidl.optim`) | estilo Keras (`minidl.keras`) |
# |---|---|---|
# | capa densa | `nn.Linear(entrada, salida)` | `layers.Dense(salida)` |
# | modelo | `nn.Sequential(...)` o subclase de `nn.Module` | `models.Sequential([...])` |
# | entrenar | bucle: `zero_grad`, `backward`, `step` | `model.compile(...)`, `model.fit(...)` |
#
# Entrenamos la misma red (2 → 16 → 16 → 1) de las dos maneras sobre las "lunas".
#
# → minidl/nn/layers.py, minidl/optim/adam.py, minidl/keras/models/model.py, minidl/keras/layers/core.py

# %%
X, y = datasets.make_moons(segun_modo(300, 1000), noise=0.2, seed=0)
X_tr, X_te, y_tr, y_te = datasets.train_test_split(X, y, test_size=0.3, seed=0)
epocas = segun_modo(20, 60)

# Estilo PyTorch: el bucle está a la vista.
mdl.manual_seed(0)
red = nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 16), nn.ReLU(), nn.Linear(16, 1))
opt = optim.Adam(red.parameters(), lr=0.01)
for _ in range(epocas):
    for xb, yb in datasets.batches(X_tr, y_tr, batch_size=32):
        opt.zero_grad()
        loss = F.binary_cross_entropy_with_logits(red(mdl.tensor(xb)), yb.reshape(-1, 1))
        loss.backward()
        opt.step()
with mdl.no_grad():
    acc_torch = float(((red(mdl.tensor(X_te)).numpy()[:, 0] > 0) == y_te).mean())
print(f"estilo PyTorch: precisión en test {acc_torch:.3f}")
resultado("estilo_pytorch_lunas", acc_torch)

# Estilo Keras: el bucle lo escribe fit().
from minidl import keras
from minidl.keras import layers, models

keras.utils.set_random_seed(0)
modelo = models.Sequential([
    layers.Input(shape=(2,)),
    layers.Dense(16, activation="relu"),
    layers.Dense(16, activation="relu"),
    layers.Dense(1, activation="sigmoid"),
])
modelo.compile(optimizer=keras.optimizers.Adam(learning_rate=0.01), loss="binary_crossentropy", metrics=["accuracy"])
modelo.fit(X_tr, y_tr.astype("float32"), epochs=epocas, batch_size=32, verbose=0)
acc_keras = modelo.evaluate(X_te, y_te.astype("float32"), verbose=0)[1]
print(f"estilo Keras  : precisión en test {acc_keras:.3f}")
resultado("estilo_keras_lunas", acc_keras)

import minidl as tf  # el cuaderno del curso funciona cambiando "tensorflow" por "minidl"

print("tf.keras es minidl.keras:", tf.keras is keras)
instalados = {nombre: importlib.util.find_spec(modulo) is not None
              for nombre, modulo in [("PyTorch", "torch"), ("TensorFlow", "tensorflow"), ("JAX", "jax")]}
print("otros frameworks instalados en este entorno:", instalados)

# %% [markdown]
# En modo completo las dos versiones llegan a 0.97 y 0.96 de precisión. Por dentro comparten las
# mismas operaciones y los mismos kernels: `keras.layers.Dense` llama a la misma función
# `linear` que `nn.Linear`, y el `Adam` de Keras usa el mismo kernel de actualización que el de
# `minidl.optim` (con los valores por defecto de cada framework). Aprender uno de los estilos
# es aprender el otro.

# %% [markdown]
# ## Lección 2.1.3 — CPU vs GPU
#
# Una GPU tiene miles de unidades aritméticas sencillas: es ideal para multiplicar matrices
# grandes, que es casi todo lo que hace una red. La CPU tiene pocos núcleos muy rápidos y
# es mejor para trabajo pequeño o con muchas decisiones. Mover datos entre las dos cuesta
# tiempo, así que se mueve el modelo una vez y los lotes a medida que se usan.
#
# En minidl un dispositivo es un texto: `"cpu"` (arrays de NumPy) o `"cuda"` (arrays de CuPy).
# `mdl.cuda.is_available()` dice si hay CuPy y una GPU utilizable; el patrón recomendado es
# elegir el dispositivo **una vez** y no volver a escribir `"cuda"` en el código, de modo que el
# mismo programa funcione en un portátil sin GPU. La variable de entorno `MINIDL_DEVICE=cuda`
# cambia el dispositivo por defecto sin tocar el código. La pregunta de los cuadernos de
# TensorFlow, `tf.config.list_physical_devices("GPU")`, también funciona con `import minidl as tf`.
#
# → minidl/backend.py, minidl/nn/module.py, minidl/autograd.py, minidl/tf_compat.py

# %%
dispositivo = "cuda" if mdl.cuda.is_available() else "cpu"
print(f"dispositivo elegido: {dispositivo}")
print("como en TensorFlow, tf.config.list_physical_devices():", tf.config.list_physical_devices())
if dispositivo == "cpu":
    print("No hay GPU con CuPy: todo funciona igual en CPU, solo que más despacio con modelos grandes.")
    try:
        mdl.tensor([1.0], device="cuda")
    except RuntimeError as error:  # pedir la GPU sin tenerla da un error claro, no un cuelgue
        print("pedir device='cuda' aquí da:", error)


def tiempo_matmul(n, device, repeticiones=5):
    a = mdl.randn(n, n, device=device)
    b = mdl.randn(n, n, device=device)
    (a @ b).numpy()  # calentamiento (en GPU, compilación y reserva de memoria)
    tiempos = []
    for _ in range(repeticiones):
        t0 = time.perf_counter()
        (a @ b).numpy()  # .numpy() copia a la CPU y obliga a esperar a que termine la GPU
        tiempos.append(time.perf_counter() - t0)
    return float(np.median(tiempos))


n = segun_modo(512, 2048)
for device in ["cpu"] + (["cuda"] if dispositivo == "cuda" else []):
    seg = tiempo_matmul(n, device)
    print(f"{device}: producto {n}x{n} en {seg * 1e3:.1f} ms → {2 * n**3 / seg / 1e9:.1f} GFLOP/s")

# El mismo código entrena en el dispositivo elegido: se mueve el modelo y cada lote.
mdl.manual_seed(0)
red_dev = nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 1)).to(dispositivo)
opt = optim.Adam(red_dev.parameters(), lr=0.01)
for _ in range(segun_modo(50, 200)):
    opt.zero_grad()
    salida = red_dev(mdl.tensor(X_tr, device=dispositivo))
    loss = F.binary_cross_entropy_with_logits(salida, y_tr.reshape(-1, 1))
    loss.backward()
    opt.step()
print(f"entrenado en {salida.device}: pérdida final {loss.item():.3f}")
resultado("gpu_disponible", int(dispositivo == "cuda"))

if dispositivo == "cuda":  # mezclar dispositivos es un error explícito, nunca una copia silenciosa
    try:
        mdl.tensor([1.0]) + mdl.tensor([1.0], device="cuda")
    except mdl.DeviceMismatchError as error:
        print("mezclar cpu y cuda:", error)

# %% [markdown]
# En la máquina de 2 núcleos donde ejecutamos el modo completo no hay GPU y el producto de dos
# matrices 2048×2048 (17 000 millones de operaciones) tardó unos 0.24 s (71 GFLOP/s). Una GPU
# moderna hace el mismo cálculo en milisegundos, pero solo compensa si el trabajo es grande:
# con una red diminuta como la de las lunas, el coste de lanzar cada operación en la GPU domina
# y la CPU puede ser igual de rápida.

# %% [markdown]
# ## 2.2 — Preparación del entorno
#
# ## Lección 2.2.1 — Instalación y dependencias
#
# minidl depende solo de tres paquetes: **NumPy** (los arrays), **Numba** (compila a código
# máquina los bucles más calientes, como la convolución) y **Matplotlib** (las figuras). El
# resto es opcional y se instala por grupos ("extras") definidos en `pyproject.toml`:
#
# ```
# python -m venv .venv && source .venv/bin/activate    # un entorno aislado por proyecto
# pip install -e ".[tutorials]"                        # minidl + scikit-learn + jupytext
# pip install -e ".[gpu]"                              # CuPy, si tienes GPU NVIDIA
# ```
#
# Los tutoriales funcionan incluso sin instalar minidl (añaden la carpeta del repositorio a
# `sys.path`). El código siguiente lee las versiones mínimas de `pyproject.toml` y comprueba
# las instaladas.
#
# → minidl/kernels/threads.py, minidl/__init__.py, pyproject.toml

# %%
import re


def version_de(paquete):
    try:
        return importlib.metadata.version(paquete)
    except importlib.metadata.PackageNotFoundError:
        return None


def como_tupla(version):
    return tuple(int(p) for p in re.findall(r"\d+", version)[:3])


print(f"Python {platform.python_version()} en {platform.system()} {platform.machine()} · minidl {mdl.__version__}")
if (RAIZ / "pyproject.toml").exists():  # en el repositorio: las dependencias declaradas
    texto = re.search(r"^dependencies = \[(.*?)\]", (RAIZ / "pyproject.toml").read_text(encoding="utf-8"), re.S | re.M).group(1)
else:  # minidl instalado sin el repositorio: las que registró pip
    texto = " ".join(f'"{r}"' for r in importlib.metadata.requires("minidl") or [] if "extra" not in r)
requeridos = re.findall(r'"([a-zA-Z0-9_-]+)>=([0-9.]+)', texto)
todo_ok = True
for paquete, minima in requeridos:
    instalada = version_de(paquete)
    ok = instalada is not None and como_tupla(instalada) >= como_tupla(minima)
    todo_ok &= ok
    print(f"  {paquete:12s} requiere >= {minima:6s} · instalada {instalada} {'✓' if ok else '✗'}")
for paquete in ["scikit-learn", "jupytext", "cupy-cuda12x", "onnx", "onnxruntime"]:
    print(f"  {paquete:12s} (opcional) · instalada {version_de(paquete)}")
resultado("dependencias_ok", int(todo_ok))

hilos = {v: os.environ.get(v) for v in ["OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "NUMBA_NUM_THREADS"]}
print("hilos por biblioteca (minidl los fija al importarse si no los fijaste tú):", hilos)

# %% [markdown]
# Un detalle de instalación que sorprende: NumPy (vía OpenBLAS) y Numba arrancan cada uno su
# propio conjunto de hilos. Si ambos usan todos los núcleos a la vez se estorban, por eso minidl
# fija cuántos usa cada uno al importarse (`minidl/kernels/threads.py`), salvo que tú lo hayas
# decidido antes con las variables de entorno: OpenBLAS con **un** hilo y Numba con uno por
# núcleo. Los productos de matrices grandes y las convoluciones se reparten entre núcleos desde
# el código compilado (`minidl/kernels/blas.py`, `minidl/kernels/numba_conv.py`): cada hilo toma
# el siguiente trozo del lote cuando acaba el suyo, así que si otro programa ocupa un núcleo,
# el otro hace más trozos en lugar de esperarlo. `NUMBA_NUM_THREADS` decide cuántos hilos usa.

# %% [markdown]
# ## Lección 2.2.2 — Gestión de versiones
#
# Un resultado de Deep Learning depende de las versiones de todo lo que hay debajo: un cambio
# de NumPy puede cambiar el redondeo, uno del framework los valores por defecto de un
# optimizador. Tres hábitos:
#
# 1. un **entorno virtual** por proyecto (`python -m venv`), nunca el Python del sistema;
# 2. **fijar versiones exactas** de lo que se usó para obtener un resultado (`pip freeze >
#    requirements.txt`), aunque el paquete declare solo mínimos (`numpy>=1.24`);
# 3. guardar junto a cada resultado una **huella del entorno** y compararla al reproducirlo.
#
# Generamos esa huella como JSON, la guardamos, y la comparamos con una huella "antigua" en la
# que simulamos otra versión de NumPy.
#
# → minidl/__init__.py, pyproject.toml

# %%
def huella_entorno():
    paquetes = ["numpy", "numba", "matplotlib", "scikit-learn", "jupytext", "cupy-cuda12x"]
    return {
        "python": platform.python_version(),
        "sistema": f"{platform.system()} {platform.machine()}",
        "minidl": mdl.__version__,
        "paquetes": {p: version_de(p) for p in paquetes},
        "dispositivo": dispositivo,
        "hilos": hilos,
    }


def comparar(antigua, actual, prefijo=""):
    diferencias = []
    for clave in sorted(set(antigua) | set(actual)):
        a, b = antigua.get(clave), actual.get(clave)
        if isinstance(a, dict) and isinstance(b, dict):
            diferencias += comparar(a, b, f"{prefijo}{clave}.")
        elif a != b:
            diferencias.append(f"{prefijo}{clave}: {a} → {b}")
    return diferencias


huella = huella_entorno()
ruta = SALIDA / "entorno.json"
ruta.write_text(json.dumps(huella, indent=2, ensure_ascii=False), encoding="utf-8")
print(f"huella guardada en {ruta}:\n{json.dumps(huella, indent=2, ensure_ascii=False)}")
congelado = "\n".join(f"{p}=={v}" for p, v in huella["paquetes"].items() if v)
(SALIDA / "requirements-congelado.txt").write_text(congelado + "\n", encoding="utf-8")

antigua = json.loads(ruta.read_text(encoding="utf-8"))
antigua["paquetes"]["numpy"] = "1.26.4"  # como si el resultado se hubiera obtenido con otra versión
diferencias = comparar(antigua, huella_entorno())
print("diferencias con la huella antigua:", diferencias or "ninguna")
resultado("huella_diferencias", len(diferencias))

# %% [markdown]
# La comparación encuentra exactamente la diferencia que introdujimos. En un proyecto real,
# esa línea es la primera pista cuando "el mismo código" deja de dar el mismo resultado.

# %% [markdown]
# ## Lección 2.2.3 — Reproducibilidad
#
# Entrenar una red usa azar en tres sitios: la **inicialización** de los pesos, el **orden**
# de los ejemplos en cada época y el **dropout**. En minidl todo ese azar sale de un único
# generador (`minidl/random.py`) que `mdl.manual_seed(n)` reinicia; la fachada Keras ofrece
# `keras.utils.set_random_seed(n)`, que además siembra NumPy y el módulo `random` de Python, y la
# línea `tf.random.set_seed(n)` de los cuadernos de TensorFlow es el mismo `mdl.manual_seed(n)`.
#
# Lo demostramos con dos entrenamientos completos (inicialización + barajado + dropout) con la
# misma semilla: los pesos finales deben ser **idénticos bit a bit**. Con otra semilla,
# distintos.
#
# → minidl/random.py, minidl/nn/init.py, minidl/datasets/utils.py, minidl/ops/creation.py, minidl/keras/utils.py

# %%
def entrenar_con_semilla(semilla):
    mdl.manual_seed(semilla)
    red = nn.Sequential(nn.Linear(2, 32), nn.ReLU(), nn.Dropout(0.2), nn.Linear(32, 1))
    opt = optim.Adam(red.parameters(), lr=0.01)
    for _ in range(segun_modo(5, 20)):
        for xb, yb in datasets.batches(X_tr, y_tr, batch_size=32):  # orden aleatorio de minidl
            opt.zero_grad()
            F.binary_cross_entropy_with_logits(red(mdl.tensor(xb)), yb.reshape(-1, 1)).backward()
            opt.step()
    return np.concatenate([v.ravel() for v in red.state_dict().values()])


w1, w2, w3 = entrenar_con_semilla(42), entrenar_con_semilla(42), entrenar_con_semilla(7)
dif_misma, dif_otra = float(np.abs(w1 - w2).max()), float(np.abs(w1 - w3).max())
print(f"misma semilla (42 y 42): diferencia máxima entre pesos = {dif_misma}")
print(f"otra semilla  (42 y 7) : diferencia máxima entre pesos = {dif_otra:.3f}")
print("bit a bit idénticos:", w1.tobytes() == w2.tobytes())
resultado("repro_diferencia", dif_misma)
resultado("repro_otra_semilla", dif_otra)


def keras_con_semilla(semilla):
    keras.utils.set_random_seed(semilla)
    m = models.Sequential([layers.Input(shape=(2,)), layers.Dense(16, activation="relu"),
                           layers.Dropout(0.2), layers.Dense(1, activation="sigmoid")])
    m.compile(optimizer="adam", loss="binary_crossentropy")
    h = m.fit(X_tr, y_tr.astype("float32"), epochs=segun_modo(3, 10), batch_size=32, verbose=0)
    return np.concatenate([w.ravel() for w in m.get_weights()]), h.history["loss"]


# La línea de los cuadernos de TensorFlow, tf.random.set_seed(42), es la misma semilla.
tf.random.set_seed(42)
con_tf = tf.random.normal([5]).numpy()
mdl.manual_seed(42)
con_mdl = mdl.randn(5).numpy()
print("tf.random.set_seed(42) + tf.random.normal == mdl.manual_seed(42) + mdl.randn:",
      np.array_equal(con_tf, con_mdl))
resultado("semilla_tf_igual", int(np.array_equal(con_tf, con_mdl)))

(k1, perdidas1), (k2, perdidas2) = keras_con_semilla(0), keras_con_semilla(0)
print("Keras, dos fit() con set_random_seed(0): curvas de pérdida", perdidas1[-1], perdidas2[-1],
      "· diferencia máxima de pesos", float(np.abs(k1 - k2).max()))
resultado("repro_keras_diferencia", float(np.abs(k1 - k2).max()))

fig, ax = plt.subplots(figsize=(5, 3))
ax.plot(perdidas1, "o-", label="ejecución 1")
ax.plot(perdidas2, "x--", label="ejecución 2 (misma semilla)")
ax.set(xlabel="época", ylabel="pérdida", title="Dos entrenamientos, una sola curva")
ax.legend()
guardar_figura(fig, TUTORIAL, "reproducibilidad")

# %% [markdown]
# La diferencia es exactamente 0.0 con la misma semilla y del orden de la unidad con otra
# (en modo completo, 0.0 frente a 3.2). Límites de esta garantía, para tenerlos en cuenta:
#
# * es **en la misma máquina, con las mismas versiones y el mismo número de hilos**: cambiar el
#   número de hilos de BLAS cambia el orden de las sumas y por tanto el último bit;
# * en GPU algunas operaciones suman en orden no determinista (escrituras atómicas), así que
#   dos ejecuciones pueden diferir en el redondeo;
# * el azar que no pasa por minidl (por ejemplo `np.random` al crear tus datos) hay que
#   sembrarlo aparte: aquí los datos se crean con `seed=` explícita.
