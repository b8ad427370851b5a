# gemm_bf16: C (f32, M x N, row-major) = A (bf16, M x K, row-major) x B (bf16, K x N, row-major)
# on the AIC cores of the launch. Assembled at build time; it runs, and is checked against an
# independent reference, once the core models of issue 5 §2 exist.
#
# Each core takes 128 x 128 output tiles t = blockid, blockid + blocknum, ... For a tile, K is
# walked in L1 blocks of 256 (A: 128 x 256, B: 256 x 128, each 64 KiB, two buffers per operand:
# MTE2 fills block k+1 while MTE1 reads block k) and, inside an L1 block, in steps of 64 (L0A
# 128 x 64, L0B 64 x 128, 16 KiB each, two buffers: MTE1 loads step s+1 while the cube multiplies
# step s). The tile accumulates in L0C (64 KiB, f32) and FixPipe writes it to GM.
# Requires M and N multiples of 128, K a multiple of 512, N <= 65535.
#
# Flags: mte2->mte1 (L1 block loaded), mte1->mte2 (L1 block released), mte1->m (L0 step loaded),
# m->mte1 (L0 step released), m->fix (tile done), fix->m (L0C free). Each event id is its buffer.
.include "include/snsim.inc"

.core aic
.arg a, ptr
.arg b, ptr
.arg c, ptr
.arg m, u64
.arg n, u64
.arg k, u64

.equ L1_A, 0                      # L1: A buffers 0, 1 then B buffers 0, 1
.equ L1_B, 2 * 65536
.equ L1_BUF, 65536
.equ L0_BUF, 16384                # L0A and L0B: two 16 KiB step buffers each

# count load2d instructions into L0 buffer b0 of buf, each moving `repeat` fractals from L1 address
# l1 starting at fractal `start` (stride apart); the start fractal and the destination step by one
# strip each time.
.macro strips buf, b0, l1, start, repeat, stride, count, step, trans
    li      x21, \b0 * L0_BUF
    li      x22, \l1
    load2d_cfg x23, \start, \repeat, \stride, 0, 0
    li      x24, \count
strip\@:
    load2d.bf16 \buf, x21, x22, x23, \trans
    addi    x21, x21, \step
    addi    x23, x23, 1
    loop    x24, strip\@
.endm

# One k-step of 64 from L1 buffer b1 through L0 buffer b0: ks is the step within the L1 block.
.macro k_step b1, b0, ks
    wait_flag m, mte1, \b0                    # the cube has finished with L0 buffer b0
    # A, NZ -> Zz: for each 16-row strip m1, fractals m1 + 8 k1 for k1 = 4 ks .. 4 ks + 3.
    strips  l0a, \b0, L1_A + \b1 * L1_BUF, 32 * \ks, 4, 8, 8, 2048, notrans
    # B, NZ -> Zn (transposed): for each 16-deep strip k1, fractals 16 n1 + k1 for n1 = 0..7.
    strips  l0b, \b0, L1_B + \b1 * L1_BUF, 4 * \ks, 8, 16, 4, 4096, trans
    set_flag mte1, m, \b0
    wait_flag mte1, m, \b0
    li      x21, \b0 * L0_BUF
    li      x25, \ks                          # overwrite L0C on the tile's first step only
    sltiu   x25, x25, 1
    and     x25, x25, x30
    beq     x25, x0, accumulate\@
    mmad.bf16 x0, x21, x21, x15, init
    jal     x0, issued\@
accumulate\@:
    mmad.bf16 x0, x21, x21, x15, acc
issued\@:
    set_flag m, mte1, \b0
.endm

# One L1 block of K = 256 through L1 buffer b1.
.macro l1_block b1
    wait_flag mte1, mte2, \b1                 # MTE1 has finished with L1 buffer b1
    li      x21, L1_A + \b1 * L1_BUF
    nd2nz.bf16 x21, x17, x11, x12
    li      x21, L1_B + \b1 * L1_BUF
    nd2nz.bf16 x21, x18, x13, x14
    set_flag mte2, mte1, \b1
    wait_flag mte2, mte1, \b1
    k_step  \b1, 0, 0
    k_step  \b1, 1, 1
    k_step  \b1, 0, 2
    k_step  \b1, 1, 3
    set_flag mte1, mte2, \b1
    addi    x17, x17, 512                     # A: next 256 columns
    add     x18, x18, x29                     # B: next 256 rows
    li      x30, 0
.endm

.text
.entry start
start:
    ld.u64  x1, x0, a
    ld.u64  x2, x0, b
    ld.u64  x3, x0, c
    ld.u64  x4, x0, m
    ld.u64  x5, x0, n
    ld.u64  x6, x0, k
    srli    x7, x5, 7                         # tiles per row of C
    srli    x8, x4, 7
    mul     x8, x8, x7                        # tiles in C
    csrr    x9, blockid
    csrr    x10, blocknum
    # Parameter words; the ones that depend on K or N get them OR-ed in.
    nd2nz_cfg  x11, 1, 128, 256, 0            # A block: 128 rows of 256
    nd2nz_cfg2 x12, 0, 128, 1, 0              # row pitch K, 128 padded rows per column block
    or      x12, x12, x6
    nd2nz_cfg  x13, 1, 256, 128, 0            # B block: 256 rows of 128
    nd2nz_cfg2 x14, 0, 256, 1, 0              # row pitch N
    or      x14, x14, x5
    mmad_cfg x15, 128, 128, 64
    fixp_cfg x16, 128, 128, 128, 0            # dst row pitch N
    slli    x21, x5, 48
    or      x16, x16, x21
    slli    x29, x5, 9                        # B advance per L1 block: 256 rows x N x 2 B
    # Every buffer starts free.
    set_flag mte1, mte2, 0
    set_flag mte1, mte2, 1
    set_flag m, mte1, 0
    set_flag m, mte1, 1
    set_flag fix, m, 0
    bge     x9, x8, drain
tile:
    divu    x21, x9, x7                       # tile row
    remu    x22, x9, x7                       # tile column
    mul     x17, x21, x6                      # A + row * 128 * K * 2
    slli    x17, x17, 8
    add     x17, x17, x1
    slli    x18, x22, 8                       # B + column * 128 * 2
    add     x18, x18, x2
    mul     x20, x21, x5                      # C + (row * 128 * N + column * 128) * 4
    slli    x20, x20, 7
    slli    x23, x22, 7
    add     x20, x20, x23
    slli    x20, x20, 2
    add     x20, x20, x3
    li      x30, 1                            # the next step is the tile's first
    wait_flag fix, m, 0                       # FixPipe has read the previous tile out of L0C
    srli    x19, x6, 9                        # pairs of L1 blocks
k_pairs:
    l1_block 0
    l1_block 1
    loop    x19, k_pairs
    set_flag m, fix, 0
    wait_flag m, fix, 0
    fixp.f32.f32 gm, x20, x0, x16, x0, norelu, nd
    set_flag fix, m, 0
    add     x9, x9, x10
    blt     x9, x8, tile
drain:
    # Consume the presets and the last releases, so every set is matched by a wait.
    wait_flag mte1, mte2, 0
    wait_flag mte1, mte2, 1
    wait_flag m, mte1, 0
    wait_flag m, mte1, 1
    wait_flag fix, m, 0
    halt
