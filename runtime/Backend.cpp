// The Backend interface's defaults, and what the CPU backends share.
#include "runtime/Backend.h"

#include "runtime/cpu/ReadOutputs.h"

#include <algorithm>
#include <cmath>
#include <mutex>
#include <stdexcept>

using namespace rasp::runtime;

namespace {

/// A backend's run() on one model, one batch at a time.
class SerialPreparedModel : public PreparedModel {
public:
  SerialPreparedModel(const Backend &backend, const Model &model)
      : backend(backend), model(model) {}
  std::vector<RunResult> run(const std::vector<TokenIds> &batch,
                             const RunOptions &options) const override {
    std::lock_guard<std::mutex> lock(busy);
    return backend.run(model, batch, options);
  }

private:
  const Backend &backend;
  const Model &model;
  mutable std::mutex busy;
};

} // namespace

std::unique_ptr<PreparedModel> Backend::prepare(const Model &model) const {
  return std::make_unique<SerialPreparedModel>(*this, model);
}

void cpu::checkInput(const Model &model, const TokenIds &ids) {
  int64_t n = static_cast<int64_t>(ids.size());
  if (n > model.config.maxLen)
    throw std::invalid_argument("an input of " + std::to_string(n) +
                                " tokens is longer than the model's max_len " +
                                std::to_string(model.config.maxLen));
  for (int64_t id : ids)
    if (id < 0 || id >= model.bosId())
      throw std::invalid_argument("token id " + std::to_string(id) + " is not in the vocabulary");
}
