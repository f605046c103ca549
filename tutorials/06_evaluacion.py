# comprobaciones: r2_mlp>=0.85, rmse_mlp<0.5, auc_desequilibrado>=0.9, exactitud_trivial_desequilibrado>=0.85, recall_trivial_desequilibrado<=0.01, exactitud_test_espirales>=0.75, fuga_exactitud_test>=0.65, sin_fuga_exactitud_test<=0.62, f1_keras_error<1e-5, auc_keras_vs_exacto<0.02, auc_keras_trivial<=0.5
# %% [markdown]
# # Unidad 6 — Evaluación de modelos Deep Learning
#
# Entrenar es la mitad del trabajo; la otra mitad es **saber cuánto vale el modelo**
# antes de que lo usen otros. En esta unidad medimos modelos de regresión y de
# clasificación con las métricas adecuadas (`minidl.metrics`, con las firmas de
# scikit-learn), separamos bien entrenamiento, validación y prueba, leemos curvas de
# aprendizaje (`minidl.plot.learning_curves`) y provocamos —y corregimos— dos «mejoras
# falsas»: elegir el modelo mirando la prueba y una fuga de información.
#
# Lecciones: 6.1.1 métricas para regresión, 6.1.2 métricas para clasificación,
# 6.1.3 interpretación realista, 6.2.1 train/validation/test, 6.2.2 curvas de
# aprendizaje, 6.2.3 evitar falsas mejoras.
#
# **Cómo ejecutarlo**: `python tutorials/06_evaluacion.py` (modo completo, unos
# minutos) o `MINIDL_FAST=1 python tutorials/06_evaluacion.py` (modo rápido, menos
# datos y épocas). Las figuras quedan en `tutorials/output/06_evaluacion/`.

# %%
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _comun import RAPIDO, carpeta_salida, guardar_figura, resultado, segun_modo

TUTORIAL = "06_evaluacion"

import matplotlib.pyplot as plt
import numpy as np

import minidl as mdl
from minidl import datasets, keras, metrics, plot
from minidl.keras import callbacks, layers, models, optimizers

carpeta_salida(TUTORIAL)
print("modo rápido" if RAPIDO else "modo completo", "| minidl", mdl.__version__)
keras.utils.set_random_seed(0)  # pesos, dropout y barajado reproducibles

# %% [markdown]
# ## Lección 6.1.1 — Métricas para regresión
#
# En regresión el modelo predice un número `ŷ` y el error de cada caso es `y − ŷ`.
# Las métricas resumen esos errores de maneras distintas:
#
# * **MAE** (error absoluto medio) `= media |y − ŷ|`: en las mismas unidades que `y`,
#   fácil de explicar («nos equivocamos 0.26 de media»), poco sensible a casos raros.
# * **MSE** (error cuadrático medio) `= media (y − ŷ)²`: es la pérdida que se suele
#   optimizar; al elevar al cuadrado castiga mucho los errores grandes. Sus unidades
#   son las de `y` al cuadrado.
# * **RMSE** `= √MSE`: vuelve a las unidades de `y`, conservando el castigo a los
#   errores grandes. Siempre RMSE ≥ MAE; si es mucho mayor, hay errores grandes.
# * **R²** `= 1 − MSE / Var(y)`: la fracción de la varianza de `y` explicada. Vale 0
#   para el modelo que predice siempre la media y 1 para el perfecto; puede ser negativo.
#
# Un número suelto no dice nada: lo comparamos con **líneas base** (la media; un
# modelo lineal) y con el **error irreducible**. Usamos `make_regression`, que genera
# `y = sin(s) + 0.5·s + ruido` con ruido gaussiano de desviación 0.3: ningún modelo
# puede bajar, en promedio, de un RMSE ≈ 0.3 en datos nuevos.

# %%
N_REG = segun_modo(400, 1000)
EPOCAS_REG = segun_modo(15, 150)
X, y = datasets.make_regression(N_REG, n_features=1, noise=0.3, seed=0)
x_tr, x_val, x_te, y_tr, y_val, y_te = datasets.train_val_test_split(X, y, val_size=0.2, test_size=0.2, seed=0)


def regresor(ocultas):
    """MLP de regresión: capas ocultas tanh y una salida lineal (sin activación)."""
    capas = [layers.Input(shape=(1,))] + [layers.Dense(n, activation="tanh") for n in ocultas]
    modelo = models.Sequential(capas + [layers.Dense(1)])
    modelo.compile(optimizer=optimizers.Adam(learning_rate=0.01), loss="mse", metrics=["mae"])
    return modelo


