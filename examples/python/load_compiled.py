#!/usr/bin/env python3
"""Runs a model that `rasp compile -o DIR` exported, in PyTorch.

    python3 load_compiled.py DIR '["(", "{", "}", ")"]'     # one input, a JSON list of tokens
    python3 load_compiled.py DIR '"({})"'                    # or a JSON string of one-character tokens
    python3 load_compiled.py DIR --input-file inputs.txt --json

The folder holds model.safetensors, config.json, residual.json and
report.json (docs/model-format.md). This file reads them with nothing but
the standard library, NumPy and PyTorch (Debian has no `safetensors`
package, so the format is parsed here), builds the model as torch.nn
modules and decodes its output. It is also the architecture's reference:

    x0 = token_embedding[BOS, t1, ..., tn] + position_embedding[0, 1, ..., n]
    for each layer:
        x = x + sum over heads of softmax(scale * (x W_Q)(x W_K)^T, mask) (x W_V) W_O
        x = x + relu(x W1 + b1) W2 + b2            (layers with an MLP)
    output at position p (1..n) = decoder(x[p])

There is no layer norm, the scale is config["attention"]["scale"] (1: no
1/sqrt(d), the sharpness is inside W_Q), and the mask is "none" (every
position sees every position, BOS included) or "causal". The decoder is an
argmax over the output's one-hot dimensions, or, for a numerical output, a
weighted sum of dimensions snapped to the nearest value the output can take
(to the nearest integer for the decoder "round": integers too many to list).
"""

import argparse
import json
import struct
import sys

import numpy as np
import torch
from torch import nn

# The element size of each dtype the safetensors format defines.
DTYPE_SIZES = {"BOOL": 1, "U8": 1, "I8": 1, "F8_E5M2": 1, "F8_E4M3": 1, "I16": 2, "U16": 2,
               "F16": 2, "BF16": 2, "I32": 4, "U32": 4, "F32": 4, "F64": 8, "I64": 8, "U64": 8}


def read_safetensors(path):
    """The tensors of a safetensors file, by name, as float32 torch tensors.

    The format: 8 bytes of little-endian header length N, N bytes of JSON
    (name -> dtype, shape, data_offsets), then the data, each tensor's bytes
    at [begin, end) from the data's start, covering it without gaps."""
    with open(path, "rb") as f:
        raw = f.read()
    if len(raw) < 8:
        raise ValueError(f"{path}: shorter than the 8-byte header length")
    (n,) = struct.unpack("<Q", raw[:8])
    if n > len(raw) - 8:
        raise ValueError(f"{path}: the header length {n} runs past the end of the file")
    header = json.loads(raw[8:8 + n].decode("utf-8"))
    data = raw[8 + n:]
    tensors, covered = {}, 0
    for name, info in sorted((kv for kv in header.items() if kv[0] != "__metadata__"),
                             key=lambda kv: kv[1]["data_offsets"]):
        begin, end = info["data_offsets"]
        count = int(np.prod(info["shape"], dtype=np.int64))
        if begin != covered or end - begin != count * DTYPE_SIZES[info["dtype"]]:
            raise ValueError(f"{path}: the tensor {name} has bad offsets")
        if info["dtype"] != "F32":
            raise ValueError(f"{path}: the tensor {name} is {info['dtype']}, not F32")
        array = np.frombuffer(data, dtype="<f4", count=count, offset=begin)
        tensors[name] = torch.from_numpy(array.reshape(info["shape"]).astype(np.float32))
        covered = end
    if covered != len(data):
        raise ValueError(f"{path}: the tensors do not cover the data")
    return tensors


def linear(weight, bias=None):
    """An nn.Linear computing x @ weight (+ bias): rasp stores d_in x d_out."""
    layer = nn.Linear(weight.shape[0], weight.shape[1], bias=bias is not None)
    with torch.no_grad():
        layer.weight.copy_(weight.T)
        if bias is not None:
            layer.bias.copy_(bias.reshape(-1))
    return layer


class Head(nn.Module):
    def __init__(self, tensors, prefix, scale, causal):
        super().__init__()
        self.query = linear(tensors[prefix + ".W_Q"])
        self.key = linear(tensors[prefix + ".W_K"])
        self.value = linear(tensors[prefix + ".W_V"])
        self.out = linear(tensors[prefix + ".W_O"])
        self.scale, self.causal = scale, causal

    def forward(self, x):
        scores = self.scale * (self.query(x) @ self.key(x).T)
        if self.causal:
            n = x.shape[0]
            later = torch.triu(torch.ones(n, n, dtype=torch.bool), diagonal=1)
            scores = scores.masked_fill(later, float("-inf"))
        return self.out(torch.softmax(scores, dim=-1) @ self.value(x))


