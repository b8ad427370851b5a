#pragma once
// Schema-driven YAML configuration. Each config struct declares its keys once, in a static
// describe(Schema<T>&) function: name, member, default, unit, legal range and one line of
// documentation. From that one place come loading with validation (load<T>), the effective-config
// echo (to_json) and the reference documentation (schema_markdown, docs/config.md).
//
//   struct RouterCfg {
//     std::uint32_t ports{};
//     static void describe(Schema<RouterCfg>& s) {
//       s.field("ports", &RouterCfg::ports, 8u).unit("ports").range(2, 128).doc("radix");
//     }
//   };
//   auto cfg = snsim::load<NetConfig>("configs/switch8-net.yaml");
//
// Defaults live only in the schema: build a config with load<T>() or config_defaults<T>(); a
// value-initialized struct holds zeros, not the defaults.
//
// Every error is a ConfigError whose message is "FILE:LINE: KEY: WHY", KEY being the dotted path
// of the offending key ("router.routes[2].ports[0]"). A top-level `include:` (a path or a list of
// paths, relative to the including file) loads those files first; the including file's keys
// override theirs, maps merging key by key and everything else replaced whole (DECISIONS.md D21).

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <vector>

#include "common/units.h"

namespace snsim {

// A configuration problem, located in a file. line 0 means the whole file (it could not be
// opened); an empty key means the problem is not about one key (a YAML syntax error).
class ConfigError : public std::runtime_error {
 public:
  ConfigError(std::string file, int line, std::string key, std::string why);
  const std::string& file() const { return file_; }
  int line() const { return line_; }
  const std::string& key() const { return key_; }
  const std::string& why() const { return why_; }

 private:
  std::string file_;
  int line_;
  std::string key_;
  std::string why_;
};

template <class T>
class Schema;

// Building blocks of the templates below; not meant to be used directly.
namespace config {

struct MapEntry;

// One YAML value and where it was written. Includes are merged into one tree of these, so each
// value still knows its own file and line.
struct Node {
  enum class Kind { Null, Scalar, Seq, Map };
  Kind kind = Kind::Null;
  std::string file;
  int line = 0;                   // 1-based
  std::string text;               // Scalar
  std::vector<Node> items;        // Seq
  std::vector<MapEntry> entries;  // Map, in file order

  const Node* find(std::string_view key) const;
  // "'abc'", "a list", "a map" or "nothing", for "expected X, got Y" messages.
  std::string describe() const;
};

struct MapEntry {
  std::string key;
  int key_line = 0;
  Node value;
};

struct Location {
  std::string file;
  int line = 0;
};

// Where each dotted key of the loaded config was written, so that checks running after the load
// can still cite a file and line.
class LoadContext {
 public:
  explicit LoadContext(std::string top_file) : top_file_(std::move(top_file)) {}
  void record(const std::string& path, const std::string& file, int line) {
    where_[path] = Location{file, line};
  }
  // The key itself if it was written, else its nearest written ancestor, else the top file.
  Location locate(std::string_view path) const;

 private:
  std::string top_file_;
  std::unordered_map<std::string, Location> where_;
};

[[noreturn]] void fail(const Node& at, const std::string& path, std::string why);

// Legal values of a number (or of each number of a list).
struct Constraints {
  std::optional<long double> min, max;
  bool min_open = false, max_open = false;
  bool power_of_two = false;
  std::size_t min_items = 0;

