// Exported models: writing the folder, and reading it back with every shape
// and key checked.
#include "runtime/io/ModelIO.h"

#include "runtime/io/Safetensors.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <cassert>

using namespace rasp::runtime;
namespace json = llvm::json;

const char *const rasp::runtime::SafetensorsFileName = "model.safetensors";
const char *const rasp::runtime::ConfigFileName = "config.json";
const char *const rasp::runtime::ResidualFileName = "residual.json";
const char *const rasp::runtime::ReportFileName = "report.json";

namespace {

json::Array shapeJson(int64_t rows, int64_t cols) { return json::Array{rows, cols}; }

json::Array typedValues(const std::vector<TypedValue> &values, bool types) {
  json::Array out;
  for (const TypedValue &v : values)
    out.push_back(types ? json::Value(v.type) : v.value);
  return out;
}

json::Object outputJson(const Output &output, const ModelExtras &extras) {
  bool categorical = output.kind == OutputKind::Categorical;
  json::Object out{{"sop", output.name},
                   {"encoding", categorical ? "categorical" : "numerical"},
                   {"decoder", categorical                                ? "argmax"
                               : output.integral && output.levels.empty() ? "round"
                                                                          : "linear"},
                   {"dims", json::Array(output.dims)},
                   {"labels", json::Array(output.labels)},
                   {"values", typedValues(extras.outputValues, false)},
                   {"value_types", typedValues(extras.outputValues, true)}};
  if (!categorical) {
    std::vector<double> weights = output.weights;
    if (weights.empty())
      weights.assign(1, 1.0);
    out["weights"] = json::Array(weights);
    out["levels"] = json::Array(output.levels);
  }
  return out;
}

void writeFile(const std::string &path, llvm::StringRef bytes) {
  std::error_code error;
  llvm::raw_fd_ostream out(path, error, llvm::sys::fs::OF_None);
  if (!error) {
    out << bytes;
    out.close();
    if (out.has_error())
      error = out.error();
    out.clear_error();
  }
  if (error)
    throw ModelFormatError("cannot write " + path + ": " + error.message());
}

std::string pretty(json::Object object) {
  return llvm::formatv("{0:2}", json::Value(std::move(object))).str() + "\n";
}

/// Reads one JSON file of the folder; every accessor names the file and the
/// key path (`layers[1].heads[0].value_width`) of what it finds wrong.
class JsonFile {
public:
  JsonFile(const std::string &dir, const char *name) : name(name) {
    std::string path = (llvm::Twine(dir) + "/" + name).str();
    llvm::ErrorOr<std::unique_ptr<llvm::MemoryBuffer>> buffer =
        llvm::MemoryBuffer::getFile(path, /*IsText=*/false, /*RequiresNullTerminator=*/false);
    if (!buffer)
      throw ModelFormatError("cannot read " + path + ": " + buffer.getError().message());
    llvm::Expected<json::Value> parsed = json::parse((*buffer)->getBuffer());
    if (!parsed)
      throw ModelFormatError(std::string(name) +
                             " is not JSON: " + llvm::toString(parsed.takeError()));
    value = std::move(*parsed);
    if (!value.getAsObject())
      fail("", "is not a JSON object");
  }

  const json::Object &root() const { return *value.getAsObject(); }

  [[noreturn]] void fail(const std::string &key, const std::string &why) const {
    throw ModelFormatError(std::string(name) + (key.empty() ? " " : ": \"" + key + "\" ") + why);
  }

  const json::Value &get(const json::Object &o, const std::string &path,
                         llvm::StringRef key) const {
    const json::Value *v = o.get(key);
    if (!v)
      fail(join(path, key), "is missing");
    return *v;
  }
  static std::string join(const std::string &path, llvm::StringRef key) {
    return path.empty() ? key.str() : path + "." + key.str();
  }
  static std::string index(const std::string &path, size_t i) {
    return path + "[" + std::to_string(i) + "]";
  }

