# rmsnorm_f32: y[r, :] = x[r, :] * gamma / sqrt(mean(x[r, :]^2) + eps) for FP32 rows of h
# elements, rows spread over the AIV cores of the launch (row r on core r mod blocknum).
# Assembled at build time; it runs, and is checked against an independent reference, once the
# core models of issue 5 §2 exist. The host passes 1/h and eps as FP32 arguments (the scalar
# unit has no floating point). Requires h a multiple of 64 with 64 <= h <= 4096.
#
# Per row: MTE2 loads x; the vector unit squares it, sums each 64-element repeat (vcadd), sums
# the partials under a mask, scales, adds eps, takes rsqrt, broadcasts it to a block (vbrcb) and
# multiplies x by that block (source block and repeat strides 0) and by gamma; MTE3 stores y.
.include "include/snsim.inc"
.include "include/rows.inc"

.core aiv
.arg x, ptr
.arg gamma, ptr
.arg y, ptr
.arg rows, u64
.arg h, u64
.arg inv_h, f32
.arg eps, f32

.equ UB_X, 0                      # UB layout, bytes
.equ UB_G, 16384
.equ UB_SQ, 32768
.equ UB_Y, 49152
.equ UB_P, 65536                  # 64 partial sums
.equ UB_S, 65792                  # the row's scalar (one repeat wide)
.equ UB_B, 66048                  # 8 blocks from vbrcb; block 0 holds the scalar 8 times

.text
.entry start
start:
    ld.u64  x1, x0, x
    ld.u64  x2, x0, gamma
    ld.u64  x3, x0, y
    ld.u64  x4, x0, rows
    ld.u64  x5, x0, h
    ld.u32  x6, x0, inv_h
    ld.u32  x7, x0, eps
    csrr    x8, blockid                       # x8 = row
    csrr    x9, blocknum
    row_setup                                 # x10..x17, x27: rows.inc
    li      x20, UB_X
    li      x21, UB_G
    li      x22, UB_SQ
    li      x23, UB_Y
    li      x24, UB_P
    li      x25, UB_S
    li      x26, UB_B
    # gamma, once.
    dma_in  ub, x21, x2, x12
    set_flag mte2, v, 1
    wait_flag mte2, v, 1
    # The x and y buffers start free.
    set_flag v, mte2, 0
    set_flag mte3, v, 0
    bge     x8, x4, drain
row:
    mul     x28, x8, x10                      # byte offset of the row
    add     x29, x1, x28
    wait_flag v, mte2, 0                      # the vector unit is done with the last x
    dma_in  ub, x20, x29, x12
    set_flag mte2, v, 0
    wait_flag mte2, v, 0
    wait_flag mte3, v, 0                      # MTE3 has stored the last y
    vmul.f32 x22, x20, x20, x13               # squares
    pipe_barrier v
    row_reduce vcadd, x22                     # the row's sum of squares, at x25
    vmuls.f32 x25, x25, x6, x15               # mean
    pipe_barrier v
    vadds.f32 x25, x25, x7, x15               # + eps
    pipe_barrier v
    vrsqrt.f32 x25, x25, x15
    pipe_barrier v
    vbrcb.f32 x26, x25, x15                   # block 0 = the scalar, 8 times
    pipe_barrier v
    vmul.f32 x23, x20, x26, x16               # x * rstd
    pipe_barrier v
    vmul.f32 x23, x23, x21, x13               # * gamma
    set_flag v, mte2, 0
    set_flag v, mte3, 0
    wait_flag v, mte3, 0
    add     x29, x3, x28
    dma_out x29, x23, x12
    set_flag mte3, v, 0
    add     x8, x8, x9
    blt     x8, x4, row
drain:
    wait_flag v, mte2, 0
    wait_flag mte3, v, 0
    halt