  // Human text for the docs: "[2, 128], power of two".
  std::string describe() const;
  // Throws through fail() if v (written as `text`) breaks a bound.
  void check(const Node& at, const std::string& path, long double v) const;
};

class SchemaBase;

// Documentation and constraints of one key.
struct FieldInfo {
  std::string name;
  std::string type;          // "integer", "list of numbers", "frequency", ...
  std::string default_text;  // as it would be written in YAML
  std::string unit;
  std::string doc;
  std::vector<std::string> allowed;  // enums
  Constraints constraints;
  const SchemaBase* sub = nullptr;  // sections and lists of sections
  bool sub_is_list = false;
  bool required = false;  // no default: the key must be written
};

class SchemaBase {
 public:
  virtual ~SchemaBase() = default;
  virtual std::vector<const FieldInfo*> field_infos() const = 0;
};

std::string join_path(const std::string& prefix, std::string_view key);
std::string index_path(const std::string& path, std::size_t i);
// " (did you mean 'ports'?)" for the closest candidate by edit distance, or "".
std::string did_you_mean(std::string_view word, const std::vector<std::string>& candidates);

bool parse_bool(const Node& n, const std::string& path);
std::uint64_t parse_u64(const Node& n, const std::string& path);
std::int64_t parse_i64(const Node& n, const std::string& path);
double parse_double(const Node& n, const std::string& path);
std::string parse_string(const Node& n, const std::string& path);
double parse_frequency_node(const Node& n, const std::string& path);
double parse_time_node(const Node& n, const std::string& path);
void expect_kind(const Node& n, const std::string& path, Node::Kind kind);

// Reads `path` and its includes into one merged tree (a Map, possibly empty).
Node read_tree(const std::string& path);
// The same for YAML text; `name` stands for the file in messages and includes resolve from the
// working directory.
Node parse_tree(std::string_view yaml, const std::string& name);

std::string format_default(double v);
std::string format_default(bool v);
std::string format_default(const std::string& v);
template <class I>
requires std::is_integral_v<I> std::string format_default(I v) { return std::to_string(v); }

// How a C++ member type is read from YAML, echoed, and named in the docs.
template <class M>
struct Codec;

template <>
struct Codec<bool> {
  static const char* type_name() { return "bool"; }
  static bool parse(const Node& n, const std::string& path, const Constraints&, LoadContext&) {
    return parse_bool(n, path);
  }
  static nlohmann::ordered_json to_json(bool v) { return v; }
  static std::string text(bool v) { return format_default(v); }
};

template <class I>
requires(std::is_integral_v<I> && !std::is_same_v<I, bool>) struct Codec<I> {
  static const char* type_name() { return "integer"; }
  static I parse(const Node& n, const std::string& path, const Constraints& c, LoadContext&) {
    I v;
    if constexpr (std::is_signed_v<I>) {
      const std::int64_t wide = parse_i64(n, path);
      if (wide < std::numeric_limits<I>::min() || wide > std::numeric_limits<I>::max()) {
        fail(n, path,
             "'" + n.text + "' does not fit in " + std::to_string(sizeof(I) * 8) + " bits");
      }
      v = static_cast<I>(wide);
    } else {
      const std::uint64_t wide = parse_u64(n, path);
      if (wide > std::numeric_limits<I>::max()) {
        fail(n, path,
             "'" + n.text + "' is too large (at most " +
                 std::to_string(std::numeric_limits<I>::max()) + ")");
      }
      v = static_cast<I>(wide);
    }
    c.check(n, path, static_cast<long double>(v));
    return v;
  }
  static nlohmann::ordered_json to_json(I v) { return v; }
  static std::string text(I v) { return format_default(v); }
};

template <>
struct Codec<double> {
  static const char* type_name() { return "number"; }
  static double parse(const Node& n, const std::string& path, const Constraints& c, LoadContext&) {
    const double v = parse_double(n, path);
    c.check(n, path, static_cast<long double>(v));
    return v;
  }
  static nlohmann::ordered_json to_json(double v) { return v; }
  static std::string text(double v) { return format_default(v); }
};

template <>
struct Codec<std::string> {
  static const char* type_name() { return "string"; }
  static std::string parse(const Node& n, const std::string& path, const Constraints&,
                           LoadContext&) {
    return parse_string(n, path);
  }
  static nlohmann::ordered_json to_json(const std::string& v) { return v; }
  static std::string text(const std::string& v) { return format_default(v); }
};

template <class E>
struct Codec<std::vector<E>> {
  static std::string type_name() {
    const std::string e = Codec<E>::type_name();
    return "list of " + (e == "bool" ? std::string("bools") : e == "string" ? "strings" : e + "s");
  }
  static std::vector<E> parse(const Node& n, const std::string& path, const Constraints& c,
                              LoadContext& ctx) {
    expect_kind(n, path, Node::Kind::Seq);
    if (n.items.size() < c.min_items) {
      fail(n, path,
           "needs at least " + std::to_string(c.min_items) + " item" +
               (c.min_items == 1 ? "" : "s"));
    }
    std::vector<E> out;
    out.reserve(n.items.size());
    for (std::size_t i = 0; i < n.items.size(); ++i) {
      const std::string item_path = index_path(path, i);
      ctx.record(item_path, n.items[i].file, n.items[i].line);
      out.push_back(Codec<E>::parse(n.items[i], item_path, c, ctx));
    }
    return out;
  }
  static nlohmann::ordered_json to_json(const std::vector<E>& v) {
    nlohmann::ordered_json a = nlohmann::ordered_json::array();
    for (const E& e : v) a.push_back(Codec<E>::to_json(e));
    return a;
  }
  static std::string text(const std::vector<E>& v) {
    std::string s = "[";
    for (std::size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + Codec<E>::text(v[i]);
    return s + "]";
  }
};

}  // namespace config

// Cross-field checks of one struct run after its keys are loaded; keys are relative to the
// struct ("routes[1].ports"), and fail() cites where that key (or its nearest written ancestor)
// is in the files.
class Checker {
 public:
  Checker(const config::LoadContext& ctx, std::string prefix)
      : ctx_(ctx), prefix_(std::move(prefix)) {}
  [[noreturn]] void fail(std::string_view key, std::string why) const;
  std::string path(std::string_view key) const { return config::join_path(prefix_, key); }