  int64_t integer(const json::Value &v, const std::string &path, int64_t min = 0) const {
    auto i = v.getAsInteger();
    if (!i || v.kind() != json::Value::Number)
      fail(path, "must be an integer, not " + kindName(v));
    if (*i < min)
      fail(path, "must be at least " + std::to_string(min) + ", not " + std::to_string(*i));
    return *i;
  }
  int64_t integer(const json::Object &o, const std::string &path, llvm::StringRef key,
                  int64_t min = 0) const {
    return integer(get(o, path, key), join(path, key), min);
  }
  double number(const json::Value &v, const std::string &path) const {
    auto d = v.getAsNumber();
    if (!d)
      fail(path, "must be a number, not " + kindName(v));
    return *d;
  }
  std::string string(const json::Value &v, const std::string &path) const {
    auto s = v.getAsString();
    if (!s)
      fail(path, "must be a string, not " + kindName(v));
    return s->str();
  }
  std::string string(const json::Object &o, const std::string &path, llvm::StringRef key) const {
    return string(get(o, path, key), join(path, key));
  }
  bool boolean(const json::Object &o, const std::string &path, llvm::StringRef key) const {
    const json::Value &v = get(o, path, key);
    auto b = v.getAsBoolean();
    if (!b)
      fail(join(path, key), "must be true or false, not " + kindName(v));
    return *b;
  }
  const json::Object &object(const json::Value &v, const std::string &path) const {
    const json::Object *o = v.getAsObject();
    if (!o)
      fail(path, "must be an object, not " + kindName(v));
    return *o;
  }
  const json::Object &object(const json::Object &o, const std::string &path,
                             llvm::StringRef key) const {
    return object(get(o, path, key), join(path, key));
  }
  const json::Array &array(const json::Object &o, const std::string &path,
                           llvm::StringRef key) const {
    const json::Value &v = get(o, path, key);
    const json::Array *a = v.getAsArray();
    if (!a)
      fail(join(path, key), "must be a list, not " + kindName(v));
    return *a;
  }
  std::vector<int64_t> integers(const json::Object &o, const std::string &path,
                                llvm::StringRef key) const {
    std::vector<int64_t> out;
    const json::Array &a = array(o, path, key);
    for (size_t i = 0; i < a.size(); ++i)
      out.push_back(integer(a[i], index(join(path, key), i)));
    return out;
  }
  std::vector<double> numbers(const json::Object &o, const std::string &path,
                              llvm::StringRef key) const {
    std::vector<double> out;
    const json::Array &a = array(o, path, key);
    for (size_t i = 0; i < a.size(); ++i)
      out.push_back(number(a[i], index(join(path, key), i)));
    return out;
  }
  std::vector<std::string> strings(const json::Object &o, const std::string &path,
                                   llvm::StringRef key) const {
    std::vector<std::string> out;
    const json::Array &a = array(o, path, key);
    for (size_t i = 0; i < a.size(); ++i)
      out.push_back(string(a[i], index(join(path, key), i)));
    return out;
  }
  /// Values and their types, from the lists `valuesKey` and `typesKey`.
  std::vector<TypedValue> typed(const json::Object &o, const std::string &path,
                                llvm::StringRef valuesKey, llvm::StringRef typesKey) const {
    const json::Array &values = array(o, path, valuesKey);
    std::vector<std::string> types = strings(o, path, typesKey);
    if (types.size() != values.size())
      fail(join(path, typesKey), "has " + std::to_string(types.size()) + " entries for " +
                                     std::to_string(values.size()) + " values");
    std::vector<TypedValue> out;
    for (size_t i = 0; i < values.size(); ++i) {
      const std::string &type = types[i];
      std::string where = index(join(path, valuesKey), i);
      json::Value::Kind kind = values[i].kind();
      bool ok = (type == "string" && kind == json::Value::String) ||
                (type == "bool" && kind == json::Value::Boolean) ||
                (type == "int" && kind == json::Value::Number && values[i].getAsInteger()) ||
                // Floats that JSON cannot write (inf, nan) are strings.
                (type == "float" && (kind == json::Value::Number || kind == json::Value::String));
      if (!ok)
        fail(where, "is " + kindName(values[i]) + ", which is no value of the type '" + type + "'");
      out.push_back({values[i], type});
    }
    return out;
  }

