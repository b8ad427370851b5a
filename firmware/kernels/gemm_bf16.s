# gemm_bf16: C (f32, M x N, row-major) = A (bf16, M x K) x B (bf16, K x N), row-major, on the AIC
# cores of the launch, in 128 x 256 output tiles. include/gemm.inc holds the body, its tiling,
# synchronization and constraints: M a multiple of 128, N of 256, K of 512; N, K <= 65535.
.include "include/snsim.inc"
.include "include/gemm.inc"
gemm_kernel bf16, f32, 2