 private:
  const config::LoadContext& ctx_;
  std::string prefix_;
};

// Chained refinements of the key just declared: s.field(...).unit("flits").range(2, 4096).doc(...)
class FieldBuilder {
 public:
  explicit FieldBuilder(config::FieldInfo& info) : info_(info) {}
  FieldBuilder& unit(std::string u) {
    info_.unit = std::move(u);
    return *this;
  }
  FieldBuilder& doc(std::string d) {
    info_.doc = std::move(d);
    return *this;
  }
  // Bounds apply to the value, or to every item of a list. range() and min()/max() are
  // inclusive, greater_than()/less_than() exclusive.
  FieldBuilder& range(long double lo, long double hi) { return min(lo).max(hi); }
  FieldBuilder& min(long double v) {
    return bound(info_.constraints.min, info_.constraints.min_open, v, false);
  }
  FieldBuilder& max(long double v) {
    return bound(info_.constraints.max, info_.constraints.max_open, v, false);
  }
  FieldBuilder& greater_than(long double v) {
    return bound(info_.constraints.min, info_.constraints.min_open, v, true);
  }
  FieldBuilder& less_than(long double v) {
    return bound(info_.constraints.max, info_.constraints.max_open, v, true);
  }
  FieldBuilder& power_of_two() {
    info_.constraints.power_of_two = true;
    return *this;
  }
  FieldBuilder& min_items(std::size_t n) {
    info_.constraints.min_items = n;
    return *this;
  }
  // The key must be written (for items of a list, where a default would be a silent guess).
  FieldBuilder& required() {
    info_.required = true;
    info_.default_text = "required";
    return *this;
  }

 private:
  FieldBuilder& bound(std::optional<long double>& slot, bool& open, long double v, bool is_open) {
    slot = v;
    open = is_open;
    return *this;
  }

