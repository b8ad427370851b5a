# alltoall: die r's y block j = die j's x block r (x and y: dies blocks of b bytes, any element type), an all-to-all
# (issue 6 §3) on any number of AIVs per die. As the CM384 paper's dispatch does (HARDWARE.md §4),
# each die writes its blocks straight into the peers' receive buffers, then counts them in.
# Work: the dies x S items (peer k = 0 .. dies - 1, slice s < S), S = K / dies slices per block
# (at least 1, at most b / 32) for K AIVs, so that every AIV of the die has work when K >= dies.
# Item i = k S + s is slice s (32-byte units [s u / S, (s + 1) u / S) of u = b / 32) of the block
# for peer j = r + k (mod dies: the dies start on different peers); AIV c takes items c, c + K, ...,
# so it has at most one item per peer. Per item it copies the slice of x block j into a UB half
# (MTE2) and out into block r of die j's y (MTE3), the two halves alternating. The writes go back
# to back: the next item's load is issued before the scalar unit waits for the previous write, and
# once a write is acknowledged the scalar unit adds its bytes to peer j's count (amoadd) while MTE3
# writes the next item. Then every AIV waits until its own die's count is dies x b (gwait): every
# byte of y has arrived. If out is not y, the AIVs then copy y into out (share c of K each): a
# consumer that reads y only after the wait, so a run checks that the wait orders it.
# Arguments: x, y (ptr: dies x b bytes each), count (ptr: one u64, zero), bytes (u64: of x, dies x b),
# out (ptr: bytes bytes, or y itself for no consumer).
# Traps (docs/kernels.md): 1 b is 0 or bytes is not a multiple of dies x 32; 2 b is above 98304
# (half the UB).
.include "include/snsim.inc"
.include "include/ring.inc"

.core aiv
.arg x, ptr
.arg y, ptr
.arg count, ptr
.arg bytes, u64
.arg out, ptr

.equ UB_HALF, 0x18000
.equ UB_UNITS, UB_HALF / 32

# Item x10's slice: x12 = its source (in x block j), x13 = its destination (block r of j's y),
# x14 = copy word, x15 = j's count, x16 = its bytes.
.macro item_addrs
    divu    x12, x10, x18
    remu    x13, x10, x18           # x12 = k, x13 = s
    add     x19, x6, x12
    remu    x19, x19, x7            # x19 = j
    mul     x14, x13, x17
    divu    x14, x14, x18           # first unit of the slice
    addi    x13, x13, 1
    mul     x16, x13, x17
    divu    x16, x16, x18
    sub     x16, x16, x14
    slli    x16, x16, 5             # x16 = bytes of the slice
    slli    x14, x14, 5             # x14 = its offset in the block
    mul     x12, x19, x5
    add     x12, x12, x1
    add     x12, x12, x14           # x12 = source
    peer_delta x20, x19, x6
    mul     x13, x6, x5
    add     x13, x13, x2
    add     x13, x13, x14
    add     x13, x13, x20           # x13 = destination
    add     x15, x3, x20            # x15 = j's count
    slli    x14, x16, 11
    ori     x14, x14, 1             # x14 = one burst of x16 bytes
.endm

# Item x10 (addresses from item_addrs) into UB half p, once the half's last write is done.
.macro load_item p
    li      x21, (\p) * UB_HALF
    wait_flag mte3, mte2, \p
    dma_in  ub, x21, x12, x14
    set_flag mte2, mte3, \p
.endm

# Write the item loaded into half p (x13, x14; its count x15, x16 into x26, x27), load the next
# (x10 += K), then count in the previous item (x24, x25; none if x24 is 0), which was written from
# the other half, and make this item the previous one. Leaves x10 >= x11 when no item is left.
.macro write_item p
    li      x21, (\p) * UB_HALF
    wait_flag mte2, mte3, \p
    dma_out x13, x21, x14
    set_flag mte3, mte2, \p         # the half is free
    set_flag mte3, s, \p            # the write is acknowledged
    addi    x26, x15, 0
    addi    x27, x16, 0
    add     x10, x10, x9
    bgeu    x10, x11, last\@
    item_addrs
    load_item 1 - \p
last\@:
    beq     x24, x0, first\@
    wait_flag mte3, s, 1 - \p
    amoadd  x0, x25, x24, 0
first\@:
    addi    x24, x26, 0
    addi    x25, x27, 0
.endm

.text
.entry start
start:
    ld.u64  x1, x0, x
    ld.u64  x2, x0, y
    ld.u64  x3, x0, count
    ld.u64  x5, x0, bytes
    ld.u64  x4, x0, out
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
    srli    x17, x5, 5              # x17 = u: 32-byte units of a block
    divu    x18, x9, x7             # x18 = S = K / dies, within [1, u]
    bne     x18, x0, some
    li      x18, 1
some:
    bgeu    x17, x18, slices
    addi    x18, x17, 0
slices:
    mul     x11, x7, x18            # x11 = items
    li      x24, 0                  # no item to count in yet
    set_flag mte3, mte2, 0          # both halves free
    set_flag mte3, mte2, 1
    # 1. The items, the counts one behind the writes.
    addi    x10, x8, 0
    bgeu    x10, x11, sent
    item_addrs
    load_item 0
send:
    write_item 0
    bgeu    x10, x11, last0
    write_item 1
    bltu    x10, x11, send
    wait_flag mte3, s, 1            # the last item, written from half 1
    jal     x0, count_last
last0:
    wait_flag mte3, s, 0
count_last:
    amoadd  x0, x25, x24, 0
sent:
    wait_flag mte3, mte2, 0         # both halves' sets consumed
    wait_flag mte3, mte2, 1
    drain   mte2
    # 2. Every byte of y has arrived.
    mul     x10, x5, x7
    gwait   x10, x3, 0
    # 3. The consumer: y units [c U / K, (c + 1) U / K) of U into out, at most a UB half at a time.
    beq     x4, x2, done
    srli    x10, x10, 5             # x10 = U
    mul     x12, x8, x10
    divu    x12, x12, x9            # first unit
    addi    x13, x8, 1
    mul     x13, x13, x10
    divu    x13, x13, x9            # end unit
consume:
    bgeu    x12, x13, done
    sub     x14, x13, x12
    li      x15, UB_UNITS
    bgeu    x15, x14, piece
    addi    x14, x15, 0
piece:
    slli    x16, x12, 5
    add     x19, x2, x16
    add     x20, x4, x16
    slli    x15, x14, 16
    ori     x15, x15, 1             # one burst of x14 units
    dma_in  ub, x0, x19, x15
    set_flag mte2, mte3, 2
    wait_flag mte2, mte3, 2
    dma_out x20, x0, x15
    drain   mte3
    add     x12, x12, x14
    jal     x0, consume
done:
    halt
