#pragma once
// The workload file of `snsim run` (docs/run.md): kernels launched together on one die, the
// tensors they read and write in GM, and the host references outputs are checked against. This
// is the syntax only; sim/run/workload.h resolves names, files and arguments against it.

#include <cstdint>
#include <string>
#include <vector>

#include "config/config.h"
#include "run/dtype.h"

namespace snsim {

enum class TensorInit { Zeros, Random, File };
enum class RefOp {
  None, File, Matmul, Add, Mul, Softmax, Rmsnorm, DieSum, ReduceScatter, AllGather, AllToAll, MoeDispatch, MoeCombine
};

struct WorkloadRefCfg {
  RefOp op{};
  std::vector<std::string> inputs;  // tensor names, the operands of op
  std::string file;                 // op: file
  double eps{};                     // rmsnorm
  double scale{};                   // matmul: multiplies every sum (int8 dequantization)
  bool transpose_b{};               // matmul: b is given as [N, K] (b[n][k] = B[k][n])
  std::string bias;                 // matmul: tensor of N values added to each row, after scale
  bool relu{};                      // matmul: max(0, .) last
  double atol{};
  double rtol{};

  static void describe(Schema<WorkloadRefCfg>& s);
};

struct WorkloadTensorCfg {
  std::string name;
  std::vector<std::uint64_t> shape;
  run::DType dtype{};
  TensorInit init{};
  std::vector<double> range;  // init: random, [lo, hi)
  std::string file;           // init: file
  bool output{};
  WorkloadRefCfg reference;

  static void describe(Schema<WorkloadTensorCfg>& s);
};

struct WorkloadKernelCfg {
  std::string file;
  std::uint32_t blocks{};
  std::vector<std::string> args;

  static void describe(Schema<WorkloadKernelCfg>& s);
};

struct WorkloadConfig {
  std::uint64_t seed{};
  std::uint32_t dies{};  // 0: every die of the machine
  std::vector<WorkloadKernelCfg> kernels;
  std::vector<WorkloadTensorCfg> tensors;

  static void describe(Schema<WorkloadConfig>& s);
};

std::string_view to_string(RefOp op);

}  // namespace snsim
