# comprobaciones: huber_ventaja>0, grad_ce_sobre_mse>10, adam_vs_sgd>0, acc_adam>=0.85, lr_pequena_ventaja>0, lr_grande_ventaja>0, autograd_error<1e-6, cinta_error<1e-6, gradcheck_ok>=1, coste_dif_finitas>20, sin_zero_grad_peor>0, doble_softmax_peor>0, r2_trampa_forma<0.2, r2_forma_correcta>=0.8, ce_modulo_error<1e-6, acc_dataloader>=0.8, pydataset_vs_arrays<1e-6
# %% [markdown]
# # Unidad 5 — Entrenamiento de modelos profundos
#
# Entrenar es repetir cuatro pasos: **forward** (predecir), **pérdida** (medir el error),
# **backward** (calcular el gradiente de la pérdida respecto a cada peso) y **paso del
# optimizador** (mover los pesos en contra del gradiente). En esta unidad:
#
# * qué pérdida elegir y por qué importa;
# * varios optimizadores comparados en el mismo problema y con la misma inicialización;
# * la tasa de aprendizaje: demasiado pequeña, demasiado grande, y cómo buscarla;
# * **autograd** paso a paso, con el grafo dibujado, y por qué es tan eficiente;
# * errores comunes (olvidar `zero_grad`, pérdida equivocada para la salida, formas que se
#   "broadcastean" sin avisar) mostrados con su efecto real.
#
# **Cómo ejecutarlo** (desde cualquier carpeta):
#
# ```
# python tutorials/05_entrenamiento.py                 # modo completo
# MINIDL_FAST=1 python tutorials/05_entrenamiento.py   # modo rápido (menos de un minuto)
# ```
#
# Las figuras van a `tutorials/output/05_entrenamiento/`. Las cifras citadas salen de una
# ejecución en modo completo.

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
from minidl import datasets, metrics, nn, optim, plot

TUTORIAL = "05_entrenamiento"
print("modo rápido" if RAPIDO else "modo completo", "· salida en", carpeta_salida(TUTORIAL))


def mlp(tamanos, activacion=nn.ReLU):
    capas = []
    for a, b in zip(tamanos[:-1], tamanos[1:]):
        capas += [nn.Linear(a, b), activacion()]
    return nn.Sequential(*capas[:-1])


def entrenar(modelo, opt, X, y, perdida, epocas, lote=32, semilla=0, zero_grad=True):
    """El bucle de entrenamiento completo, con minilotes. Devuelve la pérdida media por época."""
    historia = []
    for epoca in range(epocas):
        suma, n = 0.0, 0
        for xb, yb in datasets.batches(X, y, batch_size=lote, seed=semilla + epoca):
            if zero_grad:
                opt.zero_grad()  # 1. borrar los gradientes del paso anterior
            loss = perdida(modelo(mdl.tensor(xb)), yb)  # 2. forward y pérdida
            loss.backward()  # 3. backward: gradientes en p.grad
            opt.step()  # 4. actualizar los pesos
            suma, n = suma + loss.item() * len(xb), n + len(xb)
        historia.append(suma / n)
    return historia


def precision(modelo, X, y):
    with mdl.no_grad():
        return float((modelo(mdl.tensor(X)).numpy().argmax(axis=1) == y).mean())


# %% [markdown]
# ## 5.1 — Función de pérdida y optimización
#
# ## Lección 5.1.1 — Elección de la loss
#
# La pérdida es lo **único** que el entrenamiento optimiza, así que tiene que medir lo que de
# verdad importa y encajar con la salida de la red:
#
# | problema | salida | pérdida (minidl / Keras) |
# |---|---|---|
# | regresión | lineal | `F.mse_loss` / `"mse"`; con valores atípicos `F.huber_loss` / `"huber"` o `F.l1_loss` / `"mae"` |
# | binaria | 1 logit | `F.binary_cross_entropy_with_logits` / `"binary_crossentropy"` |
# | multiclase | K logits | `F.cross_entropy` / `"sparse_categorical_crossentropy"` (o `"categorical_..."` con one-hot) |
#
# Dos experimentos. **Regresión con valores atípicos**: contaminamos el 5 % de los objetivos
# de entrenamiento con errores grandes. El error cuadrático (MSE) eleva cada error al cuadrado,
# así que unos pocos puntos atípicos dominan la pérdida y tuercen el ajuste; Huber (cuadrática
# cerca de 0, lineal lejos) y MAE los tratan con más calma. Medimos el R² en datos de prueba
# **limpios**.
#
# → minidl/ops/loss.py, minidl/metrics/regression.py

