// The safetensors reader and writer (runtime/io/Safetensors.h) and the
// exported folder (runtime/io/ModelIO.h): bytes checked by hand, round trips,
// and every malformed file refused with an error that says what is wrong.
#include "runtime/io/Safetensors.h"

#include "runtime/Backend.h"
#include "runtime/io/ModelIO.h"

#include "llvm/Support/FileSystem.h"

#include <gtest/gtest.h>

#include <random>

using namespace rasp::runtime;

namespace {

/// A file from its header text (padded by nobody) and data bytes.
std::string fileOf(const std::string &header, const std::string &data) {
  std::string out;
  for (int i = 0; i < 8; ++i)
    out += static_cast<char>((header.size() >> (8 * i)) & 0xff);
  return out + header + data;
}

/// The error parseSafetensors gives, or "" if it accepts the bytes.
std::string parseError(const std::string &bytes) {
  try {
    parseSafetensors(bytes);
  } catch (const SafetensorsError &e) {
    return e.what();
  }
  return "";
}

TEST(Safetensors, WritesTheFormatsBytes) {
  Matrix m(1, 2);
  m.data = {1.0f, -2.0f};
  // 1.0f = 0x3f800000 and -2.0f = 0xc0000000, little-endian.
  const std::string data("\x00\x00\x80\x3f\x00\x00\x00\xc0", 8);
  // The JSON (keys sorted) is 56 bytes, a multiple of 8: no padding, and
  // the data start at byte 8 + 56 = 64.
  std::string json = R"({"t":{"data_offsets":[0,8],"dtype":"F32","shape":[1,2]}})";
  ASSERT_EQ(json.size(), 56u);
  EXPECT_EQ(writeSafetensors({{"t", &m}}, {}), std::string("\x38\0\0\0\0\0\0\0", 8) + json + data);
  // A name one byte longer makes 57 bytes, padded with 7 spaces to 64.
  json = R"({"tt":{"data_offsets":[0,8],"dtype":"F32","shape":[1,2]}})";
  EXPECT_EQ(writeSafetensors({{"tt", &m}}, {}),
            std::string("\x40\0\0\0\0\0\0\0", 8) + json + "       " + data);
}

TEST(Safetensors, RoundTripsMatricesAndMetadata) {
  std::mt19937 random(7);
  std::uniform_real_distribution<float> value(-1e6f, 1e6f);
  Matrix a(3, 5), b(1, 7), empty(4, 0);
  for (Matrix *m : {&a, &b})
    for (float &v : m->data)
      v = value(random);
  std::string bytes =
      writeSafetensors({{"a", &a}, {"empty", &empty}, {"b", &b}}, {{"format", "test"}});
  EXPECT_EQ((bytes.size() - 8 - 4 * (15 + 7)) % 8, 0u) << "the data start at a multiple of 8";
  SafetensorsFile file = parseSafetensors(bytes);
  EXPECT_EQ(file.metadata, (std::map<std::string, std::string>{{"format", "test"}}));
  ASSERT_EQ(file.tensors.size(), 3u);
  for (const auto &[name, m] :
       {std::pair<std::string, Matrix *>{"a", &a}, {"b", &b}, {"empty", &empty}}) {
    const TensorInfo *info = file.find(name);
    ASSERT_NE(info, nullptr) << name;
    EXPECT_EQ(info->dtype, "F32");
    EXPECT_EQ(info->shape, (std::vector<int64_t>{m->rows, m->cols}));
    Matrix read = tensorMatrix(file, *info);
    EXPECT_EQ(read.rows, m->rows);
    EXPECT_EQ(read.cols, m->cols);
    EXPECT_TRUE(std::equal(read.data.begin(), read.data.end(), m->data.begin(), m->data.end()));
  }
}

TEST(Safetensors, AcceptsWhatTheFormatAllows) {
  // Other dtypes, trailing whitespace, tensors listed out of offset order, a
  // 1-D tensor read as one row.
  std::string header = R"({"y":{"dtype":"F32","shape":[2],"data_offsets":[2,10]},)"
                       R"("x":{"dtype":"BF16","shape":[1],"data_offsets":[0,2]}}   )";
  std::string data("\x00\x00\x00\x00\x80\x3f\x00\x00\x00\x40", 10);
  std::string bytes = fileOf(header, data); // `file` points into it.
  SafetensorsFile file = parseSafetensors(bytes);
  ASSERT_EQ(file.tensors.size(), 2u);
  EXPECT_EQ(file.tensors[0].name, "x");
  Matrix y = tensorMatrix(file, *file.find("y"));
  EXPECT_EQ(y.rows, 1);
  EXPECT_EQ(y.data[0], 1.0f);
  EXPECT_EQ(y.data[1], 2.0f);
  try {
    tensorMatrix(file, *file.find("x"));
    ADD_FAILURE() << "a BF16 tensor read as F32";
  } catch (const SafetensorsError &e) {
    EXPECT_STREQ(e.what(), "the tensor 'x' is BF16, not F32");
  }
}

TEST(Safetensors, RefusesMalformedFiles) {
  const std::string four("\0\0\0\0", 4);
  const std::string tensor = R"({"t":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})";
  struct Case {
    const char *what;
    std::string bytes;
    std::string error;
  };
  std::string huge(8, '\0');
  huge[4] = 1; // 2^32
  Case cases[] = {
      {"empty", "", "the file has 0 bytes, fewer than the 8 of the header length"},
      {"truncated length", std::string("\x10\0\0", 3),
       "the file has 3 bytes, fewer than the 8 of the header length"},
      {"length past the end", fileOf(tensor, four).substr(0, 40),
       "the header length 54 runs past the end of the file (32 bytes follow it)"},
      {"length past the limit", huge + "{}",
       "the header length 4294967296 is more than the format's limit of 100000000 bytes"},
      {"not an object", fileOf("[1]", ""), "the header does not start with '{'"},
      {"not JSON", fileOf("{\"t\": ", ""), "the header is not JSON"},
      {"not UTF-8", fileOf("{\"\xff\": 1}", ""), "the header is not JSON"},
      {"tensor not an object", fileOf(R"({"t": 1})", ""), "the tensor 't' is not a JSON object"},
      {"unknown dtype", fileOf(R"({"t":{"dtype":"F31","shape":[1],"data_offsets":[0,4]}})", four),
       "the tensor 't' has the unknown dtype 'F31'"},
      {"no dtype", fileOf(R"({"t":{"shape":[1],"data_offsets":[0,4]}})", four),
       "the tensor 't' has no \"dtype\" string"},
      {"negative shape", fileOf(R"({"t":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}})", four),
       "the tensor 't''s shape must be a non-negative integer"},
      {"fractional offset",
       fileOf(R"({"t":{"dtype":"F32","shape":[1],"data_offsets":[0,4.5]}})", four),
       "the tensor 't''s data_offsets must be a non-negative integer"},
      {"offset written as a float",
       fileOf(R"({"t":{"dtype":"F32","shape":[1],"data_offsets":[0,4.0]}})", four),
       "the tensor 't''s data_offsets must be a non-negative integer"},
      {"one offset", fileOf(R"({"t":{"dtype":"F32","shape":[1],"data_offsets":[0]}})", four),
       "the tensor 't' has no \"data_offsets\" pair [begin, end]"},
      {"end before begin",
       fileOf(R"({"t":{"dtype":"F32","shape":[0],"data_offsets":[4,0]}})", four),
       "the tensor 't' ends (0) before it begins (4)"},
      {"size disagrees with shape",
       fileOf(R"({"t":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}})", four),
       "the tensor 't' has 4 bytes of data, but its shape and dtype need 2 x 4"},
      {"shape overflows",
       fileOf(R"({"t":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,4]}})",
              four),
       "the tensor 't''s shape has too many elements"},
      {"overlap",
       fileOf(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},)"
              R"("b":{"dtype":"F32","shape":[1],"data_offsets":[2,6]}})",
              four + four),
       "the tensor 'b' starts at byte 2 of the data, not at 4: it overlaps the tensor before it"},
      {"gap", fileOf(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})", four + four),
       "the tensor 'a' starts at byte 4 of the data, not at 0: the bytes between are no tensor's"},
      {"past the data", fileOf(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})", four),
       "the tensors cover 8 bytes of data, but the file holds 4: the offsets run past the end of "
       "the file"},
      {"bytes left over", fileOf(tensor, four + four),
       "the tensors cover 4 bytes of data, but the file holds 8: the bytes after them are no "
       "tensor's"},
      {"a name twice",
       fileOf(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},)"
              R"("a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})",
              four + four),
       "the header names 'a' twice"},
      {"metadata not strings", fileOf(R"({"__metadata__":{"n":1}})", ""),
       "the metadata 'n' is not a string"},
  };
  for (const Case &c : cases) {
    std::string error = parseError(c.bytes);
    EXPECT_EQ(error.substr(0, c.error.size()), c.error) << c.what;
    EXPECT_FALSE(error.empty()) << c.what;
  }
}

