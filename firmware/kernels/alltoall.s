# alltoall: die r's y block j = die j's x block r (x and y: dies blocks of b bytes, any element type), an all-to-all
# (issue 6 §3) on any number of AIVs per die. As the CM384 paper's dispatch does (HARDWARE.md §4),
# each die writes its blocks straight into the peers' receive buffers, then counts them in: AIV k of
# K takes the peers r + k, r + k + K, ... (mod dies, so that the dies start on different peers);
# per peer j it copies x block j into the UB (MTE2) and out into block r of die j's y (MTE3), two UB
# buffers alternating so that the next block loads while one is written. Once all its writes have
# been acknowledged it adds 1 to each of its peers' count (amoadd); then it waits until its own die's
# count is dies (gwait): every die's block has arrived.
# Arguments: x, y (ptr: dies x b bytes each), count (ptr: one u64, zero), bytes (u64: of x, dies x b).
# Traps (docs/kernels.md): 1 b is 0 or bytes is not a multiple of dies x 32; 2 b is above 98304
# (half the UB).
.include "include/snsim.inc"
.include "include/ring.inc"

.core aiv
.arg x, ptr
.arg y, ptr
.arg count, ptr
.arg bytes, u64

.equ UB_HALF, 0x18000

# Peer j = r + x10 (mod dies): x block j -> UB buffer p -> block r of j's y.
.macro send_block p
    add     x12, x6, x10
    remu    x12, x12, x7            # x12 = j
    mul     x13, x12, x5
    add     x13, x1, x13            # x block j
    mul     x14, x6, x5
    add     x14, x2, x14
    peer_delta x16, x12, x6
    add     x14, x14, x16           # block r of j's y
    li      x15, \p * UB_HALF
    wait_flag mte3, mte2, \p        # buffer p written out
    dma_in  ub, x15, x13, x11
    set_flag mte2, mte3, \p
    wait_flag mte2, mte3, \p        # buffer p loaded
    dma_out x14, x15, x11
    set_flag mte3, mte2, \p
.endm

.text
.entry start
start:
    ld.u64  x1, x0, x
    ld.u64  x2, x0, y
    ld.u64  x3, x0, count
    ld.u64  x5, x0, bytes
    csrr    x6, die                 # x6 = r, x7 = dies
    csrr    x7, dies
    csrr    x8, blockid
    csrr    x9, blocknum
    slli    x10, x7, 5
    remu    x10, x5, x10
    bne     x10, x0, bad_size
    divu    x5, x5, x7              # x5 = b
    bne     x5, x0, sized
bad_size:
    trap    1
sized:
    li      x10, UB_HALF
    bgeu    x10, x5, fits
    trap    2
fits:
    srli    x11, x5, 5
    slli    x11, x11, 16
    ori     x11, x11, 1             # x11 = copy word: one burst of b bytes
    set_flag mte3, mte2, 0          # both buffers free
    set_flag mte3, mte2, 1
    # 1. The blocks, x10 = j - r.
    addi    x10, x8, 0
    bgeu    x10, x7, sent
send:
    send_block 0
    add     x10, x10, x9
    bgeu    x10, x7, sent
    send_block 1
    add     x10, x10, x9
    bltu    x10, x7, send
sent:
    wait_flag mte3, mte2, 0         # every write acknowledged
    wait_flag mte3, mte2, 1
    drain   mte2
    # 2. The counts.
    li      x17, 1
    addi    x10, x8, 0
    bgeu    x10, x7, counted
count_in:
    add     x12, x6, x10
    remu    x12, x12, x7
    peer_delta x16, x12, x6
    add     x16, x3, x16
    amoadd  x0, x17, x16, 0
    add     x10, x10, x9
    bltu    x10, x7, count_in
counted:
    gwait   x7, x3, 0               # count = dies: every block of y has arrived
    halt