# %%
X_r, y_r = datasets.make_regression(segun_modo(600, 1500), noise=0.1, seed=0)
Xr_tr, Xr_te, yr_tr, yr_te = datasets.train_test_split(X_r, y_r, test_size=0.3, seed=0)
rng = np.random.default_rng(0)
sucios = rng.choice(len(yr_tr), size=len(yr_tr) // 20, replace=False)
yr_sucio = yr_tr.copy()
yr_sucio[sucios] += rng.choice([-1, 1], size=(len(sucios), 1)) * rng.uniform(8, 12, size=(len(sucios), 1))

r2 = {}
for nombre, perdida in [("MSE", F.mse_loss), ("MAE", F.l1_loss), ("Huber", F.huber_loss)]:
    mdl.manual_seed(0)
    red = mlp([1, 32, 32, 1])
    entrenar(red, optim.Adam(red.parameters(), lr=0.005), Xr_tr, yr_sucio, perdida, segun_modo(40, 100))
    with mdl.no_grad():
        r2[nombre] = metrics.r2_score(yr_te, red(mdl.tensor(Xr_te)).numpy())
    print(f"entrenada con {nombre:5s}: R² en test limpio = {r2[nombre]:.3f}")
resultado("huber_ventaja", round(r2["Huber"] - r2["MSE"], 4))

# %% [markdown]
# En modo completo: R² = 0.963 entrenando con MSE, frente a 0.995 con MAE y 0.994 con Huber.
# Con datos limpios las tres darían casi lo mismo; la elección importa cuando los datos tienen
# errores o colas largas.

# %% [markdown]
# **Clasificación: entropía cruzada frente a error cuadrático.** Podríamos entrenar un
# clasificador binario minimizando `(σ(z) − y)²`, pero cuando la red se equivoca con seguridad
# (σ(z) ≈ 0 siendo y = 1) la sigmoide está saturada y el gradiente casi desaparece: la red
# "no se entera" de su peor error. Con la entropía cruzada, `−log σ(z)`, el gradiente respecto
# al logit es exactamente `σ(z) − y`, grande cuando el error es grande. Lo calculamos con
# autograd para varios logits de un ejemplo de la clase 1:

# %%
z = mdl.tensor([-8.0, -4.0, -1.0, 0.0, 2.0], requires_grad=True)
F.binary_cross_entropy_with_logits(z, np.ones(5)).backward()
grad_ce = z.grad.numpy() * 5  # la pérdida promedia los 5 ejemplos: deshacemos la media
z.grad = None
F.mse_loss(mdl.sigmoid(z), np.ones(5)).backward()
grad_mse = z.grad.numpy() * 5
print("logit z       :", z.numpy())
print("σ(z)          :", mdl.sigmoid(z).numpy().round(4))
print("∂CE/∂z        :", grad_ce.round(4))
print("∂MSE/∂z       :", grad_mse.round(4))
resultado("grad_ce_sobre_mse", round(float(grad_ce[0] / grad_mse[0]), 1))

# %% [markdown]
# Con z = −8 (la red da un 0.03 % a la clase correcta) el gradiente de la entropía cruzada es
# ≈ −1 y el del error cuadrático ≈ −0.0007: unas 1 500 veces menor. Por eso, en
# clasificación, entropía cruzada.

# %% [markdown]
# ## Lección 5.1.2 — Optimizadores
#
# Todos los optimizadores usan el gradiente `g` para mover los pesos `w`; difieren en cómo:
#
# * **SGD**: `w ← w − η g`.
# * **SGD con momento**: acumula una "velocidad" `v ← μ v + g` y da `w ← w − η v`; atraviesa
#   valles estrechos sin zigzaguear.
# * **Adagrad / RMSprop**: dividen el paso de cada peso por la raíz de una media de `g²`, de modo
#   que cada peso tiene su propia escala de paso.
# * **Adam**: momento + RMSprop, con corrección del sesgo inicial. **AdamW**: Adam con el
#   decaimiento de pesos desacoplado del gradiente.
#
# Los comparamos **en igualdad de condiciones**: el mismo problema (espirales de 3 clases), la
# misma red, los **mismos pesos iniciales** (copiamos el `state_dict`), el mismo orden de
# minilotes y las mismas épocas; cada uno con una tasa de aprendizaje razonable para él.
#
# → minidl/optim/sgd.py, minidl/optim/adam.py, minidl/optim/rmsprop.py, minidl/optim/adagrad.py, minidl/kernels/optim_updates.py

# %%
X_e, y_e = datasets.make_spirals(segun_modo(600, 1500), n_classes=3, noise=0.2, seed=0)
Xe_tr, Xe_te, ye_tr, ye_te = datasets.train_test_split(X_e, y_e, test_size=0.3, seed=0, stratify=y_e)
mdl.manual_seed(0)
pesos_iniciales = mlp([2, 32, 32, 3]).state_dict()
optimizadores = {
    "SGD": lambda p: optim.SGD(p, lr=0.05),
    "SGD+momento": lambda p: optim.SGD(p, lr=0.05, momentum=0.9),
    "Adagrad": lambda p: optim.Adagrad(p, lr=0.05),
    "RMSprop": lambda p: optim.RMSprop(p, lr=0.005),
    "Adam": lambda p: optim.Adam(p, lr=0.005),
    "AdamW": lambda p: optim.AdamW(p, lr=0.005, weight_decay=0.01),
}
epocas_opt = segun_modo(15, 40)
historias, precisiones = {}, {}
for nombre, crear in optimizadores.items():
    red = mlp([2, 32, 32, 3])
    red.load_state_dict(pesos_iniciales)
    t0 = time.perf_counter()
    historias[nombre] = entrenar(red, crear(red.parameters()), Xe_tr, ye_tr, F.cross_entropy, epocas_opt)
    precisiones[nombre] = precision(red, Xe_te, ye_te)
    print(f"{nombre:12s}: pérdida final {historias[nombre][-1]:.3f} · precisión en test {precisiones[nombre]:.3f}"
          f" · {time.perf_counter() - t0:.1f} s")
resultado("adam_vs_sgd", round(historias["SGD"][-1] - historias["Adam"][-1], 4))
resultado("acc_adam", precisiones["Adam"])

fig, ax = plt.subplots(figsize=(6, 3.5))
for nombre, h in historias.items():
    ax.plot(range(1, len(h) + 1), h, label=nombre)
ax.set(xlabel="época", ylabel="pérdida de entrenamiento", yscale="log", title="Mismo problema, mismos pesos iniciales")
ax.legend()
guardar_figura(fig, TUTORIAL, "optimizadores")

# %% [markdown]
# En modo completo, tras 40 épocas, SGD simple sigue con una pérdida de 0.23 (0.95 de
# precisión) mientras que SGD con momento, Adagrad, RMSprop, Adam y AdamW bajan de 0.01 (0.998
# a 1.000 de precisión); en modo rápido, con menos épocas, las diferencias son mayores. Adam es una elección por defecto robusta; SGD con momento y una buena tasa de
# aprendizaje (y un calendario para ella) sigue siendo competitivo y a veces generaliza mejor.
# La Unidad 8 vuelve a los optimizadores como hiperparámetro.

# %% [markdown]
# ### El mismo bucle con las piezas de PyTorch: `DataLoader` y `nn.CrossEntropyLoss`
#
# Nuestra función `entrenar` reparte los minilotes con `datasets.batches`. En PyTorch eso lo
# hacen `TensorDataset` (empareja X e y), `random_split` (separa validación) y `DataLoader`
# (baraja en cada época y agrupa en lotes); la pérdida es un módulo, `nn.CrossEntropyLoss`,
# que recibe **logits** y etiquetas enteras. minidl los ofrece con los mismos nombres en
# `minidl.utils.data` y `minidl.nn`. Primero comprobamos la pérdida a mano:
# `−mean(log softmax(z)[i, yᵢ])`.
#
# → minidl/utils/data.py, minidl/utils/dataloader.py, minidl/nn/loss.py

# %%
from minidl.utils.data import DataLoader, TensorDataset, random_split

criterio = nn.CrossEntropyLoss()
z_ce = np.random.default_rng(0).standard_normal((4, 3))
y_ce = np.array([0, 2, 1, 2])
log_p = z_ce - z_ce.max(axis=1, keepdims=True)
log_p -= np.log(np.exp(log_p).sum(axis=1, keepdims=True))
a_mano = -log_p[np.arange(4), y_ce].mean()
print(f"nn.CrossEntropyLoss: {criterio(mdl.tensor(z_ce, dtype='float64'), y_ce).item():.6f} · a mano: {a_mano:.6f}")
resultado("ce_modulo_error", abs(criterio(mdl.tensor(z_ce, dtype="float64"), y_ce).item() - a_mano))

mdl.manual_seed(0)  # fija el reparto de random_split y el barajado del DataLoader
conjunto = TensorDataset(mdl.tensor(Xe_tr), mdl.tensor(ye_tr))
n_val = len(conjunto) // 5
entreno, validacion = random_split(conjunto, [len(conjunto) - n_val, n_val])
cargador = DataLoader(entreno, batch_size=32, shuffle=True)
red = mlp([2, 32, 32, 3])
red.load_state_dict(pesos_iniciales)
opt = optim.Adam(red.parameters(), lr=0.005)
for _ in range(epocas_opt):
    red.train()
    for xb, yb in cargador:  # xb: Tensor (32, 2), yb: Tensor (32,) de enteros
        opt.zero_grad()
        perdida = criterio(red(xb), yb)
        perdida.backward()
        opt.step()
red.eval()
with mdl.no_grad():
    aciertos = sum(int((red(xb).argmax(axis=1) == yb).sum().item()) for xb, yb in DataLoader(validacion, batch_size=64))
print(f"{len(entreno)} de entrenamiento en {len(cargador)} lotes por época, {len(validacion)} de validación; "
      f"precisión en validación {aciertos / len(validacion):.3f}, en test {precision(red, Xe_te, ye_te):.3f}")
resultado("acc_dataloader", precision(red, Xe_te, ye_te))

# %% [markdown]
# En Keras el equivalente de un `DataLoader` es un **generador** de `(x, y)` o una subclase de
# `keras.utils.PyDataset` (`__len__` = lotes por época, `__getitem__(i)` = el lote i), y `fit`
# acepta cualquiera de ellos (también un `DataLoader`). Sirve cuando los datos no caben en
# memoria o se generan al vuelo. Ojo: con un `PyDataset`, `fit` **baraja el orden de los lotes**
# salvo que pases `shuffle=False`; con esa opción, entrenar con el `PyDataset` da exactamente
# los mismos pesos que `fit(x, y, batch_size=32, shuffle=False)`, y lo comprobamos.

# %%
from minidl import keras


class Lotes(keras.utils.PyDataset):
    def __init__(self, x, y, tamano):
        super().__init__()
        self.x, self.y, self.tamano = x, y, tamano

    def __len__(self):
        return -(-len(self.x) // self.tamano)  # techo de la división

    def __getitem__(self, i):
        return self.x[i * self.tamano:(i + 1) * self.tamano], self.y[i * self.tamano:(i + 1) * self.tamano]


def red_keras():
    keras.utils.set_random_seed(0)
    modelo = keras.Sequential([keras.layers.Input(shape=(2,)), keras.layers.Dense(16, activation="relu"),
                               keras.layers.Dense(3, activation="softmax")])
    modelo.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return modelo


con_arrays, con_pydataset = red_keras(), red_keras()
con_arrays.fit(Xe_tr, ye_tr, batch_size=32, epochs=2, shuffle=False, verbose=0)
historia = con_pydataset.fit(Lotes(Xe_tr, ye_tr, 32), epochs=2, shuffle=False, verbose=0)
diferencia = max(np.abs(a - b).max() for a, b in zip(con_arrays.get_weights(), con_pydataset.get_weights()))
print(f"PyDataset frente a arrays: diferencia máxima de pesos {diferencia:.1e}; "
      f"{con_pydataset.metrics_names} = {[round(historia.history[k][-1], 3) for k in con_pydataset.metrics_names]}")
resultado("pydataset_vs_arrays", float(diferencia))

# %% [markdown]
# ## Lección 5.1.3 — Tasa de aprendizaje
#
# La tasa de aprendizaje `η` es el hiperparámetro más importante. En una función tan simple como
# `L(w) = w²` (gradiente `2w`) un paso de SGD es `w ← w − η·2w = (1 − 2η) w`:
#
# * η pequeña: `w` se acerca a 0, pero muy despacio;
# * `0 < η < 1`: converge (con η = 0.5 en un solo paso);
# * `η > 1`: `|1 − 2η| > 1` y **diverge**, oscilando cada vez más lejos.
#
# Lo vemos con autograd y después en la red de las espirales con SGD con momento y tres tasas.
# Por último, un **barrido** de tasas (entrenar poco con cada una y comparar la pérdida) es una
# forma práctica de encontrar un buen valor, y un **calendario** (`lr_scheduler`) la reduce
# durante el entrenamiento.
#
# → minidl/optim/sgd.py, minidl/optim/lr_scheduler.py, minidl/autograd.py

# %%
for eta in [0.01, 0.4, 1.05]:
    w = mdl.tensor(1.0, requires_grad=True)
    opt = optim.SGD([w], lr=eta)
    trayectoria = []
    for _ in range(8):
        opt.zero_grad()
        (w * w).backward()
        opt.step()
        trayectoria.append(round(w.item(), 3))
    print(f"η = {eta:<5}: w = {trayectoria}")


def perdida_con_lr(lr, epocas):
    red = mlp([2, 32, 32, 3])
    red.load_state_dict(pesos_iniciales)
    with np.errstate(over="ignore", invalid="ignore"):
        h = entrenar(red, optim.SGD(red.parameters(), lr=lr, momentum=0.9), Xe_tr, ye_tr, F.cross_entropy, epocas)
    return [x if np.isfinite(x) else 1e3 for x in h]  # una pérdida infinita o NaN cuenta como 1000


curvas_lr = {lr: perdida_con_lr(lr, epocas_opt) for lr in [0.0005, 0.05, 2.0]}
for lr, h in curvas_lr.items():
    print(f"SGD+momento con η = {lr:<6}: pérdida tras {epocas_opt} épocas = {h[-1]:.3f}")
resultado("lr_pequena_ventaja", round(curvas_lr[0.0005][-1] - curvas_lr[0.05][-1], 4))
resultado("lr_grande_ventaja", round(curvas_lr[2.0][-1] - curvas_lr[0.05][-1], 4))

barrido = np.logspace(-4, 0.5, segun_modo(6, 10))
final = [perdida_con_lr(lr, segun_modo(2, 4))[-1] for lr in barrido]
mejor = barrido[int(np.argmin(final))]
print(f"barrido: la menor pérdida tras {segun_modo(2, 4)} épocas fue con η ≈ {mejor:.3g}")

fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 3.5))
for lr, h in curvas_lr.items():
    ax1.plot(range(1, len(h) + 1), h, label=f"η = {lr}")
