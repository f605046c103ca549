# comprobaciones: mlp_exactitud_test>=0.9, logistica_exactitud_test>=0.9, mlp_auc_test>=0.95, recarga_diferencia_max<=1e-6, sin_normalizar_en_produccion_exactitud<0.9
# %% [markdown]
# # Unidad 9 — Deep Learning para datos estructurados
#
# Los datos *tabulares* (filas = casos, columnas = variables medidas) son el pan de
# cada día en empresas y hospitales. En esta unidad entrenamos una red densa (MLP)
# sobre un conjunto real que viene con scikit-learn, **el de cáncer de mama de
# Wisconsin** (569 tumores, 30 medidas de sus núcleos celulares, diagnóstico maligno o
# benigno), y la comparamos con modelos clásicos. Después metemos el preprocesado y la
# ingeniería de variables *dentro del modelo*, para que entrenamiento y producción hagan
# exactamente lo mismo, y lo comprobamos guardando y recargando el modelo.
#
# Lecciones: 9.1.1 cuándo usar DL en tabular, 9.1.2 comparación con ML clásico,
# 9.1.3 buenas prácticas, 9.2.1 preprocesado, 9.2.2 feature engineering,
# 9.2.3 consistencia en producción.
#
# **Cómo ejecutarlo**: `python tutorials/09_datos_tabulares.py` (modo completo, unos
# minutos) o `MINIDL_FAST=1 python tutorials/09_datos_tabulares.py` (modo rápido, menos
# particiones y épocas, para comprobar que todo funciona). No descarga nada: el conjunto
# de datos viene dentro de scikit-learn. Las figuras y el modelo guardado quedan en
# `tutorials/output/09_datos_tabulares/`.

# %%
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _comun import RAPIDO, carpeta_salida, guardar_figura, resultado, segun_modo

TUTORIAL = "09_datos_tabulares"

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_breast_cancer
from sklearn.ensemble import GradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.tree import DecisionTreeClassifier

import minidl as mdl
from minidl import datasets, keras, metrics
from minidl.keras import callbacks, layers, models, optimizers

print("modo rápido" if RAPIDO else "modo completo")
SEMILLA = 0
keras.utils.set_random_seed(SEMILLA)  # siembra minidl (pesos, dropout, barajado)

# %% [markdown]
# ## Lección 9.1.1 — Cuándo usar DL en tabular
#
# En imágenes, audio o texto el Deep Learning gana con claridad porque *aprende* las
# variables (bordes, fonemas, palabras) que un humano no sabría escribir a mano. En
# tablas esa ventaja casi desaparece: cada columna ya es una variable con significado
# (el radio del núcleo, la textura...). Los estudios comparativos sobre cientos de
# tablas (por ejemplo Grinsztajn, Oyallon y Varoquaux, 2022) encuentran que, con
# decenas de miles de filas o menos, los **árboles potenciados** (gradient boosting)
# y a menudo una simple **regresión logística** igualan o superan a una red densa,
# cuestan menos de ajustar y se explican mejor.
#
# Una red sí tiene sentido en tabular cuando:
#
# * hay **muchos datos** (cientos de miles de filas o más) y relaciones complejas;
# * hay **variables categóricas con muchísimos valores** (usuarios, productos) que una
#   capa `Embedding` convierte en vectores aprendidos;
# * la tabla se **combina con otras entradas** (una imagen, un texto) en un solo modelo,
#   o se necesitan varias salidas a la vez (multitarea);
# * el modelo tiene que **actualizarse de forma incremental** con descenso por gradiente.
#
# Antes de entrenar nada, miramos los datos: cuántas filas, cuántas variables, cómo
# están de equilibradas las clases y en qué escalas están las variables. Y calculamos
# la **línea base trivial** (predecir siempre la clase mayoritaria): cualquier modelo
# que no la supere con holgura no sirve.

