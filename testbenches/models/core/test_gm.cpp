// SimpleGm, the backing store every GM model keeps its bytes in (gm.h): its bytes against a plain
// array under random reads and writes across page boundaries, and the pages it leaves untouched.
#include <gtest/gtest.h>
#include <sys/resource.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <random>
#include <span>
#include <vector>

#include "core/gm.h"

namespace snsim::core::test {
namespace {

constexpr std::uint64_t kBase = 0x1000'0000;

// Minor page faults of this process so far.
long minor_faults() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_minflt;
}

TEST(SimpleGm, RandomReadsAndWritesAcrossPagesMatchAPlainArray) {
  // Writes of zeros (which a page never written does not store) and of data, over written and
  // unwritten pages and their boundaries; every read must give the array's bytes.
  constexpr std::size_t kSize = 1 << 20;
  SimpleGm gm;
  gm.map(kBase, kSize);
  gm.map(kBase + 2 * kSize, 3000);  // a small region too (from the heap, not page-aligned)
  std::vector<std::uint8_t> ref(kSize, 0), small(3000, 0);
  std::mt19937_64 rng(7);
  for (int i = 0; i < 4000; ++i) {
    const bool in_small = rng() % 4 == 0;
    std::vector<std::uint8_t>& r = in_small ? small : ref;
    const std::uint64_t base = in_small ? kBase + 2 * kSize : kBase;
    const std::size_t len = 1 + rng() % (in_small ? 600 : 12000);
    const std::size_t off = rng() % (r.size() - len + 1);
    if (rng() % 2 == 0) {
      std::vector<std::uint8_t> data(len, 0);
      if (rng() % 3 != 0) {
        for (auto& b : data) b = static_cast<std::uint8_t>(rng() % 3 == 0 ? 0 : rng());
      }
      gm.write(base + off, data);
      std::copy(data.begin(), data.end(), r.begin() + static_cast<std::ptrdiff_t>(off));
    } else {
      std::vector<std::uint8_t> out(len, 0xee);
      gm.read(base + off, out);
      ASSERT_TRUE(std::equal(out.begin(), out.end(), r.begin() + static_cast<std::ptrdiff_t>(off)))
          << "read of " << len << " bytes at +" << off << " after " << i << " accesses";
    }
  }
  std::vector<std::uint8_t> all(kSize);
  gm.read(kBase, all);
  EXPECT_EQ(all, ref);
}

TEST(SimpleGm, TouchesAPageOnlyToStoreNonzeroBytesAndOnce) {
  // 64 MiB: calloc maps it fresh from the kernel. Reading pages never written and writing zeros
  // there must not fault them in: such a read maps the kernel's zero page, and a later store there
  // faults again and flushes that mapping on every processor the threads ran on (the store that
  // compared bytes before writing them did this to each page a remote write reached). Storing
  // data faults each fresh page once.
  constexpr std::size_t kSize = 64 << 20, kSpan = 8 << 20, kPages = kSpan / 4096;
  SimpleGm gm;
  gm.map(kBase, kSize);
  std::vector<std::uint8_t> zeros(kSpan, 0), data(kSpan), out(kSpan, 1);
  for (std::size_t i = 0; i < kSpan; ++i) data[i] = static_cast<std::uint8_t>(i * 7 + 1);
  long before = minor_faults();
  gm.read(kBase, out);
  gm.write(kBase + kSpan, zeros);
  const long untouched = minor_faults() - before;
  EXPECT_EQ(out, zeros);
  // In 512-byte pieces, as a remote write arrives (UB packets).
  before = minor_faults();
  for (std::size_t at = 0; at < kSpan; at += 512) {
    gm.write(kBase + 2 * kSpan + at, std::span<const std::uint8_t>(data).subspan(at, 512));
  }
  const long stored = minor_faults() - before;
  EXPECT_LT(stored, static_cast<long>(kPages + kPages / 2)) << "faults storing " << kPages << " fresh pages";
  gm.read(kBase + 2 * kSpan, out);
  EXPECT_EQ(out, data);
  EXPECT_LT(untouched, static_cast<long>(kPages / 10)) << "faults reading and zeroing " << kPages << " fresh pages";
  // Zeros over stored data are stored.
  gm.write(kBase + 2 * kSpan + 4000, std::span<const std::uint8_t>(zeros).first(5000));
  gm.read(kBase + 2 * kSpan, out);
  std::fill(data.begin() + 4000, data.begin() + 9000, 0);
  EXPECT_EQ(out, data);
}

}  // namespace
}  // namespace snsim::core::test
