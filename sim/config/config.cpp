#include "config/config.h"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>

namespace snsim {
namespace {

std::string format_error(const std::string& file, int line, const std::string& key,
                         const std::string& why) {
  std::string s = file;
  if (line > 0) s += fmt::format(":{}", line);
  if (!key.empty()) s += ": " + key;
  return s + ": " + why;
}

}  // namespace

ConfigError::ConfigError(std::string file, int line, std::string key, std::string why)
    : std::runtime_error(format_error(file, line, key, why)),
      file_(std::move(file)),
      line_(line),
      key_(std::move(key)),
      why_(std::move(why)) {}

void Checker::fail(std::string_view key, std::string why) const {
  const std::string p = path(key);
  const config::Location where = ctx_.locate(p);
  throw ConfigError(where.file, where.line, p.empty() ? "(top level)" : p, std::move(why));
}

namespace config {
namespace {

// ----- Paths and suggestions -------------------------------------------------------------

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diag = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}

// ----- Reading YAML into Nodes -----------------------------------------------------------

// Returns 0 and the contents, or the errno of the failed step.
int read_file(const std::string& path, std::string& out) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) return errno;
  out.clear();
  char buf[65536];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) out.append(buf, n);
  const int err = std::ferror(f) ? (errno != 0 ? errno : EIO) : 0;
  std::fclose(f);
  return err;
}

int mark_line(const YAML::Mark& m, int fallback) { return m.is_null() ? fallback : m.line + 1; }

Node convert(const YAML::Node& y, const std::string& file, const std::string& path,
             int fallback_line) {
  Node n;
  n.file = file;
  n.line = mark_line(y.Mark(), fallback_line);
  switch (y.Type()) {
    case YAML::NodeType::Undefined:
    case YAML::NodeType::Null:
      n.kind = Node::Kind::Null;
      break;
    case YAML::NodeType::Scalar:
      n.kind = Node::Kind::Scalar;
      n.text = y.Scalar();
      break;
    case YAML::NodeType::Sequence: {
      n.kind = Node::Kind::Seq;
      std::size_t i = 0;
      for (const YAML::Node& item : y) {
        n.items.push_back(convert(item, file, index_path(path, i++), n.line));
      }
      break;
    }
    case YAML::NodeType::Map:
      n.kind = Node::Kind::Map;
      for (const auto& kv : y) {
        const int key_line = mark_line(kv.first.Mark(), n.line);
        if (!kv.first.IsScalar()) {
          throw ConfigError(file, key_line, path.empty() ? "(top level)" : path,
                            "a key must be a plain name, not a list or a map");
        }
        const std::string key = kv.first.Scalar();
        const std::string key_path = join_path(path, key);
        const auto it = std::find_if(n.entries.begin(), n.entries.end(),
                                     [&](const MapEntry& e) { return e.key == key; });
        if (it != n.entries.end()) {
          throw ConfigError(file, key_line, key_path,
                            fmt::format("duplicate key (first set at line {})", it->key_line));
        }
        n.entries.push_back(MapEntry{key, key_line, convert(kv.second, file, key_path, key_line)});
      }
      break;
  }
  return n;
}

Node parse_yaml(const std::string& text, const std::string& file) {
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    throw ConfigError(file, mark_line(e.mark, 0), "", "YAML syntax error: " + e.msg);
  }
  Node n = convert(root, file, "", 1);
  if (n.kind == Node::Kind::Null) {
    n.kind = Node::Kind::Map;  // an empty file (or one with only comments) sets nothing
  } else if (n.kind != Node::Kind::Map) {
    throw ConfigError(file, n.line, "(top level)", "expected a map of keys, got " + n.describe());
  }
  return n;
}

// ----- Includes --------------------------------------------------------------------------

// Overlays `over` onto `base`: maps merge key by key, anything else replaces. An empty (null)
// value does not erase an included map, since `router:` with every line commented out means
// "nothing to change".
void merge_into(Node& base, Node over) {
  if (base.kind == Node::Kind::Map && over.kind == Node::Kind::Map) {
    for (MapEntry& e : over.entries) {
      auto it = std::find_if(base.entries.begin(), base.entries.end(),
                             [&](const MapEntry& b) { return b.key == e.key; });
      if (it == base.entries.end()) {
        base.entries.push_back(std::move(e));
      } else {
        it->key_line = e.key_line;
        merge_into(it->value, std::move(e.value));
      }
    }
    return;
  }
  if (base.kind == Node::Kind::Map && over.kind == Node::Kind::Null) return;
  base = std::move(over);
}

