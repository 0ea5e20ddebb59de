"""Writes the TorchScript test models of backends/pytorch (committed, so the build needs no Python).

Run from this folder with the torch CPU wheel and numpy installed:

    python3 -m venv /tmp/pt-venv && /tmp/pt-venv/bin/pip install --retries 0 torch numpy
    /tmp/pt-venv/bin/python generate.py

Every model is a Triton model folder: <name>/config.pbtxt and <name>/1/model.pt. Weights are fixed
(no random numbers), so the expected outputs in <name>/expected.txt are the same on every run of
the same torch version. expected.txt holds one line per tensor: "name dtype dims:values".
"""

import os
import zipfile

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))


def folder(name):
    path = os.path.join(HERE, name, "1")
    os.makedirs(path, exist_ok=True)
    return os.path.join(HERE, name)


def write(name, text):
    with open(os.path.join(HERE, name), "w") as f:
        f.write(text)


def save(module, name):
    """Saves a TorchScript module as <name>/1/model.pt without its debug records.

    The .debug_pkl entries quote the exporting machine's file paths (of this script and of torch),
    which libtorch would put into its error messages; it loads the file without them.
    """
    path = os.path.join(HERE, name, "1", "model.pt")
    module.save(path)
    with zipfile.ZipFile(path) as src:
        entries = [(i, src.read(i)) for i in src.infolist() if not i.filename.endswith(".debug_pkl")]
    with zipfile.ZipFile(path, "w") as dst:
        for info, data in entries:
            dst.writestr(info, data)


def expected(name, tensors):
    lines = []
    for tensor_name, t in tensors:
        flat = t.detach().reshape(-1)
        if t.dtype == torch.bool:
            values = ",".join("1" if v else "0" for v in flat.tolist())
        else:
            values = ",".join(repr(v) for v in flat.to(torch.float64).tolist())
        dims = ",".join(str(d) for d in t.shape)
        lines.append(f"{tensor_name} {str(t.dtype).replace('torch.', '')} {dims}:{values}")
    write(os.path.join(name, "expected.txt"), "\n".join(lines) + "\n")


def linear():
    """Linear(4, 2), Triton's INPUT__0 / OUTPUT__0 names, dynamic batch."""
    m = torch.nn.Linear(4, 2)
    with torch.no_grad():
        m.weight.copy_(torch.tensor([[1.0, 0.0, 0.0, 0.0], [0.5, 0.5, 0.5, 0.5]]))
        m.bias.copy_(torch.tensor([0.0, 1.0]))
    m.eval()
    x = torch.arange(1.0, 9.0).reshape(2, 4)
    d = folder("linear")
    save(torch.jit.trace(m, x), os.path.basename(d))
    write(
        "linear/config.pbtxt",
        'platform: "pytorch_libtorch"\nmax_batch_size: 8\n'
        'input [ { name: "INPUT__0" data_type: TYPE_FP32 dims: [ 4 ] } ]\n'
        'output [ { name: "OUTPUT__0" data_type: TYPE_FP32 dims: [ 2 ] } ]\n',
    )
    with torch.no_grad():
        expected("linear", [("INPUT__0", x), ("OUTPUT__0", m(x))])


class Cnn(torch.nn.Module):
    """Conv(1->2, 3x3) + ReLU + max-pool + Dropout + Linear(8 -> 3) on [N, 1, 6, 6] images.

    The dropout makes answers random unless the module runs in eval mode.
    """

    def __init__(self):
        super().__init__()
        self.conv = torch.nn.Conv2d(1, 2, 3)
        self.drop = torch.nn.Dropout(0.5)
        self.fc = torch.nn.Linear(2 * 2 * 2, 3)

    def forward(self, image):
        h = torch.relu(self.conv(image))
        h = torch.nn.functional.max_pool2d(h, 2)
        return self.fc(self.drop(torch.flatten(h, 1)))


def fixed(shape, scale):
    n = int(np.prod(shape))
    return torch.tensor(np.sin(np.arange(n, dtype=np.float64) * 0.37) * scale, dtype=torch.float32).reshape(shape)


def cnn():
    """A small CNN, scripted (not traced), with a dynamic batch; config names image / scores."""
    m = Cnn()
    with torch.no_grad():
        m.conv.weight.copy_(fixed((2, 1, 3, 3), 0.5))
        m.conv.bias.copy_(torch.tensor([0.1, -0.1]))
        m.fc.weight.copy_(fixed((3, 8), 0.3))
        m.fc.bias.copy_(torch.tensor([0.0, 0.5, -0.5]))
    m.eval()
    d = folder("cnn")
    save(torch.jit.script(m), os.path.basename(d))
    write(
        "cnn/config.pbtxt",
        'platform: "pytorch_libtorch"\nmax_batch_size: 16\n'
        'input [ { name: "image" data_type: TYPE_FP32 dims: [ 1, 6, 6 ] } ]\n'
        'output [ { name: "scores" data_type: TYPE_FP32 dims: [ 3 ] } ]\n',
    )
    x = fixed((3, 1, 6, 6), 2.0)
    with torch.no_grad():
        expected("cnn", [("image", x), ("scores", m(x))])