ax1.set(xlabel="época", ylabel="pérdida", yscale="log", title="Demasiado pequeña, buena, demasiado grande")
ax1.legend()
ax2.semilogx(barrido, np.minimum(final, 3), "o-")
ax2.set(xlabel="tasa de aprendizaje η", ylabel="pérdida tras el barrido corto", title="Barrido de tasas")
guardar_figura(fig, TUTORIAL, "tasa_de_aprendizaje")

red = mlp([2, 32, 32, 3])
red.load_state_dict(pesos_iniciales)
opt = optim.SGD(red.parameters(), lr=0.1, momentum=0.9)
calendario = optim.lr_scheduler.CosineAnnealingLR(opt, T_max=epocas_opt)
tasas = []
for epoca in range(epocas_opt):
    entrenar(red, opt, Xe_tr, ye_tr, F.cross_entropy, 1, semilla=epoca)
    tasas.append(opt.param_groups[0]["lr"])
    calendario.step()  # una vez por época
print(f"con calendario coseno (η de 0.1 a 0): tasas {tasas[0]:.3f} → {tasas[len(tasas) // 2]:.3f} → {tasas[-1]:.4f}; "
      f"precisión en test {precision(red, Xe_te, ye_te):.3f}")

# %% [markdown]
# En modo completo, con η = 0.0005 la pérdida apenas baja de 1.10 (adivinar entre 3 clases,
# ln 3) a 0.81 en 40 épocas; con η = 0.05 llega a 0.002; con η = 2 los pasos son tan grandes
# que la red salta de un lado a otro y termina en 1.23, peor que adivinar (si la pérdida llega a
# infinito o NaN, la figura la pinta como 1000). En el barrido corto la pérdida mínima fue con
# η ≈ 0.3; lo habitual es quedarse algo por debajo del mínimo del barrido (aquí, 0.05-0.1),
# porque cerca del borde de la divergencia el entrenamiento largo es inestable.

