# comprobaciones: memoria_train_aleatorias>=0.9, memoria_val_aleatorias<=0.2, memoria_val_verdaderas>=0.7, l2_vs_sgd_wd_diferencia<=1e-6, l2_vs_adamw_diferencia>=1e-3, exactitud_test_base>=0.7, exactitud_test_dropout>=0.7, aumento_ok>=1, aumento_predict_identidad>=1
# %% [markdown]
# # Unidad 7 — Overfitting y regularización en Deep Learning
#
# Una red con cientos de miles de pesos puede aprenderse de memoria un conjunto de
# entrenamiento entero, **incluso si las etiquetas son aleatorias**. En esta unidad lo
# comprobamos, vemos cómo cambia lo que aprende una red según la muestra de datos que
# le toque, aprendemos a reconocer el sobreajuste en las curvas y comparamos, **sobre
# el mismo modelo y los mismos datos**, las tres defensas clásicas: dropout,
# regularización L2 y early stopping. De paso demostramos con números la relación
# exacta entre `regularizers.l2(λ)` de Keras y el `weight_decay` de los optimizadores.
#
# Lecciones: 7.1.1 memorización, 7.1.2 sensibilidad a los datos, 7.1.3 señales de
# sobreajuste, 7.2.1 dropout, 7.2.2 regularización L2, 7.2.3 early stopping.
#
# **Cómo ejecutarlo**: `python tutorials/07_regularizacion.py` (modo completo, unos
# minutos) o `MINIDL_FAST=1 python tutorials/07_regularizacion.py` (modo rápido, menos
# datos y épocas). Usa la copia de MNIST que viene con minidl (no descarga nada). Las
# figuras quedan en `tutorials/output/07_regularizacion/`.

# %%
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _comun import RAPIDO, carpeta_salida, guardar_figura, resultado, segun_modo

TUTORIAL = "07_regularizacion"

import matplotlib.pyplot as plt
import numpy as np

import minidl as mdl
import minidl.functional as F
from minidl import datasets, keras, metrics, nn, optim, plot
from minidl.keras import callbacks, layers, models, optimizers, regularizers
from minidl.keras.datasets import mnist

carpeta_salida(TUTORIAL)
print("modo rápido" if RAPIDO else "modo completo")

# Un subconjunto pequeño de MNIST: poco dato y mucha capacidad, el caldo de cultivo del
# sobreajuste. Validación (para decidir) y prueba (para informar) van aparte.
N_TRAIN = segun_modo(300, 1000)
N_VAL = segun_modo(500, 2000)
(x_todo, y_todo), (x_prueba, y_prueba) = mnist.load_data()
x_todo = x_todo.reshape(len(x_todo), 784).astype("float32") / 255
x_prueba = x_prueba.reshape(len(x_prueba), 784).astype("float32") / 255
x_tr, y_tr = x_todo[:N_TRAIN], y_todo[:N_TRAIN]
x_val, y_val = x_todo[N_TRAIN:N_TRAIN + N_VAL], y_todo[N_TRAIN:N_TRAIN + N_VAL]
x_te, y_te = x_prueba[:2000], y_prueba[:2000]
print(f"entrenamiento {len(y_tr)}, validación {len(y_val)}, prueba {len(y_te)} imágenes de 28×28")


def mlp_mnist(unidades=256, dropout=0.0, l2=None, semilla=0):
    """MLP 784 -> unidades -> unidades -> 10; dropout y L2 opcionales en las capas ocultas."""
    keras.utils.set_random_seed(semilla)
    capas = [layers.Input(shape=(784,))]
    for _ in range(2):
        capas.append(layers.Dense(unidades, activation="relu",
                                  kernel_regularizer=None if l2 is None else regularizers.l2(l2)))
        if dropout:
            capas.append(layers.Dropout(dropout))
    capas.append(layers.Dense(10, activation="softmax"))
    modelo = models.Sequential(capas)
    modelo.compile(optimizer=optimizers.Adam(learning_rate=1e-3), loss="sparse_categorical_crossentropy",
                   metrics=["accuracy"])
    return modelo


# %% [markdown]
# ## Lección 7.1.1 — Memorización
#
# El experimento de Zhang et al. (2017, «Understanding deep learning requires
# rethinking generalization»): tomamos las mismas imágenes y **sustituimos sus
# etiquetas por números al azar**. Ya no hay nada que aprender que sirva para otras
# imágenes; la única forma de acertar en entrenamiento es memorizar cada caso. Si la
# red lo consigue, queda demostrado que tiene capacidad para memorizar, y que un
# acierto alto en entrenamiento **no prueba nada** sobre la generalización.
#
# Entrenamos la misma red (784 → 256 → 256 → 10, unos 270 000 pesos para
# unos pocos cientos o miles de imágenes) con las etiquetas verdaderas y con las
# aleatorias, y medimos en validación con las etiquetas verdaderas.

