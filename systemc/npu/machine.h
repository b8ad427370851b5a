#pragma once
// Machine: NPUs of dies under one SystemC simulation (issue 6 §2, docs/machine.md).
//
// Contract:
// - Built from a MachineConfig and the Topology of its network (npus x dies_per_npu endpoints, die
//   d being endpoint d): per die a store (core::SimpleGm) with the die config's L2 (core::L2Gm) in
//   front when gm.model is l2, its DieGm and a NetworkInterface attached to the NocFabric; one set
//   of cross-core flags per die. Cores are added per die with add_core (only cores that run a
//   kernel exist, D11); their statistics go under "die<d>.<name>".
// - run() steps every core of every die at the core clock from one SC_METHOD (D11): per visited
//   cycle it delivers each die's due completions (die order), then steps every core (die order,
//   then the order added); it skips to the next cycle at which a core or a die's memory can change
//   state (next_trigger), and wakes early when a network response schedules a completion or a core's
//   completion lets it go on (Core::set_waker). A die's cores are stepped only at the cycles they
//   are due (one's next_event, a completion or poke for one of them, a state change of one of them
//   in the previous cycle), and then only the cores due themselves (their next_event, a completion
//   or poke for them, their own change of state in the previous cycle): a core that is not due
//   would do nothing if stepped, since what else could change its state (a cross-core set, a
//   store a gwait waits for) reaches it as a new next_event or a poke. So halted or waiting dies
//   and cores cost no steps, and the outputs are those of a one-die run stepping every core. Cores blocked in gwait are poked (Core::poke) at
//   the next cycle after any cycle in which a core of their die changed state and after a write of
//   their word into their die's memory from another die (link or network) or by its own DMA engine. It ends
//   when every core has finished and no access is in flight (Finished), a core faults (the report
//   names the die, core, pc and instruction), nothing can change any more (Deadlock: a report per
//   unfinished core) or at max_cycles (Timeout). Each core's `cycles` statistic is set at the end.
// - One Machine per process: SystemC elaborates once.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <systemc>

#include "common/stats.h"
#include "config/machine_config.h"
#include "core/core.h"
#include "core/l2.h"
#include "noc/fabric.h"
#include "noc/ni.h"
#include "noc/topology.h"
#include "npu/die_gm.h"

namespace snsim::npu {

// The parameters of a die's memory for die config `die` and machine `m` (times in core cycles).
DieGmParams die_gm_params(const MachineConfig& m);

class Machine : public sc_core::sc_module {
 public:
  // `numerics` false: the cores only time (core::CoreParams::numerics).
  Machine(sc_core::sc_module_name name, const MachineConfig& cfg, noc::Topology topo, StatsRegistry& stats,
          bool numerics = true);
  ~Machine() override;

  std::uint32_t num_dies() const { return static_cast<std::uint32_t>(dies_.size()); }
  core::SimpleGm& store(std::uint32_t die) { return *dies_[die]->store; }
  DieGm& memory(std::uint32_t die) { return *dies_[die]->gm; }
  noc::NocFabric& fabric() { return *fabric_; }
  noc::NetworkInterface& ni(std::uint32_t die) { return *dies_[die]->ni; }
  sc_core::sc_time core_period() const { return period_; }

  // A core on die `die`, named `name` (unique within the die), to be loaded by the caller.
  core::Core& add_core(std::uint32_t die, const std::string& name, const core::LaunchInfo& launch);
  const std::vector<std::unique_ptr<core::Core>>& cores(std::uint32_t die) const { return dies_[die]->cores; }

  // Runs the simulation until the end (see above); once.
  core::RunResult run(core::Cycle max_cycles);

 private:
  struct Die {
    std::unique_ptr<core::SimpleGm> store;
    std::unique_ptr<core::L2Gm> l2;
    std::unique_ptr<DieGm> gm;
    std::unique_ptr<noc::NetworkInterface> ni;
    core::CrossCoreFlags xflags;
    std::vector<std::unique_ptr<core::Core>> cores;
    // Stepping state. `due`: something happened to a core since the die was last stepped (a
    // completion, a poke, its own change of state). `next`: the earliest next_event of its cores
    // after the cycle it was last stepped. `finished`: every core had finished then. Per core (in
    // the order of `cores`): `core_due` (the same for that core) and `core_next` (its next_event).
    bool due = true;
    core::Cycle next = 0;
    bool finished = false;
    std::vector<char> core_due;
    std::vector<core::Cycle> core_next;
  };

  void tick();  // SC_METHOD: one visited core cycle
  void sleep(core::Cycle c);  // until next_ or a wake, from cycle c
  void wake_at(core::Cycle c);  // tick at cycle c at the latest
  static void poke_waiting(Die& die, core::Cycle at);  // every core of `die` blocked in gwait re-reads at `at`
  // The same for the cores whose gwait word overlaps bytes [offset, offset + len) of the die;
  // false if there were none.
  static bool poke_waiting(Die& die, core::Cycle at, std::uint64_t offset, std::uint64_t len);
  // Finished / fault checks and steps of die d's cores at cycle c if it is due; false on a fault
  // (the run has ended).
  bool step_die(std::uint32_t d, core::Cycle c, bool& progress);
  void end(core::RunResult::Status status, core::Cycle c, std::string report);
  std::string deadlock_report(core::Cycle c) const;

  MachineConfig cfg_;
  core::CoreParams params_;
  StatsRegistry& stats_;
  sc_core::sc_time period_;
  std::unique_ptr<noc::NocFabric> fabric_;
  std::vector<std::unique_ptr<Die>> dies_;
  sc_core::sc_event wake_;
  core::Cycle max_cycles_ = 0;
  core::Cycle last_ = 0;             // the last cycle stepped
  bool stepped_ = false;
  core::Cycle next_ = core::kNever;  // the next cycle planned
  bool running_ = false;
  core::RunResult result_{core::RunResult::Status::Timeout, 0, {}};
};

}  // namespace snsim::npu
