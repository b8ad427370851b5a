# gemm_epilogue_aic: the AIC half of the fused out = relu(A x B + bias) (gemm_epilogue_aiv.s is
# the AIV half; launch both as one mixed launch, 2 AIVs per AIC, with the same arguments).
# A bf16 M x K and B bf16 K x N, both row-major; C = A x B in f32 (D18 order) passes through the
# workspace ws (include/gemm_epilogue.inc: 128 KiB per AIC of the launch).
#
# AIC block g takes the 128 x 128 tiles t = g, g + blocknum, ... (row-major tile order), computes
# each in L0C as include/gemm_tile128.inc describes (L1 blocks of K = 256, L0 steps of 64), then:
#   xwait XF_FREE            a workspace buffer is free (both AIVs have loaded its last tile)
#   fixp                     L0C -> workspace buffer i mod 2, f32, 128 x 128 row-major
#   xset group, fix, XF_READY   once the tile is in GM: both AIVs may read it
# The AIVs start with two XF_FREE sets (both buffers free), so the AIC computes tile i + 1 while
# its AIVs work on tile i, and at the end it consumes the two sets left over.
# Requires M and N multiples of 128, K a multiple of 256, K and N <= 65535 (nd2nz row pitches).
#
# Flags: those of include/gemm_tile128.inc.
.include "include/snsim.inc"
.include "include/gemm_tile128.inc"
.include "include/gemm_epilogue.inc"

.core aic
.arg a, ptr
.arg b, ptr
.arg bias, ptr
.arg ws, ptr
.arg out, ptr
.arg m, u64
.arg n, u64
.arg k, u64

# B, NZ -> Zn (transposed): for each 16-deep strip k1 of step ks, fractals 16 n1 + k1, n1 = 0..7.
.macro load_b b1, b0, ks
    l0_strips bf16, l0b, \b0, L1_B + \b1 * L1_BUF, 4 * \ks, 8, 16, 4, 4096, trans
.endm

.text
.entry start
start:
    ld.u64  x1, x0, a
    ld.u64  x2, x0, b
    ld.u64  x3, x0, ws
    ld.u64  x4, x0, m
    ld.u64  x5, x0, n
    ld.u64  x6, x0, k
    gemm_tile_grid
    nd2nz_cfg  x11, 1, 128, 256, 0            # A block: 128 rows of 256
    nd2nz_cfg2 x12, 0, 128, 1, 0              # row pitch K, 128 padded rows per column block
    or      x12, x12, x6
    nd2nz_cfg  x13, 1, 256, 128, 0            # B block: 256 rows of 128
    nd2nz_cfg2 x14, 0, 256, 1, 0              # row pitch N
    or      x14, x14, x5
    mmad_cfg x15, 128, 128, 64
    fixp_cfg x16, 128, 128, 128, 128          # into a dense 128 x 128 workspace tile
    slli    x29, x5, 9                        # B advance per L1 block: 256 rows x N x 2 B
    li      x21, WS_CORE                      # x27 = this AI core's workspace
    mul     x27, x9, x21
    add     x27, x27, x3
    li      x28, 0                            # x28 = offset of the workspace buffer, flips per tile
    gemm_presets
    bge     x9, x8, drain
tile:
    divu    x21, x9, x7                       # tile row
    remu    x22, x9, x7                       # tile column
    mul     x17, x21, x6                      # A + row * 128 * K * 2
    slli    x17, x17, 8
    add     x17, x17, x1
    slli    x18, x22, 8                       # B + column * 128 * 2
    add     x18, x18, x2
    gemm_tile bf16, 8
    xwait   XF_FREE
    add     x20, x27, x28
    fixp.f32.f32 gm, x20, x0, x16, x0, norelu, nd
    set_flag fix, m, 0
    xset    group, fix, XF_READY
    xori    x28, x28, WS_TILE
    add     x9, x9, x10
    blt     x9, x8, tile
drain:
    gemm_drain
    xwait   XF_FREE
    xwait   XF_FREE
    halt