# %%
EPOCAS_MEMORIA = segun_modo(30, 60)
aleatorias = np.random.default_rng(0).integers(0, 10, len(y_tr))
memoria = {}
for caso, etiquetas in (("verdaderas", y_tr), ("aleatorias", aleatorias)):
    red = mlp_mnist()
    inicio = time.perf_counter()
    h = red.fit(x_tr, etiquetas, epochs=EPOCAS_MEMORIA, batch_size=32, verbose=0, validation_data=(x_val, y_val))
    memoria[caso] = h.history
    print(f"etiquetas {caso:<10}: exactitud entrenamiento {h.history['accuracy'][-1]:.3f}, "
          f"validación {h.history['val_accuracy'][-1]:.3f}  ({time.perf_counter() - inicio:.0f} s)")
resultado("memoria_train_aleatorias", round(memoria["aleatorias"]["accuracy"][-1], 4))
resultado("memoria_val_aleatorias", round(memoria["aleatorias"]["val_accuracy"][-1], 4))
resultado("memoria_val_verdaderas", round(memoria["verdaderas"]["val_accuracy"][-1], 4))
for caso in memoria:
    llega = next((i + 1 for i, a in enumerate(memoria[caso]["accuracy"]) if a >= 0.9), None)
    print(f"etiquetas {caso}: primera época con ≥ 90 % en entrenamiento: {llega}")

fig, ax = plt.subplots(figsize=(6, 3.5))
for caso, estilo in (("verdaderas", "C0"), ("aleatorias", "C3")):
    epocas = np.arange(1, EPOCAS_MEMORIA + 1)
    ax.plot(epocas, memoria[caso]["accuracy"], color=estilo, label=f"{caso}: entrenamiento")
    ax.plot(epocas, memoria[caso]["val_accuracy"], "--", color=estilo, label=f"{caso}: validación")
ax.axhline(0.1, color="gray", linewidth=0.8)
ax.set_xlabel("época")
ax.set_ylabel("exactitud")
ax.legend(fontsize=8)
ax.set_title("Memorizar etiquetas aleatorias")
guardar_figura(fig, TUTORIAL, "memorizacion")

# %% [markdown]
# Lectura (cifras de una ejecución en modo completo: 1000 imágenes, 60 épocas). Con las
# etiquetas verdaderas la red llega al 100 % en entrenamiento y al 90.4 % en
# validación. Con etiquetas **aleatorias** también llega al **100 %** en entrenamiento
# (le cuesta más: supera el 90 % en la época 13 en vez de la 3), pero en validación se
# queda en el 13.7 %, cerca del 10 % del azar. Mismo modelo, mismo acierto en
# entrenamiento, generalización opuesta: la exactitud de entrenamiento no distingue
# aprender de memorizar. Lo que sí lo distingue es un conjunto que el modelo no ha visto.
# (La red tiene 269 322 pesos para 1000 imágenes: le sobra capacidad.)
#
# → minidl/keras/models/model.py, minidl/keras/layers/core.py

# %% [markdown]
# ## Lección 7.1.2 — Sensibilidad a los datos
#
# Un modelo con mucha capacidad y pocos datos se ajusta a los detalles de *su*
# muestra: con otra muestra del mismo problema aprende otra cosa. Es la **varianza**
# del dilema sesgo-varianza. Lo medimos directamente: entrenamos la misma red
# (2 → 128 → 128 → 1) sobre cinco muestras distintas de las dos lunas, con 40 puntos
# y con 400, y comparamos (a) la exactitud en un conjunto de validación común y (b) en
# cuántos puntos de validación los cinco modelos **no se ponen de acuerdo**. Las
# fronteras de decisión se dibujan con `minidl.plot.decision_grid`.