# %%
datos = load_breast_cancer()
X = datos.data.astype(np.float32)
# En scikit-learn 0 = maligno y 1 = benigno; para el diagnóstico nos interesa detectar
# el tumor maligno, así que lo convertimos en la clase positiva (1).
y = (datos.target == 0).astype(np.int64)
nombres = list(datos.feature_names)
print(f"{X.shape[0]} filas, {X.shape[1]} variables; malignos: {y.sum()} ({y.mean():.1%})")
rangos = X.max(axis=0) - X.min(axis=0)
print(f"rango de cada variable: de {rangos.min():.4f} ('{nombres[rangos.argmin()]}') "
      f"a {rangos.max():.0f} ('{nombres[rangos.argmax()]}')")
exactitud_trivial = max(y.mean(), 1 - y.mean())
print(f"línea base 'siempre benigno': exactitud {exactitud_trivial:.3f}")
resultado("exactitud_trivial", round(float(exactitud_trivial), 4))

# %% [markdown]
# Con 569 filas y 30 variables numéricas este es justo el terreno donde el Deep
# Learning *no* tiene ventaja de partida: la pregunta honesta es si una red aporta algo
# frente a una regresión logística. Las escalas, además, van de milésimas a miles
# (el área del núcleo): sin normalizar, una red densa lo pasaría mal (lo veremos en
# 9.2.1). Siempre que leas «exactitud 0.95» recuerda que aquí el 63 % se consigue sin
# mirar los datos.
#
# → minidl/metrics/classification.py

# %% [markdown]
# ## Lección 9.1.2 — Comparación con ML clásico
#
# Una comparación justa necesita tres cosas:
#
# 1. **Las mismas particiones** para todos los modelos. Usamos `train_val_test_split`
#    estratificado (cada parte conserva la proporción de malignos): entrenamiento 60 %,
#    validación 20 % (solo la red la usa, para decidir cuándo parar) y prueba 20 %.
# 2. **Varias particiones**, porque con 114 casos de prueba un solo caso mal
#    clasificado mueve la exactitud casi un punto: repetimos con varias semillas y
#    damos media y desviación típica.
# 3. **Las mismas métricas** (de `minidl.metrics`): exactitud, área bajo la curva ROC
#    y *log loss* (penaliza las probabilidades mal calibradas), más el tiempo de ajuste.
#
# Los rivales clásicos, de scikit-learn: regresión logística (con estandarización en un
# `Pipeline`), un árbol de decisión de profundidad 4 y *gradient boosting* (100
# árboles pequeños, cada uno corrige los errores de los anteriores). La red: una capa `Normalization` (ver 9.2.1), una capa oculta de 32
# neuronas ReLU con dropout y una salida sigmoide, entrenada con Adam y
# `EarlyStopping` sobre la pérdida de validación.

# %%
EPOCAS = segun_modo(15, 150)
N_PARTICIONES = segun_modo(1, 5)


def construir_mlp(x_entrenamiento, unidades=32, dropout=0.2, semilla=SEMILLA):
    """Red densa con el preprocesado dentro: Normalization (adaptada) -> Dense -> salida."""
    keras.utils.set_random_seed(semilla)
    normalizar = layers.Normalization()
    normalizar.adapt(x_entrenamiento)  # media y varianza SOLO del entrenamiento
    modelo = models.Sequential([
        layers.Input(shape=(x_entrenamiento.shape[1],)),
        normalizar,
        layers.Dense(unidades, activation="relu"),
        layers.Dropout(dropout),
        layers.Dense(1, activation="sigmoid"),
    ])
    modelo.compile(optimizer=optimizers.Adam(learning_rate=1e-3),
                   loss="binary_crossentropy", metrics=["accuracy"])
    return modelo


def entrenar_mlp(modelo, x_tr, y_tr, x_val, y_val, epocas=EPOCAS):
    parar = callbacks.EarlyStopping(monitor="val_loss", patience=15, restore_best_weights=True)
    return modelo.fit(x_tr, y_tr, batch_size=32, epochs=epocas, verbose=0,
                      validation_data=(x_val, y_val), callbacks=[parar])