def metricas_regresion(y_verdad, y_pred):
    return {"MAE": metrics.mae(y_verdad, y_pred), "MSE": metrics.mse(y_verdad, y_pred),
            "RMSE": metrics.rmse(y_verdad, y_pred), "R2": metrics.r2(y_verdad, y_pred)}


lineal = regresor([])
lineal.fit(x_tr, y_tr, epochs=EPOCAS_REG, batch_size=32, verbose=0)
mlp_reg = regresor([32, 32])
mlp_reg.fit(x_tr, y_tr, epochs=EPOCAS_REG, batch_size=32, verbose=0, validation_data=(x_val, y_val))
predicciones = {
    "media de y_train": np.full_like(y_te, y_tr.mean()),
    "lineal (Dense(1))": lineal.predict(x_te, verbose=0),
    "MLP 32-32": mlp_reg.predict(x_te, verbose=0),
}
print(f"{'modelo':<20}" + "".join(f"{k:>9}" for k in ("MAE", "MSE", "RMSE", "R2")))
for nombre, pred in predicciones.items():
    print(f"{nombre:<20}" + "".join(f"{v:9.3f}" for v in metricas_regresion(y_te, pred).values()))
m_mlp = metricas_regresion(y_te, predicciones["MLP 32-32"])
resultado("r2_mlp", round(m_mlp["R2"], 4))
resultado("rmse_mlp", round(m_mlp["RMSE"], 4))

# Unos pocos errores grandes (5 etiquetas corruptas de 200) mueven mucho más el RMSE que el MAE.
y_corrupta = y_te.copy()
y_corrupta[:5] += 5.0
m_corr = metricas_regresion(y_corrupta, predicciones["MLP 32-32"])
print(f"con 5 etiquetas corruptas: MAE {m_mlp['MAE']:.3f} -> {m_corr['MAE']:.3f}, "
      f"RMSE {m_mlp['RMSE']:.3f} -> {m_corr['RMSE']:.3f}")

fig, ax = plt.subplots(figsize=(6, 3.5))
orden = np.argsort(x_te[:, 0])
ax.scatter(x_te[:, 0], y_te[:, 0], s=8, alpha=0.5, label="prueba")
for nombre, pred in predicciones.items():
    ax.plot(x_te[orden, 0], pred[orden, 0], label=nombre)
ax.set_xlabel("x")
ax.set_ylabel("y")
ax.legend()
ax.set_title("Regresión: líneas base frente a un MLP")
guardar_figura(fig, TUTORIAL, "regresion")

# %% [markdown]
# Lectura (cifras de una ejecución en modo completo). Predecir siempre la media da
# R² = 0 por construcción (RMSE 1.59). El modelo lineal parece excelente si solo se
# mira R² (0.900), pero su RMSE (0.502) está casi un 70 % por encima del suelo de ruido
# (0.3): no capta la ondulación. El MLP llega a RMSE 0.316 y R² 0.960: está a menos
# de 0.02 del mejor RMSE posible, así que seguir ajustando apenas puede mejorar nada.
# Ese es el uso realista de una métrica: compararla con lo que se puede conseguir.
#
# Al corromper 5 etiquetas de 200 el MAE sube de 0.257 a 0.377 (×1.5) y el RMSE de
# 0.316 a 0.844 (×2.7). Si tus datos tienen valores atípicos que no te importan,
# informa también del MAE (o entrena con la pérdida de Huber); si los errores grandes
# son los caros, el RMSE es la métrica honesta.
#
# → minidl/metrics/regression.py, minidl/keras/losses.py

# %% [markdown]
# ## Lección 6.1.2 — Métricas para clasificación
#
# En clasificación comparamos la clase predicha con la verdadera. Para dos clases
# (positiva = la que buscamos: fraude, tumor, avería) todo sale de la **matriz de
# confusión**: verdaderos positivos (VP), falsos positivos (FP), falsos negativos (FN)
# y verdaderos negativos (VN). En `minidl.metrics`, como en scikit-learn, las filas
# son la clase verdadera y las columnas la predicha.
#
# * **Exactitud** (accuracy) `= (VP + VN) / total`.
# * **Precisión** `= VP / (VP + FP)`: de lo que marco como positivo, cuánto lo es.
# * **Exhaustividad** (recall, sensibilidad) `= VP / (VP + FN)`: de los positivos
#   reales, cuántos encuentro.
# * **F1** `= 2·P·R / (P + R)`: media armónica de las dos; baja si cualquiera es baja.
# * **ROC AUC**: usa la *probabilidad*, no la clase: la probabilidad de que un positivo
#   al azar reciba más puntuación que un negativo al azar (0.5 = azar, 1 = perfecto).
# * **Log loss** (entropía cruzada): castiga las probabilidades muy seguras y erróneas;
#   mide también la *calibración*.
#
# La trampa clásica es la exactitud con **clases desequilibradas**. Construimos un
# problema con ≈ 9 % de positivos (dos lunas en las que nos quedamos solo con 1 de
# cada 10 puntos de la clase 1) y comparamos una red con el clasificador «tonto» que
# dice siempre «negativo».

