// Assertion macros for snsim RTL.
//
// Immediate assertions inside always_ff, which both Verilator 5.006 (with --assert) and Yosys 0.23
// accept; concurrent `assert property` crashes Verilator 5.006 (TOOLCHAIN.md). Synthesis defines
// SYNTHESIS, which removes them. A failing assertion prints its message and calls $error; a
// verilated model then stops the simulation unless the testbench cleared fatalOnError.
`ifndef SN_ASSERT_SVH
`define SN_ASSERT_SVH

`ifndef SYNTHESIS
// SN_ASSERT(name, property, clk, rst_n): checks `property` at every rising edge of clk out of reset.
`define SN_ASSERT(__name, __prop, __clk, __rst_n)                       \
  always_ff @(posedge __clk) begin                                      \
    if (__rst_n) begin                                                  \
      __name: assert (__prop) else $error("[%m] assertion %s failed", `"__name`"); \
    end                                                                 \
  end
// SN_ASSERT_INIT(name, property): checks an elaboration-time property (parameters) once.
`define SN_ASSERT_INIT(__name, __prop)                                  \
  initial begin                                                         \
    __name: assert (__prop) else $fatal(1, "[%m] parameter check %s failed", `"__name`"); \
  end
`else
`define SN_ASSERT(__name, __prop, __clk, __rst_n)
`define SN_ASSERT_INIT(__name, __prop)
`endif

`endif  // SN_ASSERT_SVH