# %% [markdown]
# ## 5.2 — Backpropagation automático
#
# ## Lección 5.2.1 — Autograd
#
# **Autograd** (diferenciación automática en modo inverso) calcula todos los gradientes de una
# pérdida aplicando la regla de la cadena sobre el **grafo de cómputo**:
#
# 1. en el forward, cada operación sobre tensores que requieren gradiente crea un nodo
#    (una `Function`: `Mul`, `Add`, `Pow`...) que recuerda sus entradas; el resultado guarda
#    ese nodo en `.creator`;
# 2. `loss.backward()` recorre el grafo desde la pérdida hacia atrás en orden topológico; cada
#    nodo recibe ∂L/∂(su salida) y, con su método `backward`, calcula ∂L/∂(cada entrada);
# 3. los gradientes que llegan a las hojas (los pesos) se **suman** en `.grad`.
#
# Lo seguimos a mano con una neurona: `ŷ = σ(w·x + b)`, `L = (ŷ − t)²`.
#
# → minidl/autograd.py, minidl/ops/elementwise.py, minidl/plot/autograd_graph.py, minidl/gradcheck.py, minidl/tf_tape.py

# %%
x, t = 2.0, 1.0
w = mdl.tensor(0.5, requires_grad=True)
b = mdl.tensor(-0.3, requires_grad=True)
w.name, b.name = "w", "b"
z_ = w * x + b
y_hat = mdl.sigmoid(z_)
L = (y_hat - t) ** 2