def puntuar(y_verdad, p_maligno):
    """Exactitud, ROC AUC y log loss a partir de la probabilidad de 'maligno'."""
    p = np.clip(np.asarray(p_maligno, dtype=np.float64).ravel(), 1e-7, 1 - 1e-7)
    return {"exactitud": metrics.accuracy(y_verdad, (p >= 0.5).astype(np.int64)),
            "auc": metrics.roc_auc(y_verdad, p),
            "log_loss": metrics.log_loss(y_verdad, p)}


clasicos = {
    "logística": lambda: make_pipeline(StandardScaler(), LogisticRegression(max_iter=5000)),
    "árbol (prof. 4)": lambda: DecisionTreeClassifier(max_depth=4, random_state=SEMILLA),
    "gradient boosting": lambda: GradientBoostingClassifier(random_state=SEMILLA),
}
tabla = {nombre: [] for nombre in [*clasicos, "MLP (minidl)"]}
particiones = []
for semilla in range(N_PARTICIONES):
    x_tr, x_val, x_te, y_tr, y_val, y_te = datasets.train_val_test_split(
        X, y, val_size=0.2, test_size=0.2, stratify=y, seed=semilla)
    particiones.append((x_tr, x_val, x_te, y_tr, y_val, y_te))
    for nombre, fabrica in clasicos.items():
        inicio = time.perf_counter()
        clf = fabrica().fit(x_tr, y_tr)
        segundos = time.perf_counter() - inicio
        tabla[nombre].append({**puntuar(y_te, clf.predict_proba(x_te)[:, 1]), "segundos": segundos})
    inicio = time.perf_counter()
    mlp = construir_mlp(x_tr)
    historia = entrenar_mlp(mlp, x_tr, y_tr, x_val, y_val)
    segundos = time.perf_counter() - inicio
    tabla["MLP (minidl)"].append({**puntuar(y_te, mlp.predict(x_te, verbose=0)), "segundos": segundos,
                                  "épocas": len(historia.history["loss"])})

print(f"{N_PARTICIONES} particiones estratificadas; prueba = {len(y_te)} casos")
print(f"{'modelo':<20}{'exactitud':>18}{'ROC AUC':>18}{'log loss':>18}{'segundos':>10}")
for nombre, filas in tabla.items():
    col = {k: np.array([f[k] for f in filas]) for k in ("exactitud", "auc", "log_loss", "segundos")}
    print(f"{nombre:<20}" + "".join(f"{col[k].mean():>11.3f} ± {col[k].std():.3f}"
                                   for k in ("exactitud", "auc", "log_loss")) + f"{col['segundos'].mean():>10.2f}")
print("épocas de la red (tras EarlyStopping):", [f["épocas"] for f in tabla["MLP (minidl)"]])

media = {n: float(np.mean([f["exactitud"] for f in filas])) for n, filas in tabla.items()}
resultado("mlp_exactitud_test", round(media["MLP (minidl)"], 4))
resultado("mlp_auc_test", round(float(np.mean([f["auc"] for f in tabla["MLP (minidl)"]])), 4))
resultado("logistica_exactitud_test", round(media["logística"], 4))
resultado("boosting_exactitud_test", round(media["gradient boosting"], 4))

# %% [markdown]
# **Lectura de la tabla** (cifras de una ejecución en modo completo, 5 particiones):
#
# * La red y la regresión logística quedan prácticamente empatadas: exactitud
#   0.986 ± 0.007 frente a 0.981 ± 0.007, ROC AUC 0.997 frente a 0.998, log loss 0.055
#   frente a 0.058. La diferencia media (medio punto) es **menos de un caso** de 114 por
#   partición: ruido.
# * El árbol de profundidad 4 (0.937 ± 0.029) y el *gradient boosting* (0.951 ± 0.020)
#   quedan por detrás en este conjunto tan pequeño y tan «lineal»; el árbol, además,
#   da probabilidades muy malas (log loss 0.67: se equivoca con total seguridad).
# * El coste no es comparable: la logística se ajusta en unas centésimas de segundo y
#   la red en casi un segundo (0.94 s de media; entre 55 y 150 épocas según cuándo paró
#   `EarlyStopping`), unas cien veces más. En una máquina compartida los tiempos varían;
#   tómalos como órdenes de magnitud.
#
# Conclusión honesta: **aquí la red no aporta nada sobre la logística**, que además se
# interpreta mejor (un coeficiente por variable). Usaríamos la red si el problema
# creciera (más filas, imágenes de la biopsia junto a la tabla...).
##
# → minidl/keras/models/model.py, minidl/keras/callbacks.py, minidl/metrics/ranking.py, minidl/metrics/probabilistic.py

