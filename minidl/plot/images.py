"""Plots of images inside a CNN: conv filters, feature maps and saliency overlays (NHWC)."""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from ._common import finish, grid, new_figure, to_numpy

PathLike = str | os.PathLike | None


def _kernel_of(kernel_or_layer: Any) -> np.ndarray:
    """An HWIO kernel array from a Conv2D layer (``.kernel``), an ``nn.Conv2d``
    (``.weight``), a Tensor/Parameter or an array."""
    for attribute in ("kernel", "weight"):
        if hasattr(kernel_or_layer, attribute) and not isinstance(kernel_or_layer, np.ndarray):
            kernel_or_layer = getattr(kernel_or_layer, attribute)
            break
    kernel = to_numpy(kernel_or_layer)
    if kernel.ndim != 4:
        raise ValueError(f"filters expects a conv kernel (height, width, in_channels, filters), "
                         f"got shape {kernel.shape}")
    return kernel


def _grid_axes(fig: Any, n: int) -> list:
    rows, cols = grid(n)
    return [fig.add_subplot(rows, cols, i + 1) for i in range(n)]


def filters(kernel_or_layer: Any, in_channel: int | None = None, max_filters: int = 64,
            path: PathLike = None) -> Any:
    """A grid with one panel per filter (output channel) of a conv kernel.

    Kernels with 3 input channels are drawn in colour (each filter rescaled to [0, 1]);
    otherwise input channel ``in_channel`` (default 0) is drawn in grey, all filters
    on one shared scale so that their strengths can be compared.  Bright = positive.
    """
    kernel = _kernel_of(kernel_or_layer)
    n = min(kernel.shape[3], max_filters)
    rgb = in_channel is None and kernel.shape[2] == 3
    channel = 0 if in_channel is None else in_channel
    if not 0 <= channel < kernel.shape[2]:
        raise ValueError(f"in_channel must be in [0, {kernel.shape[2] - 1}], got {in_channel}")
    fig = new_figure(1.3 * grid(n)[1] + 0.5, 1.3 * grid(n)[0] + 0.5)
    limit = float(np.abs(kernel[:, :, channel, :n]).max()) or 1.0
    for k, ax in enumerate(_grid_axes(fig, n)):
        if rgb:
            w = kernel[:, :, :, k]
            ax.imshow((w - w.min()) / (np.ptp(w) or 1.0))
        else:
            ax.imshow(kernel[:, :, channel, k], cmap="gray", vmin=-limit, vmax=limit)
        ax.set_title(str(k), fontsize=8)
        ax.axis("off")
    fig.suptitle(f"{n} filters {kernel.shape[0]}×{kernel.shape[1]}"
                 + ("" if rgb else f", input channel {channel}"))
    return finish(fig, path)


def _single_example(array: Any, what: str) -> np.ndarray:
    """(H, W, C) from (H, W, C) or a batch of one (1, H, W, C)."""
    a = to_numpy(array)
    if a.ndim == 4 and a.shape[0] == 1:
        a = a[0]
    if a.ndim != 3:
        raise ValueError(f"{what} expects the activations of one example, (height, width, channels) "
                         f"or (1, height, width, channels), got shape {a.shape}")
    return a


def feature_maps(activations: Any, max_maps: int = 64, path: PathLike = None) -> Any:
    """A grid with one panel per channel of a layer's output for one example.

    To get the activations of layer k of a Sequential model::

        a = x[:1]
        for layer in model.layers[:k + 1]:
            a = layer(a)
        plot.feature_maps(a)
    """
    maps = _single_example(activations, "feature_maps")
    n = min(maps.shape[2], max_maps)
    fig = new_figure(1.3 * grid(n)[1] + 0.5, 1.3 * grid(n)[0] + 0.5)
    for c, ax in enumerate(_grid_axes(fig, n)):
        ax.imshow(maps[:, :, c], cmap="viridis")
        ax.set_title(str(c), fontsize=8)
        ax.axis("off")
    fig.suptitle(f"{n} feature maps {maps.shape[0]}×{maps.shape[1]}")
    return finish(fig, path)


def _image_2d_or_rgb(image: Any) -> np.ndarray:
    a = to_numpy(image).astype(float)
    if a.ndim == 4 and a.shape[0] == 1:
        a = a[0]
    if a.ndim == 3 and a.shape[2] == 1:
        a = a[:, :, 0]
    if a.ndim not in (2, 3) or (a.ndim == 3 and a.shape[2] != 3):
        raise ValueError(f"expected an image (H, W), (H, W, 1) or (H, W, 3), got shape {a.shape}")
    return a


def _unit(a: np.ndarray) -> np.ndarray:
    return (a - a.min()) / (np.ptp(a) or 1.0)


def saliency(image: Any, saliency_map: Any, alpha: float = 0.5, path: PathLike = None) -> Any:
    """Three panels: the image, the saliency map (e.g. from :func:`minidl.explain.saliency`),
    and the map laid over the image.  A saliency map with channels is reduced to one
    value per pixel by the largest absolute value over the channels."""
    img = _image_2d_or_rgb(image)
    sal = to_numpy(saliency_map).astype(float)
    if sal.ndim == 4 and sal.shape[0] == 1:
        sal = sal[0]
    if sal.ndim == 3:
        sal = np.abs(sal).max(axis=2)
    if sal.shape != img.shape[:2]:
        raise ValueError(f"the saliency map of shape {sal.shape} does not fit the image of shape {img.shape}")
    fig = new_figure(10, 3.5)
    axes = [fig.add_subplot(1, 3, i + 1) for i in range(3)]
    gray = "gray" if img.ndim == 2 else None
    axes[0].imshow(_unit(img), cmap=gray)
    axes[0].set_title("image")
    axes[1].imshow(sal, cmap="hot")
    axes[1].set_title("saliency")
    axes[2].imshow(_unit(img), cmap=gray)
    axes[2].imshow(_unit(sal), cmap="hot", alpha=alpha)
    axes[2].set_title("overlay")
    for ax in axes:
        ax.axis("off")
    return finish(fig, path)