  static std::string kindName(const json::Value &v) {
    switch (v.kind()) {
    case json::Value::Null:
      return "null";
    case json::Value::Boolean:
      return "a boolean";
    case json::Value::Number:
      return "a number";
    case json::Value::String:
      return "a string";
    case json::Value::Array:
      return "a list";
    case json::Value::Object:
      return "an object";
    }
    return "a value";
  }

private:
  const char *name;
  json::Value value = nullptr;
};

/// The expected shape of every tensor, from config.json, in namedTensors()
/// order; fills in the layers' structure of `model` on the way.
std::vector<std::pair<std::string, std::pair<int64_t, int64_t>>>
readArchitecture(const JsonFile &config, Model &model) {
  const json::Object &root = config.root();
  model.config.dModel = config.integer(root, "", "d_model", 1);
  model.config.maxLen = config.integer(root, "", "max_len", 1);
  if (config.string(root, "", "activation") != "relu")
    config.fail("activation", "must be \"relu\", the only activation this runtime runs");
  if (config.boolean(root, "", "layer_norm"))
    config.fail("layer_norm", "must be false: compiled models have no layer norm");
  const json::Object &attention = config.object(root, "", "attention");
  model.config.softmaxScale = static_cast<float>(
      config.number(config.get(attention, "attention", "scale"), "attention.scale"));
  std::string mask = config.string(attention, "attention", "mask");
  if (mask != "none" && mask != "causal")
    config.fail("attention.mask", "must be \"none\" or \"causal\", not \"" + mask + "\"");
  model.config.causal = mask == "causal";
  const json::Object &positions = config.object(root, "", "positions");
  if (config.string(positions, "positions", "embedding") != "learned")
    config.fail("positions.embedding", "must be \"learned\" (a table of max_len + 1 rows)");
  int64_t d = model.config.dModel;
  std::vector<std::pair<std::string, std::pair<int64_t, int64_t>>> shapes = {
      {"token_embedding", {static_cast<int64_t>(model.vocab.size()) + 1, d}},
      {"position_embedding", {model.config.maxLen + 1, d}}};
  const json::Array &layers = config.array(root, "", "layers");
  for (size_t l = 0; l < layers.size(); ++l) {
    std::string path = JsonFile::index("layers", l);
    const json::Object &layer = config.object(layers[l], path);
    const json::Array &heads = config.array(layer, path, "heads");
    std::string name = "layer" + std::to_string(l + 1);
    model.layers.emplace_back();
    model.layers.back().heads.resize(heads.size());
    for (size_t h = 0; h < heads.size(); ++h) {
      std::string headPath = JsonFile::index(path + ".heads", h);
      const json::Object &head = config.object(heads[h], headPath);
      int64_t qk = config.integer(head, headPath, "query_key_width");
      int64_t v = config.integer(head, headPath, "value_width");
      std::string prefix = name + ".head" + std::to_string(h);
      shapes.push_back({prefix + ".W_Q", {d, qk}});
      shapes.push_back({prefix + ".W_K", {d, qk}});
      shapes.push_back({prefix + ".W_V", {d, v}});
      shapes.push_back({prefix + ".W_O", {v, d}});
    }
    int64_t hidden = config.integer(layer, path, "mlp_hidden");
    // A layer without an MLP keeps empty tensors, as Model::namedTensors() does.
    shapes.push_back({name + ".mlp.W1", {hidden ? d : 0, hidden}});
    shapes.push_back({name + ".mlp.b1", {hidden ? 1 : 0, hidden}});
    shapes.push_back({name + ".mlp.W2", {hidden, hidden ? d : 0}});
    shapes.push_back({name + ".mlp.b2", {hidden ? 1 : 0, hidden ? d : 0}});
  }
  return shapes;
}

void readVocab(const JsonFile &config, ExportedModel &out) {
  const json::Object &vocab = config.object(config.root(), "", "vocab");
  out.model.vocab = config.strings(vocab, "vocab", "labels");
  out.extras.vocab = config.typed(vocab, "vocab", "tokens", "token_types");
  if (out.extras.vocab.size() != out.model.vocab.size())
    config.fail("vocab.tokens", "has " + std::to_string(out.extras.vocab.size()) + " tokens for " +
                                    std::to_string(out.model.vocab.size()) + " labels");
  if (out.model.vocab.empty())
    config.fail("vocab.labels", "is empty");
  int64_t bos = config.integer(vocab, "vocab", "bos_id");
  if (bos != out.model.bosId())
    config.fail("vocab.bos_id", "must be " + std::to_string(out.model.bosId()) +
                                    ", the id after the last token, not " + std::to_string(bos));
}

void readOutput(const JsonFile &config, ExportedModel &out) {
  const json::Object &o = config.object(config.root(), "", "output");
  Output output;
  output.name = config.string(o, "output", "sop");
  std::string encoding = config.string(o, "output", "encoding");
  if (encoding != "categorical" && encoding != "numerical")
    config.fail("output.encoding",
                "must be \"categorical\" or \"numerical\", not \"" + encoding + "\"");
  output.kind = encoding == "categorical" ? OutputKind::Categorical : OutputKind::Numerical;
  output.dims = config.integers(o, "output", "dims");
  output.labels = config.strings(o, "output", "labels");
  out.extras.outputValues = config.typed(o, "output", "values", "value_types");
  size_t choices = output.dims.size();
  if (output.kind == OutputKind::Numerical) {
    output.weights = config.numbers(o, "output", "weights");
    output.levels = config.numbers(o, "output", "levels");
    choices = output.levels.size();
    // (Optional: "round" for integers too many to list, else "linear".)
    if (const json::Value *decoder = o.get("decoder")) {
      auto name = decoder->getAsString();
      if (!name || (*name != "linear" && *name != "round"))
        config.fail("output.decoder", "must be \"linear\" or \"round\" for a numerical output");
      output.integral = *name == "round";
    }
  }
  // Every choice the decoder can make (an argmax, or the nearest level) has
  // a value and a label; a numerical output of very many values may have
  // no labels (the number read is shown).
  bool unlabelled = output.kind == OutputKind::Numerical && output.labels.empty();
  for (const auto &[key, size] :
       {std::pair<const char *, size_t>{"labels", unlabelled ? choices : output.labels.size()},
        {"values", out.extras.outputValues.size()}})
    if (size != choices)
      config.fail(std::string("output.") + key, "has " + std::to_string(size) +
                                                    " entries, but the decoder chooses among " +
                                                    std::to_string(choices));
  out.model.outputs.push_back(std::move(output));
}

void readResidual(const JsonFile &residual, Model &model) {
  const json::Object &root = residual.root();
  model.residualLabels = residual.strings(root, "", "dimensions");
  const json::Array &blocks = residual.array(root, "", "blocks");
  for (size_t i = 0; i < blocks.size(); ++i) {
    std::string path = JsonFile::index("blocks", i);
    const json::Object &b = residual.object(blocks[i], path);
    Block block;
    block.name = residual.string(b, path, "name");
    block.first = residual.integer(b, path, "first");
    std::string encoding = residual.string(b, path, "encoding");
    if (encoding != "categorical" && encoding != "numerical")
      residual.fail(path + ".encoding", "must be \"categorical\" or \"numerical\"");
    block.categorical = encoding == "categorical";
    if (block.categorical)
      block.values = residual.strings(b, path, "values");
    model.blocks.push_back(std::move(block));
  }
}

void readTensors(const std::string &dir,
                 const std::vector<std::pair<std::string, std::pair<int64_t, int64_t>>> &shapes,
                 Model &model) {
  std::string path = dir + "/" + SafetensorsFileName;
  llvm::ErrorOr<std::unique_ptr<llvm::MemoryBuffer>> buffer =
      llvm::MemoryBuffer::getFile(path, /*IsText=*/false, /*RequiresNullTerminator=*/false);
  if (!buffer)
    throw ModelFormatError("cannot read " + path + ": " + buffer.getError().message());
  SafetensorsFile file;
  try {
    llvm::StringRef bytes = (*buffer)->getBuffer();
    file = parseSafetensors(std::string_view(bytes.data(), bytes.size()));
  } catch (const SafetensorsError &e) {
    throw ModelFormatError(std::string(SafetensorsFileName) + ": " + e.what());
  }
  std::vector<std::pair<std::string, Matrix *>> targets = {
      {"token_embedding", &model.tokenEmbedding}, {"position_embedding", &model.positionEmbedding}};
  for (size_t l = 0; l < model.layers.size(); ++l) {
    for (Head &head : model.layers[l].heads)
      for (Matrix *m : {&head.wq, &head.wk, &head.wv, &head.wo})
        targets.push_back({"", m});
    Mlp &mlp = model.layers[l].mlp;
    for (Matrix *m : {&mlp.w1, &mlp.b1, &mlp.w2, &mlp.b2})
      targets.push_back({"", m});
  }
  assert(targets.size() == shapes.size() && "one target per tensor");
  for (size_t i = 0; i < shapes.size(); ++i) {
    const auto &[name, shape] = shapes[i];
    const TensorInfo *tensor = file.find(name);
    if (!tensor)
      throw ModelFormatError(std::string(SafetensorsFileName) + " has no tensor '" + name +
                             "', which config.json describes");
    std::vector<int64_t> expected = {shape.first, shape.second};
    if (tensor->shape != expected) {
      std::string has;
      for (size_t k = 0; k < tensor->shape.size(); ++k)
        has += (k ? "x" : "") + std::to_string(tensor->shape[k]);
      throw ModelFormatError("the tensor '" + name + "' of " + SafetensorsFileName + " is " +
                             (has.empty() ? "a scalar" : has) + ", but config.json makes it " +
                             std::to_string(shape.first) + "x" + std::to_string(shape.second));
    }
    try {
      *targets[i].second = tensorMatrix(file, *tensor);
    } catch (const SafetensorsError &e) {
      throw ModelFormatError(std::string(SafetensorsFileName) + ": " + e.what());
    }
  }
  if (file.tensors.size() != shapes.size())
    for (const TensorInfo &tensor : file.tensors)
      if (std::none_of(shapes.begin(), shapes.end(),
                       [&](const auto &s) { return s.first == tensor.name; }))
        throw ModelFormatError(std::string(SafetensorsFileName) + " has the tensor '" +
                               tensor.name + "', which config.json does not describe");
}

} // namespace