# %% [markdown]
# ## Lección 9.1.3 — Buenas prácticas
#
# Lo que hemos hecho arriba no es decoración; cada punto evita un error real:
#
# * **Partición estratificada y fija** (semilla): cada parte tiene la misma
#   proporción de malignos y el experimento se puede repetir.
# * **Validación separada de la prueba**: `EarlyStopping` elige la época mirando la
#   validación; la prueba solo se usa una vez, al final (ver la Unidad 6).
# * **Una línea base trivial y una clásica**: sin ellas un 0.95 no dice nada.
# * **Medir la variabilidad**. Abajo separamos dos fuentes: la *semilla de la red*
#   (inicialización y dropout) con los datos fijos, y la *partición de los datos* con la
#   semilla fija. Si la segunda domina, compara modelos siempre **sobre las mismas
#   particiones** (comparación pareada): la diferencia entre dos modelos en la misma
#   partición varía mucho menos que cada modelo por separado.
# * **Red pequeña y regularizada**: con cientos de filas, 32 neuronas y dropout bastan;
#   más capacidad solo memoriza (Unidad 7).

# %%
N_SEMILLAS = segun_modo(2, 5)
x_tr, x_val, x_te, y_tr, y_val, y_te = particiones[0]
por_semilla = []
for semilla in range(N_SEMILLAS):
    mlp = construir_mlp(x_tr, semilla=100 + semilla)
    entrenar_mlp(mlp, x_tr, y_tr, x_val, y_val)
    por_semilla.append(puntuar(y_te, mlp.predict(x_te, verbose=0))["exactitud"])
por_particion = [f["exactitud"] for f in tabla["MLP (minidl)"]]
diferencias = [m["exactitud"] - lg["exactitud"] for m, lg in zip(tabla["MLP (minidl)"], tabla["logística"])]
print(f"misma partición, {N_SEMILLAS} semillas de la red:  exactitudes {np.round(por_semilla, 3)}  "
      f"(desv. típica {np.std(por_semilla):.3f})")
print(f"misma semilla, {N_PARTICIONES} particiones:      exactitudes {np.round(por_particion, 3)}  "
      f"(desv. típica {np.std(por_particion):.3f})")
print(f"diferencia pareada MLP − logística por partición: {np.round(diferencias, 3)}")
resultado("desviacion_por_semilla", round(float(np.std(por_semilla)), 4))

# %% [markdown]
# En modo completo, cambiar solo la semilla de la red movió la exactitud de prueba
# entre 0.982 y 0.991 (desviación típica 0.004, uno o dos casos), y cambiar la
# partición, entre 0.974 y 0.991 (0.007). La diferencia pareada red − logística en
# cada partición fue −0.009, +0.009, +0.009, +0.018 y 0.000: cambia de signo, así que
# no hay un ganador claro. Con conjuntos pequeños, una sola partición y una sola
# semilla pueden «demostrar» cualquier cosa.
#
# → minidl/random.py, minidl/datasets/utils.py

# %% [markdown]
# ## Lección 9.2.1 — Preprocesado
#
# Una red densa calcula `x @ W + b`. Si una variable vale miles (el área) y otra
# milésimas (la simetría), con pesos iniciales del mismo tamaño la primera domina la
# suma, los gradientes de cada peso tienen escalas muy distintas y el descenso por
# gradiente avanza a saltos. Por eso **estandarizamos**: `z = (x − μ) / σ` con la media
# y la desviación típica **del conjunto de entrenamiento** (calcularlas con todos los
# datos sería una fuga de información: Unidad 6).
#
# La capa `layers.Normalization` hace exactamente eso *dentro del modelo*:
# `adapt(x_entrenamiento)` calcula μ y σ² una vez y las guarda como estado de la capa
# (no se entrenan, pero se guardan con el modelo). Comprobamos que coincide con la
# cuenta a mano y medimos qué pasa si la quitamos.