Model smallModel() {
  std::mt19937 random(3);
  std::uniform_real_distribution<float> value(-1.0f, 1.0f);
  auto matrix = [&](int64_t rows, int64_t cols) {
    Matrix m(rows, cols);
    for (float &v : m.data)
      v = value(random);
    return m;
  };
  Model model;
  model.config = {5, 4, 0.5f, true};
  model.vocab = {"x", "y"};
  model.tokenEmbedding = matrix(3, 5);
  model.positionEmbedding = matrix(5, 5);
  Layer first;
  first.heads.push_back({matrix(5, 2), matrix(5, 2), matrix(5, 3), matrix(3, 5)});
  first.mlp = {matrix(5, 4), matrix(1, 4), matrix(4, 5), matrix(1, 5)};
  Layer second; // Two heads, no MLP.
  second.heads.push_back({matrix(5, 1), matrix(5, 1), matrix(5, 1), matrix(1, 5)});
  second.heads.push_back({matrix(5, 3), matrix(5, 3), matrix(5, 2), matrix(2, 5)});
  model.layers = {first, second};
  model.residualLabels = {"one", "out:p", "out:q", "out:r", "n"};
  model.blocks = {{"one", 0, false, {}}, {"out", 1, true, {"p", "q", "r"}}, {"n", 4, false, {}}};
  model.outputs.push_back({"out", OutputKind::Categorical, {1, 2, 3}, {}, {"p", "q", "r"}, {}});
  return model;
}