json::Object rasp::runtime::modelConfigJson(const Model &model, const ModelExtras &extras) {
  assert(model.outputs.size() == 1 && "an exported model has one output");
  json::Array layers, headsPerLayer, hiddenPerLayer;
  for (const Layer &layer : model.layers) {
    json::Array heads;
    for (const Head &head : layer.heads)
      heads.push_back(
          json::Object{{"query_key_width", head.wq.cols}, {"value_width", head.wv.cols}});
    headsPerLayer.push_back(static_cast<int64_t>(layer.heads.size()));
    hiddenPerLayer.push_back(layer.mlp.w1.cols);
    layers.push_back(json::Object{{"heads", std::move(heads)}, {"mlp_hidden", layer.mlp.w1.cols}});
  }
  json::Object tensors;
  for (const auto &[name, m] : model.namedTensors())
    tensors[name] = shapeJson(m->rows, m->cols);
  return json::Object{
      {"format", "rasp-compiled-transformer"},
      {"format_version", ModelFormatVersion},
      {"forward",
       "x = token_embedding[ids] + position_embedding[0..n]; per layer: x += sum over heads of "
       "softmax(scale * (x W_Q)(x W_K)^T, masked) (x W_V) W_O; then, if mlp_hidden > 0, "
       "x += relu(x W1 + b1) W2 + b2"},
      {"d_model", model.config.dModel},
      {"max_len", model.config.maxLen},
      {"num_layers", static_cast<int64_t>(model.layers.size())},
      {"heads_per_layer", std::move(headsPerLayer)},
      {"mlp_hidden_per_layer", std::move(hiddenPerLayer)},
      {"layers", std::move(layers)},
      {"activation", "relu"},
      {"layer_norm", false},
      {"attention",
       json::Object{{"scale", static_cast<double>(model.config.softmaxScale)},
                    {"scaling", model.config.softmaxScale == 1.0f
                                    ? "none: no 1/sqrt(d_head); the sharpness is in W_Q"
                                    : "scores multiplied by scale"},
                    {"mask", model.config.causal ? "causal" : "none"},
                    {"softmax", model.config.causal ? "over positions 0..query"
                                                    : "over all positions, BOS included"}}},
      {"vocab", json::Object{{"labels", json::Array(model.vocab)},
                             {"tokens", typedValues(extras.vocab, false)},
                             {"token_types", typedValues(extras.vocab, true)},
                             {"bos_id", model.bosId()},
                             {"bos_label", "<BOS>"},
                             {"size_with_bos", model.bosId() + 1}}},
      {"positions",
       json::Object{{"embedding", "learned"},
                    {"rows", model.config.maxLen + 1},
                    {"bos_position", 0},
                    {"description", "absolute: row p is added at position p; BOS is at 0, the "
                                    "input's tokens at 1..n"}}},
      {"output", outputJson(model.outputs[0], extras)},
      {"tensors", std::move(tensors)},
  };
}

