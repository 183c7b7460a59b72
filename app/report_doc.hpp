// A report as a document (sections of paragraphs, tables and charts) rendered twice: as
// Markdown and as a self-contained HTML page with SVG charts. Both renderers read the same
// document, so the two files carry the same content: a chart's data is a table in both, the
// HTML draws it as well. A section with nothing in it is not rendered (no empty heading).
#pragma once

#include <string>
#include <vector>

namespace dtx {

struct DocTable {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
};

struct DocChart {
  enum class Kind { bars, lines } kind = Kind::bars;
  std::string title, unit;
  // bars: one row of bars per label, one bar per series; lines: one point per label (the
  // x axis, in order), one line per series.
  std::vector<std::string> labels, series;
  std::vector<std::vector<double>> values;  // [label][series]
  std::string x_title;                      // lines: what the labels are
};

struct DocBlock {
  enum class Kind { paragraph, table, chart, list } kind = Kind::paragraph;
  std::string text;                // paragraph; `code` spans in backquotes
  std::vector<std::string> items;  // list
  DocTable table;
  DocChart chart;
};

struct DocSection {
  std::string heading;
  std::vector<DocBlock> blocks;
  void paragraph(std::string text);
  void table(DocTable t);
  void chart(DocChart c);
  void list(std::vector<std::string> items);
};

struct Doc {
  std::string title;
  std::vector<DocSection> sections;  // the first may have no heading (the introduction)
};

std::string render_markdown(const Doc& d);
std::string render_html(const Doc& d);
// The chart alone, as SVG (at most kChartWidth pixels wide).
std::string render_svg(const DocChart& c);
constexpr int kChartWidth = 1200;

}  // namespace dtx