  config::FieldInfo& info_;
};

template <class T>
const Schema<T>& schema_of();

// The keys of config struct T (see the file comment). Immutable once T::describe has run.
template <class T>
class Schema : public config::SchemaBase {
 public:
  // Scalars (bool, integers, double, string) and lists of them.
  template <class M, class D>
  FieldBuilder field(std::string name, M T::*member, D def) {
    M value = static_cast<M>(def);
    Field& f = add(std::move(name), config::Codec<M>::type_name(), config::Codec<M>::text(value));
    f.set_default = [member, value](T& obj) { obj.*member = value; };
    f.load = [member](T& obj, const config::Node& n, const std::string& path,
                      const config::FieldInfo& info, config::LoadContext& ctx) {
      obj.*member = config::Codec<M>::parse(n, path, info.constraints, ctx);
    };
    f.to_json = [member](const T& obj) { return config::Codec<M>::to_json(obj.*member); };
    return FieldBuilder(f.info);
  }

  // A frequency written with its unit ("875MHz"), stored in Hz.
  FieldBuilder frequency(std::string name, double T::*member, std::string_view def);
  // A time written with its unit ("200ns"), stored in seconds.
  FieldBuilder time(std::string name, double T::*member, std::string_view def);

  // One of a fixed set of names, stored as the matching value of E (an enum, or std::string).
  template <class E>
  FieldBuilder choice(std::string name, E T::*member, E def,
                      std::vector<std::pair<std::string, E>> values) {
    std::string def_text;
    std::vector<std::string> names;
    for (const auto& [n, v] : values) {
      names.push_back(n);
      if (v == def) def_text = n;
    }
    Field& f = add(std::move(name), "enum", def_text);
    f.info.allowed = names;
    f.set_default = [member, def](T& obj) { obj.*member = def; };
    f.load = [member, values, names](T& obj, const config::Node& n, const std::string& path,
                                     const config::FieldInfo&, config::LoadContext&) {
      const std::string text = config::parse_string(n, path);
      for (const auto& [vn, v] : values) {
        if (vn == text) {
          obj.*member = v;
          return;
        }
      }
      std::string list;
      for (const auto& vn : names) list += (list.empty() ? "" : ", ") + vn;
      config::fail(n, path,
                   "'" + text + "' is not one of " + list + config::did_you_mean(text, names));
    };
    f.to_json = [member, values](const T& obj) {
      for (const auto& [vn, v] : values) {
        if (v == obj.*member) return nlohmann::ordered_json(vn);
      }
      return nlohmann::ordered_json(nullptr);
    };
    return FieldBuilder(f.info);
  }

  FieldBuilder choice(std::string name, std::string T::*member, std::string def,
                      const std::vector<std::string>& values) {
    std::vector<std::pair<std::string, std::string>> pairs;
    for (const auto& v : values) pairs.emplace_back(v, v);
    return choice<std::string>(std::move(name), member, std::move(def), std::move(pairs));
  }

  // A nested map of keys described by S::describe.
  template <class S>
  FieldBuilder section(std::string name, S T::*member) {
    const Schema<S>& sub = schema_of<S>();
    Field& f = add(std::move(name), "map", "");
    f.info.sub = &sub;
    f.set_default = [member, &sub](T& obj) { sub.apply_defaults(obj.*member); };
    f.load = [member, &sub](T& obj, const config::Node& n, const std::string& path,
                            const config::FieldInfo&, config::LoadContext& ctx) {
      sub.load_into(obj.*member, &n, path, ctx);
    };
    f.to_json = [member, &sub](const T& obj) { return sub.to_json(obj.*member); };
    return FieldBuilder(f.info);
  }