# El grafo se puede recorrer a mano: cada tensor apunta a la operación que lo creó.
nodo, cadena = L, []
while nodo.creator is not None:
    operacion = nodo.creator
    cadena.append(f"{type(operacion).__name__}({', '.join(str(e.shape) for e in operacion.inputs)})")
    nodo = operacion.inputs[0]
print("cadena de creadores desde L hacia atrás:", " ← ".join(cadena), "← w")
print(plot.graph_text(L))
fig = plot.graph(L)  # dibujarlo ANTES de backward(), que libera el grafo
guardar_figura(fig, TUTORIAL, "grafo_autograd")

L.backward()

# La misma cuenta a mano, eslabón a eslabón de la regla de la cadena.
zv = 0.5 * x - 0.3
s = 1 / (1 + np.exp(-zv))
dL_dy = 2 * (s - t)
dy_dz = s * (1 - s)
dL_dw, dL_db = dL_dy * dy_dz * x, dL_dy * dy_dz * 1
print(f"z = {zv:.3f}, ŷ = {s:.4f}, L = {L.item():.4f}")
print(f"∂L/∂ŷ = {dL_dy:.4f} · ∂ŷ/∂z = {dy_dz:.4f} · ∂z/∂w = x = {x}")
print(f"a mano  : ∂L/∂w = {dL_dw:.6f}, ∂L/∂b = {dL_db:.6f}")
print(f"autograd: ∂L/∂w = {w.grad.item():.6f}, ∂L/∂b = {b.grad.item():.6f}")
resultado("autograd_error", float(max(abs(w.grad.item() - dL_dw), abs(b.grad.item() - dL_db))))

