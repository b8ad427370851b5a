// The generic schema machinery, on a small config type declared here.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "config/config.h"

namespace snsim {
namespace {

enum class Color { Red, Green };

struct Item {
  std::string name;
  std::int64_t offset{};
  bool operator==(const Item&) const = default;
  static void describe(Schema<Item>& s) {
    s.field("name", &Item::name, "x").doc("item name");
    s.field("offset", &Item::offset, -1).range(-10, 10).doc("signed offset");
  }
};

struct Inner {
  std::uint64_t depth{};
  double hop_s{};
  std::vector<std::uint32_t> ids;
  static void describe(Schema<Inner>& s) {
    s.field("depth", &Inner::depth, 4u).unit("flits").range(2, 64).power_of_two().doc("depth");
    s.time("hop", &Inner::hop_s, "200ns").doc("hop latency");
    s.field("ids", &Inner::ids, std::vector<std::uint32_t>{1, 2}).doc("ids");
  }
};

struct Demo {
  bool on{};
  std::uint32_t count{};
  double ratio{};
  std::string label;
  Color color{};
  double clock_hz{};
  std::vector<double> loads;
  Inner inner;
  std::vector<Item> items;
  static void describe(Schema<Demo>& s) {
    s.field("on", &Demo::on, true).doc("switch");
    s.field("count", &Demo::count, 3u).unit("things").range(1, 100).doc("how many");
    s.field("ratio", &Demo::ratio, 0.5).range(0, 1).doc("a fraction");
    s.field("label", &Demo::label, "hello").doc("text");
    s.choice("color", &Demo::color, Color::Red, {{"red", Color::Red}, {"green", Color::Green}})
        .doc("a color");
    s.frequency("clock", &Demo::clock_hz, "1GHz").doc("clock");
    s.field("loads", &Demo::loads, std::vector<double>{0.5})
        .greater_than(0)
        .max(1)
        .min_items(1)
        .doc("loads");
    s.section("inner", &Demo::inner).doc("an inner section");
    s.list("items", &Demo::items).doc("items");
    s.check([](const Demo& d, const Checker& c) {
      if (d.inner.depth > d.count * 8) c.fail("inner.depth", "deeper than 8 x count");
    });
  }
};

// A scratch directory of YAML files, removed at the end of the test.
class ConfigFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           fmt::format("snsim_cfg_{}_{}", ::getpid(),
                       ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string write(const std::string& name, const std::string& text) {
    const auto path = dir_ / name;
    std::filesystem::create_directories(path.parent_path());
    std::ofstream(path) << text;
    return path.string();
  }

  // The ConfigError message of loading `path` as T.
  template <class T = Demo>
  std::string error_of(const std::string& path) {
    try {
      load<T>(path);
    } catch (const ConfigError& e) {
      return e.what();
    }
    ADD_FAILURE() << "no ConfigError for " << path;
    return "";
  }

  std::filesystem::path dir_;
};

TEST_F(ConfigFiles, EmptyFileGivesDefaults) {
  const Demo d = load<Demo>(write("empty.yaml", "# nothing\n"));
  EXPECT_TRUE(d.on);
  EXPECT_EQ(d.count, 3u);
  EXPECT_EQ(d.label, "hello");
  EXPECT_EQ(d.color, Color::Red);
  EXPECT_EQ(d.clock_hz, 1e9);
  EXPECT_EQ(d.inner.depth, 4u);
  EXPECT_DOUBLE_EQ(d.inner.hop_s, 200e-9);
  EXPECT_EQ(d.inner.ids, (std::vector<std::uint32_t>{1, 2}));
  EXPECT_TRUE(d.items.empty());
}

TEST_F(ConfigFiles, ValuesOfEveryKindLoad) {
  const Demo d = load<Demo>(write("all.yaml",
                                  "on: false\n"
                                  "count: 0x10\n"
                                  "ratio: 1\n"
                                  "label: \"a b\"\n"
                                  "color: green\n"
                                  "clock: 1.85GHz\n"
                                  "loads: [0.25, 1]\n"
                                  "inner:\n"
                                  "  hop: 1.2us\n"
                                  "  ids: []\n"
                                  "items:\n"
                                  "  - {name: a, offset: -3}\n"
                                  "  - name: b\n"));
  EXPECT_FALSE(d.on);
  EXPECT_EQ(d.count, 16u);
  EXPECT_EQ(d.ratio, 1.0);
  EXPECT_EQ(d.label, "a b");
  EXPECT_EQ(d.color, Color::Green);
  EXPECT_DOUBLE_EQ(d.clock_hz, 1.85e9);
  EXPECT_EQ(d.loads, (std::vector<double>{0.25, 1.0}));
  EXPECT_EQ(d.inner.depth, 4u);
  EXPECT_DOUBLE_EQ(d.inner.hop_s, 1.2e-6);
  EXPECT_TRUE(d.inner.ids.empty());
  EXPECT_EQ(d.items, (std::vector<Item>{{"a", -3}, {"b", -1}}));
}

TEST_F(ConfigFiles, UnknownKeySuggestsTheClosestName) {
  const std::string f = write("unknown.yaml", "count: 4\ninner:\n  depht: 8\n");
  EXPECT_EQ(error_of(f), f + ":3: inner.depht: unknown key (did you mean 'depth'?)");
  const std::string g = write("unknown2.yaml", "zzzzzz: 1\n");
  EXPECT_EQ(error_of(g), g + ":1: zzzzzz: unknown key");
}

TEST_F(ConfigFiles, WrongTypeNamesTheKeyAndTheValue) {
  const std::string f = write("type.yaml", "loads:\n  - 0.5\n  - 0.7\n  - abc\n");
  EXPECT_EQ(error_of(f), f + ":4: loads[2]: expected a number, got 'abc'");
  const std::string g = write("type2.yaml", "\n\ncount: 2.5\n");
  EXPECT_EQ(error_of(g), g + ":3: count: expected an integer, got '2.5'");
  const std::string h = write("type3.yaml", "on: yes\n");
  EXPECT_EQ(error_of(h), h + ":1: on: expected true or false, got 'yes'");
  const std::string i = write("type4.yaml", "inner: 5\n");
  EXPECT_EQ(error_of(i), i + ":1: inner: expected a map of keys, got '5'");
  const std::string j = write("type5.yaml", "count: -2\n");
  EXPECT_EQ(error_of(j), j + ":1: count: expected a non-negative integer, got '-2'");
  const std::string k = write("type6.yaml", "label: [1, 2]\n");
  EXPECT_EQ(error_of(k), k + ":1: label: expected a string, got a list");
  const std::string l = write("type7.yaml", "clock: 875\n");
  EXPECT_EQ(error_of(l).rfind(l + ":1: clock: '875' is missing a unit", 0), 0u) << error_of(l);
  const std::string m = write("type8.yaml", "count: 99999999999\n");
  EXPECT_EQ(error_of(m), m + ":1: count: '99999999999' is too large (at most 4294967295)");
}

TEST_F(ConfigFiles, OutOfRangeShowsTheRange) {
  const std::string f = write("range.yaml", "count: 200\n");
  EXPECT_EQ(error_of(f), f + ":1: count: 200 is out of range [1, 100]");
  const std::string g = write("range2.yaml", "loads: [0.5, 0]\n");
  EXPECT_EQ(error_of(g), g + ":1: loads[1]: 0 is out of range (0, 1]");
  const std::string h = write("range3.yaml", "items:\n  - offset: 11\n");
  EXPECT_EQ(error_of(h), h + ":2: items[0].offset: 11 is out of range [-10, 10]");
  const std::string i = write("range4.yaml", "loads: []\n");
  EXPECT_EQ(error_of(i), i + ":1: loads: needs at least 1 item");
}

TEST_F(ConfigFiles, BadEnumValueListsTheChoices) {
  const std::string f = write("enum.yaml", "color: gren\n");
  EXPECT_EQ(error_of(f), f + ":1: color: 'gren' is not one of red, green (did you mean 'green'?)");
}

TEST_F(ConfigFiles, NonPowerOfTwo) {
  const std::string f = write("pow2.yaml", "inner:\n  depth: 12\n");
  EXPECT_EQ(error_of(f), f + ":2: inner.depth: 12 is not a power of two");
}

TEST_F(ConfigFiles, CrossFieldCheckCitesTheKeyLine) {
  const std::string f = write("cross.yaml", "count: 1\ninner:\n  ids: [3]\n  depth: 16\n");
  EXPECT_EQ(error_of(f), f + ":4: inner.depth: deeper than 8 x count");
}

TEST_F(ConfigFiles, MissingFile) {
  const std::string f = (dir_ / "nope.yaml").string();
  EXPECT_EQ(error_of(f), f + ": cannot open: No such file or directory");
}

TEST_F(ConfigFiles, YamlSyntaxErrorCitesTheLine) {
  const std::string f = write("syntax.yaml", "count: 3\ninner:\n  depth: [1, 2\nratio: 0.5\n");
  const std::string msg = error_of(f);
  EXPECT_EQ(msg.rfind(f + ":", 0), 0u) << msg;
  EXPECT_NE(msg.find("YAML syntax error"), std::string::npos) << msg;
  // yaml-cpp reports the line where it gives up: inside or right after the open list.
  const int line = std::stoi(msg.substr(f.size() + 1));
  EXPECT_GE(line, 3);
  EXPECT_LE(line, 4);
}

TEST_F(ConfigFiles, DuplicateKeyIsAnError) {
  const std::string f = write("dup.yaml", "count: 3\nratio: 0.1\ncount: 4\n");
  EXPECT_EQ(error_of(f), f + ":3: count: duplicate key (first set at line 1)");
}

TEST_F(ConfigFiles, IncludeOverridesAndMergesMaps) {
  write("base/common.yaml",
        "count: 7\n"
        "label: base\n"
        "loads: [0.1, 0.2]\n"
        "inner:\n"
        "  depth: 8\n"
        "  hop: 1us\n");
  write("base/more.yaml", "label: more\nratio: 0.25\n");
  const std::string top = write("top.yaml",
                                "include: [base/common.yaml, base/more.yaml]\n"
                                "count: 9\n"
                                "loads: [0.9]\n"
                                "inner:\n"
                                "  hop: 2us\n");
  const Demo d = load<Demo>(top);
  EXPECT_EQ(d.count, 9u);                          // including file wins
  EXPECT_EQ(d.label, "more");                      // later include wins over earlier
  EXPECT_EQ(d.ratio, 0.25);                        // only in an include
  EXPECT_EQ(d.loads, (std::vector<double>{0.9}));  // lists replace, not append
  EXPECT_EQ(d.inner.depth, 8u);                    // maps merge key by key
  EXPECT_DOUBLE_EQ(d.inner.hop_s, 2e-6);
}

TEST_F(ConfigFiles, ErrorInsideIncludedFileCitesThatFile) {
  const std::string inc = write("sub/net.yaml", "count: 3\n\ninner:\n  depth: 3\n");
  const std::string top = write("main.yaml", "include: sub/net.yaml\nratio: 0.5\n");
  EXPECT_EQ(error_of(top), inc + ":4: inner.depth: 3 is not a power of two");
  // A value overridden by the including file is reported where the final value was written.
  const std::string top2 = write("main2.yaml", "include: sub/net.yaml\ninner: {depth: 5}\n");
  EXPECT_EQ(error_of(top2), top2 + ":2: inner.depth: 5 is not a power of two");
}

TEST_F(ConfigFiles, MissingIncludeCitesTheIncludeLine) {
  const std::string top = write("m.yaml", "count: 2\ninclude:\n  - gone.yaml\n");
  EXPECT_EQ(error_of(top), top + ":3: include: cannot open '" + (dir_ / "gone.yaml").string() +
                               "': No such file or directory");
}

TEST_F(ConfigFiles, IncludeCycleNamesTheChain) {
  const std::string a = write("a.yaml", "include: b.yaml\n");
  const std::string b = write("b.yaml", "count: 2\ninclude: a.yaml\n");
  EXPECT_EQ(error_of(a), b + ":2: include: include cycle: " + a + " -> " + b + " -> " + a);
  const std::string self = write("self.yaml", "include: self.yaml\n");
  EXPECT_EQ(error_of(self), self + ":1: include: include cycle: " + self + " -> " + self);
}

TEST_F(ConfigFiles, DiamondIncludeIsNotACycle) {
  write("d/leaf.yaml", "count: 5\n");
  write("d/left.yaml", "include: leaf.yaml\n");
  write("d/right.yaml", "include: leaf.yaml\nratio: 0.75\n");
  const Demo d = load<Demo>(write("d/top.yaml", "include: [left.yaml, right.yaml]\n"));
  EXPECT_EQ(d.count, 5u);
  EXPECT_EQ(d.ratio, 0.75);
}

TEST(ConfigJson, EchoLoadsBackToTheSameValues) {
  const Demo d = load_string<Demo>(
      "clock: 1.85GHz\ninner: {hop: 1.2us, depth: 16}\nitems: [{name: q}]\ncolor: green\n");
  const auto j = to_json(d);
  EXPECT_EQ(j["clock"], "1.85GHz");
  EXPECT_EQ(j["inner"]["hop"], "1.2us");
  EXPECT_EQ(j["color"], "green");
  EXPECT_EQ(j["items"][0]["name"], "q");
  EXPECT_EQ(j.begin().key(), "on");  // schema order
  // JSON is YAML: the echo is itself a valid config with the same values.
  EXPECT_EQ(to_json(load_string<Demo>(j.dump())), j);
}

TEST(ConfigDoc, MarkdownListsEveryKeyWithItsMetadata) {
  const std::string md = schema_markdown(schema_of<Demo>());
  EXPECT_NE(md.find("| `count` | integer | `3` | things | [1, 100] | how many |"),
            std::string::npos)
      << md;
  EXPECT_NE(md.find("| `inner.depth` | integer | `4` | flits | [2, 64], power of two | depth |"),
            std::string::npos)
      << md;
  EXPECT_NE(md.find("| `color` | enum | `red` |  | `red`, `green` | a color |"), std::string::npos);
  EXPECT_NE(md.find("| `clock` | frequency | `1GHz` | Hz |"), std::string::npos);
  EXPECT_NE(md.find("### `items[]`"), std::string::npos);
  EXPECT_NE(md.find("| `items[].offset` | integer | `-1` |"), std::string::npos);
}

}  // namespace
}  // namespace snsim
