// Exported models: the folder `rasp compile -o DIR` writes and the runtime
// reads back without the compiler (docs/model-format.md is the reference):
//   model.safetensors  every tensor of Model::namedTensors(), float32;
//   config.json        the architecture, the vocabulary with BOS, max_len,
//                      the position embedding and the output's decoder:
//                      enough to rebuild the forward pass with no other source;
//   residual.json      the name of every residual dimension, and the blocks;
//   report.json        the compile report, as the compiler gives it.
// Loading checks every file and every tensor's shape against config.json,
// and throws ModelFormatError naming the file and the key at fault.
#pragma once

#include "runtime/Model.h"

#include "llvm/Support/JSON.h"

#include <stdexcept>
#include <string>
#include <vector>

namespace rasp::runtime {

struct ModelFormatError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// A value of the vocabulary or of the output as the program sees it: its
/// JSON form (a string, number or boolean) and its type ("string", "int",
/// "float" or "bool"), which JSON alone cannot tell apart (1 and 1.0).
struct TypedValue {
  llvm::json::Value value = nullptr;
  std::string type;
};

/// What an exported folder holds beyond the Model: the typed vocabulary
/// (one per Model::vocab entry), the typed output values (one per label of
/// the output, in its order) and the compile report.
struct ModelExtras {
  std::vector<TypedValue> vocab;
  std::vector<TypedValue> outputValues;
  llvm::json::Object report;
};

struct ExportedModel {
  Model model;
  ModelExtras extras;
};

/// The version of the folder's format that this runtime writes and reads.
constexpr int64_t ModelFormatVersion = 1;

/// The file names inside an exported folder.
extern const char *const SafetensorsFileName, *const ConfigFileName, *const ResidualFileName,
                                                                         *const ReportFileName;

/// config.json and residual.json of `model`, as exportModel writes them.
llvm::json::Object modelConfigJson(const Model &model, const ModelExtras &extras);
llvm::json::Object residualJson(const Model &model);

/// Writes the four files into `dir`, creating it if needed; the model must
/// be valid (Model::validate) and have one output. Throws ModelFormatError
/// when a file cannot be written.
void exportModel(const std::string &dir, const Model &model, const ModelExtras &extras);

/// Reads and checks an exported folder; throws ModelFormatError.
ExportedModel loadModel(const std::string &dir);

} // namespace rasp::runtime