# El curso usa TensorFlow, donde los gradientes se piden a una "cinta" (GradientTape) que graba
# las operaciones de un bloque with. Con `import minidl as tf` es la misma cuenta sobre el mismo
# grafo; la diferencia es que tape.gradient DEVUELVE los gradientes y no toca .grad.
import minidl as tf

w_tf, b_tf = tf.Variable(0.5), tf.Variable(-0.3)
with tf.GradientTape() as cinta:
    L_tf = (tf.sigmoid(w_tf * x + b_tf) - t) ** 2
dw_tf, db_tf = cinta.gradient(L_tf, [w_tf, b_tf])
print(f"GradientTape: ∂L/∂w = {dw_tf.item():.6f}, ∂L/∂b = {db_tf.item():.6f} (w_tf.grad = {w_tf.grad})")
resultado("cinta_error", float(max(abs(dw_tf.item() - dL_dw), abs(db_tf.item() - dL_db))))

# gradcheck compara el gradiente de autograd con diferencias finitas en float64.
W64 = mdl.tensor(np.random.default_rng(0).standard_normal((3, 2)), dtype="float64", requires_grad=True)
X64 = mdl.tensor(np.random.default_rng(1).standard_normal((4, 3)), dtype="float64")
ok = mdl.gradcheck(lambda W: (mdl.tanh(X64 @ W) ** 2).sum(), W64)
print("gradcheck de sum(tanh(X W)²):", ok)
resultado("gradcheck_ok", int(ok))

# %% [markdown]
# En la figura, las cajas cuadradas son operaciones y las redondeadas tensores: las hojas `w` y
# `b` arriba, `L` abajo. Cada operación es una clase pequeña; por ejemplo la derivada de la
# sigmoide, `σ(1 − σ)`, está en la clase `Sigmoid` de `minidl/ops/elementwise.py`, y el
# recorrido en orden topológico es la función `run_backward` de `minidl/autograd.py`.

# %% [markdown]
# ## Lección 5.2.2 — Cálculo eficiente de gradientes
#
# ¿Por qué no calcular el gradiente con **diferencias finitas**, `∂L/∂wᵢ ≈ (L(w + εeᵢ) −
# L(w − εeᵢ)) / 2ε`? Porque hace falta repetir el forward **dos veces por cada parámetro**: con
# P parámetros, 2P forwards. El modo inverso obtiene los P gradientes con un forward y un
# backward, que cuesta unas 2-3 veces un forward, **sin importar P**. Para una red de un millón
# de parámetros la diferencia es de un millón a tres.
#
# Lo medimos en un perceptrón multicapa para MNIST: el tiempo de forward + backward frente al de
# diferencias finitas sobre unos pocos parámetros (extrapolado a todos), y comprobamos que ambos
# gradientes coinciden. También medimos `mdl.no_grad()`: en inferencia no hace falta guardar el
# grafo, y se ahorra tiempo y memoria.
#
# → minidl/autograd.py, minidl/ops/linalg.py, minidl/gradcheck.py

# %%
(x_mnist, y_mnist), _ = datasets.mnist.load_data()
xb = mdl.tensor(x_mnist[:128].reshape(128, -1) / 255.0, dtype="float64")
yb = y_mnist[:128]
mdl.manual_seed(0)
mdl.set_default_dtype("float64")  # diferencias finitas necesitan float64
red = mlp([784, 64, 10])
mdl.set_default_dtype("float32")
P = sum(p.size for p in red.parameters())


def perdida_red():
    return F.cross_entropy(red(xb), yb)


t0 = time.perf_counter()
repeticiones = 10
for _ in range(repeticiones):
    red.zero_grad()
    perdida_red().backward()
t_backward = (time.perf_counter() - t0) / repeticiones