# %%
X_lunas, y_lunas = datasets.make_moons(4000, noise=0.3, seed=0)
xl_val, yl_val = X_lunas[3000:], y_lunas[3000:]
N_MODELOS = segun_modo(3, 5)
PASOS = segun_modo(150, 600)  # mismo número de pasos de gradiente para cada tamaño
sensibilidad = {}
fig, ejes = plt.subplots(2, N_MODELOS, figsize=(2.6 * N_MODELOS, 5.2), sharex=True, sharey=True)
for fila, n in enumerate((40, 400)):
    aciertos, votos = [], []
    for k in range(N_MODELOS):
        idx = np.random.default_rng(k).choice(3000, n, replace=False)
        keras.utils.set_random_seed(k)
        red = models.Sequential([layers.Input(shape=(2,)), layers.Dense(128, activation="relu"),
                                 layers.Dense(128, activation="relu"), layers.Dense(1, activation="sigmoid")])
        red.compile(optimizer=optimizers.Adam(learning_rate=0.01), loss="binary_crossentropy", metrics=["accuracy"])
        red.fit(X_lunas[idx], y_lunas[idx], epochs=PASOS // 4, batch_size=n // 4, verbose=0)
        aciertos.append(red.evaluate(xl_val, yl_val, verbose=0)[1])
        votos.append((red.predict(xl_val, verbose=0).ravel() >= 0.5).astype(int))
        xx, yy, clases = plot.decision_grid(red, X_lunas, resolution=80)
        ax = ejes[fila, k]
        ax.contourf(xx, yy, clases, levels=[-0.5, 0.5, 1.5], cmap="coolwarm", alpha=0.35)
        ax.scatter(X_lunas[idx, 0], X_lunas[idx, 1], c=y_lunas[idx], cmap="coolwarm", s=6, edgecolors="k",
                   linewidths=0.2)
        ax.set_title(f"n={n}, muestra {k + 1}", fontsize=9)
    votos = np.array(votos)
    desacuerdo = float((votos != votos[0]).any(axis=0).mean())
    sensibilidad[n] = (np.mean(aciertos), np.std(aciertos), desacuerdo)
    print(f"n = {n:>3}: exactitud en validación {np.mean(aciertos):.3f} ± {np.std(aciertos):.3f}; "
          f"los {N_MODELOS} modelos discrepan en el {desacuerdo:.1%} de los puntos de validación")
fig.suptitle("Misma red, distintas muestras: 40 puntos (arriba) frente a 400 (abajo)")
guardar_figura(fig, TUTORIAL, "sensibilidad")
resultado("desacuerdo_n40", round(sensibilidad[40][2], 4))
resultado("desacuerdo_n400", round(sensibilidad[400][2], 4))

# %% [markdown]
# Lectura (modo completo; figura `sensibilidad.png`). Con 40 puntos, cada muestra
# produce una frontera distinta (islas, salientes, rectas que se tuercen donde no hay
# datos): la exactitud de validación varía entre modelos (0.824 ± 0.042) y los cinco
# modelos **discrepan en el 45 % de los puntos** de validación. Con 400 puntos las
# fronteras se parecen entre sí y a la verdadera forma de las lunas: 0.887 ± 0.007 y
# discrepancia del 17 % (concentrada en la zona donde las clases se solapan). Una
# predicción que cambia tanto al cambiar la muestra no es fiable, aunque su exactitud
# media sea aceptable. Más datos reducen la varianza; la regularización (7.2) también,
# a cambio de algo de sesgo.
#
# → minidl/plot/training.py, minidl/datasets/synthetic.py

# %% [markdown]
# ## Lección 7.1.3 — Señales de sobreajuste
#
# Entrenamos el modelo base de esta unidad (784 → 256 → 256 → 10, Adam, sin ninguna
# regularización) sobre el subconjunto de MNIST y buscamos las señales de alarma:
#
# 1. la **pérdida de validación toca fondo y vuelve a subir** mientras la de
#    entrenamiento sigue bajando;
# 2. la **brecha** entre exactitud de entrenamiento (≈ 100 %) y validación no se cierra;
# 3. la red se vuelve **demasiado segura**: la confianza media con la que se equivoca
#    en validación crece con las épocas (por eso la pérdida sube aunque la exactitud
#    apenas cambie);
# 4. los **pesos crecen**: la norma de los pesos sigue aumentando.

# %%
EPOCAS = segun_modo(15, 60)


def seguimiento(modelo, x, y):
    """Callback que anota, al final de cada época, la entropía cruzada pura en (x, y) (sin
    castigos L2), la confianza media en los errores y la norma de los pesos."""
    traza = {"entropia_val": [], "confianza_errores": [], "norma_pesos": []}

    def al_final(epoca, logs):
        p = modelo.predict(x, verbose=0)
        traza["entropia_val"].append(metrics.log_loss(y, p, labels=list(range(10))))
        errores = p.argmax(axis=1) != y
        traza["confianza_errores"].append(float(p.max(axis=1)[errores].mean()))
        kernels = [w for w in modelo.get_weights() if w.ndim == 2]
        traza["norma_pesos"].append(float(np.sqrt(sum((w**2).sum() for w in kernels))))

    return traza, callbacks.LambdaCallback(on_epoch_end=al_final)


base = mlp_mnist()
traza_base, cb = seguimiento(base, x_val, y_val)
inicio = time.perf_counter()
h_base = base.fit(x_tr, y_tr, epochs=EPOCAS, batch_size=32, verbose=0, validation_data=(x_val, y_val), callbacks=[cb])
tiempo_base = time.perf_counter() - inicio
fig = plot.learning_curves(h_base)
guardar_figura(fig, TUTORIAL, "curvas_base")
H = h_base.history
mejor = int(np.argmin(H["val_loss"]))
print(f"mejor época por val_loss: {mejor + 1}; val_loss {H['val_loss'][mejor]:.3f} -> {H['val_loss'][-1]:.3f} al final")
print(f"pérdida de entrenamiento: {H['loss'][mejor]:.3f} -> {H['loss'][-1]:.4f}")
print(f"exactitud: entrenamiento {H['accuracy'][-1]:.3f}, validación {H['val_accuracy'][-1]:.3f} "
      f"(brecha {H['accuracy'][-1] - H['val_accuracy'][-1]:.3f})")
print(f"confianza media en los errores de validación: {traza_base['confianza_errores'][0]:.3f} (época 1) -> "
      f"{traza_base['confianza_errores'][-1]:.3f} (época {EPOCAS})")
print(f"norma de los pesos: {traza_base['norma_pesos'][0]:.1f} -> {traza_base['norma_pesos'][-1]:.1f}")
resultado("subida_val_loss_base", round(H["val_loss"][-1] - H["val_loss"][mejor], 4))

# %% [markdown]
# Lectura (modo completo; figura `curvas_base.png`). Las cuatro señales aparecen:
#
# 1. la pérdida de validación es mínima en la **época 4** (0.368) y sube hasta 0.511 en
#    la 60, mientras la de entrenamiento sigue cayendo, de 0.153 en la época 4 a 0.0001
#    (la red ya no aprende nada útil: afina su memoria);
# 2. la exactitud de entrenamiento es del 100 % y la de validación se queda en 90.4 %;
# 3. cuando se equivoca en validación, la red lo hace con una confianza media que pasa
#    de 0.533 en la época 1 a **0.824** en la 60: errores cada vez más seguros, y de ahí
#    que la pérdida suba aunque la exactitud casi no cambie;
# 4. la norma de los pesos crece de 26.2 a 29.1.
#
# Ojo con la señal 2 sola: una brecha puede existir sin que la validación empeore. La
# más fiable es la 1, vigilar la pérdida de validación, que es justo lo que automatiza
# el early stopping (7.2.3).
#
# → minidl/plot/training.py, minidl/keras/callbacks.py

# %% [markdown]
# ## Lección 7.2.1 — Dropout
#
# **Dropout** (Srivastava et al., 2014) apaga al azar, en cada paso de entrenamiento,
# una fracción `rate` de las activaciones de una capa. Ninguna neurona puede contar
# con que otra concreta esté presente, así que la red no puede construir
# «conspiraciones» frágiles que memoricen casos sueltos; es como entrenar a la vez un
# enorme conjunto de subredes que comparten pesos.
#
# minidl implementa el *dropout invertido*, como Keras y PyTorch: en entrenamiento
# multiplica cada activación por una máscara `m/(1 − rate)` con `m ~ Bernoulli(1 − rate)`,
# de modo que la **esperanza** de la salida no cambia; en inferencia (`predict`,
# `training=False`) la capa es la identidad. Lo vemos primero sobre un vector de unos y
# luego sobre el modelo base con `Dropout(0.5)` tras cada capa oculta.

# %%
capa = layers.Dropout(0.5)
unos = np.ones((1, 10000), dtype="float32")
en_entrenamiento = capa(unos, training=True).numpy()
print(f"entrenamiento: fracción de ceros {np.mean(en_entrenamiento == 0):.3f}, valores no nulos "
      f"{np.unique(en_entrenamiento[en_entrenamiento > 0])}, media {en_entrenamiento.mean():.3f}")
print(f"inferencia: ¿identidad? {np.array_equal(capa(unos, training=False).numpy(), unos)}")

con_dropout = mlp_mnist(dropout=0.5)
traza_drop, cb = seguimiento(con_dropout, x_val, y_val)
inicio = time.perf_counter()
h_drop = con_dropout.fit(x_tr, y_tr, epochs=EPOCAS, batch_size=32, verbose=0, validation_data=(x_val, y_val),
                         callbacks=[cb])
tiempo_drop = time.perf_counter() - inicio
guardar_figura(plot.learning_curves(h_drop), TUTORIAL, "curvas_dropout")
print(f"con dropout: val_loss mínima {min(h_drop.history['val_loss']):.3f}, al final "
      f"{h_drop.history['val_loss'][-1]:.3f}; brecha de exactitud "
      f"{h_drop.history['accuracy'][-1] - h_drop.history['val_accuracy'][-1]:.3f}")

# %% [markdown]
# Lectura (modo completo). Sobre 10 000 unos, en entrenamiento la capa puso a cero el
# 49.8 % y multiplicó el resto por 2 = 1/(1 − 0.5), así que la media se queda en 1.004
# (≈ 1); en inferencia devolvió la entrada intacta. En el modelo, la pérdida de
# validación mínima baja de 0.368 (base) a 0.338, y se alcanza más tarde (la red aprende
# más despacio porque cada paso ve una subred distinta). Pero si seguimos entrenando 60
# épocas, también acaba subiendo (0.493): dropout **retrasa** el sobreajuste, no lo
# elimina. Se suele combinar con early stopping. Notarás también que en la primera
# época la red con dropout va por detrás: el ruido que inyecta frena el principio.
#
# → minidl/keras/layers/core.py, minidl/ops/creation.py

# %% [markdown]
# ### Ruido en la entrada: aumento de datos
#
# Dropout mete ruido en las activaciones; el **aumento de datos** lo mete en la entrada: cada
# época la red ve una versión algo distinta de cada imagen, así que memorizar píxeles exactos
# deja de servir. Tres capas de Keras, que se ponen al principio del modelo:
#
# * `RandomFlip("horizontal")`: refleja cada imagen con probabilidad 1/2. Solo vale si el
#   reflejo conserva la etiqueta (un gato reflejado es un gato; un «2» reflejado no es un «2»).
# * `GaussianNoise(σ)`: suma ruido normal de desviación σ a cada píxel.
# * `SpatialDropout2D(rate)`: apaga **canales enteros** de un mapa de características (en una
#   imagen los píxeles vecinos se parecen tanto que apagar píxeles sueltos apenas regulariza).
#
# Como Dropout, solo actúan con `training=True` (dentro de `fit`); en `predict` y `evaluate`
# son la identidad, porque queremos la predicción de la imagen real, y la misma cada vez.
#
# → minidl/keras/layers/noise.py

# %%
imagenes = x_tr[:8].reshape(8, 28, 28, 1)
volteo = layers.RandomFlip("horizontal", seed=0)(imagenes, training=True).numpy()
es_volteo = [np.array_equal(v, x[:, ::-1]) and not np.array_equal(v, x) for v, x in zip(volteo, imagenes)]
volteo_ok = all(np.array_equal(v, x) or e for v, x, e in zip(volteo, imagenes, es_volteo))
ruido = layers.GaussianNoise(0.2, seed=0)(imagenes, training=True).numpy() - imagenes
mapas = np.tile(imagenes, (1, 1, 1, 4))  # 4 «canales» por imagen
apagado = layers.SpatialDropout2D(0.5, seed=0)(mapas, training=True).numpy()
planos, planos_originales = (t.transpose(0, 3, 1, 2).reshape(-1, 28, 28) for t in (apagado, mapas))  # (imagen·canal)
por_canal = [np.all(a == 0) or np.allclose(a, 2 * m) for a, m in zip(planos, planos_originales)]
print(f"RandomFlip: {sum(es_volteo)} de 8 reflejadas, el resto intactas: {volteo_ok}")
print(f"GaussianNoise(0.2): desviación del ruido {ruido.std():.3f}")
print(f"SpatialDropout2D(0.5): {np.mean([np.all(a == 0) for a in planos]):.2f} de los canales "
      f"apagados enteros, el resto multiplicado por 2: {all(por_canal)}")
resultado("aumento_ok", int(volteo_ok and abs(ruido.std() - 0.2) < 0.01 and all(por_canal)))

aumento = models.Sequential([layers.Input(shape=(28, 28, 1)), layers.RandomFlip("horizontal"),
                             layers.GaussianNoise(0.2), layers.SpatialDropout2D(0.5)])
prediccion = aumento.predict(imagenes, verbose=0)
resultado("aumento_predict_identidad", int(np.array_equal(prediccion, imagenes)))
print("en predict las tres capas devuelven la imagen intacta:", np.array_equal(prediccion, imagenes))
fig, ejes = plt.subplots(1, 3, figsize=(6, 2.2))
for eje, (titulo, img) in zip(ejes, [("original", imagenes[0]), ("reflejada", imagenes[0, :, ::-1]),
                                     ("con ruido 0.2", imagenes[0] + ruido[0])]):
    eje.imshow(img[:, :, 0], cmap="gray")
    eje.set_title(titulo)
    eje.axis("off")
guardar_figura(fig, TUTORIAL, "aumento_de_datos")

# %% [markdown]
# ## Lección 7.2.2 — Regularización L2
#
# La regularización L2 añade a la pérdida un castigo al tamaño de los pesos:
# `L_total = L_datos + λ·Σ w²`. Su gradiente es `2λ·w`, así que cada paso de descenso
# «encoge» los pesos hacia cero un poco (de ahí el nombre *weight decay*). Los pesos
# pequeños hacen la función más suave: la red no puede dar saltos bruscos para
# acomodar un punto suelto. En Keras se pide por capa:
# `Dense(256, kernel_regularizer=regularizers.l2(λ))`; solo afecta a los *kernels*, no a
# los sesgos. Ojo al comparar: en Keras la `loss` que informa `fit` (también
# `val_loss`) **incluye** el castigo, así que para comparar modelos medimos la entropía
# cruzada pura con `minidl.metrics.log_loss`.
#
# **Tres formas de «weight decay» que no son lo mismo.** En la API tipo PyTorch
# (`minidl.optim`) el castigo se pide al optimizador:
#
# * `optim.SGD(..., weight_decay=wd)` suma `wd·w` al gradiente: es **exactamente** L2 con
#   `wd = 2λ` (el 2 sale de derivar `λw²`).
# * `optim.Adam(..., weight_decay=wd)` también lo suma al gradiente (L2 «acoplado»),
#   y luego Adam divide ese gradiente por su escala adaptativa `√v̂`.
# * `optim.AdamW(..., weight_decay=wd)` (Loshchilov y Hutter, 2019) **desacopla** el
#   castigo: encoge los pesos directamente, `w ← w − lr·wd·w`, fuera de la parte
#   adaptativa. Ya no equivale a ningún L2 en la pérdida.
#
# Lo comprobamos con números: mismos pesos iniciales, mismos datos, 50 pasos.

# %%
lam, pasos = 0.05, 50
rng = np.random.default_rng(0)
xr = rng.standard_normal((64, 5)).astype(np.float32)
yr = rng.standard_normal((64, 3)).astype(np.float32)

keras.utils.set_random_seed(0)
modelo_keras = models.Sequential([layers.Input(shape=(5,)), layers.Dense(3, kernel_regularizer=regularizers.l2(lam))])
W0, b0 = modelo_keras.get_weights()
modelo_keras.compile(optimizer=optimizers.SGD(learning_rate=0.1), loss="mse")
for _ in range(pasos):
    modelo_keras.train_on_batch(xr, yr)  # pérdida = mse + λ·Σw², un paso de SGD
W_keras = modelo_keras.get_weights()[0]


def estilo_pytorch(hacer_optimizador, castigo_en_la_perdida=False):
    """Entrena nn.Linear desde W0, b0 con un bucle a mano; devuelve los pesos finales."""
    lineal = nn.Linear(5, 3)
    lineal.weight.data[...] = W0
    lineal.bias.data[...] = b0
    opt = hacer_optimizador(lineal)
    for _ in range(pasos):
        opt.zero_grad()
        perdida = F.mse_loss(lineal(mdl.tensor(xr)), yr)
        if castigo_en_la_perdida:
            perdida = perdida + regularizers.l2(lam)(lineal.weight)
        perdida.backward()
        opt.step()
    return lineal.weight.numpy()


# Grupos de parámetros: el castigo solo para el kernel (como Keras), no para el sesgo.
def solo_kernel(clase, wd, **kw):
    return lambda m: clase([{"params": [m.weight], "weight_decay": wd}, {"params": [m.bias], "weight_decay": 0.0}], **kw)


W_sgd_2l = estilo_pytorch(solo_kernel(optim.SGD, 2 * lam, lr=0.1))
W_sgd_l = estilo_pytorch(solo_kernel(optim.SGD, lam, lr=0.1))
W_adam_l2 = estilo_pytorch(lambda m: optim.Adam(m.parameters(), lr=0.01), castigo_en_la_perdida=True)
W_adam_wd = estilo_pytorch(solo_kernel(optim.Adam, 2 * lam, lr=0.01))
W_adamw = estilo_pytorch(solo_kernel(optim.AdamW, 2 * lam, lr=0.01))
comparaciones = {
    "Keras l2(λ) + SGD   vs  optim.SGD(weight_decay=2λ)": np.abs(W_keras - W_sgd_2l).max(),
    "Keras l2(λ) + SGD   vs  optim.SGD(weight_decay=λ)": np.abs(W_keras - W_sgd_l).max(),
    "Adam + l2(λ) en la pérdida vs optim.Adam(weight_decay=2λ)": np.abs(W_adam_l2 - W_adam_wd).max(),
    "Adam + l2(λ) en la pérdida vs optim.AdamW(weight_decay=2λ)": np.abs(W_adam_l2 - W_adamw).max(),
}
print(f"λ = {lam}, {pasos} pasos; máxima diferencia entre los pesos finales:")
for texto, valor in comparaciones.items():
    print(f"  {texto:<62} {valor:.2e}")
print(f"norma de W: inicial {np.linalg.norm(W0):.3f}, Adam+L2 {np.linalg.norm(W_adam_l2):.3f}, "
      f"AdamW {np.linalg.norm(W_adamw):.3f}")
resultado("l2_vs_sgd_wd_diferencia", float(comparaciones["Keras l2(λ) + SGD   vs  optim.SGD(weight_decay=2λ)"]))
resultado("l2_vs_adamw_diferencia",
          round(float(comparaciones["Adam + l2(λ) en la pérdida vs optim.AdamW(weight_decay=2λ)"]), 5))

# %% [markdown]
# Lectura (modo completo). Keras `l2(λ)` con SGD y `optim.SGD(weight_decay=2λ)` acaban
# con exactamente los mismos pesos (diferencia 0): son la misma cuenta. Con
# `weight_decay=λ` (olvidar el 2) difieren en 3.8e-02. Con Adam, el castigo en la
# pérdida y `optim.Adam(weight_decay=2λ)` vuelven a coincidir (diferencia 0), porque ambos lo
# suman al gradiente antes de la parte adaptativa; pero **AdamW difiere en 8.1e-02**,
# aunque el tamaño de los pesos sea parecido (norma 1.004 frente a 1.010). Cuando leas
# «weight decay» en un artículo, pregunta cuál de los dos es; en Keras 3 el argumento
# `weight_decay=` de los optimizadores es el desacoplado (como AdamW) y `l2(λ)` es el
# acoplado (en la pérdida).
#
# Ahora el modelo base con `l2(1e-3)` en los dos kernels ocultos:

# %%
LAMBDA = 1e-3
con_l2 = mlp_mnist(l2=LAMBDA)
traza_l2, cb = seguimiento(con_l2, x_val, y_val)
inicio = time.perf_counter()
h_l2 = con_l2.fit(x_tr, y_tr, epochs=EPOCAS, batch_size=32, verbose=0, validation_data=(x_val, y_val), callbacks=[cb])
tiempo_l2 = time.perf_counter() - inicio
guardar_figura(plot.learning_curves(h_l2), TUTORIAL, "curvas_l2")
print(f"val_loss que informa Keras (con castigo): {h_l2.history['val_loss'][-1]:.3f}; "
      f"entropía cruzada pura en validación: {traza_l2['entropia_val'][-1]:.3f} "
      f"(mínima {min(traza_l2['entropia_val']):.3f}); la del modelo base: {traza_base['entropia_val'][-1]:.3f}")
print(f"norma de los pesos al final: base {traza_base['norma_pesos'][-1]:.1f}, L2 {traza_l2['norma_pesos'][-1]:.1f}")

# %% [markdown]
# Lectura (modo completo; figura `curvas_l2.png`). El castigo hace su trabajo sobre los
# pesos: la norma final es 11.1 frente a 29.1 del modelo base. La `val_loss` que
# informa Keras al final (0.438) incluye el castigo; la entropía cruzada pura es 0.384
# y llegó a bajar hasta 0.351 (época 52). Pero mira la figura de la comparación (7.2.3): con
# L2 y Adam la curva tiene un **sobresalto brusco** hacia la época 30 (la entropía de
# validación salta de 0.39 a 0.53 y tarda unas diez épocas en volver): cuando la
# pérdida de los datos ya es casi cero, el gradiente lo domina el castigo `2λw`, Adam lo
# normaliza a pasos de tamaño `lr` y los pesos encogen de golpe hasta que la pérdida de
# los datos reacciona. Es uno de los motivos por los que existe AdamW, y otro argumento
# para combinar la regularización con early stopping.
#
# → minidl/keras/regularizers.py, minidl/optim/sgd.py, minidl/optim/adam.py, minidl/kernels/optim_updates.py

# %% [markdown]
# ## Lección 7.2.3 — Early stopping
#
# Si la pérdida de validación toca fondo en la época `k` y luego sube, lo más sencillo
# es **quedarse con los pesos de la época `k`**. `callbacks.EarlyStopping` vigila una
# cantidad (`monitor="val_loss"`), espera `patience` épocas sin mejora (por si la
# curva solo estaba haciendo ruido) y para; con `restore_best_weights=True` devuelve al
# modelo los pesos de la mejor época (sin ello te quedas con los de la última, ya
# sobreajustados). Además de regularizar, **ahorra cómputo**. Es la misma idea que
# elegir la época con la validación de la Unidad 6, automatizada.
#
# Para terminar, las cuatro variantes del **mismo modelo** sobre los mismos datos,
# medidas en la prueba (que no se ha usado para nada hasta ahora).

# %%
parar = callbacks.EarlyStopping(monitor="val_loss", patience=segun_modo(3, 10), restore_best_weights=True)
con_es = mlp_mnist()
traza_es, cb = seguimiento(con_es, x_val, y_val)
inicio = time.perf_counter()
h_es = con_es.fit(x_tr, y_tr, epochs=EPOCAS, batch_size=32, verbose=0, validation_data=(x_val, y_val),
                  callbacks=[parar, cb])
tiempo_es = time.perf_counter() - inicio
epocas_es = len(h_es.history["loss"])
print(f"early stopping: paró tras {epocas_es} épocas de {EPOCAS}; mejor época "
      f"{int(np.argmin(h_es.history['val_loss'])) + 1} (pesos restaurados)")

variantes = {
    "base": (base, h_base, tiempo_base, traza_base),
    "dropout 0.5": (con_dropout, h_drop, tiempo_drop, traza_drop),
    f"L2 λ={LAMBDA}": (con_l2, h_l2, tiempo_l2, traza_l2),
    "early stopping": (con_es, h_es, tiempo_es, traza_es),
}
print(f"{'variante':<16}{'épocas':>7}{'segundos':>9}{'brecha':>8}{'mín. entropía val (época)':>27}"
      f"{'exactitud prueba':>18}{'log loss prueba':>17}")
finales = {}
for nombre, (modelo, historia, segundos, traza) in variantes.items():
    p = modelo.predict(x_te, verbose=0)
    acierto = metrics.accuracy(y_te, p.argmax(axis=1))
    ce = metrics.log_loss(y_te, p, labels=list(range(10)))
    brecha = modelo.evaluate(x_tr, y_tr, verbose=0)[1] - modelo.evaluate(x_val, y_val, verbose=0)[1]
    minimo = int(np.argmin(traza["entropia_val"]))
    finales[nombre] = (acierto, ce)
    print(f"{nombre:<16}{len(historia.history['loss']):>7}{segundos:>9.1f}{brecha:>8.3f}"
          f"{traza['entropia_val'][minimo]:>21.3f} ({minimo + 1:>2}){acierto:>18.3f}{ce:>17.3f}")
resultado("exactitud_test_base", round(finales["base"][0], 4))
resultado("exactitud_test_dropout", round(finales["dropout 0.5"][0], 4))
resultado("exactitud_test_l2", round(finales[f"L2 λ={LAMBDA}"][0], 4))
resultado("exactitud_test_es", round(finales["early stopping"][0], 4))

fig, ejes = plt.subplots(1, 2, figsize=(11, 4))
for nombre, (_, historia, _, traza) in variantes.items():
    epocas = np.arange(1, len(historia.history["loss"]) + 1)
    ejes[0].plot(epocas, traza["entropia_val"], label=nombre)
    ejes[1].plot(epocas, historia.history["val_accuracy"], label=nombre)
ejes[0].set_title("entropía cruzada en validación (sin castigo L2)")
ejes[1].set_title("exactitud en validación")
for ax in ejes:
    ax.set_xlabel("época")
    ax.legend()
guardar_figura(fig, TUTORIAL, "comparacion")

# %% [markdown]
# Lectura (modo completo; figura `comparacion.png`). Early stopping paró en la época 14
# (la mejor fue la 4) y restauró esos pesos: con **menos de un cuarto del cómputo**
# obtuvo una log loss en prueba mucho mejor que la del modelo base (0.516 frente a 0.704),
# es decir, probabilidades mejor calibradas, con una exactitud algo menor (0.841 frente a
# 0.853). L2 logró la mejor log loss de todas (0.482) y mantuvo la entropía de validación
# por debajo de la del modelo base casi todo el entrenamiento, salvo en su sobresalto de
# la época 30; su exactitud en prueba fue 0.860. Dropout dio la mejor exactitud (0.867,
# +1.4 puntos) y la entropía de validación más baja de todas mientras duró (0.338). Con 2000
# imágenes de prueba, un punto de exactitud son 20 imágenes: diferencias de ese tamaño
# son reales pero pequeñas.
#
# Conclusiones que sí se sostienen: (1) ninguna técnica es mágica; con solo 1000
# imágenes, lo que más ayudaría son más datos; (2) el momento en que miras importa
# tanto como la técnica: por eso early stopping (o, en general, elegir la época con
# validación) es casi obligatorio, y se combina con dropout o L2; (3) compara siempre
# las variantes sobre el mismo modelo, los mismos datos y la misma semilla, como aquí.
#
# → minidl/keras/callbacks.py, minidl/keras/models/model.py
