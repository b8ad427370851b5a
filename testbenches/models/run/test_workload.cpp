// The workload resolver of `snsim run`: kernels placed and their arguments resolved, tensors
// placed and seeded, mixed AIC + AIV launches grouped, and every mistake reported with the
// workload's file and line.
#include <gtest/gtest.h>
#include <gmock/gmock.h>

#include <unistd.h>

#include <algorithm>
#include <bit>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "run/host_ref.h"
#include "run/workload.h"

namespace snsim::run {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

const std::string kKernels = std::string(SNSIM_SOURCE_DIR) + "/firmware/kernels";

fs::path temp_dir() {
  const fs::path d = fs::temp_directory_path() / ("snsim_workload_" + std::to_string(getpid()));
  fs::create_directories(d);
  return d;
}

Workload load_text(const std::string& yaml, bool numerics = true) {
  const fs::path p = temp_dir() / "w.yaml";
  std::ofstream(p) << yaml;
  return load_workload(p.string(), config_defaults<DieConfig>(), numerics, std::nullopt);
}

std::string error_of(const std::string& yaml) {
  try {
    load_text(yaml);
  } catch (const ConfigError& e) {
    return std::string(e.what()).substr((temp_dir() / "w.yaml").string().size());
  } catch (const AssemblyError& e) {
    return e.what();
  }
  return "no error";
}

std::string kernel(const std::string& file, unsigned blocks, const std::string& args) {
  return "  - {file: " + kKernels + "/" + file + ", blocks: " + std::to_string(blocks) + ", args: [" + args + "]}\n";
}

const std::string kVecAddTensors =
    "tensors:\n"
    "  - {name: x, shape: [4096], dtype: f32, init: random, range: [2, 3]}\n"
    "  - {name: y, shape: [4096], dtype: f32, init: random}\n"
    "  - {name: z, shape: [4096], output: true}\n";

TEST(Workload, GemmResolvesArgumentsToTensorAddresses) {
  const Workload w = load_text([] {
    std::ifstream f(std::string(SNSIM_SOURCE_DIR) + "/workloads/gemm_bf16.yaml");
    std::stringstream ss;
    ss << f.rdbuf();
    std::string s = ss.str();
    s.replace(s.find("../firmware/kernels"), 19, kKernels);
    return s;
  }());
  ASSERT_EQ(w.kernels.size(), 1u);
  const Kernel& k = w.kernels[0];
  EXPECT_EQ(k.type, isa::CoreType::Aic);
  EXPECT_EQ(k.blocks, 24u);
  EXPECT_EQ(k.first_core, 0u);
  EXPECT_EQ(k.sub_block_num, 1u);
  const Tensor &a = *w.tensor("a"), &b = *w.tensor("b"), &c = *w.tensor("c");
  EXPECT_EQ(k.args, (std::vector<std::uint64_t>{a.addr, b.addr, c.addr, 768, 1024, 1024}));
  EXPECT_EQ(a.addr, kGmBase);
  EXPECT_EQ(a.bytes, 768u * 1024 * 2);
  for (const Tensor* t : {&b, &c}) EXPECT_EQ(t->addr % kGmAlign, 0u);
  EXPECT_GE(b.addr, a.addr + a.bytes + kGmAlign);  // an unmapped gap between tensors
  EXPECT_GE(c.addr, b.addr + b.bytes + kGmAlign);
  // Random bf16 in [-1, 1), different per tensor name; the output starts at zero.
  const std::vector<double> av = to_values(a.initial), bv = to_values(b.initial);
  EXPECT_TRUE(std::all_of(av.begin(), av.end(), [](double v) { return v >= -1 && v <= 1; }));
  EXPECT_NE(std::vector<double>(av.begin(), av.begin() + 1000), std::vector<double>(bv.begin(), bv.begin() + 1000));
  const std::vector<double> cv = to_values(c.initial);
  EXPECT_TRUE(std::all_of(cv.begin(), cv.end(), [](double v) { return v == 0; }));
}

// `dies` takes the first dies of a machine: unset, every die (one here); more than there are, an error.
TEST(Workload, DiesDefaultsToTheConfigsAndCannotExceedThem) {
  const std::string yaml = "kernels:\n" + kernel("vec_add.s", 1, "x, y, z, 4096") + kVecAddTensors;
  EXPECT_EQ(load_text(yaml).dies, 1u);
  EXPECT_EQ(load_text("dies: 1\n" + yaml).dies, 1u);
  EXPECT_EQ(error_of("dies: 2\n" + yaml),
            ":1: dies: dies 2 is more than the 1 the config has (a one-die config: the key is for machines)");
}

TEST(Workload, SeedAndTensorNameDecideTheRandomData) {
  const std::string yaml = "kernels:\n" + kernel("vec_add.s", 1, "x, y, z, 4096") + kVecAddTensors;
  const Workload a = load_text(yaml), b = load_text(yaml), c = load_text("seed: 2\n" + yaml);
  EXPECT_EQ(a.tensor("x")->initial.data, b.tensor("x")->initial.data);
  EXPECT_NE(a.tensor("x")->initial.data, c.tensor("x")->initial.data);
  const std::vector<double> x = to_values(a.tensor("x")->initial);
  EXPECT_TRUE(std::all_of(x.begin(), x.end(), [](double v) { return v >= 2 && v <= 3; }));
  // Integer types draw integers lo..hi inclusive.
  const Workload i = load_text(yaml + "  - {name: q, shape: [1000], dtype: i8, init: random, range: [-3, 3]}\n");
  const std::vector<double> q = to_values(i.tensor("q")->initial);
  EXPECT_EQ(*std::min_element(q.begin(), q.end()), -3);
  EXPECT_EQ(*std::max_element(q.begin(), q.end()), 3);
  // Timing only: no contents at all.
  EXPECT_TRUE(load_text(yaml, false).tensor("x")->initial.data.empty());
}

TEST(Workload, MixedLaunchGroupsTwoAivPerAic) {
  const Workload w = load_text("kernels:\n" + kernel("gemm_bf16.s", 2, "x, y, z, 128, 128, 512") +
                               kernel("vec_add.s", 4, "x, y, z, 4096") + kVecAddTensors);
  EXPECT_EQ(w.kernels[0].sub_block_num, 1u);
  EXPECT_EQ(w.kernels[1].sub_block_num, 2u);
  EXPECT_EQ(w.kernels[1].first_core, 0u);
  // Kernels of one type without the other: each its own launch, on the next free cores.
  const Workload v = load_text("kernels:\n" + kernel("vec_add.s", 4, "x, y, z, 4096") +
                               kernel("vec_add.s", 2, "x, y, z, 4096") + kVecAddTensors);
  EXPECT_EQ(v.kernels[0].sub_block_num, 1u);
  EXPECT_EQ(v.kernels[1].sub_block_num, 1u);
  EXPECT_EQ(v.kernels[1].first_core, 4u);  // placed after the first kernel's cores
}

TEST(Workload, F32ArgumentsAreTheirBitPatterns) {
  const Workload w = load_text("kernels:\n" + kernel("rmsnorm_f32.s", 1, "x, y, z, 1, 4096, 0.000244140625, 1e-6") +
                               kVecAddTensors);
  EXPECT_EQ(w.kernels[0].args[5], std::bit_cast<std::uint32_t>(0.000244140625f));
  EXPECT_EQ(w.kernels[0].args[6], std::bit_cast<std::uint32_t>(1e-6f));
}

TEST(Workload, MistakesNameTheLine) {
  const std::string k = "kernels:\n" + kernel("vec_add.s", 1, "x, y, z, 4096");
  EXPECT_EQ(error_of("kernels:\n" + kernel("vec_add.s", 1, "x, y, z, four") + kVecAddTensors),
            ":2: kernels[0].args[3]: argument 'n' (u64) needs an integer, got 'four'");
  EXPECT_EQ(error_of("kernels:\n" + kernel("rmsnorm_f32.s", 1, "x, y, z, 1, 64, x, 1") + kVecAddTensors),
            ":2: kernels[0].args[5]: argument 'inv_h' (f32) needs a number, got 'x'");
  EXPECT_EQ(error_of(k + kVecAddTensors + "  - {name: x, shape: [1]}\n"),
            ":7: tensors[3].name: tensor 'x' is declared twice");
  EXPECT_EQ(error_of(k + kVecAddTensors + "  - {name: 2x, shape: [1]}\n"),
            ":7: tensors[3].name: '2x' is not a name (letters, digits, _; not starting with a digit)");
  EXPECT_EQ(error_of(k + kVecAddTensors + "  - {name: w, shape: [1], init: random, range: [1, 1]}\n"),
            ":7: tensors[3].range: needs two numbers lo < hi");
  EXPECT_EQ(error_of(k + kVecAddTensors + "  - {name: w, dtype: f32, shape: [4294967296, 4294967296]}\n"),
            ":7: tensors[3].shape: [4294967296, 4294967296] f32 is over 64 GiB, a die's HBM");
  EXPECT_EQ(error_of(k + kVecAddTensors + "  - {name: w, dtype: f32, shape: [65536, 65536, 16]}\n"),
            ":7: tensors[3].shape: [65536, 65536, 16] f32 is over 64 GiB, a die's HBM");
  EXPECT_EQ(error_of(k + kVecAddTensors + "  - {name: w, dtype: i8, shape: [1], init: random, range: [-1000, 1000]}\n"),
            ":7: tensors[3].range: [-1000, 1000] goes beyond i8's [-128, 127]");
  // A mixed launch is one AIC kernel and one AIV kernel of twice its blocks.
  const std::string gemm = kernel("gemm_bf16.s", 1, "x, y, z, 128, 256, 512");
  EXPECT_EQ(error_of("kernels:\n" + gemm + kernel("vec_add.s", 1, "x, y, z, 4096") + kVecAddTensors),
            ":3: kernels[1].blocks: 1 AIV blocks with 1 AIC blocks: a mixed launch has 2 AIV per AIC, so 2");
  EXPECT_EQ(error_of("kernels:\n" + gemm + kernel("vec_add.s", 2, "x, y, z, 4096") + kernel("vec_add.s", 2, "x, y, z, 4096") +
                     kVecAddTensors),
            ":4: kernels[2].file: a launch mixing AIC and AIV kernels takes one of each (AIC block g works with AIV "
            "blocks 2g and 2g + 1)");
  EXPECT_EQ(error_of(k + kVecAddTensors + "  - {name: w, shape: [1], reference: {op: add, inputs: [x, y]}}\n"),
            ":7: tensors[3].reference: only an output tensor has a reference");
  EXPECT_EQ(error_of(k + kVecAddTensors + "  - {name: w, shape: [1], output: true, reference: {op: softmax}}\n"),
            ":7: tensors[3].reference.inputs: op softmax takes 1 input tensor, got 0");
  EXPECT_EQ(error_of(k + kVecAddTensors + "  - {name: w, shape: [4096], output: true, reference: {op: matmul, inputs: [x, y]}}\n"),
            ":7: tensors[3].reference.inputs: matmul of w [4096]: needs a [M, K], b [K, N], out [M, N]; a is [4096], b is [4096]");
  const std::string pq = "  - {name: p, shape: [2, 3]}\n  - {name: q, shape: [3, 2]}\n";
  EXPECT_EQ(error_of(k + kVecAddTensors + pq +
                     "  - {name: w, shape: [2, 2], output: true, reference: {op: matmul, inputs: [p, q], transpose_b: true}}\n"),
            ":9: tensors[5].reference.inputs: matmul of w [2, 2]: needs a [M, K], b [N, K] (transpose_b), out [M, N]; "
            "a is [2, 3], b is [3, 2]");
  EXPECT_EQ(error_of(k + kVecAddTensors + pq +
                     "  - {name: w, shape: [2, 2], output: true, reference: {op: matmul, inputs: [p, q], bias: x}}\n"),
            ":9: tensors[5].reference.bias: x [4096] has 4096 values, the output w [2, 2] has N = 2 columns");
  EXPECT_EQ(error_of(k + kVecAddTensors + pq +
                     "  - {name: w, shape: [2, 2], output: true, reference: {op: matmul, inputs: [p, q], bias: v}}\n"),
            ":9: tensors[5].reference.bias: no tensor 'v'");
  EXPECT_EQ(error_of(k + kVecAddTensors + "  - {name: w, shape: [4096], output: true, reference: {op: add, inputs: [x, y], relu: true}}\n"),
            ":7: tensors[3].reference.relu: relu is only for op matmul");
  EXPECT_EQ(error_of(k + kVecAddTensors + "  - {name: g, shape: [3]}\n" +
                     "  - {name: w, shape: [4096], output: true, reference: {op: rmsnorm, inputs: [x, g]}}\n"),
            ":8: tensors[4].reference.inputs: rmsnorm of w [4096]: needs x of the output's shape and gamma of its last "
            "dimension; x is [4096], gamma [3]");
  EXPECT_EQ(error_of("kernels:\n  - {file: w.yaml, args: []}\n"),
            ":2: kernels[0].file: '" + (temp_dir() / "w.yaml").string() + "' is neither assembly (.s) nor an object (.o)");
  std::ofstream(temp_dir() / "bad.o") << "SNSIMOBJ but short";
  EXPECT_THAT(error_of("kernels:\n  - {file: bad.o, args: []}\n"), HasSubstr(":2: kernels[0].file: "));
  std::ofstream(temp_dir() / "nocore.s") << "start:\n    halt\n.entry start\n";
  EXPECT_EQ(error_of("kernels:\n  - {file: nocore.s, args: []}\n"),
            ":2: kernels[0].file: kernel '" + (temp_dir() / "nocore.s").string() + "' has no .core directive (aic or aiv)");
  EXPECT_EQ(error_of("kernels:\n" + kernel("gemm_bf16.s", 20, "x, y, z, 1, 1, 1") + kernel("gemm_bf16.s", 5, "x, y, z, 1, 1, 1") +
                     kVecAddTensors),
            ":3: kernels[1].blocks: gemm_bf16 needs 5 AIC; the die has 24 and earlier kernels use 20");
  write_npy((temp_dir() / "r8.npy").string(), to_npy(DType::F32, {8}, std::vector<double>(8)));
  EXPECT_EQ(error_of(k + kVecAddTensors + "  - {name: w, shape: [4096], output: true, reference: {op: file, file: r8.npy}}\n"),
            ":7: tensors[3].reference.file: " + (temp_dir() / "r8.npy").string() + " has shape [8], the tensor is [4096]");
  EXPECT_EQ(error_of("kernelz: []\n"), ":1: kernelz: unknown key (did you mean 'kernels'?)");
}

}  // namespace
}  // namespace snsim::run
