// sn_onehot_enc: the index of the set bit of a one-hot vector.
//
// Index bit b is the OR of the inputs whose position has bit b set, so the encoder is log2(N) gates
// deep (an OR tree per index bit), where a loop that keeps the last set position synthesizes as a
// priority chain N long. Defined for a one-hot or zero input: zero gives index 0; several set bits
// give the OR of their indices (the callers' assertions keep their vectors one-hot).
// Works with: sn_rr_arb (winner index), sn_switch_alloc (the matching's VC and input selects).

module sn_onehot_enc #(
  /// Positions, >= 1.
  parameter int unsigned N = 4,
  /// Index width (one bit for one position).
  parameter int unsigned IdxW = (N > 1) ? $clog2(N) : 1
) (
  input  logic [N-1:0]    onehot_i,
  output logic [IdxW-1:0] idx_o
);

  for (genvar b = 0; b < IdxW; b++) begin : g_bit
    logic [N-1:0] has_bit;  // constant: position i's index has bit b set
    for (genvar i = 0; i < N; i++) begin : g_pos
      assign has_bit[i] = ((i >> b) % 2) == 1;
    end
    assign idx_o[b] = |(onehot_i & has_bit);
  end

endmodule
