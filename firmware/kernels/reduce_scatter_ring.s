# reduce_scatter_ring: die r's y = chunk r of the sum of x over every die of the machine (f32), a ring
# reduce-scatter (issue 6 §3) on one AIV per die: the n elements of x are `dies` chunks of
# c = n / dies; die r's ring successor is (r + 1) mod dies; include/ring.inc has the steps (remote
# MTE3 writes into the successor's recv slots, notify / gwait per step, the running sum in the UB).
# Arguments: x (ptr: f32 array of n), y (ptr: f32 array of c), recv (ptr: f32 array of (dies - 1) x c,
# scratch), flags (ptr: dies - 1 u64, zero), n (u64).
# Traps (docs/kernels.md): 1 n is not a multiple of dies x 64; 2 c is above 16320 (255 vadd repeats).
.include "include/snsim.inc"
.include "include/ring.inc"

.core aiv
.arg x, ptr
.arg y, ptr
.arg recv, ptr
.arg flags, ptr
.arg n, u64

.text
.entry start
start:
    ring_prologue                   # x1-x5 arguments, x6 = r, x7 = dies, x8 = chunk bytes, x10 = delta
    ring_reduce_scatter x1, x2, x3, x4, x6, x7, x10, x8
    halt
