# vec_add: z = x + y over n FP32 elements, split evenly over the AIV cores of the launch.
# Each core streams tiles of 64 repeats x 64 elements (16 KiB per operand) through UB with two
# buffers per operand, so MTE2 loads tile i+1 while the vector unit adds tile i and MTE3 stores
# tile i-1 (include/elementwise.inc). Requires n to be a multiple of (block count x 4096).
# Arguments (declared by the include): x, y, z (ptr: FP32 arrays of n), n (u64).
.include "include/snsim.inc"
.include "include/elementwise.inc"

.text
.entry start
start:
    elementwise vadd, f32, 2
