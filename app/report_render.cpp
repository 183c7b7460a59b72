// Markdown and HTML renderings of a report document; SVG bar and line charts laid out to
// stay inside kChartWidth pixels: labels left of horizontal bars (never rotated or cut),
// legends above or beside the plot, never over it.
#include <algorithm>
#include <cstdio>
#include <sstream>

#include "app/report_doc.hpp"

namespace dtx {

void DocSection::paragraph(std::string text) {
  DocBlock b;
  b.text = std::move(text);
  blocks.push_back(std::move(b));
}
void DocSection::table(DocTable t) {
  DocBlock b;
  b.kind = DocBlock::Kind::table;
  b.table = std::move(t);
  blocks.push_back(std::move(b));
}
void DocSection::chart(DocChart c) {
  DocBlock b;
  b.kind = DocBlock::Kind::chart;
  b.chart = std::move(c);
  blocks.push_back(std::move(b));
}
void DocSection::list(std::vector<std::string> items) {
  if (items.empty()) return;
  DocBlock b;
  b.kind = DocBlock::Kind::list;
  b.items = std::move(items);
  blocks.push_back(std::move(b));
}

namespace {

const char* const kColours[] = {"#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f",
                                "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"};

std::string num(double v) {
  char buf[64];
  int digits = v >= 100 ? 0 : v >= 10 ? 1 : 2;
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

std::string esc(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '<')
      out += "&lt;";
    else if (c == '>')
      out += "&gt;";
    else if (c == '&')
      out += "&amp;";
    else if (c == '"')
      out += "&quot;";
    else if (c == '\'')
      out += "&#39;";
    else
      out += c;
  }
  return out;
}

// Escapes, then turns `code` spans into <code> and **bold** spans into <strong> elements.
std::string inline_html(const std::string& s) {
  std::string e = esc(s), out;
  bool code = false, strong = false;
  for (size_t i = 0; i < e.size(); ++i) {
    if (e[i] == '`') {
      out += code ? "</code>" : "<code>";
      code = !code;
    } else if (!code && e.compare(i, 2, "**") == 0) {
      out += strong ? "</strong>" : "<strong>";
      strong = !strong;
      ++i;
    } else {
      out += e[i];
    }
  }
  if (code) out += "</code>";
  if (strong) out += "</strong>";
  return out;
}

std::string md_cell(const std::string& s) {
  std::string out;
  for (char c : s)
    out += c == '|' ? std::string("\\|") : c == '\n' ? std::string(" ") : std::string(1, c);
  return out;
}

DocTable chart_table(const DocChart& c) {
  DocTable t;
  t.header.push_back(c.kind == DocChart::Kind::lines ? c.x_title : "");
  for (const auto& s : c.series)
    t.header.push_back(s + (c.unit.empty() ? "" : " (" + c.unit + ")"));
  for (size_t i = 0; i < c.labels.size(); ++i) {
    std::vector<std::string> row{c.labels[i]};
    for (double v : c.values[i]) row.push_back(num(v));
    t.rows.push_back(std::move(row));
  }
  return t;
}

double max_value(const DocChart& c) {
  double m = 0;
  for (const auto& row : c.values)
    for (double v : row) m = std::max(m, v);
  return m > 0 ? m : 1;
}

// A round axis maximum at or above m (1, 2 or 5 times a power of ten).
double nice_max(double m) {
  double p = 1;
  while (p * 10 <= m) p *= 10;
  while (p > m) p /= 10;
  for (double f : {1.0, 2.0, 5.0, 10.0})
    if (p * f >= m) return p * f;
  return m;
}

void legend(std::ostringstream& o, const DocChart& c, int x, int y, bool vertical) {
  for (size_t k = 0; k < c.series.size(); ++k) {
    int dx = vertical ? 0 : static_cast<int>(k) * 170, dy = vertical ? static_cast<int>(k) * 18 : 0;
    o << "<rect x='" << x + dx << "' y='" << y + dy << "' width='12' height='12' fill='"
      << kColours[k % 10] << "'/><text x='" << x + dx + 17 << "' y='" << y + dy + 10
      << "' font-size='12'>" << esc(c.series[k]) << "</text>";
  }
}

std::string svg_bars(const DocChart& c) {
  const int label_w = 250, value_w = 70, top = 56, bar_h = 13;
  const int plot_w = kChartWidth - label_w - value_w;
  const int row_h = static_cast<int>(c.series.size()) * bar_h + 12;
  const int h = top + static_cast<int>(c.labels.size()) * row_h + 30;
  double max_v = nice_max(max_value(c));
  std::ostringstream o;
  o << "<svg class='chart' xmlns='http://www.w3.org/2000/svg' width='" << kChartWidth
    << "' height='" << h << "' viewBox='0 0 " << kChartWidth << " " << h << "' role='img'>";
  o << "<title>" << esc(c.title) << "</title><text x='0' y='16' font-size='15' font-weight='bold'>"
    << esc(c.title) << (c.unit.empty() ? "" : " (" + esc(c.unit) + ")") << "</text>";
  legend(o, c, label_w, 28, false);
  for (int t = 0; t <= 4; ++t) {
    int x = label_w + plot_w * t / 4;
    o << "<line x1='" << x << "' y1='" << top - 4 << "' x2='" << x << "' y2='" << h - 24
      << "' stroke='#ddd'/><text x='" << x << "' y='" << h - 10
      << "' font-size='11' text-anchor='middle'>" << num(max_v * t / 4) << "</text>";
  }
  for (size_t g = 0; g < c.labels.size(); ++g) {
    int y0 = top + static_cast<int>(g) * row_h;
    o << "<text x='" << label_w - 8 << "' y='" << y0 + row_h / 2 + 2
      << "' font-size='12' text-anchor='end'>" << esc(c.labels[g]) << "</text>";
    for (size_t k = 0; k < c.series.size(); ++k) {
      double v = c.values[g][k];
      int w = static_cast<int>(plot_w * v / max_v), y = y0 + static_cast<int>(k) * bar_h;
      o << "<rect x='" << label_w << "' y='" << y << "' width='" << std::max(w, 1) << "' height='"
        << bar_h - 2 << "' fill='" << kColours[k % 10] << "'><title>"
        << esc(c.labels[g] + " " + c.series[k] + ": " + num(v) + " " + c.unit)
        << "</title></rect><text x='" << label_w + w + 4 << "' y='" << y + bar_h - 3
        << "' font-size='10'>" << num(v) << "</text>";
    }
  }
  o << "</svg>";
  return o.str();
}

std::string svg_lines(const DocChart& c) {
  const int left = 70, legend_w = 250, top = 30, bottom = 50, h = 380;
  const int plot_w = kChartWidth - left - legend_w, plot_h = h - top - bottom;
  double max_v = nice_max(max_value(c));
  size_t n = c.labels.size();
  auto px = [&](size_t i) {
    return left + (n <= 1 ? plot_w / 2 : static_cast<int>(plot_w * i / (n - 1)));
  };
  auto py = [&](double v) { return top + plot_h - static_cast<int>(plot_h * v / max_v); };
  std::ostringstream o;
  o << "<svg class='chart' xmlns='http://www.w3.org/2000/svg' width='" << kChartWidth
    << "' height='" << h << "' viewBox='0 0 " << kChartWidth << " " << h << "' role='img'>";
  o << "<title>" << esc(c.title) << "</title><text x='0' y='16' font-size='15' font-weight='bold'>"
    << esc(c.title) << (c.unit.empty() ? "" : " (" + esc(c.unit) + ")") << "</text>";
  for (int t = 0; t <= 4; ++t) {
    int y = py(max_v * t / 4);
    o << "<line x1='" << left << "' y1='" << y << "' x2='" << left + plot_w << "' y2='" << y
      << "' stroke='#ddd'/><text x='" << left - 6 << "' y='" << y + 4
      << "' font-size='11' text-anchor='end'>" << num(max_v * t / 4) << "</text>";
  }
  for (size_t i = 0; i < n; ++i)
    o << "<text x='" << px(i) << "' y='" << top + plot_h + 18
      << "' font-size='11' text-anchor='middle'>" << esc(c.labels[i]) << "</text>";
  o << "<text x='" << left + plot_w / 2 << "' y='" << h - 8
    << "' font-size='12' text-anchor='middle'>" << esc(c.x_title) << "</text>";
  for (size_t k = 0; k < c.series.size(); ++k) {
    o << "<polyline fill='none' stroke-width='2' stroke='" << kColours[k % 10] << "' points='";
    for (size_t i = 0; i < n; ++i) o << (i ? " " : "") << px(i) << "," << py(c.values[i][k]);
    o << "'/>";
    for (size_t i = 0; i < n; ++i)
      o << "<circle cx='" << px(i) << "' cy='" << py(c.values[i][k]) << "' r='3' fill='"
        << kColours[k % 10] << "'><title>"
        << esc(c.series[k] + " at " + c.labels[i] + ": " + num(c.values[i][k]) + " " + c.unit)
        << "</title></circle>";
  }
  legend(o, c, left + plot_w + 20, top, true);
  o << "</svg>";
  return o.str();
}

void md_table(std::ostringstream& o, const DocTable& t) {
  o << "|";
  for (const auto& h : t.header) o << " " << md_cell(h) << " |";
  o << "\n|";
  for (size_t i = 0; i < t.header.size(); ++i) o << "---|";
  o << "\n";
  for (const auto& row : t.rows) {
    o << "|";
    for (const auto& cell : row) o << " " << md_cell(cell) << " |";
    o << "\n";
  }
  o << "\n";
}

void html_table(std::ostringstream& o, const DocTable& t, const char* cls = "") {
  o << "<table class='" << cls << "'><thead><tr>";
  for (const auto& h : t.header) o << "<th>" << inline_html(h) << "</th>";
  o << "</tr></thead><tbody>\n";
  for (const auto& row : t.rows) {
    o << "<tr>";
    for (const auto& cell : row) o << "<td>" << inline_html(cell) << "</td>";
    o << "</tr>\n";
  }
  o << "</tbody></table>\n";
}

const char* const kStyle =
    "body{font-family:sans-serif;margin:16px;max-width:1360px;color:#222;line-height:1.4}"
    "table{border-collapse:collapse;font-size:13px;margin:8px 0 16px;max-width:100%}"
    "td,th{border:1px solid #ccc;padding:3px 6px;vertical-align:top;overflow-wrap:break-word}"
    "td:first-child{white-space:nowrap}"
    "th{background:#f3f3f3;text-align:left}code{font-size:12px;overflow-wrap:anywhere}"
    "svg.chart{display:block;max-width:100%;height:auto;margin:8px 0}"
    "table.data{font-size:12px;color:#444}";

}  // namespace

