"""The course's first notebook, unchanged but for its imports: a Keras CNN on MNIST.

Run it with ``python -m minidl.examples.mnist_cnn``.  The MNIST copy ships inside
minidl, so it works offline.  Environment knobs for quick checks (the notebook
itself has none): ``MINIDL_EPOCHS`` (default 5) and ``MINIDL_TRAIN_SAMPLES``
(default all 60,000).
"""

import os
import time

import minidl as tf
from minidl.keras import layers, models
from minidl.keras.datasets import mnist
from minidl.keras.utils import to_categorical


def main() -> float:
    epochs = int(os.environ.get("MINIDL_EPOCHS", "5"))
    limit = int(os.environ.get("MINIDL_TRAIN_SAMPLES", "60000"))
    tf.manual_seed(int(os.environ.get("MINIDL_SEED", "0")))
    started = time.perf_counter()

    # 1. Cargar datos
    (x_train, y_train), (x_test, y_test) = mnist.load_data()
    x_train, y_train = x_train[:limit], y_train[:limit]

    # 2. Preprocesar datos
    x_train = x_train.reshape((len(x_train), 28, 28, 1)).astype("float32") / 255
    x_test = x_test.reshape((10000, 28, 28, 1)).astype("float32") / 255
    y_train = to_categorical(y_train)
    y_test = to_categorical(y_test)

    # 3. Definir el modelo
    model = models.Sequential([
        layers.Conv2D(32, (3, 3), activation="relu", input_shape=(28, 28, 1)),
        layers.MaxPooling2D((2, 2)),
        layers.Conv2D(64, (3, 3), activation="relu"),
        layers.MaxPooling2D((2, 2)),
        layers.Flatten(),
        layers.Dense(64, activation="relu"),
        layers.Dense(10, activation="softmax")
    ])

    # 4. Compilar el modelo
    model.compile(optimizer="adam",
                  loss="categorical_crossentropy",
                  metrics=["accuracy"])

    # 5. Entrenar el modelo
    model.fit(x_train, y_train, epochs=epochs, batch_size=64, validation_split=0.1)

    # 6. Evaluar el modelo
    test_loss, test_acc = model.evaluate(x_test, y_test)
    print(f"Precisión en el conjunto de prueba: {test_acc:.2f}")
    print(f"Test accuracy: {test_acc:.4f} (loss {test_loss:.4f}) in {time.perf_counter() - started:.1f} s")
    return test_acc


if __name__ == "__main__":
    main()