W1 = red[0].weight
indices = [(int(i), int(j)) for i, j in zip(np.random.default_rng(0).integers(150, 600, 20), np.random.default_rng(1).integers(0, 64, 20))]
eps, numericos = 1e-6, []
t0 = time.perf_counter()
with mdl.no_grad():
    for i, j in indices:
        original = W1.data[i, j]
        W1.data[i, j] = original + eps
        mas = perdida_red().item()
        W1.data[i, j] = original - eps
        menos = perdida_red().item()
        W1.data[i, j] = original
        numericos.append((mas - menos) / (2 * eps))
t_por_parametro = (time.perf_counter() - t0) / len(indices)
analiticos = [W1.grad.data[i, j] for i, j in indices]
error_relativo = np.max(np.abs(np.array(numericos) - analiticos)) / (np.max(np.abs(analiticos)) + 1e-12)
print(f"red con P = {P:,d} parámetros, lote de 128")
print(f"forward + backward (todos los gradientes): {t_backward * 1e3:.1f} ms")
print(f"diferencias finitas: {t_por_parametro * 1e3:.1f} ms por parámetro → {t_por_parametro * P:.0f} s para los {P:,d}"
      f" ({t_por_parametro * P / t_backward:,.0f} veces más)")
print(f"los dos gradientes coinciden en {len(indices)} parámetros (error relativo {error_relativo:.1e})")
resultado("coste_dif_finitas", round(t_por_parametro * P / t_backward))

xb32 = mdl.tensor(x_mnist[:1024].reshape(1024, -1) / 255.0)
red32 = mlp([784, 256, 256, 10])


def cronometrar(funcion, repeticiones=None):
    repeticiones = repeticiones or segun_modo(5, 20)
    tiempos = []
    for _ in range(repeticiones):
        t0 = time.perf_counter()
        funcion()
        tiempos.append(time.perf_counter() - t0)
    return float(np.median(tiempos))


salida_con = red32(xb32)
t_con = cronometrar(lambda: red32(xb32))
with mdl.no_grad():
    salida_sin = red32(xb32)
    t_sin = cronometrar(lambda: red32(xb32))
print(f"inferencia de 1024 imágenes: con grafo {t_con * 1e3:.1f} ms (creator = {type(salida_con.creator).__name__}), "
      f"con mdl.no_grad() {t_sin * 1e3:.1f} ms (creator = {salida_sin.creator})")

# %% [markdown]
# En modo completo el forward + backward de la red de 50 890 parámetros tardó unos 8 ms y las
# diferencias finitas habrían necesitado unos 190 s: unas 24 000 veces más. Con `no_grad` la salida no tiene `creator`: no se guarda ninguna entrada intermedia para
# un backward que nunca llegará (el ahorro de tiempo es pequeño en una red densa; el de memoria
# crece con el tamaño de la red y del lote).

# %% [markdown]
# ## Lección 5.2.3 — Errores comunes
#
# Cuatro errores que no dan ningún mensaje de error, solo un entrenamiento peor. Los
# provocamos a propósito y medimos su efecto:
#
# 1. **Olvidar `opt.zero_grad()`**: los gradientes se *acumulan* entre pasos (así está
#    definido `backward`, para poder sumar gradientes de varios lotes), de modo que cada paso
#    usa la suma de todos los gradientes anteriores.
# 2. **Pérdida equivocada para la salida**: poner `softmax` al final de la red y usar
#    `F.cross_entropy`, que ya aplica softmax a los logits: la red acaba aplicando softmax dos
#    veces y sus "logits" quedan atrapados en [0, 1].
# 3. **Formas que se broadcastean**: un error cuadrático escrito a mano con predicciones
#    `(N, 1)` y objetivos `(N,)` compara todas las parejas (Lección 3.1.3).
# 4. **Olvidar `model.eval()`** con dropout: las predicciones cambian en cada llamada.
#
# → minidl/optim/optimizer.py, minidl/autograd.py, minidl/ops/loss.py, minidl/nn/layers.py

# %%
epocas_err = segun_modo(10, 30)
red = mlp([2, 32, 32, 3])
red.load_state_dict(pesos_iniciales)
h_bien = entrenar(red, optim.SGD(red.parameters(), lr=0.05, momentum=0.9), Xe_tr, ye_tr, F.cross_entropy, epocas_err)
acc_bien = precision(red, Xe_te, ye_te)
red = mlp([2, 32, 32, 3])
red.load_state_dict(pesos_iniciales)
with np.errstate(over="ignore", invalid="ignore"):
    h_mal = entrenar(red, optim.SGD(red.parameters(), lr=0.05, momentum=0.9), Xe_tr, ye_tr, F.cross_entropy,
                     epocas_err, zero_grad=False)
    acc_mal = precision(red, Xe_te, ye_te)
