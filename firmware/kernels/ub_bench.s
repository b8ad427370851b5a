# ub_bench: the UB microbenchmark of HARDWARE.md §4 (issue 6 §2): read and write bandwidth and
# 512 B read and write latency from die `src` to die `dst` of a machine, timed by the kernel
# itself with the cycle counter (csrr cycle, core clock cycles). The AIV cores of die `src` reach
# die dst's memory directly with MTE copies ("AIV-Direct", HARDWARE.md §3); every other die halts.
# 1. Write bandwidth: every core copies `bytes` from its UB into dst's `buf`, `reps` times (each
#    copy holds MTE3 until its last UB command is acknowledged, so a core has one copy in
#    flight; the cores together keep the NI busy). Timed from an all-core barrier (xset all) to
#    the barrier that follows the last acknowledgement, by block 0.
# 2. Read bandwidth: the same with copies from dst's `buf` into UB (MTE2).
# 3. Write latency: block 0 alone, `lat_reps` times: copy 512 B into dst's `buf`, wait for MTE3.
# 4. Read latency: block 0 alone, `lat_reps` times: copy 512 B from dst's `buf`, wait for MTE2.
# The result (i32, 8 values, written by block 0 in src's copy of `result`):
#   [0] bytes written, [1] their cycles, [2] bytes read, [3] their cycles,
#   [4] 512 (latency access size), [5] lat_reps, [6] cycles of the writes, [7] of the reads.
# Bandwidth = bytes / (cycles / core clock); latency = cycles / lat_reps / core clock (the loop's
# few scalar cycles per access included, as in a benchmark on the chip).
# Tensors sit at the same offsets on every die, so dst's `buf` is ours + ((dst - src) << 40).
# Arguments: buf (ptr: at least `bytes` and 512 B, the target region; every core writes and
# reads the same bytes), result (ptr: i32 [8]), src, dst (u64: die indices, src != dst),
# bytes (u64: per copy, a multiple of 32, at most 192 KiB: one UB), reps, lat_reps (u64, >= 1).
.include "include/snsim.inc"

.core aiv
.arg buf, ptr
.arg result, ptr
.arg src, u64
.arg dst, u64
.arg bytes, u64
.arg reps, u64
.arg lat_reps, u64

.text
.entry start
start:
    ld.u64  x1, x0, buf
    ld.u64  x2, x0, result
    ld.u64  x3, x0, src
    ld.u64  x4, x0, dst
    ld.u64  x5, x0, bytes
    ld.u64  x6, x0, reps
    ld.u64  x7, x0, lat_reps
    csrr    x8, die
    bne     x8, x3, done            # only die src issues
    csrr    x9, blockid
    sub     x10, x4, x3
    slli    x10, x10, 40
    add     x10, x1, x10            # x10 = dst's buf
    srli    x11, x5, 5
    slli    x11, x11, 16
    ori     x11, x11, 1             # x11 = copy word: one burst of `bytes`
    copy_cfg x12, 1, 16, 0, 0       # x12 = copy word: one burst of 512 B
    # 1. Write bandwidth.
    xset    all, mte3, 0
    xwait   0
    csrr    x20, cycle
    li      x21, 0
wloop:
    dma_out x10, x0, x11
    addi    x21, x21, 1
    bne     x21, x6, wloop
    xset    all, mte3, 1            # after every core's last acknowledgement
    xwait   1
    csrr    x22, cycle
    # 2. Read bandwidth.
    xset    all, mte2, 2
    xwait   2
    csrr    x23, cycle
    li      x21, 0
rloop:
    dma_in  ub, x0, x10, x11
    addi    x21, x21, 1
    bne     x21, x6, rloop
    xset    all, mte2, 3            # after every core's last read data
    xwait   3
    csrr    x24, cycle
    bne     x9, x0, done            # the latencies: block 0 alone
    # 3. Write latency.
    csrr    x25, cycle
    li      x21, 0
wlat:
    dma_out x10, x0, x12
    set_flag mte3, s, 0
    wait_flag mte3, s, 0
    addi    x21, x21, 1
    bne     x21, x7, wlat
    csrr    x26, cycle
    # 4. Read latency.
    li      x21, 0
rlat:
    dma_in  ub, x0, x10, x12
    set_flag mte2, s, 0
    wait_flag mte2, s, 0
    addi    x21, x21, 1
    bne     x21, x7, rlat
    csrr    x27, cycle
    # 5. The result.
    csrr    x14, blocknum
    mul     x15, x14, x6
    mul     x15, x15, x5            # bytes moved per bandwidth phase
    stg.u32 x15, x2, 0
    sub     x16, x22, x20
    stg.u32 x16, x2, 4
    stg.u32 x15, x2, 8
    sub     x16, x24, x23
    stg.u32 x16, x2, 12
    li      x16, 512
    stg.u32 x16, x2, 16
    stg.u32 x7, x2, 20
    sub     x16, x26, x25
    stg.u32 x16, x2, 24
    sub     x16, x27, x26
    stg.u32 x16, x2, 28
done:
    halt
