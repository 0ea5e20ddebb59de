#!/usr/bin/env python3
"""Generates the TensorFlow backend's test models (committed, so that CI needs no Python).

Run from anywhere, with a venv made from the local package index:
  python3 -m venv /tmp/tfvenv && /tmp/tfvenv/bin/pip install --retries 0 tensorflow-cpu numpy onnx
  /tmp/tfvenv/bin/python backends/tensorflow/src/test/models/generate.py

Writes, next to this script (each SavedModel in Triton's layout <model>/1/model.savedmodel/):
  half_plus_two/  x FP32 [-1,1] -> y = 0.5 x + 2
  half_plus_three/ the same signature, y = 0.5 x + 3 (a second version to swap to)
  strings/        text BYTES [-1], scale FP32 [-1] -> length INT32, upper BYTES, scaled FP32
  datatypes/      one input in_<T> [-1,2] and output out_<T> per type TF Java can feed
  int8_input/     an INT8 input, which TF Java 1.1 cannot feed (the load must say so)
  cnn/            image FP32 [-1,8,8,1] -> logits FP32 [-1,3]: conv 3x3x4, ReLU, mean, dense
  cross/          a Triton repository of the cross-backend network (see CROSS below):
                  cross/cross_tf/1/model.savedmodel and cross/cross_onnx/1/model.onnx
The weights are fixed (no randomness), so running it again gives the same numbers.
"""
import os
import shutil

import numpy as np
import tensorflow as tf

HERE = os.path.dirname(os.path.abspath(__file__))


def out_dir(name):
    d = os.path.join(HERE, name, "1", "model.savedmodel")
    shutil.rmtree(os.path.join(HERE, name, "1"), ignore_errors=True)
    os.makedirs(os.path.dirname(d), exist_ok=True)
    return d


def save(module, fn, name):
    tf.saved_model.save(module, out_dir(name), signatures={"serving_default": fn})


class HalfPlus(tf.Module):
    def __init__(self, offset):
        super().__init__()
        self.offset = offset

    @tf.function(input_signature=[tf.TensorSpec([None, 1], tf.float32, name="x")])
    def serve(self, x):
        return {"y": x * 0.5 + self.offset}


class Strings(tf.Module):
    @tf.function(input_signature=[tf.TensorSpec([None], tf.string, name="text"),
                                  tf.TensorSpec([None], tf.float32, name="scale")])
    def serve(self, text, scale):
        length = tf.strings.length(text, unit="BYTE")
        return {"length": length,
                "upper": tf.strings.upper(text),
                "scaled": tf.cast(length, tf.float32) * scale}


# V2 datatype name -> TF dtype, for every type TF Java 1.1 has a tensor class for.
TYPES = {
    "BOOL": tf.bool, "UINT8": tf.uint8, "UINT16": tf.uint16, "INT32": tf.int32,
    "INT64": tf.int64, "FP16": tf.float16, "BF16": tf.bfloat16, "FP32": tf.float32,
    "FP64": tf.float64, "BYTES": tf.string,
}


class Datatypes(tf.Module):
    """out_<T> = not in (BOOL), in (BYTES, UINT16: identity) or in + in (the others)."""

    @tf.function(input_signature=[tf.TensorSpec([None, 2], t, name="in_" + k) for k, t in TYPES.items()])
    def serve(self, *xs):
        out = {}
        for (k, t), x in zip(TYPES.items(), xs):
            if t == tf.bool:
                out["out_" + k] = tf.logical_not(x)
            elif t in (tf.string, tf.uint16):
                out["out_" + k] = tf.identity(x)
            else:
                out["out_" + k] = x + x
        return out


class Int8Input(tf.Module):
    @tf.function(input_signature=[tf.TensorSpec([None, 2], tf.int8, name="small")])
    def serve(self, small):
        return {"wide": tf.cast(small, tf.int32)}