h_mal = [x if np.isfinite(x) else 1e3 for x in h_mal]
print(f"1. con zero_grad: pérdida {h_bien[-1]:.3f}, precisión {acc_bien:.3f} · "
      f"sin zero_grad: pérdida {h_mal[-1]:.3f}, precisión {acc_mal:.3f}")
resultado("sin_zero_grad_peor", round(acc_bien - acc_mal, 4))

red = nn.Sequential(*mlp([2, 32, 32, 3]), nn.Softmax())
red.load_state_dict(pesos_iniciales)  # la Softmax final no tiene pesos
h_doble = entrenar(red, optim.Adam(red.parameters(), lr=0.005), Xe_tr, ye_tr, F.cross_entropy, epocas_err)
acc_doble = precision(red, Xe_te, ye_te)
red = mlp([2, 32, 32, 3])
red.load_state_dict(pesos_iniciales)
h_logits = entrenar(red, optim.Adam(red.parameters(), lr=0.005), Xe_tr, ye_tr, F.cross_entropy, epocas_err)
acc_logits = precision(red, Xe_te, ye_te)
print(f"2. logits + cross_entropy: pérdida {h_logits[-1]:.3f}, precisión {acc_logits:.3f} · "
      f"softmax + cross_entropy: pérdida {h_doble[-1]:.3f} (nunca puede bajar de {np.log(1 + 2 / np.e):.3f}), precisión {acc_doble:.3f}")
resultado("doble_softmax_peor", round(h_doble[-1] - h_logits[-1], 4))


def mse_a_mano(pred, y):
    return ((pred - mdl.tensor(y)) ** 2).mean()


r2_trampa = {}
for nombre, objetivo in [("(N,) — mal", yr_tr[:, 0]), ("(N, 1) — bien", yr_tr)]:
    mdl.manual_seed(0)
    red = mlp([1, 32, 32, 1])
    entrenar(red, optim.Adam(red.parameters(), lr=0.005), Xr_tr, objetivo, mse_a_mano, segun_modo(20, 60))
    with mdl.no_grad():
        r2_trampa[nombre] = metrics.r2_score(yr_te, red(mdl.tensor(Xr_te)).numpy())
    print(f"3. objetivos {nombre:14s}: R² en test = {r2_trampa[nombre]:.3f}")
resultado("r2_trampa_forma", round(r2_trampa["(N,) — mal"], 4))
resultado("r2_forma_correcta", round(r2_trampa["(N, 1) — bien"], 4))

mdl.manual_seed(0)
red = nn.Sequential(nn.Linear(2, 64), nn.ReLU(), nn.Dropout(0.5), nn.Linear(64, 3))
entrenar(red, optim.Adam(red.parameters(), lr=0.005), Xe_tr, ye_tr, F.cross_entropy, segun_modo(5, 15))
with mdl.no_grad():
    a, b_ = red(mdl.tensor(Xe_te)).numpy(), red(mdl.tensor(Xe_te)).numpy()
    red.eval()
    c, d = red(mdl.tensor(Xe_te)).numpy(), red(mdl.tensor(Xe_te)).numpy()
print(f"4. dos predicciones seguidas en modo entrenamiento difieren en {np.abs(a - b_).max():.3f}; "
      f"tras red.eval() en {np.abs(c - d).max():.1f}")

fig, ax = plt.subplots(figsize=(6, 3.5))
ax.plot(h_bien, label="correcto")
ax.plot(h_mal, label="sin zero_grad")
ax.plot(h_doble, label="softmax + cross_entropy")
ax.set(xlabel="época", ylabel="pérdida de entrenamiento", yscale="log", title="Errores silenciosos")
ax.legend()
guardar_figura(fig, TUTORIAL, "errores_comunes")

# %% [markdown]
# En modo completo: sin `zero_grad` el gradiente acumulado crece sin parar, los pasos se hacen
# enormes y la red termina en 0.33 de precisión (adivinar), frente a 1.00 con el bucle
# correcto. Con la doble softmax la pérdida se queda clavada en 0.555, casi en su mínimo posible
# log(1 + 2/e) ≈ 0.551, porque lo que recibe la pérdida son números entre 0 y 1: la curva
# parece la de una red que "no aprende", su valor no se puede comparar con el de otro modelo y
# el gradiente se apaga pronto. Al final la precisión se recupera (0.996 en modo completo), pero
# con menos épocas (modo rápido) queda por debajo de la del modelo correcto. Con los objetivos `(N,)` la
# red aprende a predecir la media y el R² queda en 0.03 (frente a 0.996 con la forma
# correcta). La defensa en los cuatro casos es la misma: un bucle de
# entrenamiento estándar, las pérdidas del framework (que comprueban las formas) y mirar las
# curvas de pérdida.
