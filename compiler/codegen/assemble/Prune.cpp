// Pruning: drop unread blocks and renumber the residual.
#include "compiler/codegen/assemble/Prune.h"

#include <algorithm>
#include <cassert>

using namespace rasp;
using namespace rasp::codegen;

namespace {

/// The block of each residual dimension.
std::vector<int> blockOfDims(const ModelPlan &plan) {
  std::vector<int> block(plan.dModel, -1);
  for (size_t f = 0; f < plan.blocks.size(); ++f)
    for (int i = 0; i < plan.blocks[f].width(); ++i)
      block[plan.blocks[f].firstDim + i] = static_cast<int>(f);
  return block;
}

void remap(LinearForm &form, const std::vector<int> &newDim) {
  for (auto &entry : form) {
    assert(newDim[entry.first] >= 0 && "a kept form reads a dropped block");
    entry.first = newDim[entry.first];
  }
}

} // namespace

void codegen::pruneUnread(ModelPlan &plan) {
  std::vector<int> blockOf = blockOfDims(plan);
  std::vector<char> read(plan.blocks.size(), 0);
  read[0] = read[1] = 1; // one, bos
  auto markForm = [&](const LinearForm &form) {
    for (const auto &entry : form)
      read[blockOf[entry.first]] = 1;
  };
  for (int dim : plan.output.dims)
    read[blockOf[dim]] = 1;
  markForm(plan.output.form);
  // Readers come after what they read: one pass from the last layer back,
  // each MLP before its layer's heads.
  for (auto layer = plan.layers.rbegin(); layer != plan.layers.rend(); ++layer) {
    auto &mlps = layer->mlps;
    mlps.erase(std::remove_if(mlps.begin(), mlps.end(),
                              [&](const MlpBlock &block) {
                                return std::none_of(block.units.begin(), block.units.end(),
                                                    [&](const HiddenUnit &unit) {
                                                      return std::any_of(
                                                          unit.out.begin(), unit.out.end(),
                                                          [&](const auto &entry) {
                                                            return read[blockOf[entry.first]];
                                                          });
                                                    });
                              }),
               mlps.end());
    for (const MlpBlock &block : mlps)
      for (const HiddenUnit &unit : block.units)
        markForm(unit.in);
    auto &heads = layer->heads;
    for (HeadPlan &head : heads) {
      std::vector<LinearForm> value;
      std::vector<int> outDims;
      for (size_t c = 0; c < head.outDims.size(); ++c) {
        if (!read[blockOf[head.outDims[c]]])
          continue;
        value.push_back(std::move(head.value[c]));
        outDims.push_back(head.outDims[c]);
      }
      head.value = std::move(value);
      head.outDims = std::move(outDims);
    }
    heads.erase(std::remove_if(heads.begin(), heads.end(),
                               [](const HeadPlan &head) { return head.outDims.empty(); }),
                heads.end());
    for (const HeadPlan &head : heads) {
      for (const LinearForm &form : head.query)
        markForm(form);
      for (const LinearForm &form : head.key)
        markForm(form);
      for (const LinearForm &form : head.value)
        markForm(form);
    }
  }
  if (std::all_of(read.begin(), read.end(), [](char r) { return r; }))
    return;
  // Renumber: kept blocks in their order, packed.
  std::vector<int> newDim(plan.dModel, -1);
  std::vector<Block> kept;
  int next = 0;
  for (size_t f = 0; f < plan.blocks.size(); ++f) {
    if (!read[f])
      continue;
    Block block = std::move(plan.blocks[f]);
    for (int i = 0; i < block.width(); ++i)
      newDim[block.firstDim + i] = next + i;
    block.firstDim = next;
    next += block.width();
    kept.push_back(std::move(block));
  }
  plan.blocks = std::move(kept);
  plan.dModel = next;
  // Embedding rows may write dropped blocks (tokens or indices unread).
  auto remapRow = [&](LinearForm &row) {
    row.erase(std::remove_if(row.begin(), row.end(),
                             [&](const auto &entry) { return newDim[entry.first] < 0; }),
              row.end());
    remap(row, newDim);
  };
  for (LinearForm &row : plan.tokenRows)
    remapRow(row);
  for (LinearForm &row : plan.positionRows)
    remapRow(row);
  for (LayerPlan &layer : plan.layers) {
    for (HeadPlan &head : layer.heads) {
      for (LinearForm &form : head.query)
        remap(form, newDim);
      for (LinearForm &form : head.key)
        remap(form, newDim);
      for (LinearForm &form : head.value)
        remap(form, newDim);
      for (int &dim : head.outDims)
        dim = newDim[dim];
    }
    for (MlpBlock &block : layer.mlps)
      for (HiddenUnit &unit : block.units) {
        remap(unit.in, newDim);
        remap(unit.out, newDim);
      }
  }
  for (int &dim : plan.output.dims)
    dim = newDim[dim];
  remap(plan.output.form, newDim);
}
