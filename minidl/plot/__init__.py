"""Plots for the course, built on matplotlib.

Every function returns the matplotlib ``Figure`` and saves it as a PNG when given
``path=``.  They work without a display (matplotlib falls back to Agg).

=====================================  ==========================================
function                               shows
=====================================  ==========================================
``learning_curves(history)``           loss and metrics per epoch, train vs
                                       validation, best epoch marked
``confusion_matrix(y_true, y_pred)``   counts (rows: true labels) with numbers
``decision_boundary(model, X, y)``     the class regions of a 2-D classifier
``filters(conv_layer)``                a grid of the conv kernels
``feature_maps(activations)``          a grid of the channels of one example
``saliency(image, saliency_map)``      image, saliency and their overlay
``graph(tensor)``                      the autograd graph that made ``tensor``
``graph_text(tensor)``                 the same graph as a text listing
=====================================  ==========================================
"""

from .autograd_graph import graph, graph_nodes, graph_text
from .images import feature_maps, filters, saliency
from .training import confusion_matrix, decision_boundary, decision_grid, learning_curves

__all__ = [
    "confusion_matrix", "decision_boundary", "decision_grid", "feature_maps", "filters", "graph",
    "graph_nodes", "graph_text", "learning_curves", "saliency",
]
