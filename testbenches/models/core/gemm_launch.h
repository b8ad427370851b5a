#pragma once
// The GEMM kernels (firmware/kernels/gemm_*.s) launched from their object files on a Rig and
// checked bit for bit against reference_gemm (an independent plain C++ GEMM, reference.h).
#include <gtest/gtest.h>

#include <bit>
#include <cstring>
#include <string>
#include <vector>

#include "reference.h"
#include "rig.h"

namespace snsim::core::test {

struct GemmLaunch {
  static constexpr std::uint64_t kA = 0x1000'0000, kB = 0x2000'0000, kC = 0x3000'0000;

  GemmLaunch(In in_, Out out_, unsigned m_, unsigned n_, unsigned k_, unsigned cores_)
      : in(in_), out(out_), m(m_), n(n_), k(k_), cores(cores_),
        a(random_inputs(in, std::size_t{m} * k, m + k)),
        b(random_inputs(in, std::size_t{k} * n, n + 7 * k)) {}

  std::string name() const {
    return std::string("gemm_") + (in == In::Bf16 ? "bf16" : "f16") + (out == Out::F32 ? "" : "_bf16");
  }
  unsigned out_bytes() const { return out == Out::F32 ? 4 : 2; }

  // Maps and fills A, B and C in rig.gm and adds `cores` AICs running the kernel, each on the
  // GlobalMemory rig.memory() gives.
  void setup(Rig& rig) const {
    rig.gm.map(kA, a.size() * 2);
    rig.gm.map(kB, b.size() * 2);
    rig.gm.map(kC, std::size_t{m} * n * out_bytes());
    rig.gm.write(kA, {reinterpret_cast<const std::uint8_t*>(a.data()), a.size() * 2});
    rig.gm.write(kB, {reinterpret_cast<const std::uint8_t*>(b.data()), b.size() * 2});
    const obj::Object kernel = obj::read_object_file(SNSIM_KERNEL_OBJ_DIR "/" + name() + ".o");
    for (unsigned i = 0; i < cores; ++i)
      rig.add(kernel, {.type = isa::CoreType::Aic, .core_id = i, .block_id = i, .block_num = cores},
              {kA, kB, kC, m, n, k});
  }

  // Compares every output bit of C in rig.gm with the reference (a gtest failure at the first
  // difference).
  void check(const Rig& rig) const {
    std::vector<std::uint8_t> c(std::size_t{m} * n * out_bytes());
    rig.gm.read(kC, c);
    const auto ref = reference_gemm(in, a, b, m, n, k);
    for (std::size_t i = 0; i < ref.size(); ++i) {
      std::uint32_t got = 0;
      std::memcpy(&got, &c[i * out_bytes()], out_bytes());
      const std::uint32_t want = out == Out::F32 ? std::bit_cast<std::uint32_t>(ref[i]) : round_bf16(ref[i]);
      ASSERT_EQ(got, want) << name() << " C[" << i / n << "][" << i % n << "], reference " << ref[i];
    }
  }

  In in;
  Out out;
  unsigned m, n, k, cores;
  std::vector<std::uint16_t> a, b;
};

}  // namespace snsim::core::test