# %%
N_LUNAS = segun_modo(2200, 4400)
EPOCAS_CLF = segun_modo(8, 40)
X, y = datasets.make_moons(N_LUNAS, noise=0.35, seed=1)
rng = np.random.default_rng(0)
quedan = (y == 0) | (rng.random(len(y)) < 0.1)
X, y = X[quedan], y[quedan]
xc_tr, xc_val, xc_te, yc_tr, yc_val, yc_te = datasets.train_val_test_split(
    X, y, val_size=0.2, test_size=0.2, seed=0, stratify=y)
print(f"{len(y)} puntos, {y.mean():.1%} positivos; prueba: {len(yc_te)} puntos, {yc_te.sum()} positivos")

clasificador = models.Sequential([
    layers.Input(shape=(2,)),
    layers.Dense(32, activation="relu"),
    layers.Dense(32, activation="relu"),
    layers.Dense(1, activation="sigmoid"),
])
clasificador.compile(optimizer=optimizers.Adam(learning_rate=0.01), loss="binary_crossentropy",
                     metrics=["accuracy"])
clasificador.fit(xc_tr, yc_tr, epochs=EPOCAS_CLF, batch_size=32, verbose=0, validation_data=(xc_val, yc_val))
p_te = clasificador.predict(xc_te, verbose=0).ravel()  # probabilidad de la clase 1
yc_pred = (p_te >= 0.5).astype(np.int64)
trivial = np.zeros_like(yc_te)  # «siempre negativo»

for nombre, pred in (("red", yc_pred), ("siempre negativo", trivial)):
    print(f"{nombre:<17} exactitud {metrics.accuracy(yc_te, pred):.3f}  "
          f"precisión {metrics.precision(yc_te, pred, zero_division=0):.3f}  "
          f"exhaustividad {metrics.recall(yc_te, pred, zero_division=0):.3f}  "
          f"F1 {metrics.f1(yc_te, pred, zero_division=0):.3f}")
print(f"red: ROC AUC {metrics.roc_auc(yc_te, p_te):.3f}, log loss {metrics.log_loss(yc_te, p_te):.3f}")
print("matriz de confusión de la red (filas = verdad):\n", metrics.confusion_matrix(yc_te, yc_pred))
print(metrics.classification_report(yc_te, yc_pred, target_names=["negativo", "positivo"]))
fig = plot.confusion_matrix(yc_te, yc_pred, display_labels=["negativo", "positivo"])
guardar_figura(fig, TUTORIAL, "matriz_confusion")
resultado("auc_desequilibrado", round(metrics.roc_auc(yc_te, p_te), 4))
resultado("f1_desequilibrado", round(metrics.f1(yc_te, yc_pred), 4))
resultado("exactitud_trivial_desequilibrado", round(metrics.accuracy(yc_te, trivial), 4))
resultado("recall_trivial_desequilibrado", round(metrics.recall(yc_te, trivial, zero_division=0), 4))

# %% [markdown]
# Lectura (modo completo): la red acierta el 96.3 %, y el clasificador que dice
# siempre «negativo» ¡el 90.7 %! La exactitud casi no distingue un modelo útil de uno
# inútil. Las métricas de la clase positiva sí: el trivial tiene precisión,
# exhaustividad y F1 iguales a 0 (no encuentra ningún positivo), mientras que la red
# encuentra 35 de los 45 positivos (exhaustividad 0.778) y, cuando dice «positivo»,
# acierta el 81 % de las veces (precisión 0.814), F1 0.795. Su ROC AUC (0.978) dice
# que ordena muy bien los casos por probabilidad. En problemas desequilibrados, informa
# siempre de la matriz de confusión y de las métricas de la clase que importa; el
# *macro avg* del informe (media sin pesar de las dos clases, 0.89 en F1) es más
# exigente que el *weighted avg* (0.96), dominado por la clase mayoritaria.
#
# → minidl/metrics/classification.py, minidl/metrics/ranking.py, minidl/metrics/probabilistic.py, minidl/metrics/report.py, minidl/plot/training.py

