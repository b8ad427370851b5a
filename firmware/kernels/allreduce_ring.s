# allreduce_ring: y = the sum of x over every die of the machine (f32, n elements), a ring all-reduce
# (issue 6 §3) on one AIV per die: the n elements are `dies` chunks of c = n / dies; die r's ring
# successor is (r + 1) mod dies. A ring reduce-scatter leaves the sum of chunk r in chunk r of y,
# then a ring all-gather fills the other chunks of y (include/ring.inc: remote MTE3 writes straight
# into the successor's memory, notify / gwait per step, every step run to completion before the next).
# Arguments: x, y (ptr: f32 arrays of n), recv (ptr: f32 array of (dies - 1) x c, scratch),
# flags (ptr: 2 x (dies - 1) u64, zero), n (u64).
# Traps (docs/kernels.md): 1 n is not a multiple of dies x 64; 2 c is above 16320 (255 vadd repeats).
.include "include/snsim.inc"
.include "include/ring.inc"

.core aiv
.arg x, ptr
.arg y, ptr
.arg recv, ptr
.arg flags, ptr
.arg n, u64

.text
.entry start
start:
    ring_prologue                   # x1-x5 arguments, x6 = r, x7 = dies, x8 = chunk bytes, x10 = delta
    mul     x11, x6, x8
    add     x11, x2, x11            # x11 = chunk r of y
    ring_reduce_scatter x1, x11, x3, x4, x6, x7, x10, x8
    addi    x12, x7, -1
    slli    x12, x12, 3
    add     x12, x4, x12            # the all-gather's flags
    ring_all_gather x2, x12, x6, x7, x10, x8
    halt