class Mlp(nn.Module):
    def __init__(self, tensors, prefix):
        super().__init__()
        self.hidden = linear(tensors[prefix + ".W1"], tensors[prefix + ".b1"])
        self.out = linear(tensors[prefix + ".W2"], tensors[prefix + ".b2"])

    def forward(self, x):
        return self.out(torch.relu(self.hidden(x)))


class Layer(nn.Module):
    def __init__(self, tensors, index, layer_config, attention):
        super().__init__()
        name = f"layer{index + 1}"
        causal = attention["mask"] == "causal"
        self.heads = nn.ModuleList(
            Head(tensors, f"{name}.head{h}", attention["scale"], causal)
            for h in range(len(layer_config["heads"])))
        self.mlp = Mlp(tensors, f"{name}.mlp") if layer_config["mlp_hidden"] > 0 else None

    def forward(self, x):
        x = x + sum((head(x) for head in self.heads), torch.zeros_like(x))
        if self.mlp is not None:
            x = x + self.mlp(x)
        return x


class CompiledTransformer(nn.Module):
    def __init__(self, config, tensors):
        super().__init__()
        assert config["activation"] == "relu" and not config["layer_norm"]
        self.config = config
        self.token_embedding = nn.Embedding.from_pretrained(tensors["token_embedding"])
        self.position_embedding = nn.Embedding.from_pretrained(tensors["position_embedding"])
        self.layers = nn.ModuleList(Layer(tensors, i, layer, config["attention"])
                                    for i, layer in enumerate(config["layers"]))

    def forward(self, token_ids):
        """The residual stream after the last layer, (n + 1) x d_model, BOS first."""
        ids = torch.tensor([self.config["vocab"]["bos_id"]] + list(token_ids))
        x = self.token_embedding(ids) + self.position_embedding(torch.arange(len(ids)))
        for layer in self.layers:
            x = layer(x)
        return x


def load(folder):
    with open(f"{folder}/config.json") as f:
        config = json.load(f)
    return CompiledTransformer(config, read_safetensors(f"{folder}/model.safetensors"))


def same_value(a, a_type, b):
    """Whether the JSON value b is the vocabulary value a of type a_type."""
    kinds = {"string": str, "bool": bool, "int": int, "float": (int, float)}
    if isinstance(b, bool) != (a_type == "bool") or not isinstance(b, kinds[a_type]):
        return False
    return a == b


def encode(config, tokens):
    """Token ids of an input: a JSON list of tokens, or a string of characters."""
    vocab = config["vocab"]
    ids = []
    for token in tokens:
        for i, (value, kind) in enumerate(zip(vocab["tokens"], vocab["token_types"])):
            if same_value(value, kind, token):
                ids.append(i)
                break
        else:
            raise ValueError(f"the token {token!r} is not in the vocabulary")
    if len(ids) > config["max_len"]:
        raise ValueError(f"the input has {len(ids)} tokens, more than max_len {config['max_len']}")
    return ids


def nearest_level(levels, v):
    """The index of the level nearest v: of sorted levels, the upper one on a tie."""
    if levels == sorted(levels):
        i = int(np.searchsorted(levels, v, side="left"))
        if i == len(levels):
            return i - 1
        if i > 0 and v - levels[i - 1] < levels[i] - v:
            return i - 1
        return i
    return min(range(len(levels)), key=lambda i: (abs(levels[i] - v), i))


def decode(config, residual):
    """The output's value (from config.json, typed as JSON) at each token position."""
    output = config["output"]
    values = []
    for row in residual[1:]:
        if output["encoding"] == "categorical":
            scores = row[output["dims"]]
            values.append(output["values"][int(torch.argmax(scores))])
            continue
        v = sum(w * float(row[d]) for d, w in zip(output["dims"], output["weights"]))
        if output["levels"]:
            values.append(output["values"][nearest_level(output["levels"], v)])
        else:
            values.append(round(v) if output["decoder"] == "round" else v)
    return values


def run(model, tokens):
    with torch.no_grad():
        return decode(model.config, model(encode(model.config, tokens)))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", help="the folder `rasp compile -o` wrote")
    parser.add_argument("inputs", nargs="*", help="JSON inputs: a list of tokens, or a string")
    parser.add_argument("--input-file", help="a file of JSON inputs, one a line")
    parser.add_argument("--json", action="store_true", help="print a JSON list of results")
    args = parser.parse_args()
    texts = list(args.inputs)
    if args.input_file:
        with open(args.input_file) as f:
            texts += [line for line in f.read().splitlines()
                      if line.strip() and not line.startswith("#")]
    model = load(args.folder)
    name = model.config["output"]["sop"]
    results = []
    for text in texts:
        tokens = json.loads(text)
        values = run(model, tokens)
        results.append({"input": tokens, "outputs": {name: {"values": values}}})
        if not args.json:
            print(f"{name}({text}) = {values}")
    if args.json:
        print(json.dumps(results, indent=2))


if __name__ == "__main__":
    sys.exit(main())
