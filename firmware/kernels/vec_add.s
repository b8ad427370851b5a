# vec_add: z = x + y over n FP32 elements, split evenly over the AIV cores of the launch.
# Each core streams tiles of 64 repeats x 64 elements (16 KiB per operand) through UB with two
# buffers per operand, so MTE2 loads tile i+1 while the vector unit adds tile i and MTE3 stores
# tile i-1. Requires n to be a multiple of (block count x 4096).
.include "include/snsim.inc"

.core aiv
.arg x, ptr
.arg y, ptr
.arg z, ptr
.arg n, u64

.equ TILE_ELEMS, 4096             # 64 repeats x 64 FP32 elements
.equ TILE_BYTES, TILE_ELEMS * 4
.equ UB_X, 0                      # UB layout: x[2], y[2], z[2] tiles
.equ UB_Y, 2 * TILE_BYTES
.equ UB_Z, 4 * TILE_BYTES

.text
.entry start
start:
    ld.u64  x1, x0, x               # x1 = x, x2 = y, x3 = z, x4 = n
    ld.u64  x2, x0, y
    ld.u64  x3, x0, z
    ld.u64  x4, x0, n
    csrr    x5, blocknum            # this core's share: n / blocks elements from block id
    csrr    x6, blockid
    divu    x7, x4, x5
    mul     x8, x7, x6
    slli    x8, x8, 2               # byte offset of the share
    add     x1, x1, x8
    add     x2, x2, x8
    add     x3, x3, x8
    li      x9, TILE_ELEMS
    divu    x10, x7, x9             # x10 = tiles in this core's share
    beq     x10, x0, done
    copy_cfg x11, 1, TILE_BYTES / 32, 0, 0
    vec_cfg_dense x12, 64
    li      x13, 0                  # x13 = buffer offset (0 or TILE_BYTES), flips each tile
    li      x14, TILE_BYTES
    # Both buffers start free: the first wait on each V->MTE2 and MTE3->V event must not block.
    set_flag v, mte2, 0
    set_flag v, mte2, 1
    set_flag mte3, v, 0
    set_flag mte3, v, 1
tile:
    srli    x15, x13, 14            # x15 = buffer index 0/1 (TILE_BYTES = 1 << 14)
    addi    x16, x13, UB_X
    addi    x17, x13, UB_Y
    addi    x18, x13, UB_Z
    beq     x15, x0, buf0
    wait_flag v, mte2, 1            # buffer 1 inputs free
    dma_in  ub, x16, x1, x11
    dma_in  ub, x17, x2, x11
    set_flag mte2, v, 1
    wait_flag mte2, v, 1
    wait_flag mte3, v, 1            # buffer 1 output stored
    vadd.f32 x18, x16, x17, x12
    set_flag v, mte2, 1
    set_flag v, mte3, 1
    wait_flag v, mte3, 1
    dma_out x3, x18, x11
    set_flag mte3, v, 1
    jal     x0, next
buf0:
    wait_flag v, mte2, 0
    dma_in  ub, x16, x1, x11
    dma_in  ub, x17, x2, x11
    set_flag mte2, v, 0
    wait_flag mte2, v, 0
    wait_flag mte3, v, 0
    vadd.f32 x18, x16, x17, x12
    set_flag v, mte2, 0
    set_flag v, mte3, 0
    wait_flag v, mte3, 0
    dma_out x3, x18, x11
    set_flag mte3, v, 0
next:
    add     x1, x1, x14
    add     x2, x2, x14
    add     x3, x3, x14
    xor     x13, x13, x14
    loop    x10, tile
    # Drain: consume the flags set for the next iterations so every set is matched by a wait.
    wait_flag v, mte2, 0
    wait_flag v, mte2, 1
    wait_flag mte3, v, 0
    wait_flag mte3, v, 1
done:
    halt