std::string render_svg(const DocChart& c) {
  return c.kind == DocChart::Kind::bars ? svg_bars(c) : svg_lines(c);
}

std::string render_markdown(const Doc& d) {
  std::ostringstream o;
  o << "# " << d.title << "\n\n";
  for (const auto& s : d.sections) {
    if (s.blocks.empty()) continue;
    if (!s.heading.empty()) o << "## " << s.heading << "\n\n";
    for (const auto& b : s.blocks) {
      switch (b.kind) {
        case DocBlock::Kind::paragraph:
          o << b.text << "\n\n";
          break;
        case DocBlock::Kind::list:
          for (const auto& i : b.items) o << "- " << i << "\n";
          o << "\n";
          break;
        case DocBlock::Kind::table:
          md_table(o, b.table);
          break;
        case DocBlock::Kind::chart:
          o << "**Chart: " << b.chart.title
            << (b.chart.unit.empty() ? "" : " (" + b.chart.unit + ")")
            << "** (drawn in the HTML report)\n\n";
          md_table(o, chart_table(b.chart));
          break;
      }
    }
  }
  return o.str();
}

std::string render_html(const Doc& d) {
  std::ostringstream o;
  o << "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'><title>" << esc(d.title)
    << "</title><style>" << kStyle << "</style></head><body>\n<h1>" << esc(d.title) << "</h1>\n";
  for (const auto& s : d.sections) {
    if (s.blocks.empty()) continue;
    if (!s.heading.empty()) o << "<h2>" << esc(s.heading) << "</h2>\n";
    for (const auto& b : s.blocks) {
      switch (b.kind) {
        case DocBlock::Kind::paragraph:
          o << "<p>" << inline_html(b.text) << "</p>\n";
          break;
        case DocBlock::Kind::list:
          o << "<ul>\n";
          for (const auto& i : b.items) o << "<li>" << inline_html(i) << "</li>\n";
          o << "</ul>\n";
          break;
        case DocBlock::Kind::table:
          html_table(o, b.table);
          break;
        case DocBlock::Kind::chart:
          o << render_svg(b.chart) << "\n";
          html_table(o, chart_table(b.chart), "data");
          break;
      }
    }
  }
  o << "</body></html>\n";
  return o.str();
}

}  // namespace dtx