# %% [markdown]
# ### Las mismas métricas dentro de Keras: `AUC` y `F1Score`
#
# Para vigilarlas **durante** el entrenamiento (en `fit`, `evaluate` y los callbacks), Keras
# las ofrece como objetos de métrica: `keras.metrics.AUC()` (aproxima la curva ROC con 200
# umbrales, así que puede diferir del AUC exacto en la tercera cifra) y
# `keras.metrics.F1Score(threshold=0.5)` (con `average="micro"` da un número; sin él, uno por
# columna). `model.metrics_names` dice en qué orden devuelve `evaluate` los valores.
# Comprobamos el F1 contra la fórmula `2·VP / (2·VP + FP + FN)` contada a mano (Keras
# considera positiva una probabilidad **mayor** que el umbral) y repetimos la comparación con
# el clasificador «siempre negativo».
#
# → minidl/keras/metrics_curves.py, minidl/keras/models/model.py

# %%
clasificador.compile(optimizer=optimizers.Adam(learning_rate=0.01), loss="binary_crossentropy",
                     metrics=["accuracy", keras.metrics.AUC(name="auc"),
                              keras.metrics.F1Score(average="micro", threshold=0.5, name="f1")])
yc_te_columna = yc_te.reshape(-1, 1).astype("float32")  # F1Score pide (N, 1), como la salida; Keras también
valores = dict(zip(clasificador.metrics_names, clasificador.evaluate(xc_te, yc_te_columna, verbose=0)))
print("evaluate:", {k: round(float(v), 3) for k, v in valores.items()})
vp = int(np.sum((p_te > 0.5) & (yc_te == 1)))
fp, fn = int(np.sum((p_te > 0.5) & (yc_te == 0))), int(np.sum((p_te <= 0.5) & (yc_te == 1)))
print(f"a mano: F1 = 2·{vp} / (2·{vp} + {fp} + {fn}) = {2 * vp / (2 * vp + fp + fn):.3f}; "
      f"AUC exacto {metrics.roc_auc(yc_te, p_te):.3f}")
for nombre, prob in (("red", p_te), ("siempre negativo", np.zeros_like(p_te))):
    auc, f1 = keras.metrics.AUC(), keras.metrics.F1Score(average="micro", threshold=0.5)
    auc.update_state(yc_te, prob)
    f1.update_state(yc_te_columna, prob.reshape(-1, 1))
    print(f"{nombre:<17} exactitud {np.mean((prob > 0.5) == yc_te):.3f}  AUC {float(auc.result()):.3f}  "
          f"F1 {float(f1.result()):.3f}")
resultado("f1_keras_error", abs(valores["f1"] - 2 * vp / (2 * vp + fp + fn)))
resultado("auc_keras_vs_exacto", abs(valores["auc"] - metrics.roc_auc(yc_te, p_te)))
resultado("auc_keras_trivial", float(auc.result()))

# %% [markdown]
# El clasificador trivial tiene una exactitud cercana a la de la red, pero AUC 0.5 (no ordena
# nada: da la misma puntuación a todos) y F1 0 (no encuentra ningún positivo). En problemas
# desequilibrados, pon `AUC` o `F1Score` en `metrics=` y vigílalas en validación (por ejemplo
# con `EarlyStopping(monitor="val_auc", mode="max")`) en lugar de la exactitud.

# %% [markdown]
# ## Lección 6.1.3 — Interpretación realista
#
# Tres preguntas antes de creerse una métrica:
#
# 1. **¿Con qué umbral?** Precisión, exhaustividad y F1 dependen del umbral con que
#    convertimos la probabilidad en clase; 0.5 no es sagrado. Si un falso negativo
#    (un tumor no detectado) cuesta mucho más que un falso positivo, bajamos el umbral.
#    La curva ROC muestra todos los umbrales a la vez.
# 2. **¿Con cuánta incertidumbre?** La prueba es una muestra finita. Con *bootstrap*
#    (remuestrear la prueba con reemplazo muchas veces y recalcular la métrica)
#    obtenemos un intervalo. Con pocos positivos, el F1 baila mucho.
# 3. **¿Frente a qué?** Frente a la línea base trivial, al error irreducible y al coste
#    real de cada tipo de error.