# %%
normalizar = layers.Normalization()
normalizar.adapt(x_tr)
media_capa, varianza_capa, _ = normalizar.get_weights()
print("¿μ de la capa = media del entrenamiento?", np.allclose(media_capa, x_tr.mean(axis=0), rtol=1e-5))
print("¿σ² de la capa = varianza del entrenamiento?", np.allclose(varianza_capa, x_tr.var(axis=0), rtol=1e-4))
z = normalizar(x_tr).numpy()
print(f"tras la capa: medias en [{z.mean(0).min():.1e}, {z.mean(0).max():.1e}], "
      f"desviaciones en [{z.std(0).min():.3f}, {z.std(0).max():.3f}]")


def mlp_sin_normalizar(semilla=SEMILLA):
    keras.utils.set_random_seed(semilla)
    modelo = models.Sequential([
        layers.Input(shape=(X.shape[1],)),
        layers.Dense(32, activation="relu"),
        layers.Dropout(0.2),
        layers.Dense(1, activation="sigmoid"),
    ])
    modelo.compile(optimizer=optimizers.Adam(learning_rate=1e-3),
                   loss="binary_crossentropy", metrics=["accuracy"])
    return modelo


crudo = mlp_sin_normalizar()
h_crudo = entrenar_mlp(crudo, x_tr, y_tr, x_val, y_val)
normal = construir_mlp(x_tr)
h_normal = entrenar_mlp(normal, x_tr, y_tr, x_val, y_val)
exact_crudo = puntuar(y_te, crudo.predict(x_te, verbose=0))["exactitud"]
exact_normal = puntuar(y_te, normal.predict(x_te, verbose=0))["exactitud"]
print(f"sin normalizar: exactitud de prueba {exact_crudo:.3f};  con Normalization: {exact_normal:.3f}")
resultado("sin_normalizar_exactitud", round(float(exact_crudo), 4))
resultado("con_normalizar_exactitud", round(float(exact_normal), 4))

fig, ax = plt.subplots(figsize=(6, 3.5))
ax.plot(h_crudo.history["val_loss"], label="sin normalizar")
ax.plot(h_normal.history["val_loss"], label="con Normalization")
ax.set_xlabel("época")
ax.set_ylabel("pérdida de validación")
ax.set_yscale("log")
ax.legend()
ax.set_title("Mismo MLP, con y sin estandarizar las entradas")
guardar_figura(fig, TUTORIAL, "normalizacion")

# %% [markdown]
# La capa reproduce exactamente la media y la varianza del entrenamiento, y a su
# salida cada variable tiene media ≈ 0 y desviación 1. Sin ella, la misma red, con el
# mismo optimizador y el mismo `EarlyStopping`, se quedó en 0.912 de exactitud de
# prueba frente a 0.982 con ella (modo completo, primera partición). La figura
# `normalizacion.png` muestra por qué: sin normalizar, la pérdida de validación salta
# entre ≈ 1 y ≈ 6 y nunca baja de 1, hasta que `EarlyStopping` se rinde y restaura la
# mejor época (la segunda); con la capa baja suavemente hasta ≈ 0.17. Ojo: la red sin
# normalizar no «falla» de forma escandalosa (0.91 parece un buen número); simplemente
# aprende peor y a trompicones. Es un error silencioso.
#
# → minidl/keras/layers/normalization.py

