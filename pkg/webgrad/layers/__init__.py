"""Keras-style layers and models: ``wg.layers.dense(units=10)``, ``wg.sequential([...])``."""
from __future__ import annotations

from . import activations, callbacks, initializers, regularizers  # noqa: F401
from .base import InputLayer, Layer, SymbolicTensor, input
from .callbacks import Callback, EarlyStopping, History, LambdaCallback
from .conv import AveragePooling2D, Conv2D, GlobalAveragePooling2D, GlobalMaxPooling2D, MaxPooling2D
from .core import Activation, Dense, Dropout, Embedding, Flatten, Reshape
from .model import Model, Sequential, model, sequential
from .normalization import BatchNormalization, LayerNormalization
from .plot import model_to_dot
from .saving import load_model


def dense(units: int, **kw) -> Dense:
    return Dense(units, **kw)


def conv2d(filters: int, kernel_size, **kw) -> Conv2D:
    return Conv2D(filters, kernel_size, **kw)


def max_pooling2d(pool_size=2, **kw) -> MaxPooling2D:
    return MaxPooling2D(pool_size, **kw)


def average_pooling2d(pool_size=2, **kw) -> AveragePooling2D:
    return AveragePooling2D(pool_size, **kw)


def global_average_pooling2d(**kw) -> GlobalAveragePooling2D:
    return GlobalAveragePooling2D(**kw)


def global_max_pooling2d(**kw) -> GlobalMaxPooling2D:
    return GlobalMaxPooling2D(**kw)


def flatten(**kw) -> Flatten:
    return Flatten(**kw)


def reshape(target_shape, **kw) -> Reshape:
    return Reshape(target_shape, **kw)


def dropout(rate: float, **kw) -> Dropout:
    return Dropout(rate, **kw)


def activation(activation, **kw) -> Activation:
    return Activation(activation, **kw)


def batch_normalization(**kw) -> BatchNormalization:
    return BatchNormalization(**kw)


def layer_normalization(**kw) -> LayerNormalization:
    return LayerNormalization(**kw)


def embedding(input_dim: int, output_dim: int, **kw) -> Embedding:
    return Embedding(input_dim, output_dim, **kw)


__all__ = ["Layer", "InputLayer", "SymbolicTensor", "Model", "Sequential", "Dense", "Conv2D", "MaxPooling2D",
           "AveragePooling2D", "GlobalAveragePooling2D", "GlobalMaxPooling2D", "Flatten", "Reshape", "Dropout",
           "Activation", "BatchNormalization", "LayerNormalization", "Embedding", "Callback", "EarlyStopping",
           "History", "LambdaCallback", "dense", "conv2d", "max_pooling2d", "average_pooling2d",
           "global_average_pooling2d", "global_max_pooling2d", "flatten", "reshape", "dropout", "activation",
           "batch_normalization", "layer_normalization", "embedding", "input", "sequential", "model", "load_model",
           "initializers", "regularizers", "callbacks", "model_to_dot"]
