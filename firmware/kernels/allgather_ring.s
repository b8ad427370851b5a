# allgather_ring: y = the x of every die of the machine, die j's at chunk j (f32), a ring all-gather
# (issue 6 §3) on one AIV per die: die r copies its x (c elements) into chunk r of its y, then in
# dies - 1 steps forwards chunks to its ring successor (r + 1) mod dies (include/ring.inc: remote MTE3
# writes straight into the successor's y, notify / gwait per step).
# Arguments: x (ptr: f32 array of c), y (ptr: f32 array of dies x c), flags (ptr: dies - 1 u64,
# zero), c (u64).
# Traps (docs/kernels.md): 1 c is not a multiple of 64; 2 c is above 16320 (the UB's chunk buffer).
.include "include/snsim.inc"
.include "include/ring.inc"

.core aiv
.arg x, ptr
.arg y, ptr
.arg flags, ptr
.arg c, u64

.text
.entry start
start:
    ld.u64  x1, x0, x
    ld.u64  x2, x0, y
    ld.u64  x4, x0, flags
    ld.u64  x5, x0, c
    csrr    x6, die                 # x6 = r, x7 = dies
    csrr    x7, dies
    andi    x9, x5, 63
    beq     x9, x0, sized
    trap    1
sized:
    slli    x8, x5, 2               # x8 = chunk bytes
    ring_check_chunk x8
    ring_words x8                   # x -> chunk r of y
    dma_in  ub, x0, x1, x28
    drain   mte2
    mul     x11, x6, x8
    add     x11, x2, x11
    dma_out x11, x0, x28
    drain   mte3
    addi    x9, x6, 1
    remu    x9, x9, x7              # x9 = successor
    peer_delta x10, x9, x6
    ring_all_gather x2, x4, x6, x7, x10, x8
    halt
