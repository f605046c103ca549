"""Utilidades compartidas por los tutoriales (modo rápido, carpeta de salida, figuras).

Cada tutorial hace ``from _comun import ...`` después de añadir su carpeta a
``sys.path``, de modo que funciona desde cualquier directorio de trabajo.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

CARPETA = Path(__file__).resolve().parent
RAIZ = CARPETA.parent
if str(RAIZ) not in sys.path:  # permite ejecutar los tutoriales sin instalar minidl
    sys.path.insert(0, str(RAIZ))

import minidl  # noqa: E402,F401  (antes que NumPy/matplotlib: fija la política de hilos)

# isort: split
import matplotlib  # noqa: E402

matplotlib.use("Agg")  # nunca abrir ventanas: las figuras se guardan como PNG

RAPIDO = os.environ.get("MINIDL_FAST", "0") not in ("", "0", "false", "False")
SALIDA = Path(os.environ.get("MINIDL_TUTORIAL_OUT", CARPETA / "output"))


def carpeta_salida(tutorial: str) -> Path:
    """La carpeta donde un tutorial guarda sus figuras y resultados."""
    destino = SALIDA / tutorial
    destino.mkdir(parents=True, exist_ok=True)
    return destino


def guardar_figura(fig, tutorial: str, nombre: str) -> Path:
    """Guarda ``fig`` como PNG junto a la salida del tutorial y la cierra."""
    import matplotlib.pyplot as plt

    ruta = carpeta_salida(tutorial) / f"{nombre}.png"
    fig.savefig(ruta, dpi=90, bbox_inches="tight")
    plt.close(fig)
    print(f"[figura guardada en {ruta}]")
    return ruta


def segun_modo(rapido, completo):
    """El valor para el modo rápido (MINIDL_FAST=1) o para el modo completo."""
    return rapido if RAPIDO else completo


def resultado(nombre: str, valor) -> None:
    """Imprime una cifra clave en una línea fácil de leer para las pruebas: ``RESULTADO nombre=valor``."""
    print(f"RESULTADO {nombre}={valor}")
