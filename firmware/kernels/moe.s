# moe: one MoE layer's communication step on `ranks` dies (issue 6 §3 and §5): dispatch with
# per-token INT8 quantization, a simple expert, and combine, as CloudMatrix's AIV-Direct kernels
# do it (HARDWARE.md §4, [P CM 4.2.1]). Die r (r < ranks) is rank r and owns experts
# r x epr .. r x epr + epr - 1; dies r >= ranks halt at once, so a step of 256 ranks runs on the
# 768 dies of CM384 (kernel arguments say how many take part; every die runs the same program).
# B = blocknum AIVs per die share the work.
#
# 1. Dispatch. Core b takes its own tokens t = b, b + B, ... and nobody scans the whole routing
#    table: pair (t, k) with expert e = ids[t][k] goes to rank r = e / epr as that rank's j-th pair
#    from us, j taken with `amoadd` from the counter flags[2 ranks + r] in this die's own memory (a
#    local atomic shared by the die's cores: it returns the old count). So the slots that one
#    source fills at a rank are 0 .. count - 1 in the order the die's cores reached their
#    `amoadd`s, which the timing decides (deterministically); nothing reads a slot's position: the
#    expert takes the token's place t x topk + k from the slot's pad. For each token the core
#    copies x[t] (bf16, hidden values) GM -> UB, converts it to f32, takes amax = max |x|,
#    scale = amax / 127 (f32), q = s8(f16(x / scale)) (round to nearest even; amax 0 gives q 0),
#    and writes per k one slot of hidden + 512 bytes straight into the peer's receive buffer
#    (a posted remote MTE3 write, dma_post: MTE3 goes on to the next slot once the bytes have left
#    the UB, so a core keeps up to core.posted_write_bytes in flight instead of one slot):
#    recv[us][j] = q, then the 512-byte pad holding
#    f32 scale x 8 | s32 (t x topk + k) x 8 | s32 e x 8 | zeros. After a barrier of the die's
#    cores (every slot handed to the die, every count final), core b tells ranks r = b, b + B, ...:
#    flags[us] of rank r = count + 1 (notify: ordered behind the die's writes to r, posted or not,
#    so a rank that sees the flag sees the slots).
# 2. Expert. G = max(1, B / ranks) cores share each source, SB = B / G: core b < G SB takes the
#    sources s = b mod SB, + SB, ... and of each the slots j = b / SB, + G, ... below flags[s] - 1
#    (after a gwait for flags[s]): y = bf16((f32(q) x scale) x factor[e - r x epr]) (f32 steps,
#    round to nearest even), written straight into rank s's comb[t x topk + k] (dma_post). After a
#    barrier, core b tells ranks s = b, b + B, ...: flags[ranks + us] of rank s = 1.
# 3. Combine. Core b waits for flags[ranks + s], s = b, b + B, ...; after a barrier, for its tokens
#    t: out[t] = bf16(sum over k in order of f32(comb[t x topk + k]) x wts[t][k]) (f32).
#
# Arguments: x (bf16 tokens x hidden), ids (s32 tokens x topk, expert ids < ranks x epr), wts
# (f32 tokens x topk), factor (f32 epr: this rank's experts' factors), recv (ranks x capacity
# slots of hidden + 512 bytes), flags (3 ranks u64, zero: arrivals, experts done, send counts),
# comb (bf16 tokens x topk x hidden, scratch), out (bf16 tokens x hidden): ptr; tokens, hidden,
# topk, ranks, epr, capacity: u64. hidden a multiple of 128, at most 16256 (255 f32 vector
# repeats); ranks <= the machine's dies; every rank sends at most `capacity` pairs to any one
# rank; UB holds
# 10 hidden + topk (hidden + 512) + 3 KiB bytes. `snsim run` checks these before simulating
# (sim/run/moe.cpp); docs/kernels.md.
.include "include/snsim.inc"

.core aiv
.arg x, ptr
.arg ids, ptr
.arg wts, ptr
.arg factor, ptr
.arg recv, ptr
.arg flags, ptr
.arg comb, ptr
.arg out, ptr
.arg tokens, u64
.arg hidden, u64
.arg topk, u64
.arg ranks, u64
.arg epr, u64
.arg capacity, u64

