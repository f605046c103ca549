"""``model.summary()``: a table of layers, output shapes and parameter counts (as Keras)."""

from __future__ import annotations

from typing import Any


def _bytes(n_params: int) -> str:
    size = n_params * 4.0
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.2f} {unit}"
        size /= 1024
    return ""


def shape_text(shape: Any) -> str:
    """A layer's shape as Keras prints it: ``(None, 28, 28, 1)``; several joined by commas."""
    if shape is None:
        return "?"
    if isinstance(shape, list):
        return ", ".join(shape_text(s) for s in shape)
    return "(" + ", ".join("None" if n is None else str(n) for n in shape) + ")"


def summary_text(model: Any) -> str:
    rows = [("Layer (type)", "Output Shape", "Param #")]
    for layer in model.layers:
        rows.append((f"{layer.name} ({type(layer).__name__})", shape_text(layer.output_shape),
                     f"{layer.count_params():,}" if layer.built else "0 (unbuilt)"))
    widths = [max(len(r[i]) for r in rows) + 2 for i in range(3)]
    widths[0] = max(widths[0], 30)
    widths[1] = max(widths[1], 24)
    line = "-" * sum(widths)

    def fmt(row: tuple) -> str:
        return row[0].ljust(widths[0]) + row[1].ljust(widths[1]) + row[2].rjust(widths[2])

    trainable = sum(p.size for layer in model.layers for p in layer.trainable_weights)
    weights = model.count_params() if model.built else 0
    optimizer = getattr(model, "optimizer", None)
    # Keras 3 adds the optimizer's variables once it is built (after fit or train_on_batch)
    built = getattr(optimizer, "built", False) and hasattr(optimizer, "variables")
    optimizer_params = sum(int(v.size) for v in optimizer.variables) if built else None
    total = weights + (optimizer_params or 0)
    lines = [f'Model: "{model.name}"', line, fmt(rows[0]), "=" * sum(widths)]
    for row in rows[1:]:
        lines += [fmt(row), line]
    lines += [
        f" Total params: {total:,} ({_bytes(total)})",
        f" Trainable params: {trainable:,} ({_bytes(trainable)})",
        f" Non-trainable params: {weights - trainable:,} ({_bytes(weights - trainable)})",
    ]
    if optimizer_params is not None:
        lines.append(f" Optimizer params: {optimizer_params:,} ({_bytes(optimizer_params)})")
    return "\n".join(lines)
