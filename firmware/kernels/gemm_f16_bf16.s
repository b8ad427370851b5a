# gemm_f16_bf16: C (bf16, M x N, row-major) = A (f16, M x K) x B (f16, K x N), row-major: f32
# accumulation, one rounding to bf16 per output in FixPipe. Body, tiling and constraints
# (M a multiple of 128, N of 256, K of 512; N, K <= 65535) in include/gemm.inc.
.include "include/snsim.inc"
.include "include/gemm.inc"
gemm_kernel f16, bf16, 1