# UB: reduction scratch, scale blocks, then buffers sized by hidden (set up at start).
.equ RED0, 0x0                    # 1 KiB each: partial maxima of |x|
.equ RED1, 0x400
.equ AMAX, 0x800                  # 256 B: amax in block 0 (vbrcb)
.equ C127, 0x900                  # 256 B: 127.0 x 64
.equ SCL, 0xa00                   # 256 B: scale in block 0
.equ BUFS, 0xc00                  # XB (2 hidden), XF (4 hidden), TMP (4 hidden), SLOTS (topk slots)

.macro drain pipe
    set_flag \pipe, s, 0
    wait_flag \pipe, s, 0
.endm

# Barrier of the die's cores of this launch, once each core's MTE3 copies have left its UB (a posted
# write is then with the die, so a notify after the barrier is ordered behind it).
.macro barrier
    drain   mte3
    xset    all, mte3, 0
    xwait   0
.endm

# \rd = GM address of the send counter of rank \rr (x31 = &flags[2 ranks], this die's).
.macro count_addr rd, rr
    slli    \rd, \rr, 3
    add     \rd, \rd, x31
.endm

# \rd = address of u64 element \ri of the array whose pointer is argument \arg; \sh: log2 size.
.macro elem rd, arg, ri, sh
    slli    x8, \ri, \sh
    ld.u64  \rd, x0, \arg
    add     \rd, \rd, x8
.endm

# \rd = \ra moved from this die's memory to rank \rr's (tensors sit at the same offsets).
.macro on_rank rd, ra, rr
    sub     x8, \rr, x15
    slli    x8, x8, 40
    add     \rd, \ra, x8
.endm

# \rd = copy word of one burst of \rb bytes (a multiple of 32).
.macro one_burst rd, rb
    srli    \rd, \rb, 5
    slli    \rd, \rd, 16
    ori     \rd, \rd, 1
.endm

# \rd = ids[\rt x topk + \rk] (x7 = its index).
.macro expert rd, rt, rk
    mul     x7, \rt, x11
    add     x7, x7, \rk
    elem    \rd, ids, x7, 2
    ldg.s32 \rd, \rd, 0
.endm

.text
.entry start
start:
    ld.u64  x9, x0, tokens
    ld.u64  x10, x0, hidden
    ld.u64  x11, x0, topk
    ld.u64  x12, x0, ranks
    ld.u64  x13, x0, epr
    ld.u64  x14, x0, capacity
    csrr    x15, die                # x15 = us
    bgeu    x15, x12, done          # not a rank
    csrr    x16, blocknum           # x16 = B
    csrr    x17, blockid            # x17 = b
    addi    x18, x10, 512           # x18 = slot bytes
    li      x19, BUFS               # XB, XF, TMP, SLOTS
    slli    x1, x10, 1
    add     x20, x19, x1
    slli    x1, x10, 2
    add     x21, x20, x1
    add     x22, x21, x1
    srli    x1, x10, 6              # f32 repeats
    vec_cfg_dense x24, 0
    or      x24, x24, x1            # x24: dense f32
    li64    x25, (1 << 8) | (1 << 16) | (1 << 24) | (8 << 32) | (4 << 40) | (8 << 48)
    or      x25, x25, x1            # x25: f32 <- 16-bit
    li64    x26, (1 << 8) | (1 << 16) | (1 << 24) | (4 << 32) | (8 << 40) | (8 << 48)
    or      x26, x26, x1            # x26: 16-bit <- f32
    li64    x2, 0x42fe0000          # 127.0f
    vec_cfg_dense x3, 1
    li      x4, C127
    vdup.f32 x4, x2, x3
    slli    x1, x12, 1
    elem    x31, flags, x1, 3       # x31 = &flags[2 ranks]: the send counters
    set_flag mte3, v, 1             # the UB slots are free (consumed after the last token)

    # ---- 1. Dispatch: x23 = t, our tokens only.
    addi    x23, x17, 0
token:
    bgeu    x23, x9, dispatched
    drain   v                       # XB is free
    mul     x2, x23, x10
    slli    x2, x2, 1
    ld.u64  x1, x0, x
    add     x1, x1, x2              # &x[t]
    slli    x2, x10, 1
    one_burst x3, x2
    dma_in  ub, x19, x1, x3
    set_flag mte2, v, 0
    wait_flag mte2, v, 0
    vconv.f32.bf16 x20, x19, x25, rint
    vabs.f32 x21, x20, x24
    # amax: vcmax per repeat into zero-padded whole repeats, level by level, until one value.
    srli    x27, x10, 6             # x27 = repeats at this level
    addi    x28, x21, 0             # x28 = source
    li      x29, RED0               # x29 = destination