# %% [markdown]
# ## Lección 9.2.2 — Feature engineering
#
# *Ingeniería de variables* es construir entradas más útiles a partir de las crudas.
# Aquí varias medidas (áreas, perímetros, errores estándar) son positivas y muy
# **asimétricas**: unos pocos tumores grandes tienen valores enormes. Un logaritmo,
# `log(1 + x)`, comprime esa cola. Lo medimos con la *asimetría* (skewness): 0 para
# una campana simétrica, valores grandes para colas largas.
#
# La clave de ingeniería: la transformación va **dentro del modelo**, como una capa.
# Así nadie puede olvidarla en producción. Keras permite capas propias heredando de
# `layers.Layer` y escribiendo `call()`; usamos operaciones de minidl (`mdl.log`), de
# modo que la capa funciona sobre tensores y hasta dejaría pasar gradientes. Después,
# `Normalization.adapt` se alimenta con la **salida de esa capa**, no con una copia a
# mano de la transformación (otra fuente clásica de desajustes).


# %%
class Log1p(layers.Layer):
    """Ingeniería de variables en el modelo: y = log(1 + x), para variables ≥ 0 con cola larga."""

    def call(self, x, training=None):
        return mdl.log(x + 1.0)


def asimetria(m):
    c = m - m.mean(axis=0)
    return (c**3).mean(axis=0) / (c**2).mean(axis=0) ** 1.5


transformada = Log1p()(x_tr).numpy()
s_antes, s_despues = asimetria(x_tr.astype(np.float64)), asimetria(transformada.astype(np.float64))
orden = np.argsort(-s_antes)[:4]
for j in orden:
    print(f"  {nombres[j]:<24} asimetría {s_antes[j]:5.2f} -> {s_despues[j]:5.2f}")
print(f"asimetría media de las 30 variables: {s_antes.mean():.2f} -> {s_despues.mean():.2f}")


def construir_mlp_log(x_entrenamiento, semilla=SEMILLA):
    """Entrada cruda -> Log1p -> Normalization (adaptada a la salida de Log1p) -> MLP."""
    keras.utils.set_random_seed(semilla)
    log = Log1p(name="log1p")
    normalizar = layers.Normalization(name="normalizar")
    normalizar.adapt(log(x_entrenamiento).numpy())
    entradas = layers.Input(shape=(x_entrenamiento.shape[1],), name="medidas")
    h = normalizar(log(entradas))
    h = layers.Dense(32, activation="relu")(h)
    h = layers.Dropout(0.2)(h)
    salida = layers.Dense(1, activation="sigmoid", name="p_maligno")(h)
    modelo = models.Model(entradas, salida, name="diagnostico")
    modelo.compile(optimizer=optimizers.Adam(learning_rate=1e-3),
                   loss="binary_crossentropy", metrics=["accuracy"])
    return modelo


con_log = []
for x_tr_i, x_val_i, x_te_i, y_tr_i, y_val_i, y_te_i in particiones:
    modelo_log = construir_mlp_log(x_tr_i)
    entrenar_mlp(modelo_log, x_tr_i, y_tr_i, x_val_i, y_val_i)
    con_log.append(puntuar(y_te_i, modelo_log.predict(x_te_i, verbose=0)))
for clave in ("exactitud", "auc", "log_loss"):
    sin = np.mean([f[clave] for f in tabla["MLP (minidl)"]])
    con = np.mean([f[clave] for f in con_log])
    print(f"{clave:<10} MLP: {sin:.3f}   MLP con Log1p: {con:.3f}")
resultado("mlp_log_exactitud_test", round(float(np.mean([f["exactitud"] for f in con_log])), 4))

# %% [markdown]
# El logaritmo reduce mucho la asimetría de las variables de tamaño (la del error del
# área pasa de 5.63 a 0.80; la media de las 30, de 1.81 a 1.16), pero **no mejoró el
# modelo**: en modo completo, 0.977 de exactitud con `Log1p` frente a 0.986 sin ella, y
# el mismo ROC AUC (0.997). Es una lección en sí misma: la ingeniería de variables es
# una hipótesis que se valida como cualquier otra, con las mismas particiones. Lo que
# sí es una regla es **dónde** ponerla: dentro del modelo. La conservamos en el modelo
# final para demostrar cómo se guarda y se recarga una capa propia.
#
# → minidl/keras/layers/base.py, minidl/ops/elementwise.py, minidl/keras/models/functional.py

