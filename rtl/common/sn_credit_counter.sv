// sn_credit_counter: credits for one virtual channel of one output link.
//
// Starts at MaxCredits (the downstream buffer depth) after reset, decrements when a flit is sent
// (dec_i) and increments when the downstream returns a credit (inc_i); both may happen in one cycle.
// avail_o reflects the registered count only, so a credit returned in cycle c can be spent from c+1.
// Guarantees, asserted: a flit is never sent without a credit; the count never exceeds MaxCredits.
// Works with: sn_router_output.
`include "sn_assert.svh"

module sn_credit_counter #(
  /// Downstream buffer depth in flits, >= 1.
  parameter int unsigned MaxCredits = 4,
  /// Derived: counter width. Do not override.
  parameter int unsigned CntW = $clog2(MaxCredits + 1)
) (
  input  logic            clk_i,
  input  logic            rst_ni,
  /// A credit came back from downstream.
  input  logic            inc_i,
  /// A flit was sent (requires avail_o).
  input  logic            dec_i,
  /// At least one credit is held.
  output logic            avail_o,
  output logic [CntW-1:0] count_o
);

  logic [CntW-1:0] count_q, count_d;

  // An if rather than a unique case: with --assert, Verilator checks a unique case's conditions
  // for overlap at every evaluation, which made these counters (ten in a mesh router) a visible share
  // of the verilated router's time (docs/performance.md); the logic is the same multiplexer.
  always_comb begin
    count_d = count_q;
    if (inc_i && !dec_i)      count_d = count_q + 1'b1;
    else if (dec_i && !inc_i) count_d = count_q - 1'b1;
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) count_q <= CntW'(MaxCredits);
    else         count_q <= count_d;
  end

  assign avail_o = (count_q != '0);
  assign count_o = count_q;

  // Assertions
  // The counter width was not overridden: wide enough for 0..MaxCredits.
  `SN_ASSERT_INIT(CntWDerived, CntW == $clog2(MaxCredits + 1))
  // A flit is never sent without a credit.
  `SN_ASSERT(NoSendWithoutCredit, !(dec_i && count_q == '0), clk_i, rst_ni)
  // The downstream never returns more credits than its buffer holds.
  `SN_ASSERT(NoCreditOverflow, !(inc_i && !dec_i && count_q == CntW'(MaxCredits)), clk_i, rst_ni)

endmodule