reduce:
    addi    x1, x27, 63
    srli    x30, x1, 6              # x30 = repeats of the next level
    vec_cfg_dense x1, 0
    or      x1, x1, x30
    vdup.f32 x29, x0, x1
    vec_cfg x1, 0, 1, 1, 1, 1, 8, 8
    or      x1, x1, x27
    vcmax.f32 x29, x28, x1
    li      x1, 1
    beq     x27, x1, reduced
    addi    x28, x29, 0
    xori    x29, x29, RED0 ^ RED1
    addi    x27, x30, 0
    jal     x0, reduce
reduced:
    vec_cfg_dense x1, 1
    li      x2, AMAX
    vbrcb.f32 x2, x29, x1
    li      x3, SCL
    li      x4, C127
    vdiv.f32 x3, x2, x4, x1         # scale = amax / 127
    vec_cfg x1, 0, 1, 1, 0, 8, 8, 0
    srli    x2, x10, 6
    or      x1, x1, x2
    vdiv.f32 x21, x20, x3, x1       # x / scale (scale broadcast from its block)
    vconv.f16.f32 x19, x21, x26, rint
    # Per k a slot in UB: q and its pad.
    wait_flag mte3, v, 1            # the previous token's slots have left
    li64    x30, (1 << 8) | (1 << 16) | (1 << 24) | (4 << 32) | (8 << 40) | (8 << 48)
    srli    x1, x10, 7
    or      x30, x30, x1            # x30: s8 <- f16
    li      x27, 0                  # x27 = k
    addi    x28, x22, 0             # x28 = UB slot
slot:
    vconv.s8.f16 x28, x19, x30, rint
    add     x29, x28, x10           # the pad: zeros, then blocks 0-2
    vec_cfg_dense x1, 2
    vdup.f32 x29, x0, x1
    li      x2, 0xff
    vmask   x0, x2                  # block 0 of each repeat only
    vec_cfg_dense x1, 1
    vadds.f32 x29, x3, x0, x1       # scale
    mul     x2, x23, x11
    add     x2, x2, x27
    addi    x4, x29, 32
    vdup.s32 x4, x2, x1             # t x topk + k
    expert  x5, x23, x27
    addi    x4, x29, 64
    vdup.s32 x4, x5, x1             # e
    li      x2, -1
    vmask   x2, x2
    add     x28, x28, x18
    addi    x27, x27, 1
    bne     x27, x11, slot
    set_flag v, mte3, 0
    wait_flag v, mte3, 0
    li      x27, 0
    addi    x28, x22, 0
send:                               # slot k to recv[us][j] of rank e / epr
    expert  x5, x23, x27
    divu    x6, x5, x13
    count_addr x7, x6
    li      x2, 1
    amoadd  x1, x2, x7, 0           # j: the count so far of the die's cores
    mul     x2, x15, x14
    add     x2, x2, x1
    mul     x2, x2, x18
    ld.u64  x1, x0, recv
    add     x1, x1, x2
    on_rank x1, x1, x6
    one_burst x2, x18
    dma_post x1, x28, x2
    add     x28, x28, x18
    addi    x27, x27, 1
    bne     x27, x11, send
    set_flag mte3, v, 1
    add     x23, x23, x16
    jal     x0, token
dispatched:
    wait_flag mte3, v, 1            # balance the set of the start
    barrier                         # every core's amoadds done: the counts are final
    # Ranks r = b, b + B, ...: flags[us] there = our count + 1.
    elem    x1, flags, x15, 3
    addi    x23, x17, 0
tell:
    bgeu    x23, x12, told
    count_addr x3, x23
    ldg.u64 x3, x3, 0
    addi    x3, x3, 1
    on_rank x4, x1, x23
    notify  x3, x4, 0
    add     x23, x23, x16
    jal     x0, tell
told:

    # ---- 2. Expert: sources s = x23, + SB; slot j = x30 (address x31) of x7, + G.
    li64    x27, (1 << 8) | (1 << 16) | (1 << 24) | (8 << 32) | (4 << 40) | (8 << 48)
    srli    x1, x10, 7
    or      x27, x27, x1            # x27: f16 <- s8
    divu    x29, x16, x12
    li      x1, 1
    max     x29, x29, x1            # x29 = G
    divu    x28, x16, x29           # x28 = SB
    divu    x6, x17, x28            # x6 = our part
    bgeu    x6, x29, sources_done
    remu    x23, x17, x28