TEST(ModelIO, ExportsAndLoadsTheSameModel) {
  Model model = smallModel();
  ASSERT_EQ(model.validate(), "");
  llvm::SmallString<128> dir;
  ASSERT_FALSE(llvm::sys::fs::createUniqueDirectory("rasp-modelio", dir));
  ModelExtras extras;
  extras.vocab = {{"x", "string"}, {"y", "string"}};
  extras.outputValues = {{"p", "string"}, {"q", "string"}, {"r", "string"}};
  extras.report = llvm::json::Object{{"sop", "out"}};
  exportModel(dir.str().str(), model, extras);
  ExportedModel loaded = loadModel(dir.str().str());
  llvm::sys::fs::remove_directories(dir);
  const Model &back = loaded.model;
  EXPECT_EQ(back.config.dModel, 5);
  EXPECT_EQ(back.config.maxLen, 4);
  EXPECT_EQ(back.config.softmaxScale, 0.5f);
  EXPECT_TRUE(back.config.causal);
  EXPECT_EQ(back.vocab, model.vocab);
  EXPECT_EQ(back.residualLabels, model.residualLabels);
  ASSERT_EQ(back.blocks.size(), 3u);
  EXPECT_EQ(back.blocks[1].values, model.blocks[1].values);
  ASSERT_EQ(back.outputs.size(), 1u);
  EXPECT_EQ(back.outputs[0].dims, model.outputs[0].dims);
  EXPECT_EQ(back.outputs[0].labels, model.outputs[0].labels);
  EXPECT_EQ(loaded.extras.outputValues.size(), 3u);
  EXPECT_EQ(loaded.extras.report.getString("sop").getValueOr(""), "out");
  auto original = model.namedTensors(), read = back.namedTensors();
  ASSERT_EQ(original.size(), read.size());
  for (size_t i = 0; i < read.size(); ++i) {
    EXPECT_EQ(read[i].first, original[i].first);
    EXPECT_EQ(read[i].second->rows, original[i].second->rows) << read[i].first;
    EXPECT_EQ(read[i].second->cols, original[i].second->cols) << read[i].first;
    EXPECT_TRUE(read[i].second->data == original[i].second->data) << read[i].first;
  }
  auto backend = makeCpuBackend();
  std::vector<TokenIds> inputs = {{0}, {1, 0}, {1, 1, 0, 1}};
  auto before = backend->run(model, inputs, {true}), after = backend->run(back, inputs, {true});
  for (size_t i = 0; i < inputs.size(); ++i)
    EXPECT_EQ(before[i].residual, after[i].residual);
}

} // namespace
