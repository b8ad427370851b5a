// jemalloc's options for the snsim executable, and for the tests that must allocate as it does
// (testbenches/models/core/test_gm_hugepages.cpp): linked into both when CMake finds jemalloc.
// jemalloc reads them at its first allocation (MALLOC_CONF in the environment applies after
// these, so a user can still change them). Every mapping jemalloc makes, for its allocations and
// its own metadata, is advised for transparent huge pages (madvise(MADV_HUGEPAGE); Debian's kernel
// default is "madvise", so nothing else gets them). The simulator's state (routers, network
// interfaces, cores, the network's wheels) is spread over a few GB on the CM384 machine: on 4 KiB
// pages its accesses need far more page walks (the likely cause of the measured gain; the VM it was
// measured on has no TLB counters). The models' large arrays (the dies' global memory regions of
// 64 KiB or more, sparse by design, and the cores' local buffers) are not in jemalloc's mappings:
// they map small pages of their own (common/pages.h).
// Freed memory is kept for reuse, never returned to the kernel (the decays at -1): a simulation's
// memory stays near its peak until it ends, and returning pages splits huge pages and faults them
// in again (the step's first 150,000 cycles: 10% less time, 4% more resident memory).
// docs/performance.md "jemalloc and huge pages" has the figures.
extern "C" {
// NOLINTNEXTLINE: the name and type are jemalloc's interface.
const char* malloc_conf = "thp:always,metadata_thp:always,dirty_decay_ms:-1,muzzy_decay_ms:-1";
}