std::string identity_of(const std::string& path) {
  std::error_code ec;
  const auto canonical = std::filesystem::weakly_canonical(path, ec);
  return ec ? path : canonical.string();
}

struct IncludeFrame {
  std::string display;   // as written in messages
  std::string identity;  // canonical, for cycle detection
};

Node resolve_includes(Node root, std::vector<IncludeFrame>& chain);

Node load_file(const std::string& display, std::vector<IncludeFrame>& chain, const Node* from,
               int from_line) {
  std::string text;
  if (const int err = read_file(display, text); err != 0) {
    if (from == nullptr)
      throw ConfigError(display, 0, "", fmt::format("cannot open: {}", std::strerror(err)));
    throw ConfigError(from->file, from_line, "include",
                      fmt::format("cannot open '{}': {}", display, std::strerror(err)));
  }
  chain.push_back({display, identity_of(display)});
  Node merged = resolve_includes(parse_yaml(text, display), chain);
  chain.pop_back();
  return merged;
}

Node resolve_includes(Node root, std::vector<IncludeFrame>& chain) {
  auto it = std::find_if(root.entries.begin(), root.entries.end(),
                         [](const MapEntry& e) { return e.key == "include"; });
  if (it == root.entries.end()) return root;
  const MapEntry inc = std::move(*it);
  root.entries.erase(it);

  std::vector<const Node*> paths;
  if (inc.value.kind == Node::Kind::Scalar) {
    paths.push_back(&inc.value);
  } else if (inc.value.kind == Node::Kind::Seq) {
    for (const Node& item : inc.value.items) {
      if (item.kind != Node::Kind::Scalar)
        fail(item, "include", "expected a file path, got " + item.describe());
      paths.push_back(&item);
    }
  } else {
    fail(inc.value, "include",
         "expected a file path or a list of paths, got " + inc.value.describe());
  }

  const std::filesystem::path dir = std::filesystem::path(root.file).parent_path();
  Node merged;
  merged.kind = Node::Kind::Map;
  merged.file = root.file;
  merged.line = root.line;
  for (const Node* p : paths) {
    const std::string display = (dir / p->text).lexically_normal().string();
    const std::string identity = identity_of(display);
    for (std::size_t i = 0; i < chain.size(); ++i) {
      if (chain[i].identity == identity) {
        std::string cycle;
        for (std::size_t j = i; j < chain.size(); ++j) cycle += chain[j].display + " -> ";
        fail(*p, "include", "include cycle: " + cycle + display);
      }
    }
    merge_into(merged, load_file(display, chain, p, p->line));
  }
  merge_into(merged, std::move(root));
  return merged;
}

// ----- Scalars ---------------------------------------------------------------------------

const std::string& scalar_text(const Node& n, const std::string& path, std::string_view want) {
  if (n.kind != Node::Kind::Scalar) {
    fail(n, path, fmt::format("expected {}, got {}", want, n.describe()));
  }
  return n.text;
}

template <class V>
bool parse_whole(std::string_view s, V& v, int base = 10) {
  const char* end = s.data() + s.size();
  std::from_chars_result r;
  if constexpr (std::is_floating_point_v<V>) {
    (void)base;
    r = std::from_chars(s.data(), end, v);
  } else {
    r = std::from_chars(s.data(), end, v, base);
  }
  return r.ec == std::errc() && r.ptr == end && !s.empty();
}

bool looks_like_number(std::string_view s) {
  double d;
  return parse_whole(s, d);
}

}  // namespace

// ----- Node, paths, errors ---------------------------------------------------------------

const Node* Node::find(std::string_view key) const {
  for (const MapEntry& e : entries) {
    if (e.key == key) return &e.value;
  }
  return nullptr;
}

std::string Node::describe() const {
  switch (kind) {
    case Kind::Null:
      return "nothing";
    case Kind::Scalar:
      return "'" + text + "'";
    case Kind::Seq:
      return "a list";
    case Kind::Map:
      return "a map";
  }
  return "?";
}

Location LoadContext::locate(std::string_view path) const {
  std::string p(path);
  while (!p.empty()) {
    if (auto it = where_.find(p); it != where_.end()) return it->second;
    const std::size_t cut = p.find_last_of(".[");
    p.resize(cut == std::string::npos ? 0 : cut);
  }
  return Location{top_file_, 1};
}

