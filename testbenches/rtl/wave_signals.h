#pragma once
// Signal names of waveforms and GTKWave save files, for the tests of DECISIONS.md D10 (every
// signal a committed or generated .gtkw names exists in the FST written): test_router_wave and
// test_snsim_machine.
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <vector>

namespace snsim_test {

// Full names of every variable in a VCD header: "scope.scope.name" and, for vectors, also
// "scope.scope.name[msb:lsb]" (the form GTKWave writes into save files).
inline std::set<std::string> vcd_signals(const std::filesystem::path& vcd) {
  std::ifstream in(vcd);
  std::set<std::string> names;
  std::vector<std::string> scope;
  std::string tok;
  while (in >> tok) {
    if (tok == "$scope") {
      std::string kind, name;
      in >> kind >> name;
      scope.push_back(name);
    } else if (tok == "$upscope") {
      if (!scope.empty()) scope.pop_back();
    } else if (tok == "$var") {
      std::string type, width, id, name, next;
      in >> type >> width >> id >> name >> next;
      std::string full;
      for (const std::string& s : scope) full += s + ".";
      full += name;
      names.insert(full);
      if (next != "$end") names.insert(full + next);
    } else if (tok == "$enddefinitions") {
      break;
    }
  }
  return names;
}

// Signal lines of a .gtkw file: everything that is not a directive ([...]), a display flag (@...),
// a marker (*...), a comment or a blank/grouping line.
inline std::vector<std::string> gtkw_signals(const std::filesystem::path& gtkw) {
  std::ifstream in(gtkw);
  std::vector<std::string> sigs;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '[' || line[0] == '@' || line[0] == '*' || line[0] == '-' || line[0] == '#') {
      continue;
    }
    sigs.push_back(line);
  }
  return sigs;
}

}  // namespace snsim_test
