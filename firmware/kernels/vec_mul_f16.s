# vec_mul_f16: z = x * y over n FP16 elements, split evenly over the AIV cores of the launch; each
# product is the IEEE binary16 one, rounded to nearest even. Tiles of 8192 elements (16 KiB)
# stream through UB double-buffered as in vec_add (include/elementwise.inc). Requires n to be a
# multiple of (block count x 8192).
# Arguments (declared by the include): x, y, z (ptr: FP16 arrays of n), n (u64).
.include "include/snsim.inc"
.include "include/elementwise.inc"

.text
.entry start
start:
    elementwise vmul, f16, 1
