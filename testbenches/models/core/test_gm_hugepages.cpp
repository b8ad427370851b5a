// The models' large arrays (SimpleGm's regions, local buffers) when the process's allocator
// advises transparent huge pages. This binary links jemalloc with the snsim executable's options
// (sim/malloc_conf.cpp); built without jemalloc, ctest runs it with
// GLIBC_TUNABLES=glibc.malloc.hugetlb=1, which makes glibc's malloc and calloc advise their large
// mappings for huge pages (not its heap: then the 64 KiB regions' test cannot tell the pages
// apart, and skips). An array sparsely written must still cost only the 4 KiB pages written: on
// huge pages each write would take 2 MiB, and a CM384 run maps every tensor on each of its 768
// dies, most of them barely touched (docs/performance.md "jemalloc and huge pages", "Large arrays
// on small pages").
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <span>
#include <string>
#include <vector>

#include "core/core.h"
#include "core/gm.h"

namespace snsim::core::test {
namespace {

constexpr std::uint64_t kBase = 0x1000'0000;

// Resident bytes of this process, counted page by page (/proc/self/smaps_rollup's Rss, in kB),
// not the running count of /proc/self/statm, which this kernel keeps per processor and sums
// approximately.
long resident_bytes() {
  std::ifstream f("/proc/self/smaps_rollup");
  std::string key;
  long kb = -1;
  while (f >> key) {
    if (key == "Rss:") {
      f >> kb;
      break;
    }
    f.ignore(std::numeric_limits<std::streamsize>::max(), '\n');
  }
  if (kb < 0) ADD_FAILURE() << "no Rss in /proc/self/smaps_rollup";
  return kb * 1024;
}

// Empty if the allocator gives huge pages here, else why this test cannot tell them apart.
std::string why_no_huge_pages() {
#if defined(__SANITIZE_ADDRESS__)
  return "AddressSanitizer's calloc ignores glibc's tunables: it gives no huge pages to tell apart";
#endif
  std::ifstream mode_file("/sys/kernel/mm/transparent_hugepage/enabled");
  std::string mode;
  std::getline(mode_file, mode);
  if (mode.empty() || mode.find("[never]") != std::string::npos)
    return "this kernel gives no transparent huge pages ('" + mode + "'): nothing to tell apart";
  return "";
}

// Fails the test unless the allocator advises huge pages: jemalloc with snsim's options, or
// glibc's malloc with ctest's GLIBC_TUNABLES=glibc.malloc.hugetlb=1.
void expect_huge_page_tunable() {
#ifdef SNSIM_JEMALLOC
  return;
#endif
  const char* tunables = std::getenv("GLIBC_TUNABLES");
  ASSERT_TRUE(tunables != nullptr && std::string(tunables).find("glibc.malloc.hugetlb=1") != std::string::npos)
      << "run through ctest, which sets GLIBC_TUNABLES=glibc.malloc.hugetlb=1; without it this test "
         "cannot fail";
}

TEST(SimpleGmHugePages, SparseWritesToALargeRegionTakeOnlyTheirPages) {
  if (const std::string why = why_no_huge_pages(); !why.empty()) GTEST_SKIP() << why;
  ASSERT_NO_FATAL_FAILURE(expect_huge_page_tunable());

  // One byte in each 2 MiB of a 64 MiB region: 32 pages of 4 KiB, or the whole region on huge pages.
  constexpr std::uint64_t kSize = 64 << 20, kHuge = 2 << 20;
  SimpleGm gm;
  gm.map(kBase, kSize);
  const long before = resident_bytes();
  const std::vector<std::uint8_t> one{0x5a};
  for (std::uint64_t at = 0; at < kSize; at += kHuge) gm.write(kBase + at + 100, one);
  const long grown = resident_bytes() - before;
  EXPECT_LT(grown, 4 << 20) << "resident memory grew by " << grown << " bytes for 32 one-byte writes";

  std::vector<std::uint8_t> out(kHuge, 0xff);
  gm.read(kBase + kHuge, out);
  for (std::uint64_t i = 0; i < kHuge; ++i) ASSERT_EQ(out[i], i == 100 ? 0x5a : 0) << "byte " << i;
}

TEST(SimpleGmHugePages, RegionsFrom64KiBHaveMappingsOfTheirOwn) {
  if (const std::string why = why_no_huge_pages(); !why.empty()) GTEST_SKIP() << why;
  ASSERT_NO_FATAL_FAILURE(expect_huge_page_tunable());
#ifndef SNSIM_JEMALLOC
  GTEST_SKIP() << "built without jemalloc: glibc's malloc gives its heap no huge pages to tell apart";
#endif
  // 256 regions of 64 KiB (the smallest mapped apart), one byte written in each: 256 pages of
  // their own (1 MiB), or (from calloc) the huge pages of the allocator's heap they lie in, 16 MiB.
  constexpr std::uint64_t kSize = 64 << 10;
  SimpleGm gm;
  for (std::uint64_t r = 0; r < 256; ++r) gm.map(kBase + r * kSize, kSize);
  const long before = resident_bytes();
  const std::vector<std::uint8_t> one{0x5a};
  for (std::uint64_t r = 0; r < 256; ++r) gm.write(kBase + r * kSize + 4096, one);
  const long grown = resident_bytes() - before;
  EXPECT_LT(grown, 4 << 20) << "resident memory grew by " << grown << " bytes for 256 one-byte writes";
}

TEST(LocalBufferPages, OneWriteTakesOnlyItsPage) {
#if defined(__SANITIZE_ADDRESS__)
  GTEST_SKIP() << "under AddressSanitizer the buffers come from its calloc (common/pages.cpp)";
#endif
  // 16 L1 buffers of 512 KiB, one byte written in each: 16 pages of their own, or all 8 MiB
  // when a buffer is zero-filled at its first touch (on any allocator's pages).
  std::vector<LocalBuffer> l1;
  for (int i = 0; i < 16; ++i) l1.emplace_back("l1", 512 << 10, 32);
  EXPECT_FALSE(l1[0].allocated());
  const long before = resident_bytes();
  for (LocalBuffer& b : l1) b.data(1000)[0] = 0x5a;
  const long grown = resident_bytes() - before;
  EXPECT_LT(grown, 1 << 20) << "resident memory grew by " << grown << " bytes for 16 one-byte writes";
  for (LocalBuffer& b : l1) {
    EXPECT_TRUE(b.allocated());
    EXPECT_EQ(b.data(1000)[0], 0x5a);
    EXPECT_EQ(b.data(0)[0], 0);
    EXPECT_EQ(b.data((512 << 10) - 1)[0], 0);
  }
}

}  // namespace
}  // namespace snsim::core::test