# %%
print(f"{'umbral':>7}{'precisión':>11}{'exhaustividad':>15}{'F1':>7}")
for umbral in (0.1, 0.3, 0.5, 0.7, 0.9):
    pred = (p_te >= umbral).astype(np.int64)
    print(f"{umbral:7.1f}{metrics.precision(yc_te, pred, zero_division=0):11.3f}"
          f"{metrics.recall(yc_te, pred):15.3f}{metrics.f1(yc_te, pred, zero_division=0):7.3f}")

fpr, tpr, umbrales = metrics.roc_curve(yc_te, p_te)
fig, ax = plt.subplots(figsize=(4.5, 4.5))
ax.plot(fpr, tpr, label=f"red (AUC = {metrics.auc(fpr, tpr):.3f})")
ax.plot([0, 1], [0, 1], "k--", label="azar (AUC = 0.5)")
ax.set_xlabel("tasa de falsos positivos")
ax.set_ylabel("tasa de verdaderos positivos (exhaustividad)")
ax.legend()
ax.set_title("Curva ROC en la prueba")
guardar_figura(fig, TUTORIAL, "roc")

N_BOOT = segun_modo(200, 1000)
rng = np.random.default_rng(1)
muestras = {"exactitud": [], "F1": []}
for _ in range(N_BOOT):
    idx = rng.integers(0, len(yc_te), len(yc_te))
    muestras["exactitud"].append(metrics.accuracy(yc_te[idx], yc_pred[idx]))
    muestras["F1"].append(metrics.f1(yc_te[idx], yc_pred[idx], zero_division=0))
for nombre, valores in muestras.items():
    bajo, alto = np.percentile(valores, [2.5, 97.5])
    print(f"{nombre:<10} intervalo bootstrap del 95 %: [{bajo:.3f}, {alto:.3f}]  (anchura {alto - bajo:.3f})")
resultado("anchura_ic_f1", round(float(np.subtract(*np.percentile(muestras["F1"], [97.5, 2.5]))), 4))

# %% [markdown]
# Lectura (modo completo). Bajar el umbral a 0.1 encuentra el 91 % de los positivos a
# cambio de que solo la mitad de las alarmas (48.8 %) sean reales; subirlo a 0.9 da
# alarmas casi siempre ciertas (93.8 %) pero solo detecta un tercio. Ningún umbral es
# «el correcto»: depende del coste de cada error, y lo decide el problema, no la red.
#
# El intervalo bootstrap del 95 % de la exactitud va de 0.946 a 0.979, y el del F1 de
# 0.691 a 0.883: casi 20 puntos de anchura, porque el F1 depende de solo 45 positivos.
# Consecuencia práctica: si otro modelo da F1 = 0.82 en esta misma prueba, **no hemos
# demostrado nada**. Para comparar dos modelos, compáralos sobre los mismos casos
# (diferencias pareadas, como en la Unidad 9) o consigue más datos de prueba.
#
# → minidl/metrics/ranking.py, minidl/metrics/classification.py

# %% [markdown]
# ## Lección 6.2.1 — Train / validation / test
#
# Cada conjunto tiene **un solo trabajo**:
#
# * **Entrenamiento**: el optimizador ajusta los pesos con él.
# * **Validación**: nosotros elegimos con él (arquitectura, tasa de aprendizaje, época
#   de parada). Al elegir, también «aprendemos» de él, así que su puntuación final es
#   algo optimista.
# * **Prueba**: se mira **una vez**, al final, para informar. Es la única estimación
#   honesta del rendimiento en datos nuevos.
#
# `datasets.train_val_test_split(..., stratify=y)` reparte manteniendo la proporción de
# clases. Usamos espirales con ruido (tres clases, ≈ 90 % alcanzable) y elegimos entre
# tres tamaños de red **por validación**; solo el elegido se evalúa en prueba. (Con
# datos temporales no se baraja: se entrena con el pasado y se prueba con el futuro,
# `shuffle=False`.)

# %%
N_ESP = segun_modo(600, 900)
EPOCAS_ESP = segun_modo(25, 100)
X, y = datasets.make_spirals(N_ESP, n_classes=3, noise=0.6, seed=0)
xs_tr, xs_val, xs_te, ys_tr, ys_val, ys_te = datasets.train_val_test_split(
    X, y, val_size=0.2, test_size=0.2, seed=0, stratify=y)
print(f"entrenamiento {len(ys_tr)}, validación {len(ys_val)}, prueba {len(ys_te)}; "
      f"clases en prueba: {np.bincount(ys_te)}")