class Datatypes(torch.nn.Module):
    """One input per datatype the backend serves; each output is its input plus one (NOT for bool).

    INT16, UINT16/32/64 and BF16 are left out: DJL 0.36's binding of libtorch cannot create or read
    tensors of those types, so the backend refuses them at load.
    """

    def forward(self, b, u8, i8, i32, i64, f16, f32, f64):
        return (
            torch.logical_not(b),
            u8 + 1,
            i8 + 1,
            i32 + 1,
            i64 + 1,
            f16 + 1,
            f32 + 1,
            f64 + 1,
        )


DATATYPES = [
    ("b", "BOOL", torch.bool),
    ("u8", "UINT8", torch.uint8),
    ("i8", "INT8", torch.int8),
    ("i32", "INT32", torch.int32),
    ("i64", "INT64", torch.int64),
    ("f16", "FP16", torch.float16),
    ("f32", "FP32", torch.float32),
    ("f64", "FP64", torch.float64),
]


def datatypes():
    """Inputs b, u8, ... in forward order (config order); outputs OUT__0..OUT__7 by index, listed backwards."""
    d = folder("datatypes")
    save(torch.jit.script(Datatypes()), os.path.basename(d))
    inputs = "\n".join(
        f'  {{ name: "{n}" data_type: TYPE_{t} dims: [ 3 ] }},' for n, t, _ in DATATYPES
    ).rstrip(",")
    outputs = "\n".join(
        f'  {{ name: "OUT__{i}" data_type: TYPE_{t} dims: [ 3 ] }},'
        for i, (_, t, _) in reversed(list(enumerate(DATATYPES)))
    ).rstrip(",")
    write(
        "datatypes/config.pbtxt",
        f'platform: "pytorch_libtorch"\nmax_batch_size: 4\ninput [\n{inputs}\n]\noutput [\n{outputs}\n]\n',
    )


class Cross(torch.nn.Module):
    """The cross-backend network: Linear(4,3) + ReLU + Linear(3,2), weights fixed by formula."""

    def __init__(self):
        super().__init__()
        self.l1 = torch.nn.Linear(4, 3)
        self.l2 = torch.nn.Linear(3, 2)
        with torch.no_grad():
            self.l1.weight.copy_(
                torch.tensor([[(i + 1) * 0.1 - j * 0.05 for j in range(4)] for i in range(3)])
            )
            self.l1.bias.copy_(torch.tensor([0.01 * (i + 1) for i in range(3)]))
            self.l2.weight.copy_(
                torch.tensor([[0.2 * (i + 1) - 0.1 * j for j in range(3)] for i in range(2)])
            )
            self.l2.bias.copy_(torch.tensor([0.5, -0.5]))

    def forward(self, x):
        return self.l2(torch.relu(self.l1(x)))


def cross():
    """x float32 [-1,4] -> y float32 [-1,2]; the same spec is exported to ONNX and SavedModel."""
    m = Cross().eval()
    d = folder("cross")
    x = torch.tensor([[1.0, 2.0, 3.0, 4.0], [-1.0, 0.5, 2.0, -3.0], [0.0, 0.0, 0.0, 0.0]])
    save(torch.jit.trace(m, x), os.path.basename(d))
    write(
        "cross/config.pbtxt",
        'platform: "pytorch_libtorch"\nmax_batch_size: 8\n'
        'input [ { name: "x" data_type: TYPE_FP32 dims: [ 4 ] } ]\n'
        'output [ { name: "y" data_type: TYPE_FP32 dims: [ 2 ] } ]\n',
    )
    with torch.no_grad():
        expected("cross", [("x", x), ("y", m(x))])


class Sequence(torch.nn.Module):
    """x plus the sequence START flag (a Triton sequence_batching control input)."""

    def forward(self, x, start):
        return x + start.to(torch.float32)


def sequence():
    """INPUT__0 = x (FP32), INPUT__1 = the START control (INT32); OUTPUT__0 = x + START."""
    folder("sequence")
    save(torch.jit.script(Sequence()), "sequence")
    write(
        "sequence/config.pbtxt",
        'platform: "pytorch_libtorch"\nmax_batch_size: 2\n'
        'input [ { name: "INPUT__0" data_type: TYPE_FP32 dims: [ 1 ] } ]\n'
        'output [ { name: "OUTPUT__0" data_type: TYPE_FP32 dims: [ 1 ] } ]\n'
        "sequence_batching {\n"
        '  control_input [ { name: "INPUT__1" control [ { kind: CONTROL_SEQUENCE_START'
        " int32_false_true: [ 0, 1 ] } ] } ]\n"
        "}\n",
    )


def pickle_artifact():
    """A bad artifact: torch.save of a state_dict (a pickle), not TorchScript."""
    d = folder("pickle")
    m = torch.nn.Linear(4, 2)
    with torch.no_grad():
        m.weight.fill_(0.5)
        m.bias.fill_(0.0)
    torch.save(m.state_dict(), os.path.join(d, "1", "model.pt"))
    write(
        "pickle/config.pbtxt",
        'platform: "pytorch_libtorch"\nmax_batch_size: 8\n'
        'input [ { name: "INPUT__0" data_type: TYPE_FP32 dims: [ 4 ] } ]\n'
        'output [ { name: "OUTPUT__0" data_type: TYPE_FP32 dims: [ 2 ] } ]\n',
    )


if __name__ == "__main__":
    linear()
    cnn()
    datatypes()
    cross()
    sequence()
    pickle_artifact()
