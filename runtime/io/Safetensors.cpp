// The safetensors reader and writer: header checks, offsets, float32 data.
#include "runtime/io/Safetensors.h"

#include "llvm/Support/JSON.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <cassert>
#include <cstring>
#include <set>

using namespace rasp::runtime;

namespace {

[[noreturn]] void fail(const std::string &why) { throw SafetensorsError(why); }

uint64_t readLittleEndian64(const char *p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i)
    v = (v << 8) | static_cast<unsigned char>(p[i]);
  return v;
}

void appendLittleEndian(std::string &out, uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i)
    out += static_cast<char>((v >> (8 * i)) & 0xff);
}

/// A non-negative integer of the header, or an error naming `what`.
uint64_t headerInteger(const llvm::json::Value &value, const std::string &what) {
  // Integers as written: getAsUINT64, unlike getAsInteger, refuses 2.0, as
  // the official reader does.
  if (auto v = value.getAsUINT64())
    return *v;
  fail(what + " must be a non-negative integer");
}

TensorInfo parseTensor(const std::string &name, const llvm::json::Value &value) {
  const std::string where = "the tensor '" + name + "'";
  const llvm::json::Object *object = value.getAsObject();
  if (!object)
    fail(where + " is not a JSON object");
  TensorInfo tensor;
  tensor.name = name;
  auto dtype = object->getString("dtype");
  if (!dtype)
    fail(where + " has no \"dtype\" string");
  tensor.dtype = dtype->str();
  if (dtypeSize(tensor.dtype) == 0)
    fail(where + " has the unknown dtype '" + tensor.dtype + "'");
  const llvm::json::Array *shape = object->getArray("shape");
  if (!shape)
    fail(where + " has no \"shape\" list");
  uint64_t elements = 1;
  for (const llvm::json::Value &dim : *shape) {
    uint64_t n = headerInteger(dim, where + "'s shape");
    if (n > static_cast<uint64_t>(INT64_MAX) || __builtin_mul_overflow(elements, n, &elements))
      fail(where + "'s shape has too many elements");
    tensor.shape.push_back(static_cast<int64_t>(n));
  }
  const llvm::json::Array *offsets = object->getArray("data_offsets");
  if (!offsets || offsets->size() != 2)
    fail(where + " has no \"data_offsets\" pair [begin, end]");
  tensor.begin = headerInteger((*offsets)[0], where + "'s data_offsets");
  tensor.end = headerInteger((*offsets)[1], where + "'s data_offsets");
  if (tensor.end < tensor.begin)
    fail(where + " ends (" + std::to_string(tensor.end) + ") before it begins (" +
         std::to_string(tensor.begin) + ")");
  uint64_t bytes = 0;
  if (__builtin_mul_overflow(elements, dtypeSize(tensor.dtype), &bytes) ||
      bytes != tensor.end - tensor.begin)
    fail(where + " has " + std::to_string(tensor.end - tensor.begin) + " bytes of data, but its " +
         "shape and dtype need " + std::to_string(elements) + " x " +
         std::to_string(dtypeSize(tensor.dtype)));
  return tensor;
}

std::map<std::string, std::string> parseMetadata(const llvm::json::Value &value) {
  if (value.kind() == llvm::json::Value::Null) // The official reader takes null as none.
    return {};
  const llvm::json::Object *object = value.getAsObject();
  if (!object)
    fail("\"__metadata__\" is not a JSON object");
  std::map<std::string, std::string> metadata;
  for (const auto &[key, item] : *object) {
    auto text = item.getAsString();
    if (!text)
      fail("the metadata '" + key.str() + "' is not a string");
    metadata[key.str()] = text->str();
  }
  return metadata;
}

/// A key of the header's top-level object that appears twice (as written,
/// escapes and all), or "". `header` is valid JSON; llvm::json keeps the
/// last of two equal keys, the official reader refuses them.
std::string repeatedKey(std::string_view header) {
  std::set<std::string_view> keys;
  int depth = 0;
  for (size_t i = 0; i < header.size(); ++i) {
    char c = header[i];
    if (c == '{' || c == '[')
      ++depth;
    else if (c == '}' || c == ']')
      --depth;
    if (c != '"')
      continue;
    size_t end = i + 1;
    while (header[end] != '"')
      end += header[end] == '\\' ? 2 : 1;
    std::string_view text = header.substr(i + 1, end - i - 1);
    size_t next = header.find_first_not_of(" \t\r\n", end + 1);
    if (depth == 1 && next != std::string_view::npos && header[next] == ':' &&
        !keys.insert(text).second)
      return std::string(text);
    i = end;
  }
  return "";
}

} // namespace

uint64_t rasp::runtime::dtypeSize(const std::string &dtype) {
  static const std::map<std::string, uint64_t> sizes = {
      {"BOOL", 1}, {"U8", 1},  {"I8", 1},  {"F8_E5M2", 1}, {"F8_E4M3", 1},
      {"I16", 2},  {"U16", 2}, {"F16", 2}, {"BF16", 2},    {"I32", 4},
      {"U32", 4},  {"F32", 4}, {"F64", 8}, {"I64", 8},     {"U64", 8}};
  auto it = sizes.find(dtype);
  return it == sizes.end() ? 0 : it->second;
}