  // A list of maps, each described by S::describe (items start from S's defaults).
  template <class S>
  FieldBuilder list(std::string name, std::vector<S> T::*member, std::vector<S> def = {}) {
    const Schema<S>& sub = schema_of<S>();
    Field& f = add(std::move(name), "list of maps", def.empty() ? "[]" : "(see below)");
    f.info.sub = &sub;
    f.info.sub_is_list = true;
    f.set_default = [member, def](T& obj) { obj.*member = def; };
    f.load = [member, &sub](T& obj, const config::Node& n, const std::string& path,
                            const config::FieldInfo& info, config::LoadContext& ctx) {
      config::expect_kind(n, path, config::Node::Kind::Seq);
      if (n.items.size() < info.constraints.min_items) {
        config::fail(n, path,
                     "needs at least " + std::to_string(info.constraints.min_items) + " items");
      }
      std::vector<S> out(n.items.size());
      for (std::size_t i = 0; i < n.items.size(); ++i) {
        const std::string item_path = config::index_path(path, i);
        ctx.record(item_path, n.items[i].file, n.items[i].line);
        config::expect_kind(n.items[i], item_path, config::Node::Kind::Map);
        sub.apply_defaults(out[i]);
        sub.load_into(out[i], &n.items[i], item_path, ctx);
      }
      obj.*member = std::move(out);
    };
    f.to_json = [member, &sub](const T& obj) {
      nlohmann::ordered_json a = nlohmann::ordered_json::array();
      for (const S& s : obj.*member) a.push_back(sub.to_json(s));
      return a;
    };
    return FieldBuilder(f.info);
  }

  // A cross-field rule over the whole struct, run after its keys (and sections) are loaded.
  void check(std::function<void(const T&, const Checker&)> rule) {
    checks_.push_back(std::move(rule));
  }

  void apply_defaults(T& obj) const {
    for (const Field& f : fields_) f.set_default(obj);
  }

  // Fills obj (already holding defaults) from map node n (nullptr or Null: nothing written),
  // then runs the checks. path is the dotted key of obj ("" at the top).
  void load_into(T& obj, const config::Node* n, const std::string& path,
                 config::LoadContext& ctx) const {
    if (n != nullptr && n->kind != config::Node::Kind::Null) {
      config::expect_kind(*n, path, config::Node::Kind::Map);
      for (const config::MapEntry& e : n->entries) {
        const std::string key_path = config::join_path(path, e.key);
        const Field* f = find(e.key);
        if (f == nullptr) {
          config::Node at = e.value;
          at.line = e.key_line;
          config::fail(at, key_path, "unknown key" + config::did_you_mean(e.key, names()));
        }
        ctx.record(key_path, e.value.file, e.key_line);
        f->load(obj, e.value, key_path, f->info, ctx);
      }
    }
    for (const Field& f : fields_) {
      if (f.info.required && (n == nullptr || n->find(f.info.name) == nullptr)) {
        const config::Location where = ctx.locate(path);
        throw ConfigError(where.file, where.line, config::join_path(path, f.info.name),
                          "missing required key");
      }
    }
    const Checker checker(ctx, path);
    for (const auto& rule : checks_) rule(obj, checker);
  }

  nlohmann::ordered_json to_json(const T& obj) const {
    nlohmann::ordered_json j = nlohmann::ordered_json::object();
    for (const Field& f : fields_) j[f.info.name] = f.to_json(obj);
    return j;
  }

  std::vector<const config::FieldInfo*> field_infos() const override {
    std::vector<const config::FieldInfo*> out;
    for (const Field& f : fields_) out.push_back(&f.info);
    return out;
  }

 private:
  struct Field {
    config::FieldInfo info;
    std::function<void(T&)> set_default;
    std::function<void(T&, const config::Node&, const std::string&, const config::FieldInfo&,
                       config::LoadContext&)>
        load;
    std::function<nlohmann::ordered_json(const T&)> to_json;
  };

  Field& add(std::string name, std::string type, std::string default_text) {
    if (find(name) != nullptr) {
      throw std::logic_error("config key '" + name + "' is declared twice");
    }
    // A deque keeps earlier Fields in place, so FieldBuilders and captured references stay valid.
    Field& f = fields_.emplace_back();
    f.info.name = std::move(name);
    f.info.type = std::move(type);
    f.info.default_text = std::move(default_text);
    return f;
  }