void fail(const Node& at, const std::string& path, std::string why) {
  throw ConfigError(at.file, at.line, path.empty() ? "(top level)" : path, std::move(why));
}

std::string join_path(const std::string& prefix, std::string_view key) {
  if (prefix.empty()) return std::string(key);
  if (key.empty()) return prefix;
  if (key.front() == '[') return prefix + std::string(key);
  return prefix + "." + std::string(key);
}

std::string index_path(const std::string& path, std::size_t i) {
  return fmt::format("{}[{}]", path, i);
}

std::string did_you_mean(std::string_view word, const std::vector<std::string>& candidates) {
  // Allow about one typo per three characters, and at least a transposition (distance 2) in
  // names long enough that a distance-2 match is unlikely to be a different key.
  const std::size_t limit = word.size() < 4 ? 1 : std::max<std::size_t>(2, word.size() / 3);
  const std::string* best = nullptr;
  std::size_t best_d = limit + 1;
  for (const std::string& c : candidates) {
    const std::size_t d = edit_distance(word, c);
    if (d < best_d) {
      best_d = d;
      best = &c;
    }
  }
  return best == nullptr ? std::string() : fmt::format(" (did you mean '{}'?)", *best);
}

void expect_kind(const Node& n, const std::string& path, Node::Kind kind) {
  if (n.kind == kind) return;
  const char* want = kind == Node::Kind::Map   ? "a map of keys"
                     : kind == Node::Kind::Seq ? "a list"
                                               : "a value";
  fail(n, path, fmt::format("expected {}, got {}", want, n.describe()));
}

// ----- Constraints -----------------------------------------------------------------------

namespace {

std::string format_bound(long double v) { return fmt::format("{}", static_cast<double>(v)); }

std::string bounds_text(const Constraints& c) {
  if (c.min && c.max) {
    return fmt::format("{}{}, {}{}", c.min_open ? "(" : "[", format_bound(*c.min),
                       format_bound(*c.max), c.max_open ? ")" : "]");
  }
  if (c.min) return fmt::format("{} {}", c.min_open ? ">" : ">=", format_bound(*c.min));
  if (c.max) return fmt::format("{} {}", c.max_open ? "<" : "<=", format_bound(*c.max));
  return "";
}

}  // namespace

std::string Constraints::describe() const {
  std::vector<std::string> parts;
  if (std::string b = bounds_text(*this); !b.empty()) parts.push_back(std::move(b));
  if (power_of_two) parts.emplace_back("power of two");
  if (min_items > 0)
    parts.push_back(fmt::format("at least {} item{}", min_items, min_items == 1 ? "" : "s"));
  return fmt::format("{}", fmt::join(parts, ", "));
}

void Constraints::check(const Node& at, const std::string& path, long double v) const {
  const std::string shown = at.kind == Node::Kind::Scalar ? at.text : format_bound(v);
  const bool below = min && (min_open ? v <= *min : v < *min);
  const bool above = max && (max_open ? v >= *max : v > *max);
  if (below || above)
    fail(at, path, fmt::format("{} is out of range {}", shown, bounds_text(*this)));
  if (power_of_two) {
    const long double lg = std::log2(v);
    if (!(v >= 1) || lg != std::floor(lg))
      fail(at, path, fmt::format("{} is not a power of two", shown));
  }
}

// ----- Scalar parsers --------------------------------------------------------------------

bool parse_bool(const Node& n, const std::string& path) {
  const std::string& s = scalar_text(n, path, "true or false");
  if (s == "true" || s == "True" || s == "TRUE") return true;
  if (s == "false" || s == "False" || s == "FALSE") return false;
  fail(n, path, fmt::format("expected true or false, got '{}'", s));
}

std::uint64_t parse_u64(const Node& n, const std::string& path) {
  const std::string& s = scalar_text(n, path, "an integer");
  std::uint64_t v = 0;
  if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
    if (parse_whole(std::string_view(s).substr(2), v, 16)) return v;
  } else if (parse_whole(s, v)) {
    return v;
  }
  std::int64_t negative = 0;
  if (parse_whole(s, negative) && negative < 0) {
    fail(n, path, fmt::format("expected a non-negative integer, got '{}'", s));
  }
  if (!s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    fail(n, path, fmt::format("'{}' is too large (at most {})", s, UINT64_MAX));
  }
  fail(n, path, fmt::format("expected an integer, got '{}'", s));
}

