# gemm_epilogue_aiv: the AIV half of the fused out = relu(A x B + bias) (see gemm_epilogue_aic.s;
# same arguments). bias is f32 of N elements, out f32 M x N row-major.
#
# The two AIVs of AI core g (blockid / subblocknum) follow their AIC's tiles t = g, g + groups, ...
# For each: xwait XF_READY (the AIC has written the tile to workspace buffer i mod 2), load this
# AIV's half of the rows (subblockid 0: rows 0-63, 1: rows 64-127; 32 KiB) and the tile's 128
# bias values, xset group XF_FREE once the loads are complete (the AIC may overwrite the buffer),
# then out = relu(C + bias) on the vector unit (two vadd of 64 rows x 64 columns with the bias
# block repeated, vrelu over the 64 x 128) and MTE3 writes the 64 rows to out. UB holds two sets
# of buffers, so the loads of tile i + 1 overlap the vector work and store of tile i.
# Requires a mixed launch with 2 AIVs per AIC; M, N as gemm_epilogue_aic.s.
#
# Flags, one event id per UB buffer: mte2->v (tile loaded), v->mte2 (inputs free), v->mte3
# (result ready), mte3->v (result stored).
.include "include/snsim.inc"
.include "include/gemm_epilogue.inc"

.core aiv
.arg a, ptr
.arg b, ptr
.arg bias, ptr
.arg ws, ptr
.arg out, ptr
.arg m, u64
.arg n, u64
.arg k, u64

.equ HALF, 32768                  # 64 rows x 128 f32
.equ UB_C, 0                      # UB layout: C halves [2], out halves [2], bias slices [2]
.equ UB_O, 2 * HALF
.equ UB_BIAS, 4 * HALF

# One tile through UB buffer b: x16 = C half, x17 = out half, x18 = bias slice in UB; x19, x20,
# x22 = workspace half, bias slice, out rows in GM.
.macro epilogue_tile b
    xwait   XF_READY
    wait_flag v, mte2, \b                     # UB buffer b inputs free
    dma_in  ub, x16, x19, x11
    dma_in  ub, x18, x20, x12
    xset    group, mte2, XF_FREE
    set_flag mte2, v, \b
    wait_flag mte2, v, \b
    wait_flag mte3, v, \b                     # UB buffer b output stored
    vadd.f32 x17, x16, x18, x14               # columns 0-63
    addi    x21, x17, 256
    addi    x23, x16, 256
    addi    x24, x18, 256
    vadd.f32 x21, x23, x24, x14               # columns 64-127
    pipe_barrier v
    vrelu.f32 x17, x17, x15
    set_flag v, mte2, \b
    set_flag v, mte3, \b
    wait_flag v, mte3, \b
    dma_out x22, x17, x13
    set_flag mte3, v, \b
.endm

.text
.entry start
start:
    ld.u64  x1, x0, bias
    ld.u64  x2, x0, ws
    ld.u64  x3, x0, out
    ld.u64  x4, x0, m
    ld.u64  x5, x0, n
    csrr    x6, subblocknum
    csrr    x9, blockid
    csrr    x10, blocknum
    csrr    x26, subblockid
    divu    x9, x9, x6                        # x9 = AI core = first tile
    divu    x10, x10, x6                      # x10 = AI cores in the launch = tile step
    srli    x7, x5, 7                         # tiles per row of C
    srli    x8, x4, 7
    mul     x8, x8, x7                        # tiles in C
    li      x21, WS_CORE                      # x27 = this AIV's half in workspace buffer 0
    mul     x27, x9, x21
    add     x27, x27, x2
    slli    x21, x26, 15
    add     x27, x27, x21
    mul     x25, x26, x5                      # x25 = out offset of the half: sub * 64 rows * N * 4
    slli    x25, x25, 8
    copy_cfg x11, 1, HALF / 32, 0, 0          # the C half: one 32 KiB burst
    copy_cfg x12, 1, 16, 0, 0                 # 128 bias values
    copy_cfg x13, 64, 16, 0, 0                # 64 rows of 512 B, dst gap N * 4 / 32 - 16
    srli    x21, x5, 3
    addi    x21, x21, -16
    slli    x21, x21, 48
    or      x13, x13, x21
    vec_cfg x14, 64, 1, 1, 1, 16, 16, 0       # a row per repeat, the same 64 bias values each
    vec_cfg_dense x15, 128
    li      x28, 0                            # x28 = UB buffer offset (0 or HALF), flips per tile
    # Both workspace buffers and both UB buffers start free.
    xset    group, v, XF_FREE
    xset    group, v, XF_FREE
    set_flag v, mte2, 0
    set_flag v, mte2, 1
    set_flag mte3, v, 0
    set_flag mte3, v, 1
    bge     x9, x8, drain
tile:
    divu    x21, x9, x7                       # tile row
    remu    x22, x9, x7                       # tile column
    addi    x16, x28, UB_C
    addi    x17, x28, UB_O
    srli    x18, x28, 6                       # bias slices 512 B apart
    addi    x18, x18, UB_BIAS
    slli    x19, x28, 1                       # workspace buffers 64 KiB apart
    add     x19, x19, x27
    slli    x24, x22, 9                       # x24 = column * 128 * 4
    add     x20, x24, x1                      # bias + column * 128 * 4
    mul     x23, x21, x5                      # out + (row * 128 * N + column * 128) * 4 + half
    slli    x23, x23, 9
    add     x22, x23, x24
    add     x22, x22, x25
    add     x22, x22, x3
    beq     x28, x0, buf0
    epilogue_tile 1
    jal     x0, next
buf0:
    epilogue_tile 0
next:
    xori    x28, x28, HALF
    add     x9, x9, x10
    blt     x9, x8, tile
drain:
    wait_flag v, mte2, 0
    wait_flag v, mte2, 1
    wait_flag mte3, v, 0
    wait_flag mte3, v, 1
    halt