  const Field* find(std::string_view name) const {
    for (const Field& f : fields_) {
      if (f.info.name == name) return &f;
    }
    return nullptr;
  }

  std::vector<std::string> names() const {
    std::vector<std::string> out;
    for (const Field& f : fields_) out.push_back(f.info.name);
    return out;
  }

  std::deque<Field> fields_;
  std::vector<std::function<void(const T&, const Checker&)>> checks_;
};

template <class T>
FieldBuilder Schema<T>::frequency(std::string name, double T::*member, std::string_view def) {
  config::Node def_node;
  def_node.kind = config::Node::Kind::Scalar;
  def_node.text = std::string(def);
  const double value = config::parse_frequency_node(def_node, name);
  Field& f = add(std::move(name), "frequency", std::string(def));
  f.info.unit = "Hz";
  f.set_default = [member, value](T& obj) { obj.*member = value; };
  f.load = [member](T& obj, const config::Node& n, const std::string& path,
                    const config::FieldInfo& info, config::LoadContext&) {
    const double v = config::parse_frequency_node(n, path);
    info.constraints.check(n, path, static_cast<long double>(v));
    obj.*member = v;
  };
  f.to_json = [member](const T& obj) {
    return nlohmann::ordered_json(format_frequency(obj.*member));
  };
  return FieldBuilder(f.info);
}

template <class T>
FieldBuilder Schema<T>::time(std::string name, double T::*member, std::string_view def) {
  config::Node def_node;
  def_node.kind = config::Node::Kind::Scalar;
  def_node.text = std::string(def);
  const double value = config::parse_time_node(def_node, name);
  Field& f = add(std::move(name), "time", std::string(def));
  f.info.unit = "s";
  f.set_default = [member, value](T& obj) { obj.*member = value; };
  f.load = [member](T& obj, const config::Node& n, const std::string& path,
                    const config::FieldInfo& info, config::LoadContext&) {
    const double v = config::parse_time_node(n, path);
    info.constraints.check(n, path, static_cast<long double>(v));
    obj.*member = v;
  };
  f.to_json = [member](const T& obj) { return nlohmann::ordered_json(format_time(obj.*member)); };
  return FieldBuilder(f.info);
}

template <class T>
const Schema<T>& schema_of() {
  // Built once on first use, then read-only: a constant table, not mutable global state.
  static const Schema<T> schema = [] {
    Schema<T> s;
    T::describe(s);
    return s;
  }();
  return schema;
}

template <class T>
T config_defaults() {
  T obj{};
  schema_of<T>().apply_defaults(obj);
  return obj;
}

template <class T>
T config_from_tree(const config::Node& tree, const std::string& top_file) {
  T obj = config_defaults<T>();
  config::LoadContext ctx(top_file);
  schema_of<T>().load_into(obj, &tree, "", ctx);
  return obj;
}

// Reads, merges (includes), validates and converts one config file. Throws ConfigError.
template <class T>
T load(const std::string& path) {
  return config_from_tree<T>(config::read_tree(path), path);
}

// The same from YAML text; `name` stands for the file in messages.
template <class T>
T load_string(std::string_view yaml, const std::string& name = "<string>") {
  return config_from_tree<T>(config::parse_tree(yaml, name), name);
}

// The effective config, keys in schema order; frequencies and times as unit strings, so the
// output loads back to the same values.
template <class T>
nlohmann::ordered_json to_json(const T& obj) {
  return schema_of<T>().to_json(obj);
}

// Markdown reference of a schema: one table (key, type, default, unit, range/allowed,
// description) for the top-level keys and one per section, headed "### <prefix>" and so on.
std::string schema_markdown(const config::SchemaBase& schema);

}  // namespace snsim