const TensorInfo *SafetensorsFile::find(const std::string &name) const {
  for (const TensorInfo &tensor : tensors)
    if (tensor.name == name)
      return &tensor;
  return nullptr;
}

SafetensorsFile rasp::runtime::parseSafetensors(std::string_view bytes) {
  if (bytes.size() < 8)
    fail("the file has " + std::to_string(bytes.size()) +
         " bytes, fewer than the 8 of the header length");
  uint64_t n = readLittleEndian64(bytes.data());
  if (n > MaxHeaderSize)
    fail("the header length " + std::to_string(n) + " is more than the format's limit of " +
         std::to_string(MaxHeaderSize) + " bytes");
  if (n > bytes.size() - 8)
    fail("the header length " + std::to_string(n) + " runs past the end of the file (" +
         std::to_string(bytes.size() - 8) + " bytes follow it)");
  std::string_view header = bytes.substr(8, n);
  if (header.empty() || header[0] != '{')
    fail("the header does not start with '{'");
  llvm::Expected<llvm::json::Value> parsed = llvm::json::parse(llvm::StringRef(header));
  if (!parsed)
    fail("the header is not JSON: " + llvm::toString(parsed.takeError()));
  const llvm::json::Object *object = parsed->getAsObject();
  if (!object)
    fail("the header is not a JSON object");
  std::string repeated = repeatedKey(header);
  if (!repeated.empty())
    fail("the header names '" + repeated + "' twice");
  SafetensorsFile file;
  file.data = bytes.substr(8 + n);
  for (const auto &[key, value] : *object) {
    if (key == "__metadata__")
      file.metadata = parseMetadata(value);
    else
      file.tensors.push_back(parseTensor(key.str(), value));
  }
  std::sort(file.tensors.begin(), file.tensors.end(), [](const TensorInfo &a, const TensorInfo &b) {
    return a.begin != b.begin ? a.begin < b.begin : a.end < b.end;
  });
  uint64_t next = 0;
  for (const TensorInfo &tensor : file.tensors) {
    if (tensor.begin != next)
      fail("the tensor '" + tensor.name + "' starts at byte " + std::to_string(tensor.begin) +
           " of the data, not at " + std::to_string(next) +
           (tensor.begin < next ? ": it overlaps the tensor before it"
                                : ": the bytes between are no tensor's"));
    next = tensor.end;
  }
  if (next != file.data.size())
    fail("the tensors cover " + std::to_string(next) + " bytes of data, but the file holds " +
         std::to_string(file.data.size()) +
         (next > file.data.size() ? ": the offsets run past the end of the file"
                                  : ": the bytes after them are no tensor's"));
  return file;
}

Matrix rasp::runtime::tensorMatrix(const SafetensorsFile &file, const TensorInfo &tensor) {
  if (tensor.dtype != "F32")
    fail("the tensor '" + tensor.name + "' is " + tensor.dtype + ", not F32");
  if (tensor.shape.empty() || tensor.shape.size() > 2)
    fail("the tensor '" + tensor.name + "' has " + std::to_string(tensor.shape.size()) +
         " dimensions, not 1 or 2");
  int64_t rows = tensor.shape.size() == 2 ? tensor.shape[0] : 1;
  Matrix m(rows, tensor.shape.back());
  const char *p = file.data.data() + tensor.begin;
  for (float &v : m.data) {
    uint32_t bits = 0;
    for (int i = 3; i >= 0; --i)
      bits = (bits << 8) | static_cast<unsigned char>(p[i]);
    std::memcpy(&v, &bits, 4);
    p += 4;
  }
  return m;
}

std::string
rasp::runtime::writeSafetensors(const std::vector<std::pair<std::string, const Matrix *>> &tensors,
                                const std::map<std::string, std::string> &metadata) {
  llvm::json::Object header;
  if (!metadata.empty()) {
    llvm::json::Object meta;
    for (const auto &[key, value] : metadata)
      meta[key] = value;
    header["__metadata__"] = std::move(meta);
  }
  uint64_t offset = 0;
  for (const auto &[name, m] : tensors) {
    assert(name != "__metadata__" && !header.count(name) && "tensor names must be distinct");
    uint64_t size = static_cast<uint64_t>(m->rows * m->cols) * 4;
    header[name] = llvm::json::Object{{"dtype", "F32"},
                                      {"shape", llvm::json::Array{m->rows, m->cols}},
                                      {"data_offsets", llvm::json::Array{offset, offset + size}}};
    offset += size;
  }
  std::string text;
  llvm::raw_string_ostream(text) << llvm::json::Value(std::move(header));
  // Spaces after the JSON so that the data start at a multiple of 8, as the
  // official writer pads.
  text.append((8 - text.size() % 8) % 8, ' ');
  std::string out;
  out.reserve(8 + text.size() + offset);
  appendLittleEndian(out, text.size(), 8);
  out += text;
  for (const auto &entry : tensors)
    for (float v : entry.second->data) {
      uint32_t bits = 0;
      std::memcpy(&bits, &v, 4);
      appendLittleEndian(out, bits, 4);
    }
  return out;
}