std::int64_t parse_i64(const Node& n, const std::string& path) {
  const std::string& s = scalar_text(n, path, "an integer");
  std::int64_t v = 0;
  if (parse_whole(s, v)) return v;
  if (looks_like_number(s) && s.find_first_of(".eE") == std::string::npos) {
    fail(n, path, fmt::format("'{}' does not fit in 64 bits", s));
  }
  fail(n, path, fmt::format("expected an integer, got '{}'", s));
}

double parse_double(const Node& n, const std::string& path) {
  const std::string& s = scalar_text(n, path, "a number");
  double v = 0.0;
  if (!parse_whole(s, v) || !std::isfinite(v))
    fail(n, path, fmt::format("expected a number, got '{}'", s));
  return v;
}

std::string parse_string(const Node& n, const std::string& path) {
  return scalar_text(n, path, "a string");
}

double parse_frequency_node(const Node& n, const std::string& path) {
  const std::string& s = scalar_text(n, path, "a frequency such as '875MHz'");
  try {
    return parse_frequency(s);
  } catch (const std::invalid_argument& e) {
    fail(n, path, e.what());
  }
}

double parse_time_node(const Node& n, const std::string& path) {
  const std::string& s = scalar_text(n, path, "a time such as '200ns'");
  try {
    return parse_time(s);
  } catch (const std::invalid_argument& e) {
    fail(n, path, e.what());
  }
}

std::string format_default(double v) { return fmt::format("{}", v); }
std::string format_default(bool v) { return v ? "true" : "false"; }
std::string format_default(const std::string& v) { return v.empty() ? "\"\"" : v; }

// ----- Entry points ----------------------------------------------------------------------

Node read_tree(const std::string& path) {
  std::vector<IncludeFrame> chain;
  return load_file(path, chain, nullptr, 0);
}

Node parse_tree(std::string_view yaml, const std::string& name) {
  std::vector<IncludeFrame> chain{{name, identity_of(name)}};
  return resolve_includes(parse_yaml(std::string(yaml), name), chain);
}

}  // namespace config

// ----- Reference documentation -----------------------------------------------------------

namespace {

std::string cell(std::string s) {
  std::string out;
  for (char c : s) {
    if (c == '|') out += '\\';
    out += c;
  }
  return out;
}

// One heading and table per map: leaf keys and lists of maps in the table, then each section
// and each list item type under its own heading, depth first, in declaration order.
void render_schema(const config::SchemaBase& schema, const std::string& prefix,
                   const std::string& doc, std::string& out) {
  out += fmt::format("\n### {}\n\n", prefix.empty() ? "Top level" : "`" + prefix + "`");
  if (!doc.empty()) out += doc + "\n\n";
  std::vector<const config::FieldInfo*> subs;
  bool header = false;
  for (const config::FieldInfo* f : schema.field_infos()) {
    if (f->sub != nullptr) subs.push_back(f);
    if (f->sub != nullptr && !f->sub_is_list) continue;
    if (!header) {
      out += "| key | type | default | unit | range / allowed | description |\n";
      out += "|---|---|---|---|---|---|\n";
      header = true;
    }
    const std::string key = config::join_path(prefix, f->name);
    std::string legal = f->constraints.describe();
    if (!f->allowed.empty()) {
      std::vector<std::string> quoted;
      for (const auto& a : f->allowed) quoted.push_back("`" + a + "`");
      legal = fmt::format("{}", fmt::join(quoted, ", "));
    }
    if (f->sub_is_list) {
      legal += fmt::format("{}items: see `{}[]`", legal.empty() ? "" : "; ", key);
    }
    out += fmt::format("| `{}` | {} | {} | {} | {} | {} |\n", key, f->type,
                       f->required || f->default_text.empty() ? f->default_text
                                                              : "`" + cell(f->default_text) + "`",
                       cell(f->unit), cell(legal), cell(f->doc));
  }
  for (const config::FieldInfo* f : subs) {
    const std::string key = config::join_path(prefix, f->name);
    render_schema(*f->sub, f->sub_is_list ? key + "[]" : key, f->sub_is_list ? "" : f->doc, out);
  }
}

}  // namespace

std::string schema_markdown(const config::SchemaBase& schema) {
  std::string out;
  render_schema(schema, "", "", out);
  return out;
}

}  // namespace snsim
