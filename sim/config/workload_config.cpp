#include "config/workload_config.h"

#include <algorithm>
#include <cctype>
#include <set>

namespace snsim {

void WorkloadRefCfg::describe(Schema<WorkloadRefCfg>& s) {
  s.choice("op", &WorkloadRefCfg::op, RefOp::None,
           {{"none", RefOp::None},
            {"file", RefOp::File},
            {"matmul", RefOp::Matmul},
            {"add", RefOp::Add},
            {"mul", RefOp::Mul},
            {"softmax", RefOp::Softmax},
            {"rmsnorm", RefOp::Rmsnorm},
            {"die_sum", RefOp::DieSum},
            {"die_reduce_scatter", RefOp::ReduceScatter},
            {"die_all_gather", RefOp::AllGather},
            {"die_all_to_all", RefOp::AllToAll},
            {"moe_dispatch", RefOp::MoeDispatch},
            {"moe_combine", RefOp::MoeCombine}})
      .doc("How the expected output is obtained: an .npy file, or an op computed on the host in double "
           "precision from the input tensors (docs/run.md)");
  s.field("inputs", &WorkloadRefCfg::inputs, std::vector<std::string>{})
      .doc("Operand tensors of op: matmul [a, b]; add, mul [x, y]; softmax [x]; rmsnorm [x, gamma]; die_sum [x]: "
           "the sum of x over every die of a machine (an all-reduce; one die: x itself, docs/machine.md); "
           "die_reduce_scatter [x]: die d's block d of that sum; die_all_gather [x]: every die's x, die by die; "
           "die_all_to_all [x]: block j is die j's block d (blocks: the dies-many equal parts of the elements); "
           "moe_dispatch, moe_combine [x, ids, wts, factor, recv]: a rank's receive buffer and output of "
           "firmware/kernels/moe.s (docs/kernels.md)");
  s.field("file", &WorkloadRefCfg::file, std::string())
      .doc("op file: the expected values (.npy, relative to the workload file)");
  s.field("eps", &WorkloadRefCfg::eps, 1e-6).min(0).doc("rmsnorm: y = x / sqrt(mean(x^2) + eps) * gamma");
  s.field("scale", &WorkloadRefCfg::scale, 1.0).doc("matmul: every sum is multiplied by it");
  s.field("transpose_b", &WorkloadRefCfg::transpose_b, false)
      .doc("matmul: b is given transposed, [N, K] with b[n][k] = B[k][n] (a Linear layer's weights)");
  s.field("bias", &WorkloadRefCfg::bias, std::string())
      .doc("matmul: a tensor of N values, bias[n] added to column n of scale x A B");
  s.field("relu", &WorkloadRefCfg::relu, false).doc("matmul: max(0, x) of each result, after scale and bias");
  s.field("atol", &WorkloadRefCfg::atol, 0.0)
      .min(0)
      .doc("Absolute tolerance: each element must satisfy |out - ref| <= atol + rtol |ref|");
  s.field("rtol", &WorkloadRefCfg::rtol, 0.0).min(0).doc("Relative tolerance (see atol)");
  s.check([](const WorkloadRefCfg& r, const Checker& k) {
    if (r.op == RefOp::File && r.file.empty()) k.fail("file", "op file needs a file");
    if (r.op != RefOp::File && !r.file.empty()) k.fail("file", "file is only for op file");
    if (r.op != RefOp::Matmul) {
      if (r.transpose_b) k.fail("transpose_b", "transpose_b is only for op matmul");
      if (!r.bias.empty()) k.fail("bias", "bias is only for op matmul");
      if (r.relu) k.fail("relu", "relu is only for op matmul");
    }
    const std::size_t want = r.op == RefOp::Matmul || r.op == RefOp::Add || r.op == RefOp::Mul ||
                                     r.op == RefOp::Rmsnorm
                                 ? 2
                             : r.op == RefOp::MoeDispatch || r.op == RefOp::MoeCombine ? 5
                             : r.op == RefOp::None || r.op == RefOp::File ? 0
                                                                            : 1;
    if (r.inputs.size() != want) {
      k.fail("inputs", "op " + std::string(to_string(r.op)) + " takes " + std::to_string(want) +
                           " input tensor" + (want == 1 ? "" : "s") + ", got " +
                           std::to_string(r.inputs.size()));
    }
  });
}

void WorkloadTensorCfg::describe(Schema<WorkloadTensorCfg>& s) {
  using run::DType;
  s.field("name", &WorkloadTensorCfg::name, std::string()).required().doc("Name used in kernel args and references");
  s.field("shape", &WorkloadTensorCfg::shape, std::vector<std::uint64_t>{})
      .required()
      .min_items(1)
      .range(1, 1ull << 32)
      .doc("Dimensions, row-major (C order)");
  s.choice("dtype", &WorkloadTensorCfg::dtype, DType::F32,
           {{"f16", DType::F16}, {"bf16", DType::Bf16}, {"f32", DType::F32}, {"i8", DType::I8}, {"i32", DType::I32}})
      .doc("Element type");
  s.choice("init", &WorkloadTensorCfg::init, TensorInit::Zeros,
           {{"zeros", TensorInit::Zeros}, {"random", TensorInit::Random}, {"file", TensorInit::File}})
      .doc("Initial GM contents: zeros; uniform random in range (seeded from the seed and the tensor's "
           "name); or an .npy file");
  s.field("range", &WorkloadTensorCfg::range, std::vector<double>{-1.0, 1.0})
      .doc("init random: [lo, hi); integer types draw integers lo..hi inclusive");
  s.field("file", &WorkloadTensorCfg::file, std::string())
      .doc("init file: the .npy file (relative to the workload file); its shape and dtype must match");
  s.field("output", &WorkloadTensorCfg::output, false)
      .doc("Write the tensor after the run as <out>/<name>.npy");
  s.section("reference", &WorkloadTensorCfg::reference)
      .doc("Check the tensor after the run against a reference (output tensors only).");
  s.check([](const WorkloadTensorCfg& t, const Checker& k) {
    const bool ident = !t.name.empty() && !std::isdigit(static_cast<unsigned char>(t.name[0])) &&
                       std::all_of(t.name.begin(), t.name.end(),
                                   [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; });
    if (!ident) k.fail("name", "'" + t.name + "' is not a name (letters, digits, _; not starting with a digit)");
    if (t.range.size() != 2 || !(t.range[0] < t.range[1])) k.fail("range", "needs two numbers lo < hi");
    if (t.init == TensorInit::File && t.file.empty()) k.fail("file", "init file needs a file");
    if (t.init != TensorInit::File && !t.file.empty()) k.fail("file", "file is only for init file");
    if (t.reference.op != RefOp::None && !t.output) k.fail("reference", "only an output tensor has a reference");
  });
}

void WorkloadKernelCfg::describe(Schema<WorkloadKernelCfg>& s) {
  s.field("file", &WorkloadKernelCfg::file, std::string())
      .required()
      .doc("Kernel: assembly (.s, assembled in-process) or object (.o), relative to the workload file; "
           "its `.core` gives the core type");
  s.field("blocks", &WorkloadKernelCfg::blocks, 1u)
      .unit("cores")
      .min(1)
      .doc("Block dimension: how many cores of the kernel's type run it");
  s.field("args", &WorkloadKernelCfg::args, std::vector<std::string>{})
      .doc("One per `.arg` of the kernel: a tensor name (its GM address) or a literal (integer, or a "
           "number for an f32 argument)");
}

void WorkloadConfig::describe(Schema<WorkloadConfig>& s) {
  s.field("seed", &WorkloadConfig::seed, std::uint64_t{1})
      .doc("Seed of the random tensors (snsim run --seed overrides it)");
  s.field("dies", &WorkloadConfig::dies, 0u)
      .unit("dies")
      .min(1)
      .doc("Machine configs: the kernels run on dies 0 .. dies - 1, which alone hold the tensors (their outputs "
           "are checked); the other dies get neither. Unset: every die");
  s.list("kernels", &WorkloadConfig::kernels).min_items(1).doc("Kernels launched together, sharing GM and the cross-core flags.");
  s.list("tensors", &WorkloadConfig::tensors).doc("Tensors placed in GM, in this order.");
  s.check([](const WorkloadConfig& w, const Checker& k) {
    std::set<std::string> names;
    for (std::size_t i = 0; i < w.tensors.size(); ++i) {
      if (!names.insert(w.tensors[i].name).second) {
        k.fail(config::index_path("tensors", i) + ".name", "tensor '" + w.tensors[i].name + "' is declared twice");
      }
    }
  });
}

std::string_view to_string(RefOp op) {
  switch (op) {
    case RefOp::None:
      return "none";
    case RefOp::File:
      return "file";
    case RefOp::Matmul:
      return "matmul";
    case RefOp::Add:
      return "add";
    case RefOp::Mul:
      return "mul";
    case RefOp::Softmax:
      return "softmax";
    case RefOp::Rmsnorm:
      return "rmsnorm";
    case RefOp::DieSum:
      return "die_sum";
    case RefOp::ReduceScatter:
      return "die_reduce_scatter";
    case RefOp::AllGather:
      return "die_all_gather";
    case RefOp::AllToAll:
      return "die_all_to_all";
    case RefOp::MoeDispatch:
      return "moe_dispatch";
    case RefOp::MoeCombine:
      return "moe_combine";
  }
  return "?";
}

}  // namespace snsim
