// `rasp compare`: a compiled s-op's requirements next to the capacity of
// trained models, read from their Hugging Face style config.json.
//
// A model fits the program when each of these holds:
//   1. layers:           compiled layers <= num_hidden_layers;
//   2. heads per layer:  the most heads in a compiled layer <= num_attention_heads;
//   3. key/value heads:  the same <= num_key_value_heads (each compiled head
//                        has its own keys and values; grouped-query attention
//                        shares one key/value head among a group of heads);
//   4. width:            d_model <= hidden_size;
//   5. head width:       the widest query/key or value of a compiled head <=
//                        head_dim (hidden_size / num_attention_heads when the
//                        config has no head_dim);
//   6. MLP:              the widest compiled MLP <= intermediate_size.
// It compares sizes only: a trained model's activations, gating and layer
// norm differ from the compiled ReLU MLPs without layer norm.
#include "compiler/driver/Commands.h"
#include "compiler/driver/ModelCommands.h"
#include "compiler/driver/Support.h"

#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <boost/program_options.hpp>

#include <algorithm>
#include <iostream>

using namespace rasp;
using namespace rasp::driver;
namespace po = boost::program_options;
namespace json = llvm::json;

namespace {

/// What a compiled program needs.
struct Requirements {
  int64_t layers = 0, maxHeads = 0, totalHeads = 0, dModel = 0, headWidth = 0, mlp = 0;
};

/// A trained model's capacity, from its config.json.
struct Capacity {
  std::string path, name;
  int64_t layers = 0, heads = 0, kvHeads = 0, hidden = 0, ffn = 0, headDim = 0;
};

Requirements requirements(const runtime::Model &model) {
  Requirements r;
  r.layers = static_cast<int64_t>(model.layers.size());
  r.dModel = model.config.dModel;
  for (const runtime::Layer &layer : model.layers) {
    int64_t heads = static_cast<int64_t>(layer.heads.size());
    r.maxHeads = std::max(r.maxHeads, heads);
    r.totalHeads += heads;
    r.mlp = std::max(r.mlp, layer.mlp.w1.cols);
    for (const runtime::Head &head : layer.heads)
      r.headWidth = std::max({r.headWidth, head.wq.cols, head.wv.cols});
  }
  return r;
}

/// Reads a config; nothing after reporting an error naming the file and key.
std::optional<Capacity> readCapacity(DiagnosticEngine &diags, const std::string &path) {
  llvm::ErrorOr<std::unique_ptr<llvm::MemoryBuffer>> buffer =
      llvm::MemoryBuffer::getFile(path, /*IsText=*/true);
  if (!buffer) {
    diags.error("cannot read the model config " + path + ": " + buffer.getError().message());
    return std::nullopt;
  }
  llvm::Expected<json::Value> parsed = json::parse((*buffer)->getBuffer());
  if (!parsed) {
    diags.error(path + ": not JSON: " + llvm::toString(parsed.takeError()));
    return std::nullopt;
  }
  const json::Object *object = parsed->getAsObject();
  if (!object) {
    diags.error(path + ": not a JSON object");
    return std::nullopt;
  }
  Capacity c;
  c.path = path;
  std::string error;
  auto positive = [&](llvm::StringRef key, bool optional, int64_t fallback) -> int64_t {
    const json::Value *v = object->get(key);
    if (!v) {
      if (!optional && error.empty())
        error = path + ": the key \"" + key.str() + "\" is missing";
      return fallback;
    }
    auto i = v->getAsInteger();
    if ((!i || *i < 1 || v->kind() != json::Value::Number) && error.empty())
      error = path + ": the key \"" + key.str() + "\" must be a positive integer";
    return i ? *i : fallback;
  };
  c.layers = positive("num_hidden_layers", false, 0);
  c.heads = positive("num_attention_heads", false, 1);
  c.kvHeads = positive("num_key_value_heads", true, c.heads);
  c.hidden = positive("hidden_size", false, 0);
  c.ffn = positive("intermediate_size", false, 0);
  c.headDim = positive("head_dim", true, c.heads > 0 ? c.hidden / c.heads : 0);
  if (error.empty() && c.kvHeads > c.heads)
    error = path + ": \"num_key_value_heads\" (" + std::to_string(c.kvHeads) +
            ") is more than \"num_attention_heads\" (" + std::to_string(c.heads) + ")";
  if (!error.empty()) {
    diags.error(error);
    return std::nullopt;
  }
  // The column's name: the model's own name, else the folder of a
  // config.json, else the file's stem.
  if (auto name = object->getString("_name_or_path"))
    c.name = llvm::sys::path::filename(*name).str();
  else if (llvm::sys::path::filename(path) == "config.json")
    c.name = llvm::sys::path::filename(llvm::sys::path::parent_path(path)).str();
  if (c.name.empty())
    c.name = llvm::sys::path::stem(path).str();
  return c;
}

/// The requirements a model does not meet, as "what: needed > available".
std::vector<std::string> shortfalls(const Requirements &r, const Capacity &c) {
  std::vector<std::string> out;
  auto check = [&](const char *what, int64_t need, int64_t have, const char *key) {
    if (need > have)
      out.push_back(std::string(what) + " " + std::to_string(need) + " > " + key + " " +
                    std::to_string(have));
  };
  check("layers", r.layers, c.layers, "num_hidden_layers");
  check("heads per layer", r.maxHeads, c.heads, "num_attention_heads");
  check("heads per layer", r.maxHeads, c.kvHeads, "num_key_value_heads");
  check("d_model", r.dModel, c.hidden, "hidden_size");
  check("head width", r.headWidth, c.headDim, "head_dim");
  check("MLP hidden", r.mlp, c.ffn, "intermediate_size");
  return out;
}

void printTable(const std::string &sop, const runtime::Model &model, const Requirements &r,
                const std::vector<Capacity> &models) {
  llvm::outs() << "compare '" << sop << "' for " << model.vocab.size() << " tokens, max_len "
               << model.config.maxLen << ", with " << models.size() << " model"
               << (models.size() == 1 ? "" : "s") << "\n";
  size_t width = 10;
  for (const Capacity &c : models)
    width = std::max(width, c.name.size() + 2);
  auto row = [&](const std::string &label, const std::string &compiled,
                 const std::vector<std::string> &cells) {
    llvm::outs() << "  " << label << std::string(28 - std::min<size_t>(28, label.size()), ' ')
                 << std::string(10 - std::min<size_t>(10, compiled.size()), ' ') << compiled;
    for (const std::string &cell : cells)
      llvm::outs() << std::string(width - std::min(width, cell.size()), ' ') << cell;
    llvm::outs() << "\n";
  };
  auto numbers = [&](int64_t Capacity::*field) {
    std::vector<std::string> cells;
    for (const Capacity &c : models)
      cells.push_back(std::to_string(c.*field));
    return cells;
  };
  std::vector<std::string> names, heads, fits;
  for (const Capacity &c : models) {
    names.push_back(c.name);
    heads.push_back(std::to_string(c.layers * c.heads));
    fits.push_back(shortfalls(r, c).empty() ? "yes" : "no");
  }
  row("", "compiled", names);
  row("layers", std::to_string(r.layers), numbers(&Capacity::layers));
  row("heads per layer (most)", std::to_string(r.maxHeads), numbers(&Capacity::heads));
  row("key/value heads per layer", std::to_string(r.maxHeads), numbers(&Capacity::kvHeads));
  row("heads in all", std::to_string(r.totalHeads), heads);
  row("d_model / hidden_size", std::to_string(r.dModel), numbers(&Capacity::hidden));
  row("head width / head_dim", std::to_string(r.headWidth), numbers(&Capacity::headDim));
  row("MLP hidden (most) / FFN", std::to_string(r.mlp), numbers(&Capacity::ffn));
  row("fits", "", fits);
  for (const Capacity &c : models)
    for (const std::string &why : shortfalls(r, c))
      llvm::outs() << "  " << c.name << " does not fit: " << why << "\n";
  llvm::outs() << "  (sizes only: trained models' activations, gating and layer norm differ)\n";
}

json::Value compareJson(const std::string &sop, const std::string &file,
                        const runtime::Model &model, const Requirements &r,
                        const std::vector<Capacity> &models) {
  json::Array heads;
  for (const runtime::Layer &layer : model.layers)
    heads.push_back(static_cast<int64_t>(layer.heads.size()));
  json::Array columns;
  for (const Capacity &c : models) {
    std::vector<std::string> why = shortfalls(r, c);
    columns.push_back(json::Object{{"config", c.path},
                                   {"name", c.name},
                                   {"num_hidden_layers", c.layers},
                                   {"num_attention_heads", c.heads},
                                   {"num_key_value_heads", c.kvHeads},
                                   {"total_heads", c.layers * c.heads},
                                   {"hidden_size", c.hidden},
                                   {"head_dim", c.headDim},
                                   {"intermediate_size", c.ffn},
                                   {"fits", why.empty()},
                                   {"shortfalls", json::Array(why)}});
  }
  return json::Object{{"sop", sop},
                      {"file", file},
                      {"vocab_size", static_cast<int64_t>(model.vocab.size())},
                      {"max_len", model.config.maxLen},
                      {"compiled", json::Object{{"layers", r.layers},
                                                {"heads_per_layer", std::move(heads)},
                                                {"max_heads_per_layer", r.maxHeads},
                                                {"total_heads", r.totalHeads},
                                                {"d_model", r.dModel},
                                                {"max_head_width", r.headWidth},
                                                {"max_mlp_hidden", r.mlp}}},
                      {"models", std::move(columns)}};
}

} // namespace