# %% [markdown]
# ## Lección 9.2.3 — Consistencia en producción
#
# El error más caro con modelos tabulares no está en el entrenamiento sino en el
# despliegue: el *training/serving skew*, cuando el código que prepara los datos en
# producción no hace exactamente lo mismo que el de entrenamiento. Primero lo
# provocamos: entrenamos una red con los datos estandarizados *fuera* del modelo
# (con `minidl.datasets.Standardizer`) y luego, como pasaría si el servicio de
# producción olvida ese paso, le damos las filas crudas.
#
# Después la solución: el modelo de 9.2.2 lleva dentro `Log1p` y `Normalization`, así
# que **recibe filas crudas** tanto al entrenar como en producción. Lo guardamos con
# `model.save` (un solo archivo con arquitectura en JSON, pesos, estadísticas de
# normalización y estado del optimizador; al cargarlo no se ejecuta código del archivo,
# por eso la capa propia se pasa en `custom_objects`) y comprobamos que el modelo
# recargado da **las mismas predicciones**.

# %%
escalador = datasets.Standardizer().fit(x_tr)
externo = mlp_sin_normalizar()
entrenar_mlp(externo, escalador.transform(x_tr), y_tr, escalador.transform(x_val), y_val)
bien = puntuar(y_te, externo.predict(escalador.transform(x_te), verbose=0))["exactitud"]
mal = puntuar(y_te, externo.predict(x_te, verbose=0))["exactitud"]
print(f"preprocesado fuera del modelo: exactitud {bien:.3f} si producción estandariza, "
      f"{mal:.3f} si lo olvida")
resultado("sin_normalizar_en_produccion_exactitud", round(float(mal), 4))

final = construir_mlp_log(x_tr)
entrenar_mlp(final, x_tr, y_tr, x_val, y_val)
final.summary()
ruta = carpeta_salida(TUTORIAL) / "diagnostico.keras"
final.save(ruta)
recargado = models.load_model(ruta, custom_objects={"Log1p": Log1p})
p_antes = final.predict(x_te, verbose=0)
p_despues = recargado.predict(x_te, verbose=0)
diferencia = float(np.abs(p_antes - p_despues).max())
print(f"modelo guardado en {ruta} ({ruta.stat().st_size / 1024:.1f} KiB)")
print(f"máxima diferencia entre predicciones antes y después de recargar: {diferencia:.1e}")
print(f"exactitud del modelo recargado sobre filas crudas: "
      f"{puntuar(y_te, p_despues)['exactitud']:.3f}")
nueva_fila = x_te[:1]  # en producción llega una fila cruda, tal cual se midió
print(f"una fila cruda en producción -> P(maligno) = {recargado.predict(nueva_fila, verbose=0)[0, 0]:.3f}"
      f" (verdad: {'maligno' if y_te[0] else 'benigno'})")
resultado("recarga_diferencia_max", diferencia)

# %% [markdown]
# Con el preprocesado fuera del modelo, olvidar la estandarización en producción hundió
# la exactitud de 0.982 a 0.368 (modo completo): peor que decir siempre «benigno»
# (0.627): la red recibe números miles de veces mayores de lo que vio, satura y declara
# **maligno todo** (0.368 es justo la proporción de malignos en la prueba). Nada avisa: el servicio sigue respondiendo probabilidades
# bien formadas. Con el preprocesado dentro, el archivo guardado contiene también la
# media y la varianza de `Normalization` (los 61 parámetros «no entrenables» del
# resumen: 30 medias, 30 varianzas y el recuento), y el modelo recargado dio
# **exactamente** las mismas probabilidades (diferencia máxima 0.0).
#
# Lista para producción: (1) todo lo que aprende de los datos (estadísticas,
# vocabularios, umbrales) va dentro del modelo o en el mismo archivo; (2) se prueba
# que cargar y predecir da lo mismo que en el entrenamiento; (3) se guardan con el
# modelo la versión de los datos y las métricas de validación; (4) se vigila la
# distribución de las entradas en producción (Unidad 11).
#
# → minidl/keras/models/saving.py, minidl/io.py, minidl/keras/layers/normalization.py
