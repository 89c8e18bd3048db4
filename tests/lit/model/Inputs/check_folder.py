#!/usr/bin/env python3
"""Checks an exported folder against the safetensors rules and against
`rasp compile --json`, independently of rasp's reader.

usage: check_folder.py DIR COMPILE_JSON
"""
import json
import struct
import sys

folder, compile_json = sys.argv[1:3]
raw = open(f"{folder}/model.safetensors", "rb").read()
(n,) = struct.unpack("<Q", raw[:8])
header = json.loads(raw[8:8 + n].decode("utf-8"))
assert raw[8:9] == b"{", "the header starts with {"
assert (8 + n) % 8 == 0, "the data start at a multiple of 8"
assert raw[8:8 + n].decode().rstrip(" ") == raw[8:8 + n].decode().strip(), "padding is spaces"
data = raw[8 + n:]
metadata = header.pop("__metadata__")
assert all(isinstance(v, str) for v in metadata.values())
end = 0
for name, info in sorted(header.items(), key=lambda kv: kv[1]["data_offsets"]):
    assert info["dtype"] == "F32", name
    begin, stop = info["data_offsets"]
    assert begin == end, f"{name} starts at {begin}, not {end}"
    rows, cols = info["shape"]
    assert stop - begin == 4 * rows * cols, name
    end = stop
assert end == len(data), "the tensors cover the data"
config = json.load(open(f"{folder}/config.json"))
assert {name: info["shape"] for name, info in header.items()} == config["tensors"]
report = json.load(open(f"{folder}/report.json"))
compiled = json.load(open(compile_json))
extra = set(report) - set(compiled)
assert extra == {"source_file", "compiler_version"}, extra
assert all(report[k] == compiled[k] for k in compiled if k not in ("compile_ms", "peak_memory_mib"))
residual = json.load(open(f"{folder}/residual.json"))
assert len(residual["dimensions"]) == config["d_model"]
print(f"ok: {len(header)} tensors, {len(data)} bytes of data, header {n} bytes")
