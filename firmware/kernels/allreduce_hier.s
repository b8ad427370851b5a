# allreduce_hier: y = the sum of x over every die of the machine (f32, n elements), a hierarchical
# all-reduce (issue 6 §3) on one AIV per die. The dies are N nodes of L (argument `node`): die r is
# member l = r mod L of node r / L. 1. A ring reduce-scatter within the node leaves in t (scratch)
# the node's sum of chunk l (n / L elements); 2. a ring all-reduce of t across the nodes, among the
# N dies that are member l of theirs (reduce-scatter into sub-chunk r / L of chunk l of y, then
# all-gather of chunk l of y); 3. a ring all-gather of the L chunks within the node. The steps are
# those of include/ring.inc (remote MTE3 writes, notify / gwait). With N = 1 (one node) step 2 only
# copies t into y. Partial sums of step 1 stay out of y, so that step 2's all-gather may write into a
# die whose step 1 has not finished.
# Arguments: x, y (ptr: f32 arrays of n), recv (ptr: f32 scratch of (L - 1) x n / L + (N - 1) x
# n / (L N) + n / L: step 1's recv slots, step 2's, t), flags (ptr: 2 (L - 1) + 2 (N - 1) u64, zero),
# n (u64), node (u64: L, dies per node; 16 on CM384).
# Traps (docs/kernels.md): 1 n is not a multiple of dies x 64; 2 n / L is above 16320 (255 vadd
# repeats); 3 node is 0 or does not divide the machine's die count.
.include "include/snsim.inc"
.include "include/ring.inc"

.core aiv
.arg x, ptr
.arg y, ptr
.arg recv, ptr
.arg flags, ptr
.arg n, u64
.arg node, u64

.text
.entry start
start:
    ld.u64  x1, x0, x
    ld.u64  x2, x0, y
    ld.u64  x3, x0, recv
    ld.u64  x4, x0, flags
    ld.u64  x5, x0, n
    ld.u64  x13, x0, node           # x13 = L
    csrr    x6, die                 # x6 = r, x7 = dies
    csrr    x7, dies
    beq     x13, x0, bad_node
    remu    x9, x7, x13
    beq     x9, x0, nodes
bad_node:
    trap    3
nodes:
    divu    x14, x7, x13            # x14 = N
    remu    x15, x6, x13            # x15 = l
    divu    x16, x6, x13            # x16 = r / L
    slli    x8, x7, 6
    remu    x9, x5, x8
    beq     x9, x0, sized
    trap    1
sized:
    slli    x8, x5, 2
    divu    x8, x8, x13             # x8 = bytes of a node chunk
    ring_check_chunk x8
    divu    x9, x8, x14             # x9 = bytes of a sub-chunk
    # 1. Within the node: successor member l + 1 of node r / L; t after the recv slots.
    addi    x17, x15, 1
    remu    x17, x17, x13
    mul     x18, x16, x13
    add     x17, x17, x18
    peer_delta x10, x17, x6         # x10 = the node successor's delta
    addi    x17, x13, -1
    mul     x17, x17, x8
    add     x17, x3, x17            # x17 = t
    ring_reduce_scatter x1, x17, x3, x4, x15, x13, x10, x8
    # 2. Across the nodes: successor member l of node r / L + 1; recv slots after t.
    addi    x18, x16, 1
    remu    x18, x18, x14
    mul     x18, x18, x13
    add     x18, x18, x15
    peer_delta x11, x18, x6         # x11 = the cross-node successor's delta
    mul     x12, x15, x8
    add     x12, x2, x12            # x12 = chunk l of y
    mul     x18, x16, x9
    add     x18, x12, x18           # its sub-chunk r / L
    addi    x19, x13, -1
    slli    x19, x19, 3
    add     x19, x4, x19            # step 2's flags
    add     x3, x17, x8             # step 2's recv slots
    ring_reduce_scatter x17, x18, x3, x19, x16, x14, x11, x9
    addi    x18, x14, -1
    slli    x18, x18, 3
    add     x19, x19, x18
    ring_all_gather x12, x19, x16, x14, x11, x9
    # 3. Within the node.
    add     x19, x19, x18
    ring_all_gather x2, x19, x15, x13, x10, x8
    halt
