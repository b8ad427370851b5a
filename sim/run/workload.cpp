#include "run/workload.h"

#include <bit>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <map>

#include <fmt/format.h>

#include "asm/assembler.h"
#include "common/rng.h"
#include "run/collective_ref.h"
#include "run/host_ref.h"
#include "run/moe.h"

namespace snsim::run {

namespace fs = std::filesystem;

namespace {

std::optional<std::uint64_t> parse_integer(const std::string& s, bool is_signed) {
  if (s.empty()) return std::nullopt;
  errno = 0;
  char* end = nullptr;
  const std::uint64_t v = is_signed ? static_cast<std::uint64_t>(std::strtoll(s.c_str(), &end, 0))
                                    : std::strtoull(s.c_str(), &end, 0);
  if (errno != 0 || *end != '\0' || (!is_signed && s[0] == '-')) return std::nullopt;
  return v;
}

std::optional<float> parse_f32(const std::string& s) {
  if (s.empty()) return std::nullopt;
  char* end = nullptr;
  const float v = std::strtof(s.c_str(), &end);
  if (*end != '\0') return std::nullopt;
  return v;
}

std::string arg_list(const obj::Object& o) {
  std::string out;
  for (const obj::KernelArg& a : o.args) out += (out.empty() ? "" : ", ") + a.name;
  return out;
}

std::uint64_t elements(const std::vector<std::uint64_t>& shape) {
  std::uint64_t n = 1;
  for (std::uint64_t d : shape) n *= d;
  return n;
}

// The most GM one tensor may take: a die's HBM, 64 GB (HARDWARE.md §2).
constexpr std::uint64_t kMaxTensorBytes = 64ull << 30;

// The shape's size in bytes; fails at `key` if it passes kMaxTensorBytes (or would overflow).
std::uint64_t checked_bytes(const std::vector<std::uint64_t>& shape, DType dtype, const std::string& key,
                            const Checker& at) {
  std::uint64_t bytes = dtype_bytes(dtype);
  for (std::uint64_t d : shape) {
    if (d != 0 && bytes > kMaxTensorBytes / d) {
      at.fail(key, fmt::format("{} {} is over {} GiB, a die's HBM", shape_text(shape), dtype_name(dtype),
                               kMaxTensorBytes >> 30));
    }
    bytes *= d;
  }
  return bytes;
}

// 1. Read or assemble the object; 2. its core type; 3. the arguments against its .arg list.
Kernel load_kernel(const WorkloadKernelCfg& k, const std::string& key, const fs::path& dir, const Workload& w,
                   const DieConfig& die, const Checker& at) {
  Kernel out{};
  const fs::path file = dir / k.file;
  out.file = file.lexically_normal().string();
  out.name = file.stem().string();
  if (!fs::is_regular_file(file)) at.fail(key + ".file", fmt::format("no kernel file '{}'", out.file));
  if (file.extension() == ".s") {
    as::Options options;
    options.strict = die.core.strict;
    const as::Result r = as::assemble_file(out.file, options);
    if (!r.object) throw AssemblyError(r.format_errors());
    out.object = *r.object;
  } else if (file.extension() == ".o") {
    try {
      out.object = obj::read_object_file(out.file);
    } catch (const obj::ObjectError& e) {
      at.fail(key + ".file", e.what());
    }
  } else {
    at.fail(key + ".file", fmt::format("'{}' is neither assembly (.s) nor an object (.o)", out.file));
  }
  if (out.object.core == isa::CoreType::Any)
    at.fail(key + ".file", fmt::format("kernel '{}' has no .core directive (aic or aiv)", out.file));
  out.type = out.object.core;
  out.blocks = k.blocks;

  const std::vector<obj::KernelArg>& params = out.object.args;
  if (k.args.size() != params.size()) {
    at.fail(key + ".args", fmt::format("kernel {} takes {} argument{} ({}), got {}", out.name, params.size(),
                                       params.size() == 1 ? "" : "s", arg_list(out.object), k.args.size()));
  }
  for (std::size_t i = 0; i < params.size(); ++i) {
    const std::string& text = k.args[i];
    const std::string akey = config::index_path(key + ".args", i);
    const obj::KernelArg& p = params[i];
    const Tensor* t = w.tensor(text);
    std::optional<std::uint64_t> v;
    switch (p.kind) {
      case obj::ArgKind::Ptr:
        if (t) v = t->addr;
        else at.fail(akey, fmt::format("argument '{}' is a pointer: '{}' is not a tensor of this workload", p.name, text));
        break;
      case obj::ArgKind::U64:
      case obj::ArgKind::S64:
        v = parse_integer(text, p.kind == obj::ArgKind::S64);
        if (!v) at.fail(akey, fmt::format("argument '{}' ({}) needs an integer, got '{}'", p.name, arg_kind_name(p.kind), text));
        break;
      case obj::ArgKind::F32:
        if (const auto f = parse_f32(text)) v = std::bit_cast<std::uint32_t>(*f);
        else at.fail(akey, fmt::format("argument '{}' (f32) needs a number, got '{}'", p.name, text));
        break;
    }
    out.args.push_back(*v);
  }
  return out;
}

NpyArray initial_contents(const WorkloadTensorCfg& c, const std::string& key, const fs::path& dir,
                          std::uint64_t seed, bool numerics, const Checker& at) {
  NpyArray a{c.dtype, c.shape, {}};
  switch (c.init) {
    case TensorInit::File: {
      const std::string path = (dir / c.file).lexically_normal().string();
      NpyArray f;
      try {
        f = read_npy(path);
      } catch (const NpyError& e) {
        at.fail(key + ".file", e.what());
      }
      if (f.dtype != c.dtype || f.shape != c.shape) {
        at.fail(key + ".file", fmt::format("{} holds {} {} ('{}'), the tensor is {} {} ('{}')", path,
                                           dtype_name(f.dtype), shape_text(f.shape), npy_descr(f.dtype),
                                           dtype_name(c.dtype), shape_text(c.shape), npy_descr(c.dtype)));
      }
      if (numerics) a = std::move(f);
      break;
    }
    case TensorInit::Random: {
      if (!numerics) break;
      Rng rng = Rng::derive(seed, "tensor." + c.name);
      std::vector<double> v(elements(c.shape));
      const double lo = c.range[0], hi = c.range[1];
      for (double& x : v) {
        if (dtype_is_float(c.dtype)) {
          x = lo + (hi - lo) * rng.uniform_double();
        } else {
          const double ilo = std::ceil(lo), ihi = std::floor(hi);
          if (ihi < ilo) at.fail(key + ".range", "holds no integer");
          const auto [min, max] = dtype_int_limits(c.dtype);
          if (ilo < min || ihi > max) {
            at.fail(key + ".range", fmt::format("[{}, {}] goes beyond {}'s [{}, {}]", lo, hi, dtype_name(c.dtype),
                                                min, max));
          }
          x = ilo + static_cast<double>(rng.uniform(static_cast<std::uint64_t>(ihi - ilo) + 1));
        }
      }
      a = to_npy(c.dtype, c.shape, v);
      break;
    }
    case TensorInit::Zeros:
      if (numerics) a.data.assign(elements(c.shape) * dtype_bytes(c.dtype), 0);
      break;
  }
  return a;
}

// Checks the operands of a reference op against its output (a collective's against the `dies` dies),
// and reads op file's values into out.expected.
void check_reference(Tensor& out, const std::string& key, const fs::path& dir, const Workload& w, bool numerics,
                     std::uint32_t dies, const Checker& at) {
  const WorkloadRefCfg& r = out.reference;
  std::vector<const Tensor*> in;
  for (std::size_t i = 0; i < r.inputs.size(); ++i) {
    const Tensor* t = w.tensor(r.inputs[i]);
    if (!t) at.fail(config::index_path(key + ".inputs", i), fmt::format("no tensor '{}'", r.inputs[i]));
    in.push_back(t);
  }
  const auto shape_fail = [&](const std::string& why) {
    at.fail(key + ".inputs", fmt::format("{} of {} {}: {}", to_string(r.op), out.name, shape_text(out.shape), why));
  };
  const auto& os = out.shape;
  switch (r.op) {
    case RefOp::Matmul: {
      const auto &a = in[0]->shape, &b = in[1]->shape;
      const std::size_t bk = r.transpose_b ? 1 : 0, bn = 1 - bk;  // b's K and N dimensions
      if (a.size() != 2 || b.size() != 2 || os.size() != 2 || a[1] != b[bk] || a[0] != os[0] || b[bn] != os[1]) {
        shape_fail(fmt::format("needs a [M, K], b {}, out [M, N]; a is {}, b is {}",
                               r.transpose_b ? "[N, K] (transpose_b)" : "[K, N]", shape_text(a), shape_text(b)));
      }
      if (!r.bias.empty()) {
        const Tensor* bias = w.tensor(r.bias);
        if (!bias) at.fail(key + ".bias", fmt::format("no tensor '{}'", r.bias));
        if (elements(bias->shape) != os[1])
          at.fail(key + ".bias", fmt::format("{} {} has {} values, the output {} {} has N = {} columns", r.bias,
                                             shape_text(bias->shape), elements(bias->shape), out.name,
                                             shape_text(os), os[1]));
      }
      break;
    }
    case RefOp::Add:
    case RefOp::Mul:
      if (in[0]->shape != os || in[1]->shape != os)
        shape_fail(fmt::format("operands are {} and {}", shape_text(in[0]->shape), shape_text(in[1]->shape)));
      break;
    case RefOp::Softmax:
    case RefOp::DieSum:
      if (in[0]->shape != os) shape_fail(fmt::format("x is {}", shape_text(in[0]->shape)));
      break;
    case RefOp::ReduceScatter:
    case RefOp::AllGather:
    case RefOp::AllToAll:
      if (const std::string why = collective_shape_error(r.op, elements(in[0]->shape), elements(os), dies);
          !why.empty())
        shape_fail(why);
      break;
    case RefOp::Rmsnorm:
      if (in[0]->shape != os || elements(in[1]->shape) != os.back())
        shape_fail(fmt::format("needs x of the output's shape and gamma of its last dimension; x is {}, gamma {}",
                               shape_text(in[0]->shape), shape_text(in[1]->shape)));
      break;
    case RefOp::File: {
      const std::string path = (dir / r.file).lexically_normal().string();
      try {
        out.expected = read_npy(path);
      } catch (const NpyError& e) {
        at.fail(key + ".file", e.what());
      }
      if (out.expected.shape != os)
        at.fail(key + ".file", fmt::format("{} has shape {}, the tensor is {}", path, shape_text(out.expected.shape), shape_text(os)));
      if (!numerics) out.expected.data.clear();
      break;
    }
    case RefOp::MoeDispatch:
    case RefOp::MoeCombine:
      check_moe_reference(out, w, key, at);
      break;
    case RefOp::None:
      break;
  }
}

}  // namespace

const Tensor* Workload::tensor(std::string_view name) const {
  for (const Tensor& t : tensors) {
    if (t.name == name) return &t;
  }
  return nullptr;
}

std::uint64_t die_seed(std::uint64_t seed, std::uint32_t die) {
  return die == 0 ? seed : Rng::derive(seed, "die" + std::to_string(die)).next_u64();
}

NpyArray tensor_initial(const Workload& w, std::size_t index, std::uint64_t seed) {
  config::LoadContext ctx(w.path);  // the workload loaded once already: its checks have passed
  return initial_contents(w.tensor_cfgs[index], config::index_path("tensors", index), fs::path(w.path).parent_path(),
                          seed, true, Checker(ctx, ""));
}

Workload load_workload(const std::string& path, const DieConfig& die, bool numerics,
                       std::optional<std::uint64_t> seed_override, std::uint32_t dies) {
  // 1. The syntax: keys, types, ranges (ConfigError from the schema).
  WorkloadConfig cfg = config_defaults<WorkloadConfig>();
  config::LoadContext ctx(path);
  const config::Node tree = config::read_tree(path);
  schema_of<WorkloadConfig>().load_into(cfg, &tree, "", ctx);
  const Checker at(ctx, "");
  const fs::path dir = fs::path(path).parent_path();
  Workload w;
  w.seed = seed_override.value_or(cfg.seed);
  w.path = path;
  w.tensor_cfgs = cfg.tensors;
  if (cfg.dies > dies)
    at.fail("dies", fmt::format("dies {} is more than the {} the config has{}", cfg.dies, dies,
                                dies == 1 ? " (a one-die config: the key is for machines)" : ""));
  w.dies = cfg.dies ? cfg.dies : dies;

  // 2. Tensors, in order, each at the next 4 KiB boundary after a 4 KiB gap.
  std::uint64_t next = kGmBase;
  for (std::size_t i = 0; i < cfg.tensors.size(); ++i) {
    const WorkloadTensorCfg& c = cfg.tensors[i];
    const std::string key = config::index_path("tensors", i);
    Tensor t{c.name, c.dtype, c.shape, next, checked_bytes(c.shape, c.dtype, key + ".shape", at),
             initial_contents(c, key, dir, w.seed, numerics, at), c.output, c.reference, {}};
    next = (t.addr + t.bytes + kGmAlign + kGmAlign - 1) / kGmAlign * kGmAlign;
    w.tensors.push_back(std::move(t));
  }
  for (std::size_t i = 0; i < w.tensors.size(); ++i)
    check_reference(w.tensors[i], config::index_path("tensors", i) + ".reference", dir, w, numerics, w.dies, at);

  // 3. Kernels, placed on consecutive cores of their type.
  unsigned used[3] = {0, 0, 0};
  for (std::size_t i = 0; i < cfg.kernels.size(); ++i) {
    const std::string key = config::index_path("kernels", i);
    Kernel k = load_kernel(cfg.kernels[i], key, dir, w, die, at);
    const bool aic = k.type == isa::CoreType::Aic;
    const unsigned have = aic ? die.die.aic : die.die.aiv;
    unsigned& u = used[static_cast<unsigned>(k.type)];
    if (u + k.blocks > have) {
      at.fail(key + ".blocks", fmt::format("{} needs {} {}; the die has {}{}", k.name, k.blocks, aic ? "AIC" : "AIV",
                                           have, u ? fmt::format(" and earlier kernels use {}", u) : ""));
    }
    k.first_core = u;
    u += k.blocks;
    if (k.name == "moe") check_moe_kernel(k, key, w, at);
    w.kernels.push_back(std::move(k));
  }
  const bool mixed = used[static_cast<unsigned>(isa::CoreType::Aic)] && used[static_cast<unsigned>(isa::CoreType::Aiv)];
  // A mixed launch groups AIC block g with AIV blocks 2g and 2g + 1 (docs/isa.md §7) by block id,
  // which each kernel counts from 0: it is one AIC kernel and one AIV kernel of twice its blocks.
  if (mixed) {
    if (w.kernels.size() > 2) {
      at.fail(config::index_path("kernels", 2) + ".file",
              "a launch mixing AIC and AIV kernels takes one of each (AIC block g works with AIV blocks 2g and 2g + 1)");
    }
    const std::size_t aic = w.kernels[0].type == isa::CoreType::Aic ? 0 : 1, aiv = 1 - aic;
    if (w.kernels[aiv].blocks != 2 * w.kernels[aic].blocks) {
      at.fail(config::index_path("kernels", aiv) + ".blocks",
              fmt::format("{} AIV blocks with {} AIC blocks: a mixed launch has 2 AIV per AIC, so {}",
                          w.kernels[aiv].blocks, w.kernels[aic].blocks, 2 * w.kernels[aic].blocks));
    }
  }
  for (Kernel& k : w.kernels) k.sub_block_num = mixed && k.type == isa::CoreType::Aiv ? 2 : 1;
  return w;
}

}  // namespace snsim::run