def red_espirales(unidades, lr=0.01, semilla=0):
    keras.utils.set_random_seed(semilla)
    modelo = models.Sequential([
        layers.Input(shape=(2,)),
        layers.Dense(unidades, activation="relu"),
        layers.Dense(unidades, activation="relu"),
        layers.Dense(3, activation="softmax"),
    ])
    modelo.compile(optimizer=optimizers.Adam(learning_rate=lr),
                   loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return modelo


historias, redes = {}, {}
for unidades in (4, 32, 256):
    redes[unidades] = red_espirales(unidades)
    historias[unidades] = redes[unidades].fit(xs_tr, ys_tr, epochs=EPOCAS_ESP, batch_size=32, verbose=0,
                                              validation_data=(xs_val, ys_val))
    h = historias[unidades].history
    print(f"{unidades:>4} neuronas: exactitud entrenamiento {h['accuracy'][-1]:.3f}, "
          f"validación {h['val_accuracy'][-1]:.3f}")
elegida = max(historias, key=lambda u: historias[u].history["val_accuracy"][-1])
perdida_te, exactitud_te = redes[elegida].evaluate(xs_te, ys_te, verbose=0)
print(f"elegida por validación: {elegida} neuronas -> exactitud en PRUEBA {exactitud_te:.3f} (una sola vez)")
resultado("exactitud_test_espirales", round(exactitud_te, 4))

# %% [markdown]
# Lectura (modo completo): con 4 neuronas por capa la red se queda corta (0.859 en
# entrenamiento, 0.833 en validación); 32 y 256 neuronas dan 0.917 y 0.933 en
# validación. Elegimos 256 y **solo entonces** miramos la prueba: 0.894. Que salga algo
# menos que en validación es lo esperable: al elegir el máximo de tres números de
# validación, el elegido suele estar un poco inflado (y con 180 casos, una exactitud
# tiene un error típico de ≈ 2 puntos). El 0.894 es la cifra que se publica.
#
# → minidl/datasets/utils.py, minidl/keras/models/model.py

# %% [markdown]
# ## Lección 6.2.2 — Curvas de aprendizaje
#
# La `History` que devuelve `fit` guarda, época a época, la pérdida y las métricas en
# entrenamiento y validación. `minidl.plot.learning_curves(historia)` las dibuja y
# marca la mejor época según `val_loss`. Cómo se leen:
#
# * las dos curvas altas y juntas → **infraajuste** (falta capacidad o entrenamiento);
# * entrenamiento sigue bajando y validación se estanca o **sube** → **sobreajuste**;
#   la mejor época está donde la validación toca fondo;
# * curvas muy ruidosas → tasa de aprendizaje alta o lotes pequeños.
#
# El término también se usa para otra curva igual de útil: la puntuación frente al
# **tamaño del conjunto de entrenamiento**. Si la validación sigue subiendo al añadir
# datos, conseguir más datos compensa; si se ha aplanado, hay que cambiar de modelo.

# %%
for unidades in (4, 256):
    fig = plot.learning_curves(historias[unidades])
    guardar_figura(fig, TUTORIAL, f"curvas_{unidades}")
    h = historias[unidades].history
    mejor = int(np.argmin(h["val_loss"]))
    print(f"{unidades:>4} neuronas: mejor época {mejor + 1}, val_loss {h['val_loss'][mejor]:.3f} "
          f"(al final {h['val_loss'][-1]:.3f}); pérdida de entrenamiento al final {h['loss'][-1]:.3f}")
h256 = historias[256].history
resultado("subida_val_loss_256", round(h256["val_loss"][-1] - min(h256["val_loss"]), 4))

tamanos = segun_modo([60, 360], [45, 90, 180, 360, 540])
PASOS = segun_modo(300, 2000)  # el mismo número de pasos de gradiente para cada tamaño
curva = []
for n in tamanos:
    red = red_espirales(32)
    red.fit(xs_tr[:n], ys_tr[:n], epochs=max(1, PASOS // -(-n // 32)), batch_size=32, verbose=0)
    curva.append((red.evaluate(xs_tr[:n], ys_tr[:n], verbose=0)[1], red.evaluate(xs_val, ys_val, verbose=0)[1]))
    print(f"n = {n:>3}: exactitud entrenamiento {curva[-1][0]:.3f}, validación {curva[-1][1]:.3f}")
fig, ax = plt.subplots(figsize=(5, 3.5))
ax.plot(tamanos, [c[0] for c in curva], "o-", label="entrenamiento")
ax.plot(tamanos, [c[1] for c in curva], "o--", label="validación")
ax.set_xlabel("ejemplos de entrenamiento")
ax.set_ylabel("exactitud")
ax.legend()
ax.set_title("Curva de aprendizaje frente al tamaño de los datos")
guardar_figura(fig, TUTORIAL, "curva_tamano")

# %% [markdown]
# Lectura (modo completo; figuras `curvas_4.png` y `curvas_256.png`). Con 4 neuronas
# las dos pérdidas bajan juntas y acaban casi iguales (0.439 en entrenamiento, 0.445 en
# validación, mejor época la 97 de 100): infraajuste, el modelo no da para más. Con 256
# la validación toca fondo en la época 14 (0.194) y después oscila por encima (0.232 al
# final) mientras la de entrenamiento sigue bajando (0.127): se abre una brecha, el
# comienzo del sobreajuste. La exactitud de validación apenas cambia (casi siempre
# entre 0.88 y 0.93): la pérdida empeora porque la red se vuelve demasiado segura en
# sus errores (Unidad 7). Los picos de ambas curvas delatan además una tasa de
# aprendizaje algo alta para una red tan ancha.
#
# En la curva frente al tamaño (`curva_tamano.png`, mismo número de pasos de
# gradiente para cada tamaño), con 45 ejemplos la red acierta el 100 % de lo que ve y
# el 83.3 % en validación; con 540, el 94.8 % y el 93.9 %. Las dos curvas se acercan y
# la de validación sigue subiendo: en este problema **más datos todavía ayudan**.
#
# → minidl/plot/training.py, minidl/keras/callbacks.py

# %% [markdown]
# ## Lección 6.2.3 — Evitar falsas mejoras
#
# Una *falsa mejora* es una cifra que sube en el informe pero no en el mundo real.
# Aquí provocamos dos y las corregimos.
#
# **1. Elegir mirando la prueba.** Entrenamos 9 configuraciones (neuronas × tasa de
# aprendizaje) y, después de cada época, anotamos su exactitud en validación y en
# prueba. Si elegimos la combinación (configuración, época) con mejor exactitud **en
# prueba**, esa cifra ya no es una estimación: es el máximo de cientos de números
# ruidosos. Para ver la verdad usamos algo que en la práctica no tendríamos: un
# conjunto **nuevo** y grande generado por el mismo proceso («los datos del futuro»).

# %%
X_nuevo, y_nuevo = datasets.make_spirals(segun_modo(1500, 3000), n_classes=3, noise=0.6, seed=123)
configuraciones = [(u, lr) for u in segun_modo((32,), (16, 64, 256)) for lr in (0.003, 0.01, 0.03)]
EPOCAS_SEL = segun_modo(10, 40)
registro = []  # (neuronas, lr, época, exactitud val, exactitud prueba, exactitud datos nuevos)
inicio = time.perf_counter()
for unidades, lr in configuraciones:
    red = red_espirales(unidades, lr)

    def anotar(epoca, logs, red=red, unidades=unidades, lr=lr):
        acierto_te = metrics.accuracy(ys_te, red.predict(xs_te, verbose=0).argmax(axis=1))
        acierto_nuevo = metrics.accuracy(y_nuevo, red.predict(X_nuevo, verbose=0).argmax(axis=1))
        registro.append((unidades, lr, epoca + 1, logs["val_accuracy"], acierto_te, acierto_nuevo))

    red.fit(xs_tr, ys_tr, epochs=EPOCAS_SEL, batch_size=32, verbose=0, validation_data=(xs_val, ys_val),
            callbacks=[callbacks.LambdaCallback(on_epoch_end=anotar)])
R = np.array(registro)
print(f"{len(R)} candidatos (configuración, época) en {time.perf_counter() - inicio:.0f} s")
por_prueba, por_val = int(R[:, 4].argmax()), int(R[:, 3].argmax())
for titulo, i in (("MAL: elegido por PRUEBA", por_prueba), ("BIEN: elegido por VALIDACIÓN", por_val)):
    u, lr, ep, a_val, a_te, a_nuevo = R[i]
    print(f"{titulo:<30} ({int(u)} neuronas, lr={lr}, época {int(ep)}): validación {a_val:.3f}, "
          f"prueba {a_te:.3f}, datos nuevos {a_nuevo:.3f}")
resultado("optimismo_eligiendo_por_test", round(float(R[por_prueba, 4] - R[por_prueba, 5]), 4))
resultado("error_estimacion_eligiendo_por_val", round(float(R[por_val, 4] - R[por_val, 5]), 4))

# %% [markdown]
# Lectura (modo completo, 9 configuraciones × 40 épocas = 360 candidatos). El
# candidato elegido **por la prueba** marcaba 0.917 en prueba, pero en datos nuevos
# acierta 0.905: el informe exageraba. El elegido **por validación** marcaba 0.944 en
# validación (también inflado: es el máximo de 360 números) y 0.889 en la prueba, que
# no se usó para elegir; en datos nuevos acierta 0.904. La lección no es que uno de los
# dos modelos sea mejor (en datos nuevos empatan), sino **qué cifra es creíble**: la
# del conjunto con el que elegiste siempre es optimista; la de un conjunto intacto no
# lo es (aunque tiene ruido: ± 2 puntos con 180 casos). Si miras la prueba para
# elegir, ya no tienes ninguna cifra creíble.
#
#
# **2. Fuga de información (data leakage).** Cualquier paso que *aprenda algo de los
# datos* (la media y la desviación para estandarizar, qué variables quedarse, cómo
# rellenar huecos) forma parte del modelo y debe ajustarse **solo con el
# entrenamiento**. El caso más escandaloso es seleccionar variables con todos los
# datos. Generamos 200 casos con 2000 variables de **puro ruido** y etiquetas **al
# azar** (lo correcto es 50 % de acierto), nos quedamos con las 20 variables más
# correlacionadas con la etiqueta y entrenamos una regresión logística (una capa
# `Dense(1, activation="sigmoid")`). Con fuga, la correlación se calcula con todos los
# datos (prueba incluida); sin fuga, solo con el entrenamiento. Repetimos 5 veces.

# %%
def top_correlacion(x, etiquetas, k=20):
    """Índices de las k variables con mayor |correlación de Pearson| con la etiqueta."""
    xc, yc = x - x.mean(axis=0), etiquetas - etiquetas.mean()
    r = np.abs(xc.T @ yc) / (np.sqrt((xc**2).sum(axis=0)) * np.sqrt((yc**2).sum()) + 1e-12)
    return np.argsort(-r)[:k]


rng = np.random.default_rng(2)
aciertos = {"con fuga": [], "sin fuga": []}
for rep in range(5):
    ruido = rng.standard_normal((200, 2000)).astype(np.float32)
    etiquetas = rng.integers(0, 2, 200)
    r_tr, r_te, e_tr, e_te = datasets.train_test_split(ruido, etiquetas, test_size=0.3, seed=rep, stratify=etiquetas)
    for caso, columnas in (("con fuga", top_correlacion(ruido, etiquetas)),
                           ("sin fuga", top_correlacion(r_tr, e_tr))):
        keras.utils.set_random_seed(rep)
        logistica = models.Sequential([layers.Input(shape=(20,)), layers.Dense(1, activation="sigmoid")])
        logistica.compile(optimizer=optimizers.Adam(learning_rate=0.01), loss="binary_crossentropy",
                          metrics=["accuracy"])
        logistica.fit(r_tr[:, columnas], e_tr, epochs=50, batch_size=32, verbose=0)
        aciertos[caso].append(logistica.evaluate(r_te[:, columnas], e_te, verbose=0)[1])
for caso, valores in aciertos.items():
    print(f"{caso}: exactitud en prueba {np.mean(valores):.3f}  (repeticiones: {np.round(valores, 2)})")
resultado("fuga_exactitud_test", round(float(np.mean(aciertos["con fuga"])), 4))
resultado("sin_fuga_exactitud_test", round(float(np.mean(aciertos["sin fuga"])), 4))

# %% [markdown]
# Lectura (modo completo): **con fuga, 76.3 % de acierto en prueba** (entre 72 % y
# 82 % según la repetición) sobre datos que son puro ruido; sin fuga, 50.0 %, el azar,
# que es la verdad. Con 2000 variables de ruido, alguna se correlaciona por casualidad
# con las etiquetas *de la prueba*, y al elegirla con todos los datos hemos metido en
# el modelo información de la prueba. La corrección es una regla: **todo lo que se
# ajusta con datos se ajusta dentro del entrenamiento** (o dentro de cada pliegue de una
# validación cruzada). Lo mismo vale para estandarizar: `datasets.Standardizer` se
# ajusta con `fit(x_train)` y solo se *aplica* a validación y prueba, o mejor, se mete
# en el modelo con `layers.Normalization` (Unidad 9). Con datos temporales, además,
# nunca se baraja: entrenar con el futuro para predecir el pasado es otra fuga.
#
# → minidl/datasets/utils.py, minidl/keras/callbacks.py, minidl/metrics/classification.py
