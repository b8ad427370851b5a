// sn_fifo: first-in first-out buffer with a fall-through head.
//
// Guarantees: entries leave in the order they entered; the head (data_o) is valid in the cycle after
// the push that made the FIFO non-empty; a push on a full FIFO or a pop on an empty one is a protocol
// error caught by an assertion (the router's credit flow control makes both impossible). Storage is a
// plain memory without reset, so synthesis keeps it a $mem; the pointers are reset.
// Works with: sn_router_input (one per virtual channel).
`include "sn_assert.svh"

module sn_fifo #(
  /// Entries; a power of two, 2..4096.
  parameter int unsigned Depth = 4,
  /// Bits per entry, >= 1.
  parameter int unsigned Width = 8,
  /// Derived: pointer width. Do not override.
  parameter int unsigned AddrW = $clog2(Depth)
) (
  input  logic             clk_i,
  input  logic             rst_ni,
  /// Write data_i this cycle. Must not be high when full_o is (even with pop_i).
  input  logic             push_i,
  input  logic [Width-1:0] data_i,
  /// Remove the head this cycle. Must not be high when empty_o is.
  input  logic             pop_i,
  /// The oldest entry; meaningful while empty_o is low.
  output logic [Width-1:0] data_o,
  output logic             empty_o,
  output logic             full_o,
  /// Number of entries held, 0..Depth.
  output logic [AddrW:0]   count_o
);

  logic [Width-1:0] mem_q [Depth];
  // Pointers carry one wrap bit above the address so full and empty differ.
  logic [AddrW:0] wr_ptr_q, wr_ptr_d, rd_ptr_q, rd_ptr_d;

  always_comb begin
    wr_ptr_d = wr_ptr_q;
    rd_ptr_d = rd_ptr_q;
    if (push_i) wr_ptr_d = wr_ptr_q + 1'b1;
    if (pop_i)  rd_ptr_d = rd_ptr_q + 1'b1;
  end

  assign count_o = wr_ptr_q - rd_ptr_q;
  assign empty_o = (wr_ptr_q == rd_ptr_q);
  assign full_o  = (wr_ptr_q[AddrW] != rd_ptr_q[AddrW]) &&
                   (wr_ptr_q[AddrW-1:0] == rd_ptr_q[AddrW-1:0]);
  assign data_o  = mem_q[rd_ptr_q[AddrW-1:0]];

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      wr_ptr_q <= '0;
      rd_ptr_q <= '0;
    end else begin
      wr_ptr_q <= wr_ptr_d;
      rd_ptr_q <= rd_ptr_d;
    end
  end

  always_ff @(posedge clk_i) begin
    if (push_i) mem_q[wr_ptr_q[AddrW-1:0]] <= data_i;
  end

  // Assertions
  // The depth is a power of two of at least 2, so the wrap bit arithmetic above is exact.
  `SN_ASSERT_INIT(DepthPow2, Depth >= 2 && (Depth & (Depth - 1)) == 0)
  // The pointer width was not overridden: clog2 of the depth.
  `SN_ASSERT_INIT(AddrWDerived, AddrW == $clog2(Depth))
  // Nothing is written into a full FIFO: a write there would overwrite the oldest entry.
  `SN_ASSERT(NoPushWhenFull, !(push_i && full_o), clk_i, rst_ni)
  // Nothing is read from an empty FIFO.
  `SN_ASSERT(NoPopWhenEmpty, !(pop_i && empty_o), clk_i, rst_ni)

endmodule
