// The snsim assembler (assembler.h).
#include "asm/assembler.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <memory>
#include <sstream>

#include "isa/isa.h"

namespace snsim::as {
namespace {

using isa::OperandKind;

constexpr int kMaxIncludeDepth = 16;
constexpr int kMaxMacroDepth = 64;

// One line of preprocessed source: where it came from and its text (after macro substitution).
struct SrcLine {
  std::string file;
  int line = 0;
  std::string text;
  std::vector<std::string> notes;
};

// A statement-level error: column (1-based) in the line's text and why.
struct Failure {
  int col;
  std::string message;
};

bool ident_start(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; }
bool ident_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }
bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r'; }

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Length of the code part of a line: up to a '#', ';' or "//" outside a string.
std::size_t code_length(std::string_view text) {
  bool quoted = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '"') quoted = !quoted;
    if (quoted) continue;
    if (c == '#' || c == ';' || (c == '/' && i + 1 < text.size() && text[i + 1] == '/')) return i;
  }
  return text.size();
}

std::size_t skip_space(std::string_view s, std::size_t i) {
  while (i < s.size() && is_space(s[i])) ++i;
  return i;
}

struct Word {
  std::string text;
  int col;  // 1-based
};

// A line split into leading labels ("name:"), an operation word and comma-separated operands.
struct Parsed {
  std::vector<Word> labels;
  Word op{"", 0};
  std::vector<Word> args;
  std::size_t args_begin = 0;  // offset of the operand text in the line
};

// Splits `s` (starting at offset `from` of the line) at top-level commas.
std::vector<Word> split_operands(std::string_view code, std::size_t from) {
  std::vector<Word> out;
  std::size_t i = skip_space(code, from);
  if (i >= code.size()) return out;
  std::size_t start = i;
  int depth = 0;
  bool quoted = false;
  auto push = [&](std::size_t end) {
    std::size_t b = skip_space(code, start), e = end;
    while (e > b && is_space(code[e - 1])) --e;
    out.push_back({std::string(code.substr(b, e - b)), static_cast<int>(b) + 1});
  };
  for (; i < code.size(); ++i) {
    char c = code[i];
    if (c == '"') quoted = !quoted;
    if (quoted) continue;
    if (c == '(') ++depth;
    if (c == ')') --depth;
    if (c == ',' && depth == 0) {
      push(i);
      start = i + 1;
    }
  }
  push(code.size());
  return out;
}

Parsed parse_line(std::string_view text) {
  std::string_view code = text.substr(0, code_length(text));
  Parsed p;
  std::size_t i = skip_space(code, 0);
  while (true) {
    std::size_t j = i;
    if (j < code.size() && ident_start(code[j])) {
      while (j < code.size() && ident_char(code[j])) ++j;
      std::size_t k = skip_space(code, j);
      if (k < code.size() && code[k] == ':') {
        p.labels.push_back({std::string(code.substr(i, j - i)), static_cast<int>(i) + 1});
        i = skip_space(code, k + 1);
        continue;
      }
    }
    break;
  }
  std::size_t j = i;
  while (j < code.size() && !is_space(code[j])) ++j;
  p.op = {std::string(code.substr(i, j - i)), static_cast<int>(i) + 1};
  p.args_begin = j;
  p.args = split_operands(code, j);
  return p;
}

struct Macro {
  std::vector<std::string> params;
  std::vector<SrcLine> body;
  std::string where;
};

enum class Sec : int { Text = 0, Rodata = 1, Data = 2 };
constexpr int kNumSecs = 3;
constexpr std::string_view kSecNames[] = {".text", ".rodata", ".data"};

struct Sym {
  enum Kind { Label, Const, Arg } kind;
  Sec section = Sec::Text;
  std::uint64_t offset = 0;  // Label: in its section; Arg: index
  Word expr{"", 0};          // Const
  const SrcLine* where = nullptr;
  int state = 0;  // Const: 0 not evaluated, 1 evaluating, 2 done
  std::int64_t value = 0;
  obj::ArgKind arg_kind = obj::ArgKind::Ptr;
};

struct Stmt {
  const SrcLine* src;
  Parsed parsed;
  Sec section = Sec::Text;
  std::uint64_t offset = 0;
  std::uint64_t end = 0;  // offset after it
  bool failed = false;    // pass 1 rejected it: pass 2 skips it (its size was not laid out)
};

std::uint64_t align_up(std::uint64_t v, std::uint64_t a) { return (v + a - 1) / a * a; }

class Assembler {
 public:
  Assembler(const Options& options, const SourceReader& reader) : opt_(options), reader_(reader) {}

  Result run(std::string_view text, const std::string& name) {
    name_ = name;
    sources_.push_back(name);
    load(text, name, 0);
    pos_ = 0;
    if (macro_) diag(macro_def_, 1, fmt::format("'.macro {}' has no matching '.endm'", macro_name_));
    for (const auto& line : lines_) stmts_.push_back({line.get(), parse_line(line->text)});
    layout();
    emit();
    Result result;
    result.errors = sorted_errors();
    result.sources = std::move(sources_);
    if (result.errors.empty()) result.object = build_object();
    return result;
  }

