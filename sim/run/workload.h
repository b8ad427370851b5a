#pragma once
// A workload of `snsim run` resolved against a die (docs/run.md): kernels assembled or read and
// placed on cores, their arguments resolved (tensor names become GM addresses), tensors placed in
// GM with their initial contents, references checked for shape. Nothing here simulates.
//
// Every problem is reported with the workload file and line: a ConfigError ("FILE:LINE: KEY:
// WHY") for the workload's own keys, files it names (.npy, kernel) included; an AssemblyError
// holding the assembler's own messages for a kernel that does not assemble.

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "config/die_config.h"
#include "config/workload_config.h"
#include "object/object.h"
#include "run/npy.h"

namespace snsim::run {

struct AssemblyError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct Tensor {
  std::string name;
  DType dtype;
  std::vector<std::uint64_t> shape;
  std::uint64_t addr;   // in GM
  std::uint64_t bytes;
  NpyArray initial;     // the contents before the run (empty data in timing-only mode)
  bool output;
  WorkloadRefCfg reference;
  NpyArray expected;    // reference.op file: the file's contents
};

struct Kernel {
  std::string file;  // as resolved (relative to the working directory)
  std::string name;  // the file's stem
  obj::Object object;
  isa::CoreType type;
  unsigned blocks;
  unsigned first_core;  // physical cores first_core .. first_core + blocks - 1 of its type
  unsigned sub_block_num;  // 2 in a launch with both AIC and AIV kernels (docs/isa.md §2), else 1
  std::vector<std::uint64_t> args;
};

struct Workload {
  std::uint64_t seed;
  std::uint32_t dies;  // the dies that hold the tensors and run the kernels: 0 .. dies - 1
  std::vector<Kernel> kernels;
  std::vector<Tensor> tensors;
  std::string path;                            // the workload file, and its tensors as written there
  std::vector<WorkloadTensorCfg> tensor_cfgs;  // (for each die's contents: tensor_initial)

  const Tensor* tensor(std::string_view name) const;
};

inline constexpr std::uint64_t kGmBase = 0x1000'0000;  // first tensor's address
inline constexpr std::uint64_t kGmAlign = 0x1000;      // tensors start at multiples of 4 KiB,
                                                        // with at least 4 KiB unmapped between them

// The seed of die `die`'s tensor contents in a machine (docs/machine.md): die 0 uses the workload's
// seed, so its tensors are those of a one-die run; every other die one derived from it.
std::uint64_t die_seed(std::uint64_t seed, std::uint32_t die);

// The initial contents of tensor `index` of `w` under `seed` (as load_workload makes them).
NpyArray tensor_initial(const Workload& w, std::size_t index, std::uint64_t seed);

// Reads and resolves `path`. `numerics` false (timing only) skips generating tensor contents. `dies`:
// the machine's die count; the workload's `dies` key (at most that) takes the first of them, and
// collectives' references are checked against the dies taken.
Workload load_workload(const std::string& path, const DieConfig& die, bool numerics,
                       std::optional<std::uint64_t> seed_override, std::uint32_t dies = 1);

}  // namespace snsim::run