class Cnn(tf.Module):
    def __init__(self):
        super().__init__()
        k = (np.arange(3 * 3 * 1 * 4, dtype=np.float32).reshape(3, 3, 1, 4) - 17.5) / 20.0
        w = (np.arange(4 * 3, dtype=np.float32).reshape(4, 3) - 5.5) / 6.0
        self.kernel = tf.Variable(k)
        self.bias = tf.Variable(np.array([0.1, -0.2, 0.05, 0.0], dtype=np.float32))
        self.dense = tf.Variable(w)
        self.dense_bias = tf.Variable(np.array([0.5, -0.25, 0.0], dtype=np.float32))

    @tf.function(input_signature=[tf.TensorSpec([None, 8, 8, 1], tf.float32, name="image")])
    def serve(self, image):
        h = tf.nn.relu(tf.nn.conv2d(image, self.kernel, strides=1, padding="SAME") + self.bias)
        pooled = tf.reduce_mean(h, axis=[1, 2])
        return {"logits": tf.matmul(pooled, self.dense) + self.dense_bias}


# CROSS: the network every backend exports (shared spec with the PyTorch backend's tests):
# x FP32 [-1,4] -> Linear(4,3) W[i][j] = (i+1)*0.1 - j*0.05, b[i] = 0.01*(i+1) -> ReLU
#               -> Linear(3,2) V[i][j] = 0.2*(i+1) - 0.1*j, c = [0.5, -0.5] -> y FP32 [-1,2]
W = np.array([[(i + 1) * 0.1 - j * 0.05 for j in range(4)] for i in range(3)], dtype=np.float32)
B = np.array([0.01 * (i + 1) for i in range(3)], dtype=np.float32)
V = np.array([[0.2 * (i + 1) - 0.1 * j for j in range(3)] for i in range(2)], dtype=np.float32)
C = np.array([0.5, -0.5], dtype=np.float32)


class Cross(tf.Module):
    def __init__(self):
        super().__init__()
        self.w = tf.Variable(W)
        self.b = tf.Variable(B)
        self.v = tf.Variable(V)
        self.c = tf.Variable(C)

    @tf.function(input_signature=[tf.TensorSpec([None, 4], tf.float32, name="x")])
    def serve(self, x):
        h = tf.nn.relu(tf.matmul(x, self.w, transpose_b=True) + self.b)
        return {"y": tf.matmul(h, self.v, transpose_b=True) + self.c}


def cross_onnx(path):
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    graph = helper.make_graph(
        [
            helper.make_node("Gemm", ["x", "W", "b"], ["h0"], transB=1),
            helper.make_node("Relu", ["h0"], ["h"]),
            helper.make_node("Gemm", ["h", "V", "c"], ["y"], transB=1),
        ],
        "cross",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 4])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", 2])],
        [numpy_helper.from_array(W, "W"), numpy_helper.from_array(B, "b"),
         numpy_helper.from_array(V, "V"), numpy_helper.from_array(C, "c")],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, path)


def main():
    m = HalfPlus(2.0); save(m, m.serve, "half_plus_two")
    m = HalfPlus(3.0); save(m, m.serve, "half_plus_three")
    m = Strings(); save(m, m.serve, "strings")
    m = Datatypes(); save(m, m.serve, "datatypes")
    m = Int8Input(); save(m, m.serve, "int8_input")
    m = Cnn(); save(m, m.serve, "cnn")
    m = Cross(); save(m, m.serve, os.path.join("cross", "cross_tf"))
    shutil.rmtree(os.path.join(HERE, "cross", "cross_onnx"), ignore_errors=True)
    os.makedirs(os.path.join(HERE, "cross", "cross_onnx", "1"))
    cross_onnx(os.path.join(HERE, "cross", "cross_onnx", "1", "model.onnx"))
    x = np.array([[1, 2, 3, 4], [-1, 0.5, 2, -3], [0, 0, 0, 0]], dtype=np.float32)
    h = np.maximum(x @ W.T + B, 0)
    print("cross y for", x.tolist(), "=", (h @ V.T + C).tolist())
    print("tf      :", m.serve(tf.constant(x))["y"].numpy().tolist())


if __name__ == "__main__":
    main()