 private:
  // ---- Diagnostics --------------------------------------------------------------------------
  // Errors are kept with the position of their statement, so that the report follows the source
  // whichever pass found them.
  void diag(const SrcLine& at, int col, std::string message) {
    errors_.push_back({pos_, {at.file, at.line, col, std::move(message), at.text, at.notes}});
  }
  std::vector<Diagnostic> sorted_errors() {
    std::stable_sort(errors_.begin(), errors_.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    std::vector<Diagnostic> out;
    for (auto& [pos, d] : errors_) {
      if (out.size() == opt_.max_errors) {
        out.push_back({d.file, d.line, d.col, "too many errors; stopping", d.source_line, {}});
        break;
      }
      out.push_back(std::move(d));
    }
    return out;
  }
  std::string where(const SrcLine& s) const { return fmt::format("{}:{}", s.file, s.line); }

  // ---- Stage 1: includes and macros ---------------------------------------------------------
  void load(std::string_view text, std::string file, int depth) {  // a copy: sources_ may grow
    int n = 0;
    std::size_t pos = 0;
    while (pos <= text.size()) {
      std::size_t end = text.find('\n', pos);
      if (end == std::string_view::npos) end = text.size();
      ++n;
      auto line = std::make_shared<SrcLine>(SrcLine{file, n, std::string(text.substr(pos, end - pos)), {}});
      if (!line->text.empty() && line->text.back() == '\r') line->text.pop_back();
      feed(line, depth, 0);
      if (end == text.size()) break;
      pos = end + 1;
    }
  }

  void feed(const std::shared_ptr<SrcLine>& line, int include_depth, int macro_depth) {
    pos_ = lines_.size();
    Parsed p = parse_line(line->text);
    std::string op = lower(p.op.text);
    // 1. Inside a macro definition every line is body until .endm.
    if (macro_) {
      if (op == ".endm") {
        macros_[macro_name_] = std::move(*macro_);
        macro_.reset();
      } else if (op == ".macro") {
        diag(*line, p.op.col, "macros cannot be defined inside a macro");
      } else {
        macro_->body.push_back(*line);
      }
      return;
    }
    if (op == ".include") return include(*line, p, include_depth, macro_depth);
    if (op == ".macro") return define_macro(*line, p);
    if (op == ".endm") return diag(*line, p.op.col, "'.endm' without '.macro'");
    auto m = macros_.find(p.op.text);
    if (m == macros_.end()) {
      lines_.push_back(line);
      return;
    }
    // 2. A macro invocation: labels stay on a line of their own, then the substituted body.
    if (!p.labels.empty()) {
      auto labels = std::make_shared<SrcLine>(*line);
      labels->text = line->text.substr(0, static_cast<std::size_t>(p.op.col - 1));
      lines_.push_back(labels);
    }
    expand(*line, p, m->first, m->second, include_depth, macro_depth);
  }

  void include(const SrcLine& line, const Parsed& p, int include_depth, int macro_depth) {
    if (p.args.size() != 1 || p.args[0].text.size() < 2 || p.args[0].text.front() != '"' ||
        p.args[0].text.back() != '"')
      return diag(line, p.op.col, "expected '.include \"file\"'");
    std::string rel = p.args[0].text.substr(1, p.args[0].text.size() - 2);
    if (include_depth >= kMaxIncludeDepth)
      return diag(line, p.args[0].col,
                  fmt::format(".include nested deeper than {} (a cycle?)", kMaxIncludeDepth));
    std::vector<std::filesystem::path> candidates{std::filesystem::path(line.file).parent_path() / rel};
    for (const std::string& dir : opt_.include_dirs) candidates.push_back(std::filesystem::path(dir) / rel);
    for (const auto& path : candidates) {
      if (std::optional<std::string> text = reader_(path.string())) {
        sources_.push_back(path.lexically_normal().string());
        load(*text, sources_.back(), include_depth + 1);
        (void)macro_depth;
        return;
      }
    }
    diag(line, p.args[0].col, fmt::format("cannot read include file '{}'", rel));
  }

  void define_macro(const SrcLine& line, const Parsed& p) {
    if (p.args.empty() || p.args[0].text.empty())
      return diag(line, p.op.col, "expected '.macro name [param, ...]'");
    // The first operand is "name param0" (no comma between them), the rest are params.
    std::istringstream head(p.args[0].text);
    std::string name, first;
    head >> name >> first;
    if (!ident_start(name[0]) || !std::all_of(name.begin(), name.end(), ident_char))
      return diag(line, p.args[0].col, fmt::format("'{}' is not a valid macro name", name));
    if (isa::find_mnemonic(name) || macros_.count(name))
      return diag(line, p.args[0].col, fmt::format("'{}' is already an instruction or macro", name));
    macro_ = Macro{};
    macro_->where = where(line);
    if (!first.empty()) macro_->params.push_back(first);
    for (std::size_t i = 1; i < p.args.size(); ++i) macro_->params.push_back(p.args[i].text);
    for (const std::string& param : macro_->params)
      if (param.empty() || !std::all_of(param.begin(), param.end(), ident_char))
        diag(line, p.args[0].col, fmt::format("'{}' is not a valid macro parameter name", param));
    macro_name_ = name;
    macro_def_ = line;
  }

  void expand(const SrcLine& call, const Parsed& p, const std::string& name, const Macro& m,
              int include_depth, int macro_depth) {
    if (macro_depth >= kMaxMacroDepth)
      return diag(call, p.op.col,
                  fmt::format("macro '{}' expands deeper than {} (recursive?)", name, kMaxMacroDepth));
    if (p.args.size() != m.params.size())
      return diag(call, p.op.col,
                  fmt::format("macro '{}' takes {} arguments, got {}", name, m.params.size(), p.args.size()));
    // Longer names first, so that \ab is not taken for \a followed by "b".
    std::vector<std::size_t> order(m.params.size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::sort(order.begin(), order.end(),
              [&](auto a, auto b) { return m.params[a].size() > m.params[b].size(); });
    std::string unique = std::to_string(expansions_++);
    for (const SrcLine& body : m.body) {
      auto line = std::make_shared<SrcLine>(body);
      std::string out;
      const std::string& t = body.text;
      for (std::size_t i = 0; i < t.size();) {
        if (t[i] == '\\' && i + 1 < t.size()) {
          if (t[i + 1] == '@') {
            out += unique;
            i += 2;
            continue;
          }
          if (t.compare(i + 1, 2, "()") == 0) {  // an empty separator: \op\().f32
            i += 3;
            continue;
          }
          bool hit = false;
          for (std::size_t k : order) {
            const std::string& param = m.params[k];
            if (t.compare(i + 1, param.size(), param) == 0 &&
                (i + 1 + param.size() >= t.size() || !ident_char(t[i + 1 + param.size()]))) {
              out += p.args[k].text;
              i += 1 + param.size();
              hit = true;
              break;
            }
          }
          if (hit) continue;
        }
        out += t[i++];
      }
      line->text = std::move(out);
      line->notes.push_back(fmt::format("in expansion of macro '{}' at {}", name, where(call)));
      for (const std::string& note : call.notes) line->notes.push_back(note);
      feed(line, include_depth, macro_depth + 1);
    }
  }

  // ---- Symbols and expressions --------------------------------------------------------------
  void define(const std::string& name, Sym sym, const SrcLine& at, int col) {
    if (auto it = symbols_.find(name); it != symbols_.end())
      return diag(at, col, fmt::format("'{}' is already defined at {}", name, where(*it->second.where)));
    if (!ident_start(name[0]) || !std::all_of(name.begin(), name.end(), ident_char))
      return diag(at, col, fmt::format("'{}' is not a valid symbol name", name));
    sym.where = &at;
    symbols_.emplace(name, std::move(sym));
  }

  std::int64_t symbol_value(const std::string& name, int col) {
    auto it = symbols_.find(name);
    if (it == symbols_.end()) throw Failure{col, fmt::format("undefined symbol '{}'", name)};
    Sym& s = it->second;
    switch (s.kind) {
      case Sym::Arg:
        return static_cast<std::int64_t>(8 * s.offset);
      case Sym::Label:
        if (s.section != Sec::Text && !laid_out_)
          throw Failure{
              col, fmt::format("the address of data label '{}' is not known before the end of the first pass",
                               name)};
        return static_cast<std::int64_t>(base_[static_cast<int>(s.section)] + s.offset);
      case Sym::Const:
        if (s.state == 2) return s.value;
        if (s.state == 1) throw Failure{col, fmt::format("'{}' is defined in terms of itself", name)};
        s.state = 1;
        try {
          s.value = eval(s.expr, std::nullopt);
        } catch (Failure& f) {
          s.state = 0;
          if (f.message.starts_with("in the value of")) throw Failure{col, f.message};
          throw Failure{col, fmt::format("in the value of '{}' ({}): {}", name, where(*s.where), f.message)};
        }
        s.state = 2;
        return s.value;
    }
    return 0;
  }

  // Integer expressions with C precedence over 64-bit two's complement values.
  class Expr {
   public:
    Expr(Assembler& as, const Word& w, std::optional<std::int64_t> here)
        : as_(as), s_(w.text), col_(w.col), here_(here) {}

    std::int64_t parse() {
      if (s_.empty()) throw Failure{col_, "expected an expression"};
      std::int64_t v = binary(0);
      skip();
      if (i_ < s_.size()) throw Failure{at(), fmt::format("unexpected '{}' in expression", s_.substr(i_))};
      return v;
    }

   private:
    int at() const { return col_ + static_cast<int>(i_); }
    void skip() { i_ = skip_space(s_, i_); }
    static int precedence(std::string_view op) {
      if (op == "|") return 1;
      if (op == "^") return 2;
      if (op == "&") return 3;
      if (op == "<<" || op == ">>") return 4;
      if (op == "+" || op == "-") return 5;
      if (op == "*" || op == "/" || op == "%") return 6;
      return 0;
    }
    std::string_view peek_op() {
      skip();
      if (i_ >= s_.size()) return {};
      if (s_.compare(i_, 2, "<<") == 0 || s_.compare(i_, 2, ">>") == 0) return s_.substr(i_, 2);
      if (std::string_view("|^&+-*/%").find(s_[i_]) != std::string_view::npos) return s_.substr(i_, 1);
      return {};
    }
    std::int64_t binary(int min_prec) {
      std::int64_t lhs = unary();
      while (true) {
        std::string_view op = peek_op();
        int prec = precedence(op);
        if (!prec || prec <= min_prec) return lhs;
        int op_col = at();
        i_ += op.size();
        std::int64_t rhs = binary(prec);
        lhs = apply(op, lhs, rhs, op_col);
      }
    }
    static std::int64_t apply(std::string_view op, std::int64_t a, std::int64_t b, int col) {
      auto ua = static_cast<std::uint64_t>(a), ub = static_cast<std::uint64_t>(b);
      switch (op[0]) {
        case '|':
          return a | b;
        case '^':
          return a ^ b;
        case '&':
          return a & b;
        case '+':
          return static_cast<std::int64_t>(ua + ub);
        case '-':
          return static_cast<std::int64_t>(ua - ub);
        case '*':
          return static_cast<std::int64_t>(ua * ub);
        case '/':
        case '%':
          if (b == 0) throw Failure{col, "division by zero"};
          if (a == std::numeric_limits<std::int64_t>::min() && b == -1) return op[0] == '/' ? a : 0;
          return op[0] == '/' ? a / b : a % b;
        case '<':
        case '>':
          if (b < 0 || b > 63) throw Failure{col, fmt::format("shift count {} is outside [0, 63]", b)};
          return op[0] == '<' ? static_cast<std::int64_t>(ua << b) : a >> b;
      }
      return 0;
    }
    std::int64_t unary() {
      skip();
      if (i_ >= s_.size()) throw Failure{at(), "expected a value"};
      char c = s_[i_];
      if (c == '-' || c == '~' || c == '+') {
        ++i_;
        std::int64_t v = unary();
        if (c == '-') return static_cast<std::int64_t>(0 - static_cast<std::uint64_t>(v));
        return c == '~' ? ~v : v;
      }
      if (c == '(') {
        int open = at();
        ++i_;
        std::int64_t v = binary(0);
        skip();
        if (i_ >= s_.size() || s_[i_] != ')') throw Failure{open, "unbalanced '('"};
        ++i_;
        return v;
      }
      if (std::isdigit(static_cast<unsigned char>(c))) return number();
      if (ident_start(c)) {
        std::size_t b = i_;
        while (i_ < s_.size() && ident_char(s_[i_])) ++i_;
        return as_.symbol_value(std::string(s_.substr(b, i_ - b)), col_ + static_cast<int>(b));
      }
      if (c == '.' && (i_ + 1 >= s_.size() || !ident_char(s_[i_ + 1]))) {
        if (!here_) throw Failure{at(), "'.' (the current address) is not available here"};
        ++i_;
        return *here_;
      }
      throw Failure{at(), fmt::format("unexpected '{}' in expression", c)};
    }
    std::int64_t number() {
      std::size_t b = i_;
      int base = 10;
      if (s_.compare(i_, 2, "0x") == 0 || s_.compare(i_, 2, "0X") == 0)
        base = 16, i_ += 2;
      else if (s_.compare(i_, 2, "0b") == 0 || s_.compare(i_, 2, "0B") == 0)
        base = 2, i_ += 2;
      std::uint64_t v = 0;
      std::size_t digits = 0;
      for (; i_ < s_.size() && std::isalnum(static_cast<unsigned char>(s_[i_])); ++i_, ++digits) {
        char c = static_cast<char>(std::tolower(static_cast<unsigned char>(s_[i_])));
        int d = std::isdigit(static_cast<unsigned char>(c)) ? c - '0' : c - 'a' + 10;
        if (d < 0 || d >= base)
          throw Failure{col_ + static_cast<int>(b), fmt::format("invalid digit '{}' in number", s_[i_])};
        if (v > (std::numeric_limits<std::uint64_t>::max() - static_cast<unsigned>(d)) /
                    static_cast<unsigned>(base))
          throw Failure{col_ + static_cast<int>(b), "number does not fit in 64 bits"};
        v = v * static_cast<unsigned>(base) + static_cast<unsigned>(d);
      }
      if (!digits) throw Failure{col_ + static_cast<int>(b), "number has no digits"};
      return static_cast<std::int64_t>(v);
    }

    Assembler& as_;
    std::string_view s_;
    int col_;
    std::optional<std::int64_t> here_;
    std::size_t i_ = 0;
  };

  std::int64_t eval(const Word& w, std::optional<std::int64_t> here) { return Expr(*this, w, here).parse(); }

  std::int64_t eval_in(const Word& w, std::optional<std::int64_t> here, std::int64_t min, std::int64_t max,
                       std::string_view what) {
    std::int64_t v = eval(w, here);
    if (v < min || v > max)
      throw Failure{w.col, fmt::format("{} {} is out of range [{}, {}]", what, v, min, max)};
    return v;
  }

  // ---- Pass 1: layout -------------------------------------------------------------------------
  static int data_width(std::string_view op) {
    if (op == ".byte") return 1;
    if (op == ".half") return 2;
    if (op == ".word") return 4;
    if (op == ".dword") return 8;
    return 0;
  }

  void expect_args(const Parsed& p, std::size_t min, std::size_t max, std::string_view usage) {
    if (p.args.size() < min || p.args.size() > max)
      throw Failure{p.op.col, fmt::format("expected '{}'", usage)};
  }

  void layout() {
    std::uint64_t loc[kNumSecs] = {};
    Sec cur = Sec::Text;
    for (Stmt& st : stmts_) {
      const SrcLine& src = *st.src;
      Parsed& p = st.parsed;
      st.section = cur;
      st.offset = loc[static_cast<int>(cur)];
      pos_ = static_cast<std::size_t>(&st - stmts_.data());
      for (const Word& label : p.labels)
        define(label.text, Sym{.kind = Sym::Label, .section = cur, .offset = st.offset}, src, label.col);
      if (p.op.text.empty()) continue;
      std::string op = lower(p.op.text);
      try {
        std::uint64_t& here = loc[static_cast<int>(cur)];
        if (op[0] != '.') {
          if (cur != Sec::Text)
            throw Failure{p.op.col, fmt::format("instructions belong in .text, not {}",
                                                kSecNames[static_cast<int>(cur)])};
          here += isa::kInstrBytes;
        } else if (op == ".text" || op == ".rodata" || op == ".data") {
          expect_args(p, 0, 0, op);
          cur = op == ".text" ? Sec::Text : op == ".rodata" ? Sec::Rodata : Sec::Data;
          used_[static_cast<int>(cur)] = true;
        } else if (op == ".equ" || op == ".set") {
          expect_args(p, 2, 2, op + " name, value");
          define(p.args[0].text, Sym{.kind = Sym::Const, .expr = p.args[1]}, src, p.args[0].col);
        } else if (op == ".arg") {
          expect_args(p, 1, 2, ".arg name[, ptr|u64|s64|f32]");
          obj::ArgKind kind = obj::ArgKind::Ptr;
          if (p.args.size() == 2) kind = parse_arg_kind(p.args[1]);
          if (nargs_ >= obj::kMaxArgs)
            throw Failure{p.op.col, fmt::format("more than {} kernel arguments", obj::kMaxArgs)};
          define(p.args[0].text, Sym{.kind = Sym::Arg, .offset = nargs_++, .arg_kind = kind}, src,
                 p.args[0].col);
        } else if (op == ".core") {
          expect_args(p, 1, 1, ".core aic|aiv");
          std::string c = lower(p.args[0].text);
          if (c != "aic" && c != "aiv") throw Failure{p.args[0].col, "expected 'aic' or 'aiv'"};
          if (core_set_) throw Failure{p.op.col, "second .core directive"};
          core_ = c == "aic" ? isa::CoreType::Aic : isa::CoreType::Aiv;
          core_set_ = true;
        } else if (op == ".entry") {
          expect_args(p, 1, 1, ".entry label");
          if (entry_)
            throw Failure{p.op.col,
                          fmt::format("second .entry directive (the first is at {})", where(*entry_->src))};
          entry_ = &st;
        } else if (int width = data_width(op)) {
          not_in_text(cur, p);
          if (p.args.empty()) throw Failure{p.op.col, fmt::format("expected '{} value[, value ...]'", op)};
          here += p.args.size() * static_cast<std::uint64_t>(width);
        } else if (op == ".space") {
          not_in_text(cur, p);
          expect_args(p, 1, 2, ".space count[, fill]");
          here +=
              static_cast<std::uint64_t>(eval_in(p.args[0], std::nullopt, 0, obj::kSdmBytes, ".space count"));
        } else if (op == ".align") {
          expect_args(p, 1, 1, ".align bytes");
          std::int64_t a = eval_in(p.args[0], std::nullopt, 1, 4096, ".align");
          if (a & (a - 1)) throw Failure{p.args[0].col, fmt::format(".align {} is not a power of two", a)};
          if (cur == Sec::Text && a % isa::kInstrBytes)
            throw Failure{p.args[0].col,
                          fmt::format(".align in .text must be a multiple of {}", isa::kInstrBytes)};
          here = align_up(here, static_cast<std::uint64_t>(a));
        } else {
          throw Failure{p.op.col, fmt::format("unknown directive '{}'", p.op.text)};
        }
      } catch (Failure& f) {
        st.failed = true;
        diag(src, f.col, f.message);
      }
      st.end = loc[static_cast<int>(st.section)];
    }
    // Scalar data memory: argument slots, then .rodata, then .data.
    for (int s = 0; s < kNumSecs; ++s) size_[s] = loc[s];
    base_[0] = 0;
    base_[1] = align_up(8 * nargs_, 8);
    base_[2] = align_up(base_[1] + size_[1], 8);
    laid_out_ = true;
    for (Stmt& st : stmts_) {
      std::uint64_t end = base_[static_cast<int>(st.section)] + st.end;
      if (st.section == Sec::Text || end <= obj::kSdmBytes) continue;
      pos_ = static_cast<std::size_t>(&st - stmts_.data());
      diag(*st.src, st.parsed.op.col,
           fmt::format(
               "arguments, .rodata and .data reach SDM address {} here; the scalar data memory has {} bytes",
               end, obj::kSdmBytes));
      break;
    }
  }

  static void not_in_text(Sec cur, const Parsed& p) {
    if (cur == Sec::Text)
      throw Failure{p.op.col, fmt::format("'{}' is data; put it in .rodata or .data, not .text", p.op.text)};
  }

  static obj::ArgKind parse_arg_kind(const Word& w) {
    for (auto k : {obj::ArgKind::Ptr, obj::ArgKind::U64, obj::ArgKind::S64, obj::ArgKind::F32})
      if (lower(w.text) == obj::arg_kind_name(k)) return k;
    throw Failure{w.col, fmt::format("'{}' is not an argument kind (ptr, u64, s64, f32)", w.text)};
  }

  // ---- Pass 2: encoding -----------------------------------------------------------------------
  void emit() {
    for (int s = 0; s < kNumSecs; ++s) bytes_[s].assign(size_[s], 0);
    for (Stmt& st : stmts_) {
      const Parsed& p = st.parsed;
      if (p.op.text.empty() || st.failed) continue;
      pos_ = static_cast<std::size_t>(&st - stmts_.data());
      std::string op = lower(p.op.text);
      auto here = static_cast<std::int64_t>(base_[static_cast<int>(st.section)] + st.offset);
      try {
        if (op[0] != '.') {
          if (st.section == Sec::Text) put(st.section, st.offset, encode(st, here), 8);
        } else if (int width = data_width(op)) {
          const std::int64_t lo =
              width == 8 ? std::numeric_limits<std::int64_t>::min() : -(std::int64_t{1} << (8 * width - 1));
          const std::int64_t hi =
              width == 8 ? std::numeric_limits<std::int64_t>::max() : (std::int64_t{1} << (8 * width)) - 1;
          for (std::size_t i = 0; i < p.args.size(); ++i) {
            std::int64_t v = eval_in(p.args[i], here, lo, hi, fmt::format("{} value", op));
            put(st.section, st.offset + i * static_cast<std::size_t>(width), static_cast<std::uint64_t>(v),
                width);
          }
        } else if (op == ".space" && p.args.size() == 2) {
          auto fill = static_cast<std::uint8_t>(eval_in(p.args[1], here, -128, 255, ".space fill"));
          auto n = static_cast<std::uint64_t>(eval(p.args[0], here));
          for (std::uint64_t i = 0; i < n && st.offset + i < size_[static_cast<int>(st.section)]; ++i)
            bytes_[static_cast<int>(st.section)][st.offset + i] = fill;
        } else if (op == ".align" && st.section == Sec::Text) {
          std::uint64_t a = static_cast<std::uint64_t>(eval(p.args[0], here));
          std::uint64_t nop = isa::encode(isa::Instr{.info = isa::find_mnemonic("nop")});
          for (std::uint64_t at = st.offset; at < align_up(st.offset, a); at += isa::kInstrBytes)
            put(Sec::Text, at, nop, 8);
        } else if (op == ".entry" && &st == entry_) {
          std::int64_t e = eval(p.args[0], here);
          if (e < 0 || static_cast<std::uint64_t>(e) >= size_[0] || e % isa::kInstrBytes)
            throw Failure{p.args[0].col, fmt::format("entry 0x{:x} is not an instruction of .text", e)};
          entry_value_ = static_cast<std::uint32_t>(e);
        }
      } catch (Failure& f) {
        diag(*st.src, f.col, f.message);
      }
    }
    // Constants nobody used still get their errors, at their definition.
    for (auto& [name, sym] : symbols_) {
      if (sym.kind != Sym::Const) continue;
      for (std::size_t i = 0; i < stmts_.size(); ++i)
        if (stmts_[i].src == sym.where) pos_ = i;
      try {
        symbol_value(name, sym.expr.col);
      } catch (Failure& f) {
        diag(*sym.where, f.col, f.message);
      }
    }
    if (size_[0] == 0) {
      const SrcLine nowhere{name_, 0, "", {}};
      diag(stmts_.empty() ? nowhere : *stmts_.front().src, 1, "no instructions: .text is empty");
    }
  }

  void put(Sec s, std::uint64_t at, std::uint64_t v, int n) {
    auto& b = bytes_[static_cast<int>(s)];
    for (int i = 0; i < n; ++i)
      b.at(at + static_cast<std::uint64_t>(i)) = static_cast<std::uint8_t>(v >> (8 * i));
  }

  std::uint64_t encode(const Stmt& st, std::int64_t pc) {
    const Parsed& p = st.parsed;
    // 1. Mnemonic and type suffixes.
    std::string_view full = p.op.text;
    std::string base = lower(full.substr(0, full.find('.')));
    const isa::OpInfo* info = isa::find_mnemonic(base);
    if (!info) throw Failure{p.op.col, fmt::format("unknown instruction '{}'", base)};
    isa::Instr in{.info = info};
    std::vector<Word> suffixes;
    for (std::size_t i = full.find('.'); i != std::string_view::npos;) {
      std::size_t next = full.find('.', i + 1);
      suffixes.push_back({lower(full.substr(i + 1, next == std::string_view::npos ? next : next - i - 1)),
                          p.op.col + static_cast<int>(i) + 1});
      i = next;
    }
    std::vector<const isa::Field*> suffix_fields, operand_fields;
    for (const isa::Field& f : info->operands())
      (f.kind == OperandKind::Suffix ? suffix_fields : operand_fields).push_back(&f);
    if (suffixes.size() != suffix_fields.size())
      throw Failure{p.op.col, fmt::format("'{}' takes {} type suffix{} ({}), got {}", info->mnemonic,
                                          suffix_fields.size(), suffix_fields.size() == 1 ? "" : "es",
                                          isa::assembly_form(*info), suffixes.size())};
    for (std::size_t i = 0; i < suffixes.size(); ++i)
      in.set(suffix_fields[i]->role, parse_enum(*suffix_fields[i], suffixes[i], *info));
    // 2. Operands, each by its field's kind.
    if (p.args.size() != operand_fields.size())
      throw Failure{p.op.col, fmt::format("'{}' takes {} operand{}, got {}: {}", info->mnemonic,
                                          operand_fields.size(), operand_fields.size() == 1 ? "" : "s",
                                          p.args.size(), isa::assembly_form(*info))};
    for (std::size_t i = 0; i < operand_fields.size(); ++i) {
      const isa::Field& f = *operand_fields[i];
      const Word& w = p.args[i];
      std::string what(isa::role_name(f.role));
      switch (f.kind) {
        case OperandKind::Reg:
          in.set(f.role, parse_reg(w));
          break;
        case OperandKind::Imm:
          in.set(f.role, eval_in(w, pc, f.min, f.max, what));
          break;
        case OperandKind::Enum:
          in.set(f.role, parse_enum(f, w, *info));
          break;
        case OperandKind::PcRel: {
          std::int64_t target = eval(w, pc);
          std::int64_t delta =
              static_cast<std::int64_t>(static_cast<std::uint64_t>(target) - static_cast<std::uint64_t>(pc));
          if (delta % static_cast<std::int64_t>(isa::kInstrBytes))
            throw Failure{
                w.col, fmt::format("branch target 0x{:x} is not a multiple of {}", target, isa::kInstrBytes)};
          delta /= static_cast<std::int64_t>(isa::kInstrBytes);
          if (delta < f.min || delta > f.max)
            throw Failure{w.col, fmt::format("branch target 0x{:x} is too far", target)};
          in.set(f.role, delta);
          break;
        }
        case OperandKind::Suffix:
          break;
      }
    }
    // 3. Rules across fields, the profile, the core type.
    if (info->check)
      if (std::string why = info->check(in); !why.empty())
        throw Failure{p.op.col, fmt::format("{}: {}", info->mnemonic, why)};
    if (in.is_extension()) {
      uses_extensions_ = true;
      if (opt_.strict)
        throw Failure{p.op.col, fmt::format("'{}' is an snsim extension beyond the Ascend A2 ISA "
                                            "(docs/isa.md); the strict profile rejects it",
                                            p.op.text)};
    }
    if (!isa::pipe_on_core(in.pipe(), core_))
      throw Failure{p.op.col,
                    fmt::format("'{}' issues to pipe {}, which an {} core does not have", p.op.text,
                                isa::pipe_name(in.pipe()), core_ == isa::CoreType::Aic ? "aic" : "aiv")};
    return isa::encode(in);
  }

  static std::int64_t parse_reg(const Word& w) {
    const std::string& t = w.text;
    if (t.size() >= 2 && t.size() <= 3 && (t[0] == 'x' || t[0] == 'X') &&
        std::all_of(t.begin() + 1, t.end(),
                    [](char c) { return std::isdigit(static_cast<unsigned char>(c)); }) &&
        !(t.size() == 3 && t[1] == '0')) {
      int n = std::stoi(t.substr(1));
      if (n < static_cast<int>(isa::kNumRegs)) return n;
    }
    throw Failure{w.col, fmt::format("expected a register x0-x31, got '{}'", t)};
  }

  static std::int64_t parse_enum(const isa::Field& f, const Word& w, const isa::OpInfo& info) {
    std::string name = lower(w.text);
    std::string legal;
    for (std::size_t v = 0; v < f.names.size(); ++v) {
      if (!f.is_legal(static_cast<std::int64_t>(v))) continue;
      if (f.names[v] == name) return static_cast<std::int64_t>(v);
      legal += fmt::format("{}{}", legal.empty() ? "" : ", ", f.names[v]);
    }
    throw Failure{w.col, fmt::format("'{}' is not a legal {} of '{}' (expected one of: {})", w.text,
                                     isa::role_name(f.role), info.mnemonic, legal)};
  }

  // ---- The object -----------------------------------------------------------------------------
  obj::Object build_object() {
    obj::Object o;
    o.core = core_;
    o.uses_extensions = uses_extensions_;
    o.entry = entry_value_;
    std::uint16_t index[kNumSecs] = {};
    for (int s = 0; s < kNumSecs; ++s) {
      bool labelled = std::any_of(symbols_.begin(), symbols_.end(), [s](const auto& kv) {
        return kv.second.kind == Sym::Label && static_cast<int>(kv.second.section) == s;
      });
      if (s != 0 && size_[s] == 0 && !labelled) continue;
      o.sections.push_back(
          {static_cast<obj::SectionKind>(s + 1), static_cast<std::uint32_t>(base_[s]), bytes_[s]});
      index[s] = static_cast<std::uint16_t>(o.sections.size());
    }
    for (auto& [name, sym] : symbols_) {
      switch (sym.kind) {
        case Sym::Label:
          o.symbols.push_back({name, obj::SymbolKind::Label, index[static_cast<int>(sym.section)],
                               static_cast<std::int64_t>(base_[static_cast<int>(sym.section)] + sym.offset)});
          break;
        case Sym::Const:
          o.symbols.push_back({name, obj::SymbolKind::Constant, 0, sym.value});
          break;
        case Sym::Arg:
          o.symbols.push_back({name, obj::SymbolKind::Arg, 0, static_cast<std::int64_t>(8 * sym.offset)});
          o.args.resize(std::max<std::size_t>(o.args.size(), sym.offset + 1));
          o.args[sym.offset] = {name, sym.arg_kind, static_cast<std::uint32_t>(8 * sym.offset)};
          break;
      }
    }
    // A canonical order, so that the same program gives the same bytes however it was written.
    std::sort(o.symbols.begin(), o.symbols.end(), [](const obj::Symbol& a, const obj::Symbol& b) {
      return std::tie(a.kind, a.section, a.value, a.name) < std::tie(b.kind, b.section, b.value, b.name);
    });
    return o;
  }

  const Options& opt_;
  const SourceReader& reader_;
  std::string name_;
  std::vector<std::string> sources_;
  std::vector<std::pair<std::size_t, Diagnostic>> errors_;
  std::size_t pos_ = 0;  // statement (or preprocessed line) being worked on
  std::vector<std::shared_ptr<SrcLine>> lines_;
  std::map<std::string, Macro> macros_;
  std::optional<Macro> macro_;
  std::string macro_name_;
  SrcLine macro_def_;
  int expansions_ = 0;
  std::vector<Stmt> stmts_;
  std::map<std::string, Sym> symbols_;
  std::uint64_t nargs_ = 0;
  bool used_[kNumSecs] = {true, false, false};
  std::uint64_t size_[kNumSecs] = {};
  std::uint64_t base_[kNumSecs] = {};
  bool laid_out_ = false;
  std::vector<std::uint8_t> bytes_[kNumSecs];
  isa::CoreType core_ = isa::CoreType::Any;
  bool core_set_ = false;
  const Stmt* entry_ = nullptr;
  std::uint32_t entry_value_ = 0;
  bool uses_extensions_ = false;
};

}  // namespace

std::string Diagnostic::format() const {
  if (line == 0) return fmt::format("{}: error: {}\n", file, message);  // the file as a whole
  std::string out = fmt::format("{}:{}:{}: error: {}\n", file, line, col, message);
  {
    out += fmt::format("  {}\n", source_line);
    std::string caret;
    for (int i = 1; i < col && static_cast<std::size_t>(i - 1) < source_line.size(); ++i)
      caret += source_line[static_cast<std::size_t>(i - 1)] == '\t' ? '\t' : ' ';
    out += fmt::format("  {}^\n", caret);
  }
  for (const std::string& note : notes) out += fmt::format("  note: {}\n", note);
  return out;
}

std::string Result::format_errors() const {
  std::string out;
  for (const Diagnostic& d : errors) out += d.format();
  if (!errors.empty()) out += fmt::format("{} error{}\n", errors.size(), errors.size() == 1 ? "" : "s");
  return out;
}

std::optional<std::string> read_source_file(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) return std::nullopt;
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

Result assemble_text(std::string_view text, const std::string& name, const Options& options,
                     const SourceReader& reader) {
  return Assembler(options, reader).run(text, name);
}

Result assemble_file(const std::string& path, const Options& options, const SourceReader& reader) {
  std::optional<std::string> text = reader(path);
  if (!text) {
    Result r;
    r.errors.push_back({path, 0, 0, "cannot read the file", "", {}});
    return r;
  }
  return assemble_text(*text, path, options, reader);
}

}  // namespace snsim::as
