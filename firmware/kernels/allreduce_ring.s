# allreduce_ring: y = the sum of x over every die of the machine (f32, n elements), a ring all-reduce
# (issue 6 §3): one AIV per die; die r's ring successor is (r + 1) mod dies. The n elements are
# `dies` chunks of c = n / dies. First y = x (the die's DMA engine); then dies - 1 reduce-scatter
# steps: at step s, die r writes its chunk (r - s) mod dies of y into its successor's recv slot s
# (MTE3 straight into the peer's memory) and sets the successor's flag s (notify, ordered behind
# that write), waits for its own flag s (gwait), and adds recv slot s into its chunk
# (r - s - 1) mod dies; die r then holds the sum of chunk (r + 1) mod dies. Then dies - 1
# all-gather steps: at step s, die r writes its chunk (r + 1 - s) mod dies of y into the same chunk
# of its successor's y and sets the successor's flag dies - 1 + s, then waits for its own.
# Tensors sit at the same offsets on every die, so a peer's address is ours + ((peer - r) << 40).
# Every step runs to completion before the next (set_flag / wait_flag through the scalar unit).
# Arguments: x, y (ptr: f32 arrays of n), recv (ptr: f32 array of (dies - 1) x c, scratch),
# flags (ptr: 2 x (dies - 1) u64, zero), n (u64: dies x c, c a multiple of 64 and at most 16320:
# the vadd repeat count c / 64 is 8 bits, at most 255).
.include "include/snsim.inc"

.core aiv
.arg x, ptr
.arg y, ptr
.arg recv, ptr
.arg flags, ptr
.arg n, u64

.equ UB_A, 0                      # UB: the chunk of y, then the sum
.equ UB_B, 0x10000                # the chunk received

# The scalar unit waits until every earlier instruction of `pipe` has finished.
.macro drain pipe
    set_flag \pipe, s, 0
    wait_flag \pipe, s, 0
.endm

# x24 = address of chunk (x6 + \add - x21) mod x7 of y.
.macro chunk add
    add     x24, x6, x7
    sub     x24, x24, x21
    addi    x24, x24, \add
    remu    x24, x24, x7
    mul     x24, x24, x8
    add     x24, x2, x24
.endm

.text
.entry start
start:
    ld.u64  x1, x0, x
    ld.u64  x2, x0, y
    ld.u64  x3, x0, recv
    ld.u64  x4, x0, flags
    ld.u64  x5, x0, n
    csrr    x6, die                 # x6 = r, x7 = dies
    csrr    x7, dies
    slli    x8, x5, 2
    divu    x8, x8, x7              # x8 = chunk bytes
    addi    x9, x6, 1
    remu    x9, x9, x7              # x9 = successor
    slli    x10, x9, 40
    slli    x11, x6, 40
    sub     x10, x10, x11           # x10 = successor's address - ours
    srli    x11, x8, 5
    slli    x11, x11, 16
    ori     x11, x11, 1             # x11 = copy word: one burst of the chunk
    li64    x12, (1 << 8) | (1 << 16) | (1 << 24) | (8 << 32) | (8 << 40) | (8 << 48)
    srli    x13, x8, 8
    or      x12, x12, x13           # x12 = vector word: chunk / 256 B dense repeats
    li      x20, UB_B
    li      x23, 1
    # 1. y = x.
    slli    x13, x5, 2
    dma     x2, x1, x13
    drain   mte2
    addi    x22, x7, -1             # x22 = steps; none on a one-die machine
    beq     x22, x0, done
    # 2. Reduce-scatter, x21 = step.
    li      x21, 0
scatter:
    chunk   0                       # send chunk (r - s)
    dma_in  ub, x0, x24, x11
    drain   mte2
    mul     x25, x21, x8
    add     x25, x3, x25
    add     x25, x25, x10           # successor's recv slot s
    dma_out x25, x0, x11
    drain   mte3
    slli    x26, x21, 3
    add     x26, x4, x26            # our flag s; + x10: the successor's
    add     x27, x26, x10
    notify  x23, x27, 0
    gwait   x23, x26, 0
    chunk   -1                      # add recv slot s into chunk (r - s - 1)
    dma_in  ub, x0, x24, x11
    sub     x25, x25, x10
    dma_in  ub, x20, x25, x11
    set_flag mte2, v, 0
    wait_flag mte2, v, 0
    vadd.f32 x0, x0, x20, x12
    set_flag v, mte3, 0
    wait_flag v, mte3, 0
    dma_out x24, x0, x11
    drain   mte3
    addi    x21, x21, 1
    bne     x21, x22, scatter
    # 3. All-gather, x21 = step.
    li      x21, 0
gather:
    chunk   1                       # send chunk (r + 1 - s) into the successor's y
    dma_in  ub, x0, x24, x11
    drain   mte2
    add     x25, x24, x10
    dma_out x25, x0, x11
    drain   mte3
    add     x26, x21, x22
    slli    x26, x26, 3
    add     x26, x4, x26            # our flag dies - 1 + s; + x10: the successor's
    add     x27, x26, x10
    notify  x23, x27, 0
    gwait   x23, x26, 0
    addi    x21, x21, 1
    bne     x21, x22, gather
done:
    halt
