#!/usr/bin/env python3
"""Copies an exported model folder and breaks one thing in the copy.

usage: corrupt.py SOURCE_DIR DEST_DIR KIND

The safetensors file is rebuilt from its parts here (8-byte little-endian
header length, JSON header, data), independently of rasp's writer.
"""
import json
import os
import shutil
import struct
import sys

source, dest, kind = sys.argv[1:4]
shutil.rmtree(dest, ignore_errors=True)
shutil.copytree(source, dest)
tensors_path = os.path.join(dest, "model.safetensors")
config_path = os.path.join(dest, "config.json")
raw = open(tensors_path, "rb").read()
(n,) = struct.unpack("<Q", raw[:8])
header = json.loads(raw[8:8 + n])
data = raw[8 + n:]


def write_tensors(header, data, header_bytes=None):
    text = header_bytes if header_bytes is not None else json.dumps(header).encode()
    open(tensors_path, "wb").write(struct.pack("<Q", len(text)) + text + data)


def edit_config(change):
    config = json.load(open(config_path))
    change(config)
    json.dump(config, open(config_path, "w"))


if kind == "truncated":  # cut in the middle of the data
    open(tensors_path, "wb").write(raw[:8 + n + len(data) // 2])
elif kind == "short":  # shorter than the header length itself
    open(tensors_path, "wb").write(raw[:5])
elif kind == "length-past-end":
    open(tensors_path, "wb").write(struct.pack("<Q", len(raw)) + raw[8:])
elif kind == "not-json":
    write_tensors(None, data, b"{this is not json}")
elif kind == "overlap":  # the second tensor starts inside the first
    first, second = sorted(
        (k for k in header if k != "__metadata__"), key=lambda k: header[k]["data_offsets"])[:2]
    begin, end = header[second]["data_offsets"]
    header[second]["data_offsets"] = [begin - 4, end - 4]
    write_tensors(header, data)
elif kind == "past-data":  # the last tensor ends past the data
    last = max((k for k in header if k != "__metadata__"),
               key=lambda k: header[k]["data_offsets"][1])
    write_tensors(header, data[:-4])
elif kind == "unknown-dtype":
    header["token_embedding"]["dtype"] = "F19"
    write_tensors(header, data)
elif kind == "shape-disagrees":  # the file's shape, not config.json's
    rows, cols = header["token_embedding"]["shape"]
    header["token_embedding"]["shape"] = [cols, rows]
    write_tensors(header, data)
elif kind == "missing-tensor":  # the key gone; its bytes made no tensor's
    begin, end = header["layer1.head0.W_V"]["data_offsets"]
    del header["layer1.head0.W_V"]
    for info in header.values():
        if "data_offsets" in info and info["data_offsets"][0] >= end:
            info["data_offsets"] = [o - (end - begin) for o in info["data_offsets"]]
    write_tensors(header, data[:begin] + data[end:])
elif kind == "config-missing-key":
    edit_config(lambda c: c.pop("d_model"))
elif kind == "config-wrong-type":
    edit_config(lambda c: c["layers"][0].update(mlp_hidden="135"))
elif kind == "config-not-json":
    open(config_path, "w").write("{\"d_model\": ")
elif kind == "config-bos":
    edit_config(lambda c: c["vocab"].update(bos_id=0))
elif kind == "config-mask":
    edit_config(lambda c: c["attention"].update(mask="sliding"))
elif kind == "residual-missing":
    os.remove(os.path.join(dest, "residual.json"))
elif kind == "residual-short":
    path = os.path.join(dest, "residual.json")
    residual = json.load(open(path))
    residual["dimensions"].pop()
    json.dump(residual, open(path, "w"))
elif kind == "output-values":
    edit_config(lambda c: (c["output"]["values"].pop(), c["output"]["value_types"].pop()))
elif kind == "output-decoder":  # a decoder no reader knows
    edit_config(lambda c: c["output"].__setitem__("decoder", "nearest"))
elif kind == "vocab-type":
    edit_config(lambda c: c["vocab"]["token_types"].__setitem__(0, "int"))
else:
    sys.exit("unknown kind " + kind)
