# vec_mul: z = x * y over n FP32 elements, split evenly over the AIV cores of the launch; each
# product is the IEEE one, rounded to nearest even. Tiles of 4096 elements stream through UB
# double-buffered as in vec_add (include/elementwise.inc). Requires n to be a multiple of
# (block count x 4096).
# Arguments (declared by the include): x, y, z (ptr: FP32 arrays of n), n (u64).
.include "include/snsim.inc"
.include "include/elementwise.inc"

.text
.entry start
start:
    elementwise vmul, f32, 2