int driver::compareCommand(const std::vector<std::string> &args) {
  const char *usage =
      "usage: rasp compare FILE --sop NAME --vocab V --max-len N --model-config PATH...\n"
      "                    [--json] [--max-params P]\n\n"
      "Compiles an s-op and prints what it needs (layers, heads per layer and in\n"
      "all, d_model, the widest head and MLP) next to the capacity of trained\n"
      "models read from Hugging Face style config.json files (num_hidden_layers,\n"
      "num_attention_heads, num_key_value_heads, hidden_size, intermediate_size,\n"
      "head_dim), one column per --model-config, and whether the program fits.\n"
      "examples/models/ holds the configs of five published models.\n";
  po::options_description options("options");
  options.add_options()("file", po::value<std::string>()->required(), "a RASP file")(
      "sop", po::value<std::string>()->required(), "the s-op to compile")(
      "vocab", po::value<std::string>()->required(), "the vocabulary, a RASP list")(
      "max-len", maxLenValue()->required(), "the longest input (1..4096)")(
      "model-config", po::value<std::vector<std::string>>()->required(),
      "a trained model's config.json (repeatable)")("json", po::bool_switch(), "print JSON")(
      "max-params", po::value<int64_t>()->default_value(codegen::CompileOptions::DefaultMaxParams),
      "refuse a model of more dense parameters");
  int exit = ExitOk;
  auto vm = parseArgs(args, usage, options, 1, exit);
  if (!vm)
    return exit;
  if ((*vm)["max-params"].as<int64_t>() < 1) {
    std::cerr << "rasp: error: --max-params must be at least 1\n\n" << usage;
    return ExitUsage;
  }
  DiagnosticEngine diags;
  std::vector<Capacity> models;
  for (const std::string &path : (*vm)["model-config"].as<std::vector<std::string>>())
    if (std::optional<Capacity> c = readCapacity(diags, path))
      models.push_back(std::move(*c));
  if (diags.errorCount())
    return ExitProgramError;
  std::string file = (*vm)["file"].as<std::string>();
  std::optional<LoadedProgram> program = loadProgram(diags, file);
  if (!program || diags.errorCount())
    return ExitProgramError;
  const graph::Node *root = nullptr;
  std::optional<codegen::CompiledProgram> compiled = compileNamed(
      diags, *program, (*vm)["sop"].as<std::string>(), (*vm)["vocab"].as<std::string>(),
      (*vm)["max-len"].as<int64_t>(), &root, (*vm)["max-params"].as<int64_t>());
  if (!compiled)
    return ExitProgramError;
  Requirements r = requirements(compiled->model);
  if ((*vm)["json"].as<bool>())
    llvm::outs() << llvm::formatv("{0:2}",
                                  compareJson(root->name, file, compiled->model, r, models))
                 << "\n";
  else
    printTable(root->name, compiled->model, r, models);
  return ExitOk;
}