json::Object rasp::runtime::residualJson(const Model &model) {
  json::Array blocks;
  for (const Block &block : model.blocks) {
    json::Object b{{"name", block.name},
                   {"first", block.first},
                   {"width", block.width()},
                   {"encoding", block.categorical ? "categorical" : "numerical"}};
    if (block.categorical)
      b["values"] = json::Array(block.values);
    blocks.push_back(std::move(b));
  }
  return json::Object{{"d_model", model.config.dModel},
                      {"dimensions", json::Array(model.residualLabels)},
                      {"blocks", std::move(blocks)}};
}

void rasp::runtime::exportModel(const std::string &dir, const Model &model,
                                const ModelExtras &extras) {
  assert(model.validate().empty() && "only a valid model is exported");
  if (std::error_code error = llvm::sys::fs::create_directories(dir))
    throw ModelFormatError("cannot create the folder " + dir + ": " + error.message());
  std::map<std::string, std::string> metadata = {{"format", "rasp-compiled-transformer"},
                                                 {"config", ConfigFileName}};
  writeFile(dir + "/" + SafetensorsFileName, writeSafetensors(model.namedTensors(), metadata));
  writeFile(dir + "/" + ConfigFileName, pretty(modelConfigJson(model, extras)));
  writeFile(dir + "/" + ResidualFileName, pretty(residualJson(model)));
  writeFile(dir + "/" + ReportFileName, pretty(json::Object(extras.report)));
}

ExportedModel rasp::runtime::loadModel(const std::string &dir) {
  if (!llvm::sys::fs::is_directory(dir))
    throw ModelFormatError(llvm::sys::fs::exists(dir)
                               ? dir + " is not a folder"
                               : "the model folder " + dir + " does not exist");
  JsonFile config(dir, ConfigFileName);
  const json::Object &root = config.root();
  if (config.string(root, "", "format") != "rasp-compiled-transformer")
    config.fail("format", "must be \"rasp-compiled-transformer\"");
  int64_t version = config.integer(root, "", "format_version");
  if (version != ModelFormatVersion)
    config.fail("format_version", "is " + std::to_string(version) + "; this rasp reads version " +
                                      std::to_string(ModelFormatVersion));
  ExportedModel out;
  readVocab(config, out);
  auto shapes = readArchitecture(config, out.model);
  readOutput(config, out);
  JsonFile residual(dir, ResidualFileName);
  readResidual(residual, out.model);
  JsonFile report(dir, ReportFileName);
  out.extras.report = report.root();
  readTensors(dir, shapes, out.model);
  std::string problem = out.model.validate();
  if (!problem.empty())
    throw ModelFormatError("the model in " + dir + " is inconsistent: " + problem);
  return out;
}