source:
    bgeu    x23, x12, sources_done
    elem    x1, flags, x23, 3
    li      x2, 1
    gwait   x2, x1, 0
    ldg.u64 x7, x1, 0
    addi    x7, x7, -1              # slots from s
    mul     x1, x23, x14
    add     x1, x1, x6
    mul     x1, x1, x18
    ld.u64  x31, x0, recv
    add     x31, x31, x1            # &recv[s][j]
    addi    x30, x6, 0
expert_slot:
    bgeu    x30, x7, source_next
    one_burst x1, x18
    drain   mte3                    # the previous result has left XB
    dma_in  ub, x22, x31, x1        # q and pad
    set_flag mte2, v, 0
    wait_flag mte2, v, 0
    vconv.f16.s8 x19, x22, x27, rint
    vconv.f32.f16 x20, x19, x25, rint
    add     x1, x31, x10
    ldg.u32 x2, x1, 0               # scale
    vmuls.f32 x21, x20, x2, x24
    ldg.s32 x3, x1, 64              # e
    ldg.s32 x4, x1, 32              # t x topk + k
    mul     x5, x15, x13
    sub     x3, x3, x5
    elem    x3, factor, x3, 2
    ldg.u32 x2, x3, 0               # factor[e - us x epr]
    vmuls.f32 x20, x21, x2, x24
    vconv.bf16.f32 x19, x20, x26, rint
    set_flag v, mte3, 0
    wait_flag v, mte3, 0
    mul     x4, x4, x10
    elem    x4, comb, x4, 1         # &comb[t x topk + k] here; on rank s:
    on_rank x4, x4, x23
    slli    x2, x10, 1
    one_burst x1, x2
    dma_post x4, x19, x1
    mul     x1, x29, x18
    add     x31, x31, x1
    add     x30, x30, x29
    jal     x0, expert_slot
source_next:
    add     x23, x23, x28
    jal     x0, source
sources_done:
    barrier
    add     x2, x12, x15
    elem    x1, flags, x2, 3        # &flags[ranks + us]
    li      x3, 1
    addi    x23, x17, 0
tell_home:
    bgeu    x23, x12, told_home
    on_rank x4, x1, x23
    notify  x3, x4, 0
    add     x23, x23, x16
    jal     x0, tell_home
told_home:

    # ---- 3. Combine: wait for flags[ranks + s], s = b, b + B, ..., then a barrier.
    addi    x23, x17, 0
wait_experts:
    bgeu    x23, x12, experts_done
    add     x2, x12, x23
    elem    x1, flags, x2, 3
    gwait   x3, x1, 0
    add     x23, x23, x16
    jal     x0, wait_experts
experts_done:
    xset    all, mte3, 0
    xwait   0
    slli    x1, x10, 1
    one_burst x29, x1               # x29: copy word of a bf16 token
    addi    x23, x17, 0
sum_token:
    bgeu    x23, x9, done
    li      x30, 0                  # k
sum_k:
    mul     x1, x23, x11
    add     x1, x1, x30
    elem    x2, wts, x1, 2
    ldg.u32 x31, x2, 0              # w[t][k]
    mul     x1, x1, x10
    elem    x2, comb, x1, 1
    dma_in  ub, x19, x2, x29
    set_flag mte2, v, 0
    wait_flag mte2, v, 0
    vconv.f32.bf16 x20, x19, x25, rint
    bne     x30, x0, accumulate
    vmuls.f32 x21, x20, x31, x24    # k = 0: sum = w c
    jal     x0, summed
accumulate:
    vmuls.f32 x20, x20, x31, x24
    vadd.f32 x21, x21, x20, x24
summed:
    set_flag v, mte2, 0             # XB and XF are free again
    wait_flag v, mte2, 0
    addi    x30, x30, 1
    bne     x30, x11, sum_k
    vconv.bf16.f32 x19, x21, x26, rint
    set_flag v, mte3, 0
    wait_flag v, mte3, 0
    mul     x1, x23, x10
    elem    x1, out, x1, 1
    dma_out x1, x19, x29
    drain   mte3
    add     x23, x23, x16
    jal     x0, sum_token
done:
    halt
