// Yosys techmap rule for word selects: $shiftx -> $bmux (used by rtl/synth/flow.ys).
//
// `data_i[sel*Width +: Width]` (the crossbar, the VC-buffer head select) reaches the fine
// stage as a $shiftx whose shift amount is {sel, K constant zero bits}: peepopt has padded every
// word to a stride of 2**K >= Width. Yosys's generic map (+/techmap.v) builds a logarithmic
// shifter over the whole padded input for each such cell and then prunes it: for a 48-port
// crossbar that is some 4 million mux cells built and removed, 12 GB and tens of minutes. This
// rule maps the same cell to a word multiplexer ($bmux: (2**bits(sel) - 1) * Width muxes), the
// netlist the pruning ends at anyway, at a small fraction of the cost.
//
// It applies only when the low K bits of B are constant zero, the next NV bits are all variable,
// every bit above them is constant zero (so the shift is never negative) and a word fits in the
// stride (Y_WIDTH <= 2**K); any other $shiftx is left to the generic map (_TECHMAP_FAIL_).
// Bits selected beyond A are undefined, as $shiftx defines them.
(* techmap_celltype = "$shiftx" *)
module _sn_shiftx_word_select (A, B, Y);
  parameter A_SIGNED = 0;
  parameter B_SIGNED = 0;
  parameter A_WIDTH = 1;
  parameter B_WIDTH = 1;
  parameter Y_WIDTH = 1;
  parameter [B_WIDTH-1:0] _TECHMAP_CONSTMSK_B_ = 0;
  parameter [B_WIDTH-1:0] _TECHMAP_CONSTVAL_B_ = 0;

  (* force_downto *)
  input [A_WIDTH-1:0] A;
  (* force_downto *)
  input [B_WIDTH-1:0] B;
  (* force_downto *)
  output [Y_WIDTH-1:0] Y;

  // Low bits of B that are constant zero.
  function integer const_zero_lsbs;
    input integer unused;
    integer i;
    begin
      const_zero_lsbs = 0;
      for (i = 0; i < B_WIDTH; i = i + 1)
        if (const_zero_lsbs == i && _TECHMAP_CONSTMSK_B_[i] && !_TECHMAP_CONSTVAL_B_[i])
          const_zero_lsbs = i + 1;
    end
  endfunction

  // Variable bits of B from bit `from` up to the first constant bit.
  function integer variable_bits;
    input integer from;
    integer i;
    begin
      variable_bits = 0;
      for (i = from; i < B_WIDTH; i = i + 1)
        if (variable_bits == i - from && !_TECHMAP_CONSTMSK_B_[i])
          variable_bits = i - from + 1;
    end
  endfunction

  // 1 when every bit of B from bit `from` up is constant zero.
  function integer zero_from;
    input integer from;
    integer i;
    begin
      zero_from = 1;
      for (i = from; i < B_WIDTH; i = i + 1)
        if (!_TECHMAP_CONSTMSK_B_[i] || _TECHMAP_CONSTVAL_B_[i])
          zero_from = 0;
    end
  endfunction

  localparam integer K  = const_zero_lsbs(0);
  localparam integer NV = variable_bits(K);
  localparam integer OK = K >= 1 && K < 24 && NV >= 1 && NV <= 12 && zero_from(K + NV) &&
                          Y_WIDTH <= (1 << K);

  wire _TECHMAP_FAIL_ = !OK;

  generate
    if (OK) begin : g_map
      localparam integer Stride = 1 << K;
      localparam integer Words  = 1 << NV;
      // Every bit any word can select: A, then undefined bits up to the last word's end.
      localparam integer PadW   = (A_WIDTH > (Words - 1) * Stride + Y_WIDTH) ?
                                  A_WIDTH : (Words - 1) * Stride + Y_WIDTH;
      wire [PadW-1:0] padded;
      wire [Words*Y_WIDTH-1:0] words;
      assign padded[A_WIDTH-1:0] = A;
      if (PadW > A_WIDTH) begin : g_pad
        assign padded[PadW-1:A_WIDTH] = {(PadW - A_WIDTH){1'bx}};
      end
      genvar j;
      for (j = 0; j < Words; j = j + 1) begin : g_word
        assign words[j*Y_WIDTH +: Y_WIDTH] = padded[j*Stride +: Y_WIDTH];
      end
      \$bmux #(.WIDTH(Y_WIDTH), .S_WIDTH(NV)) u_bmux (
        .A(words), .S(B[K +: NV]), .Y(Y)
      );
    end
  endgenerate
endmodule
