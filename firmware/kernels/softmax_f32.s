# softmax_f32: y[r, :] = exp(x[r, :] - max(x[r, :])) / sum(exp(x[r, :] - max(x[r, :]))) for FP32
# rows of h elements, rows spread over the AIV cores of the launch (row r on core r mod blocknum).
# Assembled at build time; it runs, and is checked against an independent reference, once the
# core models of issue 5 §2 exist. Requires h a multiple of 64 with 64 <= h <= 4096.
#
# Per row: MTE2 loads x; the vector unit takes the row maximum (vcmax per repeat, then a masked
# vcmax of the partials), broadcasts it to a block (vbrcb) and subtracts it from every element
# (source strides 0), exponentiates, sums the same way, takes the reciprocal, broadcasts it and
# scales; MTE3 stores y.
.include "include/snsim.inc"
.include "include/rows.inc"

.core aiv
.arg x, ptr
.arg y, ptr
.arg rows, u64
.arg h, u64

.equ UB_X, 0                      # UB layout, bytes
.equ UB_E, 16384                  # x - max, then exp, then y
.equ UB_P, 32768                  # 64 partial results
.equ UB_S, 33024                  # the row's scalar (one repeat wide)
.equ UB_B, 33280                  # 8 blocks from vbrcb; block 0 holds the scalar 8 times

.text
.entry start
start:
    ld.u64  x1, x0, x
    ld.u64  x3, x0, y
    ld.u64  x4, x0, rows
    ld.u64  x5, x0, h
    csrr    x8, blockid                       # x8 = row
    csrr    x9, blocknum
    row_setup                                 # x10..x17, x27: rows.inc
    li      x20, UB_X
    li      x22, UB_E
    li      x24, UB_P
    li      x25, UB_S
    li      x26, UB_B
    set_flag v, mte2, 0                       # the x and y buffers start free
    set_flag mte3, v, 0
    bge     x8, x4, drain
row:
    mul     x28, x8, x10
    add     x29, x1, x28
    wait_flag v, mte2, 0
    dma_in  ub, x20, x29, x12
    set_flag mte2, v, 0
    wait_flag mte2, v, 0
    wait_flag mte3, v, 0
    row_reduce vcmax, x20
    vbrcb.f32 x26, x25, x15
    pipe_barrier v
    vsub.f32 x22, x20, x26, x16               # x - max
    set_flag v, mte2, 0                       # x is no longer needed
    pipe_barrier v
    vexp.f32 x22, x22, x13
    pipe_barrier v
    row_reduce vcadd, x22
    vrec.f32 x25, x25, x15                    # 1 / sum
    pipe_barrier v
    vbrcb.f32 x26, x25, x15
    pipe_barrier v
    vmul.f32 x22, x22, x26, x16
    set_flag v, mte3, 0
    wait_flag v, mte3, 0
    add     x29, x3, x28
    dma_out x29, x22, x12
    set_flag mte3, v, 0
    add     x8, x8, x9
    blt     x8, x4, row
drain:
    wait_flag v, mte2, 0
    wait_flag mte3, v, 0
    halt
